r"""Codes: how many bits a token costs, and what a code built for the wrong distribution costs.

Chapter 1 measures a distribution's entropy in bits, chapter 2 prices coding the
data with a code built for the model, chapter 3 names the price's excess the KL
divergence. Those prices use *ideal* code lengths, :math:`-\log_2 q_k`, which are
rarely whole numbers. A real prefix code gives every token a whole number of
bits; :func:`huffman_lengths` gives the best such lengths (Huffman, 1952).

References
----------
D. A. Huffman, "A Method for the Construction of Minimum-Redundancy Codes", 1952.
T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., 2006, ch. 6.
"""

import heapq
import itertools

import numpy as np

from .validate import as_distribution

__all__ = ["huffman_lengths", "shannon_lengths"]


def huffman_lengths(p):
    r"""Codeword lengths, in bits, of a binary Huffman code for P: an optimal prefix code.

    Huffman's construction merges the two least likely entries, again and
    again, until one remains; each token's codeword has one bit per merge it
    took part in. No prefix code (no codeword the start of another) has a
    smaller average length :math:`L = \sum_k p_k \ell_k`, and

    .. math:: H(P) \le L < H(P) + 1 \quad \text{(bits)}.

    The lengths satisfy Kraft's inequality :math:`\sum_k 2^{-\ell_k} \le 1`, with
    equality for a Huffman code over two or more tokens. Coding data from P with
    the lengths built for another distribution Q costs :math:`\sum_k p_k \ell_k(Q)`,
    and :math:`H(P) + D_{KL}(P \| Q) \le \sum_k p_k \ell_k(Q) < H(P) + D_{KL}(P \| Q) + 1`
    when the lengths are Shannon's, :math:`\lceil -\log_2 q_k \rceil` (Cover & Thomas, Thm 5.4.3).

    Zeros and ties: a token with :math:`p_k = 0` needs no codeword, and its
    length is ``inf`` (like its surprisal, :math:`-\log_2 0`); a distribution with
    one possible token needs no bits at all (length 0). When probabilities tie,
    several codes are optimal; ties go to the token that comes first, so the
    result is deterministic, and the average length is the same for all of them.

    Parameters
    ----------
    p : array_like, shape (k,)
        One probability distribution.

    Returns
    -------
    ndarray of float, shape (k,)
        Whole numbers of bits (``inf`` where :math:`p_k = 0`).

    Examples
    --------
    >>> huffman_lengths([0.5, 0.25, 0.125, 0.125])
    array([1., 2., 3., 3.])
    >>> huffman_lengths([0.40, 0.30, 0.10, 0.15, 0.05])   # the running example's P
    array([1., 2., 4., 3., 4.])
    >>> huffman_lengths([0.7, 0.3, 0.0])
    array([ 1.,  1., inf])
    >>> huffman_lengths([1.0, 0.0])
    array([ 0., inf])
    """
    p = as_distribution(p, "p")
    if p.ndim != 1:
        raise ValueError(f"p must be one distribution (shape (k,)), got shape {p.shape}")
    lengths = np.where(p > 0, 0.0, np.inf)
    order = itertools.count()  # breaks ties by arrival: the earlier token, or the earlier merge
    heap = [(float(pk), next(order), [k]) for k, pk in enumerate(p) if pk > 0]
    heapq.heapify(heap)
    while len(heap) > 1:
        weight_a, _, tokens_a = heapq.heappop(heap)
        weight_b, _, tokens_b = heapq.heappop(heap)
        lengths[tokens_a + tokens_b] += 1.0  # one more bit for every token under the merge
        heapq.heappush(heap, (weight_a + weight_b, next(order), tokens_a + tokens_b))
    return lengths


def shannon_lengths(q):
    r"""Shannon's codeword lengths for Q: :math:`\ell_k = \lceil -\log_2 q_k ceil` bits, exactly.

    The lengths satisfy Kraft's inequality, so a prefix code with them exists,
    and coding data from P with them costs between :math:`H(P) + D_{KL}(P \| Q)` and
    :math:`H(P) + D_{KL}(P \| Q) + 1` bits per outcome (Cover & Thomas 2006, Thm 5.4.3).

    Computed without a logarithm, so a power of 1/2 gets its exact length (a
    rounded :math:`\log_2` of 0.25 could read 2.0000000000000004, and round up
    to 3): with :math:`q = m\, 2^e` and :math:`1/2 \le m < 1`, :math:`\lceil -\log_2 q ceil = 1 - e`.
    Outcomes with :math:`q_k = 0` get no codeword: length ``inf``.

    Examples
    --------
    >>> shannon_lengths([0.5, 0.25, 0.25])
    array([1., 2., 2.])
    >>> shannon_lengths([0.20, 0.25, 0.30, 0.15, 0.10])   # the running example's Q
    array([3., 2., 2., 3., 4.])
    >>> shannon_lengths([1.0, 0.0])
    array([ 0., inf])
    """
    q = as_distribution(q, "q")
    if q.ndim != 1:
        raise ValueError(f"q must be one distribution (shape (k,)), got shape {q.shape}")
    _, exponents = np.frexp(q)
    return np.where(q > 0, 1.0 - exponents, np.inf)

