r"""Schulman's sampled estimators k1, k2, k3 of :math:`D_{KL}(Q \| P)` from draws of Q.

In chapter 9, Q is the policy :math:`\pi` being trained (the replies are drawn from
it) and P the reference :math:`\pi_{ref}`: the estimators estimate the RLHF penalty
:math:`D_{KL}(\pi \| \pi_{ref})` with :math:`\rho = \pi_{ref}(y) / \pi(y)`.

RLHF code cannot sum a divergence over every possible reply: it samples replies
from the policy and averages a per-sample estimate. This module evaluates the
three estimators, draws them, and gives their exact moments for a small
vocabulary (sums over the vocabulary, no sampling).

References
----------
J. Schulman, "Approximating KL Divergence", 2020. http://joschu.net/blog/kl-approx.html
"""

import math
from typing import NamedTuple

import numpy as np

from .divergences import kl_divergence
from .numerics import expm1_minus_x, log_ratio
from .validate import as_generator, as_log_array, count, distribution_pair

__all__ = ["ESTIMATORS", "KLSample", "EstimatorMoments", "kl_estimator_values", "sample_kl_estimators",
           "kl_estimator_moments"]

ESTIMATORS = ("k1", "k2", "k3")


class KLSample(NamedTuple):
    """Draws from Q and the three estimators' values at them (see :func:`sample_kl_estimators`)."""

    samples: np.ndarray      #: token indices drawn from Q, shape (..., n)
    log_ratio: np.ndarray    #: log ρ = log p(y) - log q(y) at each draw y
    k1: np.ndarray           #: -log ρ
    k2: np.ndarray           #: (log ρ)^2 / 2
    k3: np.ndarray           #: (ρ - 1) - log ρ


class EstimatorMoments(NamedTuple):
    """Exact mean, bias and standard deviation of one estimator (per draw)."""

    mean: float
    bias: float
    std: float


def kl_estimator_values(log_ratio):
    r"""Schulman's three single-sample estimators of :math:`D_{KL}(Q \| P)`.

    For a draw :math:`y \sim Q` and the ratio :math:`\rho = p(y) / q(y)`:

    .. math::

        k_1 = -\log \rho, \qquad k_2 = \tfrac12 (\log \rho)^2, \qquad k_3 = (\rho - 1) - \log \rho

    Averaged over many draws, k1 and k3 are unbiased: :math:`E_Q[k_1] = E_Q[k_3]
    = D_{KL}(Q \| P)` (for k3 because :math:`E_Q[\rho] = 1` when P's support lies
    within Q's). k2 is biased, but its bias is of third order in log ρ, so small
    when P and Q are close, and it has low variance. k1 can be negative for a single draw; k2 and k3 never are
    (:math:`\log \rho \le \rho - 1`). k3 is computed without cancellation (a series
    where ρ is near 1), so it keeps its relative precision however close ρ is
    to 1. Values are in nats; an estimate beyond the float range is ``inf``.

    Parameters
    ----------
    log_ratio : array_like
        :math:`\log p(y) - \log q(y)` for each draw (a number or an array of any
        shape); ``-inf`` (P rules out a drawn token) gives ``inf`` for every
        estimator. NaN and ``+inf`` are refused.

    Returns
    -------
    dict
        ``{"k1": ndarray, "k2": ndarray, "k3": ndarray}``, each of the input's shape.

    Examples
    --------
    >>> values = kl_estimator_values([np.log(2.0), 0.0, -np.log(2.0)])
    >>> values["k1"].round(4)
    array([-0.6931,  0.    ,  0.6931])
    >>> values["k3"].round(4)
    array([0.3069, 0.    , 0.1931])
    >>> kl_estimator_values(1e-10)["k3"]  # (1e-10)**2 / 2, every digit kept
    array(5.e-21)
    """
    # over: estimates beyond 1.8e308 are inf; under: squares below 1e-308 are 0.
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        log_r = as_log_array(log_ratio, "log_ratio")
        return {"k1": -log_r + 0.0, "k2": 0.5 * log_r ** 2, "k3": expm1_minus_x(log_r)}


def _log_ratio_on_support(q, p):
    """log(p / q) to full precision where q > 0 (-inf where p = 0), and 0 off Q's support (never drawn)."""
    on_support = q > 0
    return log_ratio(np.where(on_support, p, 1.0), np.where(on_support, q, 1.0))


def sample_kl_estimators(q, p, n_samples, rng=None):
    r"""Draw tokens from Q and evaluate the estimators k1, k2, k3 of :math:`D_{KL}(Q \| P)` at them.

    This is how RLHF code measures the KL penalty: it cannot sum over every
    possible reply, so it samples replies from the policy Q and averages a
    per-sample estimate (see :func:`kl_estimator_values` for the formulas).
    The mean of ``k1`` or ``k3`` over the draws estimates the divergence without
    bias; their standard error is the standard deviation over ``sqrt(n_samples)``.

    Parameters
    ----------
    q : array_like, shape (..., vocab)
        The distribution the tokens are drawn from (the policy).
    p : array_like, shape (..., vocab)
        The other distribution (the reference), of the same shape.
    n_samples : int
        Draws per distribution (per row of a batch).
    rng : numpy.random.Generator or int or None
        Source of randomness: a Generator, or a seed for one. Pass one for
        reproducible numbers; ``None`` draws fresh entropy.

    Returns
    -------
    KLSample
        Named tuple ``(samples, log_ratio, k1, k2, k3)``, each of shape ``(..., n_samples)``.

    Examples
    --------
    >>> import klhelpers as kl
    >>> draws = sample_kl_estimators(kl.Q, kl.P, 100_000, rng=0)
    >>> exact = kl.kl_divergence(kl.Q, kl.P)
    >>> standard_error = draws.k3.std() / np.sqrt(100_000)
    >>> round(exact, 4), bool(abs(draws.k3.mean() - exact) < 3 * standard_error)
    (0.2147, True)
    >>> bool((draws.k3 >= 0).all())
    True
    """
    # divide: log 0 = -inf where P rules out a token; over: estimates beyond 1.8e308 are inf.
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="warn"):
        q, p = distribution_pair(q, p, ("q", "p"))
        n = count(n_samples, "n_samples")
        generator = as_generator(rng)
        return _sample(q, p, n, generator)


def _sample(q, p, n, generator):
    """The work of :func:`sample_kl_estimators` on checked input."""
    rows_q = q.reshape(-1, q.shape[-1])
    samples = np.empty((rows_q.shape[0], n), dtype=np.intp)
    uniforms = generator.random((rows_q.shape[0], n))
    for row, q_row in enumerate(rows_q):
        cdf = np.cumsum(q_row)
        cdf /= cdf[-1]
        # Inverse CDF: the first index whose cumulative probability exceeds u (never one with q = 0).
        samples[row] = np.minimum(np.searchsorted(cdf, uniforms[row], side="right"), q.shape[-1] - 1)
    samples = samples.reshape(q.shape[:-1] + (n,))
    log_ratio = np.take_along_axis(_log_ratio_on_support(q, p), samples, axis=-1)
    values = kl_estimator_values(log_ratio)
    return KLSample(samples, log_ratio, values["k1"], values["k2"], values["k3"])


def kl_estimator_moments(q, p):
    r"""Exact mean, bias and standard deviation of k1, k2, k3 for one draw from Q.

    No sampling: each moment is a sum over the vocabulary,
    :math:`E_Q[k] = \sum_x q(x)\, k(x)` and :math:`\mathrm{Var}_Q[k] = E_Q[k^2] - E_Q[k]^2`
    (computed as :math:`E_Q[(k - E_Q k)^2]`, scaled so that it cannot overflow), and the bias is
    :math:`E_Q[k] - D_{KL}(Q \| P)`. The means of k1 and k3 are taken in forms
    whose terms do not cancel when Q is close to P: :math:`E_Q[k_1] = D_{KL}(Q \| P)`
    and :math:`E_Q[k_3] = D_{KL}(Q \| P) + \sum_x (p(x) - q(x))` over Q's support.
    The mean of n independent draws has the same bias and standard deviation
    ``std / sqrt(n)``. In nats.

    Parameters
    ----------
    q, p : array_like, shape (vocab,)
        The sampling distribution Q and the other distribution P.

    Returns
    -------
    dict
        ``{"k1": EstimatorMoments, "k2": ..., "k3": ...}``; each holds floats
        ``mean``, ``bias`` and ``std``. If P gives 0 to a token Q can draw,
        the divergence and every mean and std are ``inf``, and the bias is
        reported as 0 (each mean equals the infinite divergence).

    Examples
    --------
    >>> import klhelpers as kl
    >>> moments = kl_estimator_moments(kl.Q, kl.P)
    >>> round(moments["k1"].bias, 12), round(moments["k3"].bias, 12)
    (0.0, 0.0)
    >>> moments["k3"].std < moments["k1"].std
    True
    """
    # divide: log 0 where P rules out a token; over: k3 beyond 1.8e308 (handled in _moments).
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="warn"):
        q, p = distribution_pair(q, p, ("q", "p"))
        if q.ndim != 1:
            raise ValueError(f"q and p must be single distributions of shape (vocab,), got shape {q.shape}")
        exact = kl_divergence(q, p)
        support = q > 0
        weights = q[support]
        log_r = _log_ratio_on_support(q, p)[support]
        if np.isneginf(log_r).any():
            # Q draws a token P rules out: every estimator is inf there, and so is the divergence.
            return {name: EstimatorMoments(math.inf, 0.0, math.inf) for name in ESTIMATORS}
        values = kl_estimator_values(log_r)
        # The means of k1 and k3 in forms without cancellation (their terms have both signs and
        # nearly cancel when Q is close to P): sum_y q (-log ρ) is the divergence itself, and
        # sum_y q (ρ - 1) = sum_y (p - q) over Q's support, added exactly by math.fsum.
        means = {"k1": exact, "k2": float(weights @ values["k2"]),
                 "k3": exact + math.fsum(p[support] - weights)}
        return {name: EstimatorMoments(means[name], means[name] - exact,
                                       _std(weights, values[name], means[name], log_r))
                for name in ESTIMATORS}


def _std(weights, values, mean, log_r):
    """sqrt(sum_x w (k - mean)^2) without overflow.

    The squared deviations are taken after dividing by the largest one, so a deviation
    of 5e299 with weight 1e-300 gives a standard deviation of 5e149 rather than inf.
    Values that overflowed (k3 = ρ - 1 - log ρ beyond 1.8e308, where Q draws a token with
    subnormal probability) enter through logarithms: there the deviation is ρ to every
    digit, and w (k - mean)^2 = e^(log w + 2 log ρ).
    """
    beyond = np.isinf(values)
    deviations = np.abs(values[~beyond] - mean)
    largest = float(deviations.max()) if deviations.size else 0.0
    scaled = float(weights[~beyond] @ (deviations / largest) ** 2) if largest > 0 else 0.0
    if not beyond.any():
        return largest * math.sqrt(scaled)
    log_variance = np.logaddexp.reduce(np.log(weights[beyond]) + 2.0 * log_r[beyond])
    if scaled > 0:
        log_variance = np.logaddexp(log_variance, 2.0 * math.log(largest) + math.log(scaled))
    return float(np.exp(0.5 * log_variance))


# -- RLHF -----------------------------------------------------------------------------------------
