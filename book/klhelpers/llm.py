r"""KL divergence where language models meet it: logits, sampled estimates, RLHF.

A language model does not hand out probabilities; it hands out *logits*, one
real number per token, and the probabilities are their softmax. This module
works from logits directly and stays in log space, so logits of any size
(say 10 000) give finite, accurate answers where exponentiating first would
overflow.

Everything reduces over the *last* axis: a vector of shape ``(vocab,)`` gives a
float and a batch of shape ``(batch, vocab)`` an array of shape ``(batch,)``.
Bad input raises :class:`ValueError` naming the argument, the index and the value.

Contents
--------
softmax, log_softmax
    Probabilities and log-probabilities from logits, with a temperature.
smooth
    Mix a distribution with the uniform one (label smoothing, an epsilon floor).
kl_from_logits
    :math:`D_{KL}(\mathrm{softmax}(a/T) \| \mathrm{softmax}(b/T))` without overflow.
kl_estimator_values, sample_kl_estimators, kl_estimator_moments
    Schulman's sampled estimators k1, k2, k3 of :math:`D_{KL}(Q \| P)` from draws of Q.
kl_regularized_policy, rlhf_objective
    The RLHF objective :math:`E_\pi[r] - \beta D_{KL}(\pi \| \pi_{ref})` and its optimum.

References
----------
J. Schulman, "Approximating KL Divergence", 2020. http://joschu.net/blog/kl-approx.html
D. M. Ziegler et al., "Fine-Tuning Language Models from Human Preferences", 2019.
L. Ouyang et al., "Training language models to follow instructions with human feedback", 2022.
"""

import math
import numbers
from typing import NamedTuple

import numpy as np

from .divergences import (_as_distribution, _log_of_base, _position, _result,
                          as_finite_array, kl_divergence)

__all__ = [
    "softmax",
    "log_softmax",
    "smooth",
    "kl_from_logits",
    "kl_estimator_values",
    "sample_kl_estimators",
    "kl_estimator_moments",
    "KLSample",
    "EstimatorMoments",
    "kl_regularized_policy",
    "rlhf_objective",
]

ESTIMATORS = ("k1", "k2", "k3")


# -- validation ---------------------------------------------------------------------------

def _positive(value, name):
    """A finite number > 0 (a temperature, a KL coefficient)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return float(value)


def _count(value, name):
    """A whole number >= 1 (a sample size)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


def _two_distributions(first, second, names):
    """Two probability arrays of equal shape, each checked under its own name."""
    a = _as_distribution(first, names[0])
    b = _as_distribution(second, names[1])
    if a.shape != b.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, got {a.shape} and {b.shape}")
    return a, b


def _generator(rng):
    """A numpy Generator from a Generator, an integer seed, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be a numpy Generator, a non-negative integer seed or None, "
                     f"got {rng!r}")


def _shifted(logits, temperature):
    """logits / T minus their maximum along the last axis: every entry <= 0, one entry 0."""
    scaled = logits / temperature if temperature != 1.0 else logits
    return scaled - scaled.max(axis=-1, keepdims=True)


# -- from logits to probabilities -------------------------------------------------------------

def softmax(logits, temperature=1.0):
    r"""Probabilities from logits: the softmax at temperature T.

    .. math:: \mathrm{softmax}(z / T)_k = \frac{e^{z_k / T}}{\sum_j e^{z_j / T}}

    Computed as :math:`e^{z_k/T - m} / \sum_j e^{z_j/T - m}` with :math:`m = \max_j z_j/T`,
    which is the same number but never overflows: the largest exponent is 0.
    Adding a constant to every logit changes nothing. A temperature below 1
    sharpens the distribution towards the largest logit; above 1 flattens it
    towards uniform. Very unlikely tokens may underflow to probability exactly 0;
    use :func:`log_softmax` when their logarithms matter.

    Parameters
    ----------
    logits : array_like, shape (..., vocab)
        Finite real numbers; the vocabulary is the last axis.
    temperature : float, optional
        A positive, finite number (default 1).

    Returns
    -------
    ndarray, shape (..., vocab)
        Probabilities summing to 1 along the last axis.

    Raises
    ------
    ValueError
        For non-numeric, empty, NaN or infinite logits, or a temperature that is
        not a positive finite number; the message names the argument, index and value.

    Examples
    --------
    >>> softmax([0.0, 0.0, 0.0, 0.0])
    array([0.25, 0.25, 0.25, 0.25])
    >>> softmax([1000.0, 1000.0 + np.log(3)])  # no overflow
    array([0.25, 0.75])
    >>> softmax([1.0, 2.0, 3.0], temperature=100.0).round(3)  # nearly uniform
    array([0.33 , 0.333, 0.337])
    """
    z = _shifted(as_finite_array(logits, "logits"), _positive(temperature, "temperature"))
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(logits, temperature=1.0):
    r"""Log-probabilities from logits: the logarithm of :func:`softmax`, in nats.

    .. math:: \log \mathrm{softmax}(z / T)_k = \frac{z_k}{T} - \log \sum_j e^{z_j / T}

    Computed with the maximum subtracted first (the log-sum-exp trick), so the
    result is finite for any finite logits: a token whose probability
    underflows to 0 in :func:`softmax` still gets its exact, finite log-probability.

    Parameters
    ----------
    logits : array_like, shape (..., vocab)
        Finite real numbers; the vocabulary is the last axis.
    temperature : float, optional
        A positive, finite number (default 1).

    Returns
    -------
    ndarray, shape (..., vocab)
        Natural-log probabilities (all <= 0) whose exponentials sum to 1.

    Examples
    --------
    >>> log_softmax([0.0, 0.0])
    array([-0.69314718, -0.69314718])
    >>> log_softmax([0.0, 10000.0])  # softmax would give exactly 0 for the first token
    array([-10000.,      0.])
    """
    z = _shifted(as_finite_array(logits, "logits"), _positive(temperature, "temperature"))
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def smooth(p, epsilon):
    r"""Mix a distribution with the uniform one: label smoothing, or a floor under a model.

    .. math:: p^{(\varepsilon)}_k = (1 - \varepsilon)\, p_k + \frac{\varepsilon}{K}

    over K outcomes. Every outcome then has probability at least
    :math:`\varepsilon / K`, so a divergence :math:`D_{KL}(\cdot \| p^{(\varepsilon)})` is
    finite for any :math:`\varepsilon > 0`. Language-model training uses the same
    mixture on its one-hot targets ("label smoothing").

    Parameters
    ----------
    p : array_like, shape (..., K)
        Probability vector(s) along the last axis.
    epsilon : float
        The share of uniform probability, in [0, 1].

    Returns
    -------
    ndarray, shape (..., K)

    Examples
    --------
    >>> smooth([1.0, 0.0, 0.0, 0.0], 0.2)
    array([0.85, 0.05, 0.05, 0.05])
    """
    p = _as_distribution(p, "p")
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not 0 <= epsilon <= 1:
        raise ValueError(f"epsilon must be a number in [0, 1], got {epsilon!r}")
    return (1.0 - epsilon) * p + epsilon / p.shape[-1]


def kl_from_logits(logits_p, logits_q, temperature=1.0, base=None):
    r"""KL divergence between the softmax distributions of two sets of logits.

    With :math:`P = \mathrm{softmax}(a/T)` and :math:`Q = \mathrm{softmax}(b/T)`,

    .. math::

        D_{KL}(P \| Q) = \sum_k p_k \left(\log p_k - \log q_k\right)
                       = \sum_k p_k \left(\tilde a_k - \tilde b_k\right) - \log Z_a + \log Z_b

    where :math:`\tilde a = a/T - \max(a/T)`, :math:`Z_a = \sum_k e^{\tilde a_k}` and the
    same for b. This is the sum of :func:`klhelpers.kl_divergence` taken in log
    space: every log-probability is finite, so there are no ``0 * log 0`` or
    ``p / 0`` cases and no overflow, whatever the size of the logits. A token
    with :math:`p_k` so small it underflows contributes 0, as it should.

    The result is never negative (a rounding-level negative is returned as 0)
    and is 0 when the two sets of logits differ by a constant.

    Parameters
    ----------
    logits_p, logits_q : array_like, shape (..., vocab)
        Finite logits of P (e.g. the data's or a policy's) and of Q (the model's
        or the reference's), of equal shape. The vocabulary is the last axis.
    temperature : float, optional
        Both sets of logits are divided by this positive number first (default 1).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats, ``2`` bits.

    Returns
    -------
    float or ndarray, shape (...)
        One divergence per row; a float for 1-D input.

    Raises
    ------
    ValueError
        Bad logits (named ``logits_p`` or ``logits_q`` with index and value),
        unequal shapes, a bad temperature or base.

    See Also
    --------
    klhelpers.kl_divergence : the same divergence from probabilities.

    Examples
    --------
    >>> import klhelpers as kl
    >>> round(kl_from_logits(np.log(kl.P), np.log(kl.Q)), 4)
    0.1874
    >>> kl_from_logits([1.0, 2.0, 3.0], [11.0, 12.0, 13.0])  # a shift changes nothing
    0.0
    >>> kl_from_logits([0.0, 10000.0], [10000.0, 0.0])  # finite where probabilities underflow
    10000.0
    >>> kl_from_logits([[0.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [1.0, 0.0]]).round(4)
    array([0.    , 0.4621])
    """
    a = as_finite_array(logits_p, "logits_p")
    b = as_finite_array(logits_q, "logits_q")
    if a.shape != b.shape:
        raise ValueError(f"logits_p and logits_q must have the same shape, got {a.shape} and {b.shape}")
    t = _positive(temperature, "temperature")
    scale = _log_of_base(base)
    a = _shifted(a, t)                      # a fresh array: safe to work on in place below
    b = _shifted(b, t)
    p = np.exp(a)
    z_a = p.sum(axis=-1)
    z_b = np.exp(b).sum(axis=-1)
    np.subtract(a, b, out=a)                # a_k - b_k: log p_k - log q_k up to the normalisers
    total = np.einsum("...k,...k->...", p, a) / z_a - np.log(z_a) + np.log(z_b)
    return _result(np.maximum(total, 0.0) / scale)


# -- sampled estimators of KL ---------------------------------------------------------------------

class KLSample(NamedTuple):
    """Draws from Q and the three estimators' values at them (see :func:`sample_kl_estimators`)."""

    samples: np.ndarray      #: token indices drawn from Q, shape (..., n)
    log_ratio: np.ndarray    #: log r = log p(x) - log q(x) at each draw
    k1: np.ndarray           #: -log r
    k2: np.ndarray           #: (log r)^2 / 2
    k3: np.ndarray           #: (r - 1) - log r


class EstimatorMoments(NamedTuple):
    """Exact mean, bias and standard deviation of one estimator (per draw)."""

    mean: float
    bias: float
    std: float


def kl_estimator_values(log_ratio):
    r"""Schulman's three single-sample estimators of :math:`D_{KL}(Q \| P)`.

    For a draw :math:`x \sim Q` and :math:`r = p(x) / q(x)`:

    .. math::

        k_1 = -\log r, \qquad k_2 = \tfrac12 (\log r)^2, \qquad k_3 = (r - 1) - \log r

    Averaged over many draws, k1 and k3 are unbiased: :math:`E_Q[k_1] = E_Q[k_3]
    = D_{KL}(Q \| P)` (for k3 because :math:`E_Q[r] = 1` when P's support lies
    within Q's). k2 is biased but close when P and Q are close, and has low
    variance. k1 can be negative for a single draw; k2 and k3 never are
    (:math:`\log r \le r - 1`). k3 is computed as ``expm1(log r) - log r``,
    accurate when r is near 1. Values are in nats.

    Parameters
    ----------
    log_ratio : array_like
        :math:`\log p(x) - \log q(x)` for each draw; ``-inf`` (P rules out a
        drawn token) gives ``inf`` for every estimator.

    Returns
    -------
    dict
        ``{"k1": ndarray, "k2": ndarray, "k3": ndarray}``, each of the input's shape.

    Examples
    --------
    >>> values = kl_estimator_values([np.log(2.0), 0.0, -np.log(2.0)])
    >>> values["k1"].round(4)
    array([-0.6931, -0.    ,  0.6931])
    >>> values["k3"].round(4)
    array([0.3069, 0.    , 0.1931])
    """
    if isinstance(log_ratio, (str, bytes)):
        raise ValueError(f"log_ratio must be numbers, got the string {log_ratio!r}")
    try:
        log_r = np.asarray(log_ratio, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"log_ratio must be numbers, got {log_ratio!r}") from None
    bad = np.flatnonzero(np.isnan(log_r) | (log_r == np.inf))
    if bad.size:
        where = _position(bad[0], log_r.shape) if log_r.ndim else ()
        raise ValueError(f"log_ratio has an invalid entry at index {where} ({log_r.ravel()[bad[0]]}): "
                         f"it must be a number or -inf")
    with np.errstate(over="ignore", invalid="ignore"):
        k3 = np.where(log_r == -np.inf, np.inf, np.expm1(log_r) - log_r)
    return {"k1": -log_r, "k2": 0.5 * log_r ** 2, "k3": np.maximum(k3, 0.0)}


def _log_ratio_on_support(q, p):
    """log p - log q where q > 0 (-inf where p = 0), and 0 off Q's support (never drawn)."""
    with np.errstate(divide="ignore"):
        return np.where(q > 0, np.log(p) - np.log(np.where(q > 0, q, 1.0)), 0.0)


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
    q, p = _two_distributions(q, p, ("q", "p"))
    n = _count(n_samples, "n_samples")
    generator = _generator(rng)
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
    (computed as :math:`E_Q[(k - E_Q k)^2]`), and the bias is
    :math:`E_Q[k] - D_{KL}(Q \| P)`. The mean of n independent draws has the
    same bias and standard deviation ``std / sqrt(n)``. In nats.

    Parameters
    ----------
    q, p : array_like, shape (vocab,)
        The sampling distribution Q and the other distribution P.

    Returns
    -------
    dict
        ``{"k1": EstimatorMoments, "k2": ..., "k3": ...}``; each holds floats
        ``mean``, ``bias`` and ``std``. If P gives 0 to a token Q can draw,
        every mean is ``inf`` and every std is ``nan``.

    Examples
    --------
    >>> import klhelpers as kl
    >>> moments = kl_estimator_moments(kl.Q, kl.P)
    >>> round(moments["k1"].bias, 12), round(moments["k3"].bias, 12)
    (0.0, 0.0)
    >>> moments["k3"].std < moments["k1"].std
    True
    """
    q, p = _two_distributions(q, p, ("q", "p"))
    if q.ndim != 1:
        raise ValueError(f"q and p must be single distributions of shape (vocab,), got shape {q.shape}")
    exact = kl_divergence(q, p)
    values = kl_estimator_values(_log_ratio_on_support(q, p))
    support = q > 0
    moments = {}
    for name in ESTIMATORS:
        k = values[name][support]
        weights = q[support]
        mean = float(weights @ k) if np.isfinite(k).all() else math.inf
        std = math.sqrt(float(weights @ (k - mean) ** 2)) if math.isfinite(mean) else math.nan
        bias = mean - exact if math.isfinite(exact) else math.nan
        moments[name] = EstimatorMoments(mean, bias, std)
    return moments


# -- RLHF -----------------------------------------------------------------------------------------

def kl_regularized_policy(reference, reward, beta):
    r"""The policy that maximises reward minus :math:`\beta` times the KL divergence from a reference.

    Over a finite set of replies y, the maximiser of the RLHF objective
    :math:`E_{\pi}[r(y)] - \beta\, D_{KL}(\pi \| \pi_{ref})` (see :func:`rlhf_objective`) is

    .. math:: \pi^*(y) = \frac{\pi_{ref}(y)\, e^{r(y)/\beta}}{\sum_{y'} \pi_{ref}(y')\, e^{r(y')/\beta}}

    the reference re-weighted by exponentiated reward. A large :math:`\beta`
    keeps :math:`\pi^*` near :math:`\pi_{ref}`; as :math:`\beta \to 0` it piles
    onto the best-rewarded replies the reference allows. Replies with
    :math:`\pi_{ref}(y) = 0` keep probability 0 for every :math:`\beta`: the
    penalty would be infinite. Computed in log space (no overflow for tiny
    :math:`\beta` or large rewards).

    Parameters
    ----------
    reference : array_like, shape (..., n)
        The reference policy :math:`\pi_{ref}`: probabilities along the last axis.
    reward : array_like, shape (..., n)
        Finite reward of each reply, same shape.
    beta : float
        The KL coefficient, positive and finite.

    Returns
    -------
    ndarray, shape (..., n)

    Examples
    --------
    >>> kl_regularized_policy([0.5, 0.5], [0.0, np.log(3)], beta=1.0)
    array([0.25, 0.75])
    >>> kl_regularized_policy([0.5, 0.5], [0.0, 1.0], beta=1e-9)
    array([0., 1.])
    """
    ref = _as_distribution(reference, "reference")
    r = as_finite_array(reward, "reward")
    if ref.shape != r.shape:
        raise ValueError(f"reference and reward must have the same shape, got {ref.shape} and {r.shape}")
    b = _positive(beta, "beta")
    allowed = ref > 0
    best = np.where(allowed, r, -np.inf).max(axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):
        log_weights = np.where(allowed, np.log(np.where(allowed, ref, 1.0)) + (r - best) / b, -np.inf)
    log_weights -= log_weights.max(axis=-1, keepdims=True)
    weights = np.exp(log_weights)
    return weights / weights.sum(axis=-1, keepdims=True)


def rlhf_objective(policy, reference, reward, beta):
    r"""The KL-regularised RLHF objective: expected reward minus :math:`\beta` times KL to the reference.

    .. math:: J(\pi) = \sum_y \pi(y)\, r(y) - \beta\, D_{KL}(\pi \| \pi_{ref})

    (Ziegler et al. 2019; Ouyang et al. 2022). The divergence runs from the
    policy being trained to the frozen reference, so it is an expectation over
    the policy's own samples, and it is infinite if the policy produces
    anything the reference never would. It is computed with
    :func:`klhelpers.kl_divergence` in nats, so :math:`\beta` converts nats into
    reward units. :func:`kl_regularized_policy` gives the maximiser.

    Parameters
    ----------
    policy, reference : array_like, shape (..., n)
        Probabilities of the policy :math:`\pi` and the reference :math:`\pi_{ref}`.
    reward : array_like, shape (..., n)
        Finite reward of each reply.
    beta : float
        The KL coefficient, positive and finite.

    Returns
    -------
    float or ndarray, shape (...)

    Examples
    --------
    >>> rlhf_objective([0.5, 0.5], [0.5, 0.5], [0.0, 1.0], beta=0.1)
    0.5
    >>> round(rlhf_objective([0.0, 1.0], [0.5, 0.5], [0.0, 1.0], beta=0.1), 4)  # 1 - 0.1 ln 2
    0.9307
    """
    pi, ref = _two_distributions(policy, reference, ("policy", "reference"))
    r = as_finite_array(reward, "reward")
    if r.shape != pi.shape:
        raise ValueError(f"reward must have the policy's shape {pi.shape}, got {r.shape}")
    b = _positive(beta, "beta")
    expected_reward = np.einsum("...k,...k->...", pi, r)
    return _result(expected_reward - b * np.asarray(kl_divergence(pi, ref)))
