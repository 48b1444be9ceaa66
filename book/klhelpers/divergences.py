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
  positive base other than 1 works; 1 nat = 1 / ln 2 ≈ 1.4427 bits.
"""

import math
import numbers

import numpy as np

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
]

#: The running example: a five-token vocabulary ...
VOCAB = ("cat", "sat", "on", "the", "mat")
#: ... the distribution of the next token in the training data ...
P = np.array([0.40, 0.30, 0.10, 0.15, 0.05])
#: ... and a model's predicted distribution for it.
Q = np.array([0.20, 0.25, 0.30, 0.15, 0.10])

# A probability vector must sum to 1 within this tolerance.
SUM_TOLERANCE = 1e-6

for _example in (P, Q):
    _example.setflags(write=False)  # a chapter cannot change the example by accident


def _position(flat_index, shape):
    """Index of a flat position, as a reader would type it: 2 or (1, 3)."""
    index = np.unravel_index(flat_index, shape)
    return int(index[0]) if len(shape) == 1 else tuple(int(i) for i in index)


def as_finite_array(values, name):
    """`values` as a float array of finite numbers, vocabulary on the last axis.

    Shared by every klhelpers function that takes numbers (probabilities here,
    logits and rewards in :mod:`klhelpers.llm`), so that bad input gets the
    same clear ValueError everywhere: it names the argument, the index and the value.
    """
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{name} must be a sequence of numbers, got the string {values!r}")
    try:
        raw = np.asarray(values)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array of numbers; "
                         f"its rows have different lengths") from None
    if raw.dtype == bool:
        raise ValueError(f"{name} must hold numbers, not booleans")
    if raw.dtype.kind not in "iuf":
        # Name the first entry that is not a real number (None, a string, a nested list...).
        entries = np.asarray(values, dtype=object)  # keeps 0.5 a float beside "x"
        for flat_index, entry in enumerate(entries.ravel()):
            if not isinstance(entry, numbers.Real) or isinstance(entry, bool):
                where = _position(flat_index, entries.shape)
                raise ValueError(f"{name} has a non-numeric entry at index {where} ({entry!r})")
    array = np.asarray(raw, dtype=float)  # no copy when it is float64 already
    if array.ndim == 0:
        raise ValueError(f"{name} must be a sequence of numbers "
                         f"(vocabulary on the last axis), got the single number {array.item()!r}")
    if array.size == 0 or array.shape[-1] == 0:
        raise ValueError(f"{name} is empty: it needs at least one entry")
    if not np.isfinite(array).all():  # one pass when all is well; find the culprit otherwise
        for test, what in ((np.isnan, "a NaN"), (np.isinf, "an infinite")):
            bad = np.flatnonzero(test(array))
            if bad.size:
                where = _position(bad[0], array.shape)
                raise ValueError(f"{name} has {what} entry at index {where} "
                                 f"({array.ravel()[bad[0]]})")
    return array


def _as_array(values, name):
    """`values` as a float array with finite, non-negative entries."""
    array = as_finite_array(values, name)
    negative = np.flatnonzero(array < 0)
    if negative.size:
        where = _position(negative[0], array.shape)
        raise ValueError(f"{name} has a negative entry at index {where} "
                         f"({array.ravel()[negative[0]]:g})")
    return array


def _as_distribution(values, name):
    """`values` checked to be probability vectors along the last axis."""
    array = _as_array(values, name)
    totals = array.sum(axis=-1)
    off = np.flatnonzero(np.abs(totals - 1.0) > SUM_TOLERANCE)
    if off.size:
        total = totals.ravel()[off[0]]
        where = "" if array.ndim == 1 else f" in row {_position(off[0], totals.shape)}"
        raise ValueError(f"{name} sums to {total:.10g}{where}, not 1 "
                         f"(tolerance {SUM_TOLERANCE:g}); klhelpers.normalize({name}) "
                         f"rescales non-negative weights into probabilities")
    return array


def _pair(p, q):
    p = _as_distribution(p, "p")
    q = _as_distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    return p, q


def _log_of_base(base):
    """ln(base): dividing a value in nats by it converts to that base."""
    if base is None:
        return 1.0
    if isinstance(base, bool) or not isinstance(base, numbers.Real):
        raise ValueError(f"base must be a positive number other than 1 (or None for nats), "
                         f"got {base!r}")
    if not (math.isfinite(base) and base > 0 and base != 1):
        raise ValueError(f"base must be positive, finite and not 1 (or None for nats), "
                         f"got {base!r}")
    return math.log(base)


def _result(array):
    """A plain float for a single distribution, an array for a batch; never -0.0."""
    array = array + 0.0  # -0.0 + 0.0 is +0.0, so a sum of vanishing terms prints as 0.0000
    return float(array) if np.ndim(array) == 0 else array


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
    """
    w = _as_array(weights, "weights")
    totals = w.sum(axis=-1, keepdims=True)
    empty = np.flatnonzero(totals == 0)
    if empty.size:
        where = "" if w.ndim == 1 else f" in row {_position(empty[0], totals.shape[:-1])}"
        raise ValueError(f"weights are all zero{where}: at least one must be positive")
    return w / totals


def surprisal(p, base=None):
    r"""Surprise of each outcome: :math:`-\log p_k` (infinite where p_k = 0).

    Parameters
    ----------
    p : array_like, shape (..., k)
        Probability vector(s) along the last axis.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats, ``2`` bits.

    Examples
    --------
    >>> surprisal([0.5, 0.25, 0.25], base=2)
    array([1., 2., 2.])
    """
    p = _as_distribution(p, "p")
    scale = _log_of_base(base)
    with np.errstate(divide="ignore"):
        return -np.log(p) / scale


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
        Logarithm base; ``None`` (default) gives nats, ``2`` bits.

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
    p = _as_distribution(p, "p")
    scale = _log_of_base(base)
    safe_p = np.where(p > 0, p, 1.0)  # log(1) = 0 makes the 0·log 0 terms vanish
    return _result(-(p * np.log(safe_p)).sum(axis=-1) / scale)


def cross_entropy(p, q, base=None):
    r"""Cross-entropy of Q relative to P: average surprise under Q of outcomes drawn from P.

    .. math:: H(P, Q) = -\sum_k p_k \log q_k

    Terms with :math:`p_k = 0` contribute 0; a term with :math:`p_k > 0` and
    :math:`q_k = 0` makes the result ``inf``. Always :math:`H(P, Q) \ge H(P)`.
    For a language model, P is the data's next-token distribution, Q the
    model's, and H(P, Q) the expected training loss.

    Parameters
    ----------
    p, q : array_like, shape (..., k)
        Probability vectors along the last axis, of equal shape.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats, ``2`` bits.

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
    p, q = _pair(p, q)
    scale = _log_of_base(base)
    with np.errstate(divide="ignore"):  # log 0 = -inf is the intended value
        log_q = np.log(np.where(p > 0, q, 1.0))  # q only matters where p > 0
    terms = -p * log_q
    return _result(terms.sum(axis=-1) / scale)


def kl_contributions(p, q, base=None):
    r"""Each outcome's term of :math:`D_{KL}(P \| Q)`: :math:`p_k \log(p_k / q_k)`.

    A term is negative where Q gives the outcome more probability than P does;
    the terms always add up to a non-negative total. Terms with
    :math:`p_k = 0` are 0; :math:`p_k > 0` with :math:`q_k = 0` gives ``inf``.

    Parameters
    ----------
    p, q : array_like, shape (..., k)
        Probability vectors along the last axis, of equal shape.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats, ``2`` bits.

    Returns
    -------
    ndarray, shape (..., k)

    Examples
    --------
    >>> kl_contributions(P, Q).round(4)
    array([ 0.2773,  0.0547, -0.1099,  0.    , -0.0347])
    """
    p, q = _pair(p, q)
    scale = _log_of_base(base)
    on_support = p > 0  # outside P's support q does not matter: the term is 0
    with np.errstate(divide="ignore"):  # log 0 = -inf is the intended value
        # log p - log q rather than log(p / q): exactly 0 where p == q.
        log_ratio = np.log(np.where(on_support, p, 1.0)) - np.log(np.where(on_support, q, 1.0))
    return p * log_ratio / scale


def kl_divergence(p, q, base=None):
    r"""Kullback-Leibler divergence of Q from P: the extra surprise of using Q when the data follow P.

    .. math::

        D_{KL}(P \| Q) = \sum_k p_k \log \frac{p_k}{q_k} = H(P, Q) - H(P)

    The sum runs over the support of P (terms with :math:`p_k = 0` are 0). It
    is ``inf`` when Q gives zero probability to an outcome P can produce. It is
    never negative, exactly 0 when Q equals P, and not symmetric:
    :math:`D_{KL}(P \| Q) \ne D_{KL}(Q \| P)` in general.

    Parameters
    ----------
    p, q : array_like, shape (..., k)
        Probability vectors along the last axis, of equal shape.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats, ``2`` bits.

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

    References
    ----------
    S. Kullback and R. A. Leibler, "On Information and Sufficiency", 1951.
    """
    total = kl_contributions(p, q, base).sum(axis=-1)
    # Rounding can leave a tiny negative sum for nearly equal P and Q; the true value is >= 0.
    return _result(np.maximum(total, 0.0))
