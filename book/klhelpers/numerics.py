"""Floating-point building blocks that keep every digit.

The divergences of this book are sums of terms that nearly cancel when two
distributions are close (D_KL(P || Q) ~ 1e-20 from terms ~ 1e-10), and ratios or
exponentials that overflow at the ends of the float range. The functions here do
the delicate parts once, for :mod:`klhelpers.divergences`, :mod:`klhelpers.logits`
and :mod:`klhelpers.estimators`; each says which cancellation it avoids and how.
"""

import math

import numpy as np

__all__ = ["log_ratio", "log_ratio_from_change", "d_minus_log1p", "expm1_minus_x", "accurate_sum"]

# Coefficients 1/3, 1/5, ..., 1/33 of atanh(s) / s - 1 = s^2/3 + s^4/5 + ... as a series in s^2:
# sixteen terms reach double precision for |s| <= 1/3 (the next one is below 1e-16 of the sum).
_ATANH_SERIES = 1.0 / np.arange(3.0, 35.0, 2.0)
# The normal range of positive floats: a quotient outside it has lost digits or overflowed.
_TINY, _HUGE = np.finfo(float).tiny, np.finfo(float).max

# h(x) = e^x - 1 - x is expm1(x) - x, except where that cancels: for |x| < 1/4 (h below
# _H_SMALL = h(-1/4)) the Taylor series x^2 (1/2! + x/3! + ... + x^12/14!) takes over, whose
# first omitted term is below 1e-17 of the sum. Outside, only the rounding of expm1 remains:
# a few ulp (at most 4 eps at |x| = 1/4, less beyond).
_H_SERIES = 1.0 / np.cumprod(np.arange(2.0, 15.0))
_H_SMALL = math.expm1(-0.25) + 0.25


def log_ratio(top, bottom):
    """log(top / bottom) elementwise, to full precision; top >= 0, bottom > 0 (-inf where top = 0).

    Shared by :func:`kl_contributions`, :func:`kl_divergence` and the sampled
    estimators of :mod:`klhelpers.llm`. ``log(top) - log(bottom)`` would lose the
    digits of a ratio near 1 (and ``log(top / bottom)`` some of them); see
    :func:`log_ratio_from_change` for how each range is handled.

    >>> top, bottom = 0.75 + 2**-40, 0.75
    >>> print(f"{float(log_ratio(top, bottom)):.12e}")  # 1.21265960236316904556e-12 to 21 digits
    1.212659602363e-12
    >>> naive = float(np.log(top) - np.log(bottom))  # loses all but about four digits
    >>> bool(abs(naive / 1.21265960236316904556e-12 - 1) > 1e-6)
    True
    """
    top, bottom = np.broadcast_arrays(np.asarray(top, dtype=float), np.asarray(bottom, dtype=float))
    shape = top.shape
    top, bottom = top.reshape(-1), bottom.reshape(-1)  # 1-D, so that the pieces can be indexed
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="warn"):
        return log_ratio_from_change(top, bottom, (top - bottom) / bottom).reshape(shape)


def log_ratio_from_change(top, bottom, d):
    """log(top / bottom) given d = (top - bottom) / bottom (a fresh array for every input).

    * -1/2 <= d < inf: log1p(d). The difference top - bottom is exact when the two
      are within a factor 2 (Sterbenz's lemma), so d keeps every digit of a ratio near 1.
    * d < -1/2 (top < bottom / 2): 1 + d has lost digits of the small ratio, so the
      logarithm of the quotient itself; its error is one rounding, tiny against |log| > 0.69.
    * a quotient outside the normal float range (or d = inf): log top - log bottom,
      whose rounding is tiny against |log| > 708.
    """
    result = np.log1p(d)
    far = np.flatnonzero((d < -0.5) | (d == np.inf))
    if far.size:
        top_far, bottom_far = top.ravel()[far], bottom.ravel()[far]
        quotient = top_far / bottom_far
        result.ravel()[far] = np.log(quotient)
        odd = np.flatnonzero(~((quotient >= _TINY) & (quotient <= _HUGE)))
        if odd.size:
            result.ravel()[far[odd]] = np.log(top_far[odd]) - np.log(bottom_far[odd])
    return result


def d_minus_log1p(d, log1p_d):
    r"""g(d) = d - log(1 + d) >= 0 for every d >= -1, to a few ulp; g(-1) = inf.

    `log1p_d` is log(1 + d) to full precision (see :func:`log_ratio_from_change`). Written
    directly the difference cancels for small |d|, where g(d) ~ d^2 / 2. There
    (-1/2 <= d <= 1) the identity log(1 + d) = 2 atanh(s) with s = d / (2 + d) gives

    .. math:: g(d) = \frac{d^2}{2 + d} - 2 s^3 \left(\frac13 + \frac{s^2}{5} + \frac{s^4}{7} + \dots\right)

    whose second term is at most a twelfth of the first: nothing cancels. Elsewhere
    log(1 + d) is far enough from d for the direct difference to be accurate.
    """
    g = d - log1p_d
    near = np.flatnonzero((d >= -0.5) & (d <= 1.0))  # |s| <= 1/3
    if near.size:
        d_near = d.ravel()[near]
        s_near = d_near / (2.0 + d_near)
        s2 = s_near * s_near
        series = np.polynomial.polynomial.polyval(s2, _ATANH_SERIES)  # Horner's scheme
        g.ravel()[near] = d_near * d_near / (2.0 + d_near) - 2.0 * s_near * s2 * series
    return g


def expm1_minus_x(x):
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


def accurate_sum(x):
    """Sum over the last axis that stays accurate when the terms cancel.

    Pairwise summation in which the rounding error of every addition is recovered
    exactly (Knuth's TwoSum) and added back at the end: the result is off by about one
    rounding of itself plus eps^2 * sum|x|, where np.sum is off by up to eps * sum|x|.
    """
    corrections = np.zeros(x.shape[:-1])
    while x.shape[-1] > 1:
        if x.shape[-1] % 2:
            x = np.concatenate([x, np.zeros(x.shape[:-1] + (1,))], axis=-1)
        a, b = x[..., 0::2], x[..., 1::2]
        total = a + b
        b_part = total - a
        corrections += ((a - (total - b_part)) + (b - b_part)).sum(axis=-1)
        x = total
    return x[..., 0] + corrections
