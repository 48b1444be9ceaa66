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
from typing import NamedTuple

import numpy as np

from .divergences import float_or_array, kl_divergence, log_ratio
from .validate import (as_distribution, as_finite_array, as_generator, as_log_array, bounded_real, count,
                       distribution_pair, log_of_base, positive, same_shape)

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

# h(x) = e^x - 1 - x is expm1(x) - x, except where that cancels: for |x| < 1/4 (h below
# _H_SMALL = h(-1/4)) the Taylor series x^2 (1/2! + x/3! + ... + x^12/14!) takes over, whose
# first omitted term is below 1e-17 of the sum. Outside, only the rounding of expm1 remains:
# a few ulp (at most 4 eps at |x| = 1/4, less beyond).
_H_SERIES = 1.0 / np.cumprod(np.arange(2.0, 15.0))
_H_SMALL = math.expm1(-0.25) + 0.25


def _expm1_minus_x(x):
    """h(x) = e^x - 1 - x >= 0 for a float array x (entries finite or -inf), as a new array."""
    h = np.expm1(x, out=np.empty_like(x))
    h -= x
    small = h < _H_SMALL
    n_small = np.count_nonzero(small)
    if 4 * n_small > h.size:  # mostly small (x close to 0 everywhere): the series for all, no indexing
        with np.errstate(over="ignore", invalid="ignore"):  # the series of a large x is discarded
            series = x * x * np.polynomial.polynomial.polyval(x, _H_SERIES)
        np.copyto(h, series, where=small)
    elif n_small:
        flat, where = h.reshape(-1), np.flatnonzero(small)  # a view: h is a fresh contiguous array
        x_small = x.reshape(-1)[where]
        flat[where] = x_small * x_small * np.polynomial.polynomial.polyval(x_small, _H_SERIES)
    return h


def _shifted(logits, temperature):
    """(z - max z) / T along the last axis: every entry <= 0, the largest exactly 0.

    Subtracting before dividing keeps a tiny T from turning finite logits into
    inf - inf; an entry whose true value is below -1.8e308 becomes -inf, a
    probability of exactly 0. Logits spanning more than the float range (say
    -1e308 and 1e308) are shifted at a quarter of their size, so that a large T
    still brings them back into range. Returns a fresh array.
    """
    top = logits.max(axis=-1, keepdims=True)
    try:
        with np.errstate(over="raise"):  # numpy checks this flag after every operation anyway
            z = logits - top
    except FloatingPointError:
        z = (logits / 4.0 - top / 4.0) / temperature
        z *= 4.0
        return z
    if temperature != 1.0:
        z /= temperature
    return z


def _log_softmax_of_shifted(z):
    """z - log sum_k e^{z_k} for z from :func:`_shifted` (largest entry 0).

    The sum is 1 + (the other terms), so its logarithm is log1p of those: the
    likeliest token's log-probability keeps its digits even when it is -1e-20.
    """
    others = np.exp(z)
    np.put_along_axis(others, z.argmax(axis=-1)[..., None], 0.0, axis=-1)
    return z - np.log1p(others.sum(axis=-1, keepdims=True))


# -- from logits to probabilities -------------------------------------------------------------

def softmax(logits, temperature=1.0):
    r"""Probabilities from logits: the softmax at temperature T.

    .. math:: \mathrm{softmax}(z / T)_k = \frac{e^{z_k / T}}{\sum_j e^{z_j / T}}

    Computed as :math:`e^{(z_k - m)/T} / \sum_j e^{(z_j - m)/T}` with :math:`m = \max_j z_j`,
    which is the same number but never overflows: the largest exponent is 0. (Subtracting
    before dividing matters for a tiny T, where :math:`z/T` itself would overflow.)
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
    # under: unlikely tokens get probability 0; over: a tiny T sends them to -inf first.
    with np.errstate(under="ignore", over="ignore", divide="warn", invalid="warn"):
        z = _shifted(as_finite_array(logits, "logits"), positive(temperature, "temperature"))
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)  # the sum is >= 1: the largest term is e^0


def log_softmax(logits, temperature=1.0):
    r"""Log-probabilities from logits: the logarithm of :func:`softmax`, in nats.

    .. math:: \log \mathrm{softmax}(z / T)_k = \frac{z_k}{T} - \log \sum_j e^{z_j / T}

    Computed with the maximum subtracted first (the log-sum-exp trick), so a
    token whose probability underflows to 0 in :func:`softmax` still gets its
    exact, finite log-probability; only one below the float range (-1.8e308,
    say with a temperature of 1e-309) is ``-inf``. The sum of the other tokens'
    weights goes through ``log1p``, so the likeliest token's log-probability keeps
    its digits even when it is as close to 0 as -1e-20.

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
    with np.errstate(under="ignore", over="ignore", divide="warn", invalid="warn"):
        z = _shifted(as_finite_array(logits, "logits"), positive(temperature, "temperature"))
        return _log_softmax_of_shifted(z)


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
    with np.errstate(under="ignore", over="warn", divide="warn", invalid="warn"):
        p = as_distribution(p, "p")
        epsilon = bounded_real(epsilon, "epsilon", 0.0, 1.0)
        return (1.0 - epsilon) * p + epsilon / p.shape[-1]


def _kl_near(a, b, temperature):
    r"""D(softmax(a/T) || softmax(b/T)) per row, in a form that does not cancel when a ~ b.

    With :math:`\delta = (a - b)/T`, :math:`\mu = E_P[\delta]` and :math:`v = \mu - \delta`
    (log q - log p up to a constant), the divergence is exactly

    .. math:: D = \log\left(1 + E_P[v] + E_P[h(v)]\right) - E_P[v], \qquad h(v) = e^v - 1 - v \ge 0,

    where :math:`E_P[v]` is 0 up to the rounding of :math:`\mu` and enters only at second
    order, and :math:`E_P[h(v)]` is a sum of non-negative terms: no cancellation, so near-equal
    logits keep their relative precision. Q's normaliser is not needed at all. Rows whose
    logits are too far apart for e^v give inf or nan here and go to :func:`_kl_far`.
    """
    weights = _shifted(a, temperature)
    np.exp(weights, out=weights)                          # e^(a/T - max): P up to its normaliser
    normaliser = weights.sum(axis=-1)
    v = a - b                                             # exact when a_k and b_k are close
    if temperature != 1.0:
        v /= temperature
    mu = np.einsum("...k,...k->...", weights, v) / normaliser
    np.subtract(mu[..., None], v, out=v)
    # First h(v) = expm1(v) - v everywhere: off by the rounding of expm1, at most 0.3 eps in all
    # where |v| < 1/4 (and a few ulp of h elsewhere). Against a divergence of 1/16 or more that is
    # below 5 eps; rows with less are redone with the series for small |v|.
    h = np.expm1(v)
    h -= v
    total = _from_spread(weights, normaliser, v, h)
    small = np.flatnonzero(total < 0.0625)
    if small.size:
        total[small] = _from_spread(weights[small], normaliser[small], v[small], _expm1_minus_x(v[small]))
    return total


def _from_spread(weights, normaliser, v, h):
    """log(1 + E_P[v] + E_P[h]) - E_P[v], the last step of :func:`_kl_near`."""
    spread = np.einsum("...k,...k->...", weights, h) / normaliser
    mean = np.einsum("...k,...k->...", weights, v) / normaliser
    return np.log1p(spread + mean) - mean


def _quarter_log_softmax(logits, temperature):
    """log softmax(z / T) / 4, computed on z / 4 so that differences of logits near ±1e308 stay finite."""
    quarter = _shifted(logits / 4.0, temperature)         # (z - max z) / 4T
    others = np.exp(4.0 * quarter)
    np.put_along_axis(others, quarter.argmax(axis=-1)[..., None], 0.0, axis=-1)
    return quarter - np.log1p(others.sum(axis=-1, keepdims=True)) / 4.0


def _kl_far(a, b, temperature):
    r"""The textbook :math:`\sum_k p_k (\log p_k - \log q_k)` for rows :func:`_kl_near` cannot take.

    Those rows have log-ratios beyond the range of exp, so the divergence is far from 0
    and the direct sum is accurate. It runs at a quarter of the scale, so logits of
    either sign up to 1.8e308 give finite differences; tokens whose probability under
    P underflows to 0 contribute 0.
    """
    log_p = _quarter_log_softmax(a, temperature)
    log_q = _quarter_log_softmax(b, temperature)
    p = np.exp(4.0 * log_p)
    terms = np.where(p > 0, p * (log_p - log_q), 0.0)
    return 4.0 * terms.sum(axis=-1)


def kl_from_logits(logits_p, logits_q, temperature=1.0, base=None):
    r"""KL divergence between the softmax distributions of two sets of logits.

    With :math:`P = \mathrm{softmax}(a/T)` and :math:`Q = \mathrm{softmax}(b/T)`,

    .. math::

        D_{KL}(P \| Q) = \sum_k p_k \left(\log p_k - \log q_k\right)
                       = E_P[\delta] + \log E_P\left[e^{-\delta}\right], \qquad \delta = (a - b)/T

    This is :func:`klhelpers.kl_divergence` taken in log space: every
    log-probability is finite, so there are no ``0 * log 0`` or ``p / 0`` cases
    and no overflow, whatever the size of the logits (up to ±1.8e308) or the
    temperature. A token with :math:`p_k` so small it underflows contributes 0,
    as it should. The sum is arranged so that nothing cancels when the logits are
    close (see ``_kl_near`` in the source): the result keeps about 14 significant
    digits down to divergences of 1e-20, where subtracting log-normalisers would
    leave none.

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
        Logarithm base, a number > 1; ``None`` (default) gives nats, ``2`` bits.

    Returns
    -------
    float or ndarray, shape (...)
        One divergence per row; a float for 1-D input. ``inf`` only when the
        divergence exceeds the float range.

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
    >>> kl_from_logits([0.0, 0.0], [0.0, 2e-9])  # (1e-9)**2 / 2: no digits lost
    5e-19
    """
    # under: tokens with probability below 1e-308 count as 0; over and invalid: rows whose
    # log-ratios leave the range of exp, sent to _kl_far.
    with np.errstate(under="ignore", over="ignore", invalid="ignore", divide="warn"):
        a = as_finite_array(logits_p, "logits_p")
        b = as_finite_array(logits_q, "logits_q")
        same_shape(a, b, ("logits_p", "logits_q"))
        t = positive(temperature, "temperature")
        scale = log_of_base(base)
        rows_a = a.reshape(-1, a.shape[-1])
        rows_b = b.reshape(-1, b.shape[-1])
        total = _kl_near(rows_a, rows_b, t)
        far = ~np.isfinite(total)
        if far.any():
            total[far] = _kl_far(rows_a[far], rows_b[far], t)
        total = np.maximum(total, 0.0) / scale
        return float_or_array(total.reshape(a.shape[:-1]))


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
    (:math:`\log r \le r - 1`). k3 is computed without cancellation (a series
    where r is near 1), so it keeps its relative precision however close r is
    to 1. Values are in nats; an estimate beyond the float range is ``inf``.

    Parameters
    ----------
    log_ratio : array_like
        :math:`\log p(x) - \log q(x)` for each draw (a number or an array of any
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
        return {"k1": -log_r + 0.0, "k2": 0.5 * log_r ** 2, "k3": _expm1_minus_x(log_r)}


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
        # nearly cancel when Q is close to P): sum_x q (-log r) is the divergence itself, and
        # sum_x q (r - 1) = sum_x (p - q) over Q's support, added exactly by math.fsum.
        means = {"k1": exact, "k2": float(weights @ values["k2"]),
                 "k3": exact + math.fsum(p[support] - weights)}
        return {name: EstimatorMoments(means[name], means[name] - exact,
                                       _std(weights, values[name], means[name], log_r))
                for name in ESTIMATORS}


def _std(weights, values, mean, log_r):
    """sqrt(sum_x w (k - mean)^2) without overflow.

    The squared deviations are taken after dividing by the largest one, so a deviation
    of 5e299 with weight 1e-300 gives a standard deviation of 5e149 rather than inf.
    Values that overflowed (k3 = r - 1 - log r beyond 1.8e308, where Q draws a token with
    subnormal probability) enter through logarithms: there the deviation is r to every
    digit, and w (k - mean)^2 = e^(log w + 2 log r).
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
    # over: a reward gap beyond 1.8e308 (or a tiny beta) sends a log-weight to -inf, a weight of 0.
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        ref = as_distribution(reference, "reference")
        r = as_finite_array(reward, "reward")
        same_shape(ref, r, ("reference", "reward"))
        b = positive(beta, "beta")
        allowed = ref > 0
        reward_allowed = np.where(allowed, r, -np.inf)
        gap = reward_allowed - reward_allowed.max(axis=-1, keepdims=True)  # <= 0; -inf where ref = 0
        log_weights = np.log(np.where(allowed, ref, 1.0)) + gap / b
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
    # over: an objective beyond the float range is -inf or inf.
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        pi, ref = distribution_pair(policy, reference, ("policy", "reference"))
        r = as_finite_array(reward, "reward")
        if r.shape != pi.shape:
            raise ValueError(f"reward must have the policy's shape {pi.shape}, got {r.shape}")
        b = positive(beta, "beta")
        # Half of J: rewards near 1.8e308 cannot overflow E[r] / 2, so an infinite penalty
        # gives -inf rather than inf - inf.
        half = np.einsum("...k,...k->...", pi, r / 2.0) - (b / 2.0) * np.asarray(kl_divergence(pi, ref))
        return float_or_array(2.0 * half)
