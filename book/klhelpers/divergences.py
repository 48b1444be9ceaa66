"""Entropy, cross-entropy and the Kullback-Leibler divergence, written once.

Every function takes probability vectors along the *last* axis, so a single
distribution of shape ``(k,)`` gives a float and a batch of shape ``(..., k)``
gives an array of shape ``(...)``. Inputs are checked, never silently fixed:
see :func:`normalize` for turning weights into probabilities.

Conventions shared by all functions (Cover & Thomas 2006, section 2.1):

* ``0 * log(0 / q) = 0``: outcomes that P never produces cost nothing.
* ``p * log(p / 0) = +inf`` for ``p > 0``: a model that rules out something
  that happens is infinitely surprised.
* ``base=None`` measures in nats (natural log); ``base=2`` in bits. Any
  finite base greater than 1 works (below 1 every divergence would turn
  negative, so such a base is refused); 1 nat = 1 / ln 2 ≈ 1.4427 bits.
* Results are never NaN for valid input, never -0.0, and do not depend on
  numpy's floating-point error settings (``np.seterr``).
"""

import numpy as np

from .numerics import accurate_sum, d_minus_log1p, log_ratio_from_change
from .validate import as_distribution, as_nonnegative_array, bounded_real, distribution_pair, log_of_base, position

__all__ = [
    "VOCAB",
    "P",
    "Q",
    "normalize",
    "surprisal",
    "entropy",
    "cross_entropy",
    "kl_contributions",
    "kl_divergence",
    "smooth",
    "with_share",
]

#: The running example: a five-token vocabulary ...
VOCAB = ("cat", "sat", "on", "the", "mat")


#: ... the distribution of the next token in the training data ...
P = np.array([0.40, 0.30, 0.10, 0.15, 0.05])


#: ... and a model's predicted distribution for it.
Q = np.array([0.20, 0.25, 0.30, 0.15, 0.10])

for _example in (P, Q):
    _example.setflags(write=False)  # a chapter cannot change the example by accident


def float_or_array(array):
    """A plain float for a single distribution, an array for a batch; never -0.0.

    The output convention of every klhelpers function that reduces over the last axis.
    """
    array = np.asarray(array) + 0.0  # -0.0 + 0.0 is +0.0, so a sum of vanishing terms prints as 0.0000
    return float(array) if array.ndim == 0 else array


def _relative_change(p, q):
    """On P's support (1 elsewhere, where q does not matter): p, q, q - p, d = (q - p) / p, log(q / p).

    q - p is exact where q and p are within a factor 2 of each other (Sterbenz's lemma),
    so d carries the full precision of a small difference.
    """
    on_support = p > 0  # outside P's support q does not matter: the term is 0
    if on_support.all():
        p_safe, q_safe = np.ascontiguousarray(p), np.ascontiguousarray(q)
    else:
        p_safe, q_safe = np.where(on_support, p, 1.0), np.where(on_support, q, 1.0)
    change = q_safe - p_safe
    d = change / p_safe
    return p_safe, q_safe, change, d, log_ratio_from_change(q_safe, p_safe, d)


def normalize(weights):
    r"""Rescale non-negative weights into a probability distribution.

    .. math:: p_k = \frac{w_k}{\sum_j w_j}

    Parameters
    ----------
    weights : array_like, shape (..., k)
        Finite, non-negative numbers; each row needs at least one positive entry.

    Returns
    -------
    ndarray, shape (..., k)
        Probabilities that sum to 1 along the last axis.

    Examples
    --------
    >>> normalize([2, 1, 1])
    array([0.5 , 0.25, 0.25])
    >>> normalize([1e308, 1e308])  # the total overflows; the shares do not
    array([0.5, 0.5])
    """
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        w = as_nonnegative_array(weights, "weights")
        totals = w.sum(axis=-1, keepdims=True)
        empty = np.flatnonzero(totals == 0)
        if empty.size:
            where = "" if w.ndim == 1 else f" in row {position(empty[0], totals.shape[:-1])}"
            raise ValueError(f"weights are all zero{where}: at least one must be positive")
        if not np.isfinite(totals).all():  # weights near 1e308: divide by the largest first
            w = w / w.max(axis=-1, keepdims=True)
            totals = w.sum(axis=-1, keepdims=True)
        return w / totals


def surprisal(p, base=None):
    r"""Surprise of each outcome: :math:`-\log p_k` (infinite where p_k = 0).

    Parameters
    ----------
    p : array_like, shape (..., k)
        Probability vector(s) along the last axis.
    base : float, optional
        Logarithm base, a number > 1; ``None`` (default) gives nats, ``2`` bits.

    Examples
    --------
    >>> surprisal([0.5, 0.25, 0.25], base=2)
    array([1., 2., 2.])
    """
    with np.errstate(divide="ignore", over="warn", under="warn", invalid="warn"):
        p = as_distribution(p, "p")
        scale = log_of_base(base)
        return -np.log(p) / scale + 0.0  # -log 1 is -0.0; print it as 0.0


def entropy(p, base=None):
    r"""Shannon entropy: the average surprise of outcomes drawn from P.

    .. math:: H(P) = -\sum_k p_k \log p_k

    Terms with :math:`p_k = 0` contribute 0. The result lies between 0 (one
    outcome is certain) and :math:`\log k` (uniform over k outcomes).

    Parameters
    ----------
    p : array_like, shape (..., k)
        Probability vector(s) along the last axis.
    base : float, optional
        Logarithm base, a number > 1; ``None`` (default) gives nats, ``2`` bits.

    Returns
    -------
    float or ndarray, shape (...)

    Examples
    --------
    >>> round(entropy(P), 4)
    1.3923
    >>> entropy([0.5, 0.5], base=2)
    1.0
    >>> entropy([1.0, 0.0])
    0.0

    References
    ----------
    C. E. Shannon, "A Mathematical Theory of Communication", 1948.
    """
    with np.errstate(under="ignore", divide="warn", over="warn", invalid="warn"):
        p = as_distribution(p, "p")
        scale = log_of_base(base)
        safe_p = np.where(p > 0, p, 1.0)  # log(1) = 0 makes the 0·log 0 terms vanish
        # Every term is >= 0 (p <= 1), so the sum has no cancellation to guard against.
        return float_or_array(-(p * np.log(safe_p)).sum(axis=-1) / scale)


def cross_entropy(p, q, base=None):
    r"""Cross-entropy of Q relative to P: average surprise under Q of outcomes drawn from P.

    .. math:: H(P, Q) = -\sum_k p_k \log q_k

    Terms with :math:`p_k = 0` contribute 0; a term with :math:`p_k > 0` and
    :math:`q_k = 0` makes the result ``inf``. Always :math:`H(P, Q) \ge H(P)`.
    For a language model, P is the data's next-token distribution, Q the
    model's, and H(P, Q) the expected training loss. When Q is close to P, their
    difference :math:`H(P, Q) - H(P)` is best taken from :func:`kl_divergence`,
    which computes it without subtracting two nearly equal numbers.

    Parameters
    ----------
    p, q : array_like, shape (..., k)
        Probability vectors along the last axis, of equal shape.
    base : float, optional
        Logarithm base, a number > 1; ``None`` (default) gives nats, ``2`` bits.

    Returns
    -------
    float or ndarray, shape (...)

    Examples
    --------
    >>> round(cross_entropy(P, Q), 4)
    1.5798
    >>> cross_entropy([0.5, 0.5], [1.0, 0.0])
    inf
    """
    with np.errstate(divide="ignore", under="ignore", over="warn", invalid="warn"):
        p, q = distribution_pair(p, q)
        scale = log_of_base(base)
        log_q = np.log(np.where(p > 0, q, 1.0))  # q only matters where p > 0; log 0 = -inf is intended
        return float_or_array(-(p * log_q).sum(axis=-1) / scale)


def kl_contributions(p, q, base=None):
    r"""Each outcome's term of :math:`D_{KL}(P \| Q)`: :math:`p_k \log(p_k / q_k)`.

    A term is negative where Q gives the outcome more probability than P does;
    the terms always add up to a non-negative total. Terms with
    :math:`p_k = 0` are 0; :math:`p_k > 0` with :math:`q_k = 0` gives ``inf``.
    Each term is computed as :math:`-p_k \log(1 + d_k)` with
    :math:`d_k = (q_k - p_k) / p_k`, accurate to a few units in the last place
    even when :math:`q_k` is within a hair of :math:`p_k`.

    Parameters
    ----------
    p, q : array_like, shape (..., k)
        Probability vectors along the last axis, of equal shape.
    base : float, optional
        Logarithm base, a number > 1; ``None`` (default) gives nats, ``2`` bits.

    Returns
    -------
    ndarray, shape (..., k)

    Examples
    --------
    >>> kl_contributions(P, Q).round(4)
    array([ 0.2773,  0.0547, -0.1099,  0.    , -0.0347])
    """
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="warn"):
        p, q = distribution_pair(p, q)
        scale = log_of_base(base)
        p_safe, _, _, _, log_q_over_p = _relative_change(p, q)
        terms = -p_safe * log_q_over_p  # q = 0 gives log 0 = -inf and the term +inf
        terms[p == 0] = 0.0
        return terms / scale + 0.0


def kl_divergence(p, q, base=None):
    r"""Kullback-Leibler divergence of Q from P: the extra surprise of using Q when the data follow P.

    .. math::

        D_{KL}(P \| Q) = \sum_k p_k \log \frac{p_k}{q_k} = H(P, Q) - H(P)

    The sum runs over the support of P (terms with :math:`p_k = 0` are 0). It
    is ``inf`` when Q gives zero probability to an outcome P can produce. It is
    never negative, exactly 0 when Q equals P, and not symmetric:
    :math:`D_{KL}(P \| Q) \ne D_{KL}(Q \| P)` in general.

    The terms of the sum have both signs and nearly cancel when Q is close to
    P, so it is computed in a form without cancellation: with
    :math:`d_k = (q_k - p_k) / p_k`,

    .. math:: D_{KL}(P \| Q) = \sum_k p_k\, g(d_k) + \sum_k (p_k - q_k), \qquad g(d) = d - \log(1 + d) \ge 0,

    where every :math:`p_k\, g(d_k)` is non-negative and accurate, and the second
    sum (0 for exactly normalised inputs) is added up with its rounding errors
    recovered. The result is accurate to about 1e-15 relative, down to divergences
    of 1e-20 and below.

    Parameters
    ----------
    p, q : array_like, shape (..., k)
        Probability vectors along the last axis, of equal shape.
    base : float, optional
        Logarithm base, a number > 1; ``None`` (default) gives nats, ``2`` bits.

    Returns
    -------
    float or ndarray, shape (...)

    Examples
    --------
    >>> round(kl_divergence(P, Q), 4)
    0.1874
    >>> round(kl_divergence(Q, P), 4)
    0.2147
    >>> kl_divergence(P, P)
    0.0
    >>> kl_divergence([0.5, 0.5], [1.0, 0.0])
    inf
    >>> print(f"{kl_divergence([0.5, 0.5], [0.5 + 2**-30, 0.5 - 2**-30]):.12e}")  # 2 (2**-30)**2
    1.734723475977e-18

    References
    ----------
    S. Kullback and R. A. Leibler, "On Information and Sufficiency", 1951.
    """
    # divide: log 0 = -inf where q = 0; over and invalid: q / p beyond the float range,
    # repaired below; under: terms below 1e-308 are 0.
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        p, q = distribution_pair(p, q)
        scale = log_of_base(base)
        p_safe, _, change, d, log_q_over_p = _relative_change(p, q)
        terms = p_safe * d_minus_log1p(d, log_q_over_p)  # each >= 0; inf where q = 0 < p
        huge = np.isinf(d)  # q / p beyond the float range: p g(d) = (q - p) - p log(q / p)
        terms[huge] = change[huge] - p_safe[huge] * log_q_over_p[huge]
        total = terms.sum(axis=-1) - accurate_sum(change)
        # The true value is >= 0 for normalised inputs; inputs summing to 1 only within the
        # tolerance can push the exact sum a hair below 0, reported as 0.
        return float_or_array(np.maximum(total, 0.0) / scale)


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


def with_share(q, k, share):
    r"""Q with token k's probability set to `share`, the other tokens keeping their proportions.

    .. math:: q'_k = s, \qquad q'_j = (1 - s)\, \frac{q_j}{\sum_{i \ne k} q_i} \quad (j \ne k)

    This is how the book's explorer follows one token's probability towards 0
    (or drags one bar) while the model's other preferences stay as they were. If
    every other token has probability 0, the rest is shared evenly among them.

    Parameters
    ----------
    q : array_like, shape (K,)
        One distribution.
    k : int
        The token's index, 0 <= k < K (K >= 2).
    share : float
        Its new probability, in [0, 1].

    Examples
    --------
    >>> with_share([0.2, 0.3, 0.5], 0, 0.6)
    array([0.6 , 0.15, 0.25])
    >>> with_share([1.0, 0.0, 0.0], 0, 0.5)
    array([0.5 , 0.25, 0.25])
    """
    q = as_distribution(q, "q")
    if q.ndim != 1 or q.size < 2:
        raise ValueError(f"q must be one distribution over at least 2 tokens, got shape {q.shape}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < q.size:
        raise ValueError(f"k must be a token index from 0 to {q.size - 1}, got {k!r}")
    share = bounded_real(share, "share", 0.0, 1.0)
    others = np.delete(q, k)
    total = others.sum()
    others = others / total if total > 0 else np.full(others.size, 1.0 / others.size)
    return np.insert((1.0 - share) * others, k, share)

