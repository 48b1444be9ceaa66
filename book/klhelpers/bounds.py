r"""Two other ways to compare distributions, and the inequalities that tie them to KL.

* total variation :math:`\mathrm{TV}(P, Q) = \tfrac12 \sum_k |p_k - q_k|`, the largest
  difference in probability the two give any event; Pinsker's inequality bounds it
  by KL: :math:`\mathrm{TV}(P, Q) \le \sqrt{D_{KL}(P \| Q) / 2}` (Cover & Thomas 2006, Lemma 11.6.1);
* the chi-square divergence :math:`\chi^2(P \| Q) = \sum_k (p_k - q_k)^2 / q_k`, which
  KL approaches for nearby distributions: :math:`D_{KL}(P \| Q) \approx \tfrac12 \chi^2(P \| Q)`
  as Q -> P (the local, Fisher-information picture).
"""

import numpy as np

from .divergences import float_or_array
from .validate import distribution_pair

__all__ = ["total_variation", "chi_square"]


def total_variation(p, q):
    r"""Total variation distance :math:`\mathrm{TV}(P, Q) = \tfrac12 \sum_k |p_k - q_k|`, in [0, 1].

    The largest difference :math:`|P(A) - Q(A)|` over all sets of outcomes A. It is a
    true distance (symmetric, with the triangle inequality) and is finite even where
    KL is infinite. Reduces over the last axis.

    Examples
    --------
    >>> round(total_variation([0.4, 0.3, 0.1, 0.15, 0.05], [0.2, 0.25, 0.3, 0.15, 0.1]), 12)
    0.25
    >>> total_variation([1.0, 0.0], [0.0, 1.0])
    1.0
    """
    p, q = distribution_pair(p, q)
    return float_or_array(0.5 * np.abs(p - q).sum(axis=-1))


def chi_square(p, q):
    r"""Pearson's chi-square divergence :math:`\chi^2(P \| Q) = \sum_k \frac{(p_k - q_k)^2}{q_k}`.

    Zeros: a term with :math:`q_k = 0` is 0 when :math:`p_k = 0` too (0/0 taken as 0,
    as for KL) and ``inf`` when :math:`p_k > 0`. For Q near P,
    :math:`D_{KL}(P \| Q) = \tfrac12 \chi^2(P \| Q) + O(\|P - Q\|^3)`, and always
    :math:`D_{KL}(P \| Q) \le \log(1 + \chi^2(P \| Q))`. Reduces over the last axis.

    Examples
    --------
    >>> round(chi_square([0.5, 0.5], [0.25, 0.75]), 12)  # 0.0625/0.25 + 0.0625/0.75
    0.333333333333
    >>> chi_square([0.5, 0.5], [1.0, 0.0])
    inf
    """
    p, q = distribution_pair(p, q)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        terms = np.where(q > 0, (p - q) ** 2 / np.where(q > 0, q, 1.0), np.where(p > 0, np.inf, 0.0))
    return float_or_array(terms.sum(axis=-1))
