r"""From logits to probabilities, and KL divergence between two sets of logits.

A language model does not hand out probabilities; it hands out *logits*, one
real number per token, and the probabilities are their softmax. These functions
work from logits directly and stay in log space, so logits of any size (say
10 000) give finite, accurate answers where exponentiating first would overflow.
Everything reduces over the *last* axis: a vector of shape ``(vocab,)`` gives a
float and a batch of shape ``(batch, vocab)`` an array of shape ``(batch,)``.
"""

import numpy as np

from .divergences import float_or_array
from .numerics import expm1_minus_x
from .validate import as_finite_array, log_of_base, positive, same_shape

__all__ = ["softmax", "log_softmax", "kl_from_logits"]

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
    # A constant per row changes nothing; taking the likeliest token's away keeps v small, so
    # that mu below is not rounded at the scale of the logits (1e16 apart, say) but of their spread.
    v -= np.take_along_axis(v, weights.argmax(axis=-1)[..., None], axis=-1)
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
        total[small] = _from_spread(weights[small], normaliser[small], v[small], expm1_minus_x(v[small]))
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
