r"""Two variables at once: joint and conditional entropy, and mutual information.

A language model predicts one token after another; two steps at a time, its
outcomes are *pairs* (x, y), and their probabilities form a table P_XY with rows
indexing the first token X and columns the second, Y. The quantities here
describe such a table (Cover & Thomas 2006, sections 2.2-2.5):

.. math::

    H(X, Y) &= -\sum_{x, y} p(x, y) \log p(x, y), \\
    H(Y \mid X) &= \sum_x p(x)\, H(Y \mid X = x) = H(X, Y) - H(X)
        \quad \text{(the chain rule)}, \\
    I(X; Y) &= D_{KL}(P_{XY} \,\|\, P_X \otimes P_Y) = H(Y) - H(Y \mid X).

Every table is checked by :func:`klhelpers.validate.as_joint`; results are in
nats, or bits with ``base=2``.
"""

import numpy as np

from .divergences import entropy, kl_divergence
from .validate import as_distribution, as_joint, log_of_base

__all__ = ["marginals", "joint_entropy", "conditional_entropy", "mutual_information", "independent_joint",
           "conditional_kl"]


def marginals(pxy):
    r"""The marginal distributions :math:`P_X` (row sums) and :math:`P_Y` (column sums) of a joint table.

    Examples
    --------
    >>> px, py = marginals([[0.3, 0.1], [0.2, 0.4]])
    >>> px, py
    (array([0.4, 0.6]), array([0.5, 0.5]))
    """
    pxy = as_joint(pxy, "pxy")
    return pxy.sum(axis=1), pxy.sum(axis=0)


def joint_entropy(pxy, base=None):
    r"""Joint entropy :math:`H(X, Y) = -\sum_{x,y} p(x,y) \log p(x,y)` of a joint table (cells with 0 add 0).

    Examples
    --------
    >>> joint_entropy([[0.25, 0.25], [0.25, 0.25]], base=2)  # two fair coins
    2.0
    """
    pxy = as_joint(pxy, "pxy")
    return entropy(pxy.ravel() / pxy.sum(), base)


def conditional_entropy(pxy, base=None):
    r"""Conditional entropy :math:`H(Y \mid X) = \sum_x p(x)\, H(Y \mid X = x)`, rows of the table indexing X.

    The average, over X, of the entropy left in Y once X is known; by the chain
    rule it equals :math:`H(X, Y) - H(X)` (Cover & Thomas, Theorem 2.2.1). Rows
    with :math:`p(x) = 0` contribute 0. It is 0 when Y is a function of X and
    :math:`H(Y)` when X and Y are independent.

    Examples
    --------
    >>> conditional_entropy([[0.5, 0.0], [0.0, 0.5]])  # Y is a copy of X
    0.0
    >>> round(conditional_entropy([[0.25, 0.25], [0.25, 0.25]], base=2), 12)  # independent fair coins
    1.0
    """
    pxy = as_joint(pxy, "pxy")
    px = pxy.sum(axis=1)
    rows = px > 0
    with np.errstate(under="ignore", over="ignore"):  # tiny rows: their terms round to 0
        per_row = np.asarray(entropy(pxy[rows] / px[rows, None], base))
        return float(px[rows] @ per_row) + 0.0


def independent_joint(px, py):
    r"""The joint table :math:`P_X \otimes P_Y` of two independent variables: :math:`p(x)\, p(y)` in cell (x, y).

    Examples
    --------
    >>> independent_joint([0.5, 0.5], [0.1, 0.9])
    array([[0.05, 0.45],
           [0.05, 0.45]])
    """
    px, py = _one(px, "px"), _one(py, "py")
    with np.errstate(under="ignore"):  # p(x) p(y) below 1e-308 is 0
        return np.outer(px, py)


def _one(values, name):
    array = as_distribution(values, name)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one distribution (shape (K,)), got shape {array.shape}")
    return array


def mutual_information(pxy, base=None):
    r"""Mutual information :math:`I(X; Y) = D_{KL}(P_{XY} \,\|\, P_X \otimes P_Y)`.

    How far the joint table is from the table the two marginals would make if X
    and Y were independent: the information one variable carries about the
    other. It is never negative and is 0 exactly when X and Y are independent
    (Cover & Thomas, Corollary to Theorem 2.6.3); it equals
    :math:`H(Y) - H(Y \mid X) = H(X) - H(X \mid Y)`. Computed as a KL divergence by
    :func:`klhelpers.kl_divergence`, so it keeps its digits when it is tiny.

    Examples
    --------
    >>> mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2)  # Y is a copy of a fair coin X: one bit
    1.0
    >>> mutual_information([[0.05, 0.45], [0.05, 0.45]])  # independent
    0.0
    """
    pxy = as_joint(pxy, "pxy")
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    with np.errstate(under="ignore"):  # p(x) p(y) below 1e-308 is 0
        independent = np.outer(px, py).ravel()
    return kl_divergence(pxy.ravel() / pxy.sum(), independent, base)


def conditional_kl(pxy, qy_given_x, base=None):
    r"""The conditional divergence :math:`D(P_{Y|X} \,\|\, Q_{Y|X} \mid P_X) = \sum_x p(x)\, D_{KL}(P_{Y|X=x} \,\|\, Q_{Y|X=x})`.

    The second term of the chain rule for KL (Cover & Thomas, Theorem 2.5.3),

    .. math:: D_{KL}(P_{XY} \,\|\, Q_{XY}) = D_{KL}(P_X \,\|\, Q_X) + D(P_{Y|X} \,\|\, Q_{Y|X} \mid P_X),

    the identity behind the KL of whole sequences in language models.

    Parameters
    ----------
    pxy : array_like, shape (K_x, K_y)
        The joint table of P (rows index X).
    qy_given_x : array_like, shape (K_x, K_y)
        Q's conditional distributions of Y, one row per x (each row sums to 1).

    Examples
    --------
    >>> round(conditional_kl([[0.5, 0.0], [0.25, 0.25]], [[0.5, 0.5], [0.5, 0.5]], base=2), 12)
    0.5
    """
    pxy = as_joint(pxy, "pxy")
    q = as_distribution(qy_given_x, "qy_given_x")
    if q.shape != pxy.shape:
        raise ValueError(f"qy_given_x must have pxy's shape {pxy.shape}, got {q.shape}")
    log_of_base(base)
    px = pxy.sum(axis=1)
    rows = px > 0
    with np.errstate(under="ignore", over="ignore"):  # tiny rows: their terms round to 0
        per_row = np.asarray(kl_divergence(pxy[rows] / px[rows, None], q[rows], base))
        return float(px[rows] @ per_row) + 0.0
