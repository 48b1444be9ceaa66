"""Checks and per-student variants for the exercises of chapter 5 (two variables).

As in :mod:`.foundations`: expected values are recomputed from klhelpers when a check runs,
examples live in ``tests/exercise_examples.py``. The chapter's running example, the joint table
of the next two tokens, is ``kl.P`` for the first token X times :data:`BIGRAM`, the
distribution of the second token Y after each X (the chapter prints and explains it).
"""

import numpy as np

from ..divergences import P, entropy
from ..joint import conditional_kl, independent_joint, joint_entropy, marginals, mutual_information
from .functions import Function
from .judges import Number
from .registry import register
from .variants import register_variant, rounded_distribution, variant

#: P(Y = y | X = x) of the running example: row x (cat, sat, on, the, mat) is the distribution of
#: the token after x, over the same five tokens. No cell is 0 (see chapter 5).
BIGRAM = np.array([
    [0.02, 0.60, 0.10, 0.13, 0.15],   # after cat: mostly "sat"
    [0.03, 0.02, 0.70, 0.20, 0.05],   # after sat: mostly "on"
    [0.05, 0.02, 0.03, 0.80, 0.10],   # after on: mostly "the"
    [0.45, 0.02, 0.03, 0.05, 0.45],   # after the: "cat" or "mat"
    [0.20, 0.20, 0.25, 0.25, 0.10],   # after mat: anything
])
BIGRAM.flags.writeable = False


def running_joint():
    """The running example's joint table: p(x, y) = P(x) * BIGRAM[x, y]."""
    return np.asarray(P)[:, None] * BIGRAM


# -- worked exercises ---------------------------------------------------------------------------

register(
    "tv-joint-bits",
    Number(expected=lambda: joint_entropy(running_joint(), base=2),
           hint="H(X, Y) sums -p log2 p over all 25 cells of the joint table p(x, y) = P(x) * BIGRAM[x, y], "
                "not over the five entries of P or of one row; in bits, the logarithm is to base 2."),
    about="Joint entropy of the chapter's two-token table, in bits.",
)

register(
    "tv-mi-function",
    Function(reference=mutual_information,
             cases=[(running_joint(),), (np.array([[0.5, 0.0], [0.0, 0.5]]),),
                    (np.array([[0.05, 0.45], [0.05, 0.45]]),), (np.array([[0.1, 0.2, 0.3], [0.25, 0.05, 0.1]]),),
                    (np.array([[0.0, 0.3], [0.2, 0.5]]),)],
             hint="compare the table with the product of its marginals: sum over the cells with p(x, y) > 0 of "
                  "p(x, y) * log(p(x, y) / (p(x) p(y))), natural log; rows are X, columns Y, and cells with "
                  "p(x, y) = 0 add nothing."),
    about="Write the mutual information of a joint table, as a KL divergence, in nats.",
)

# -- transfer exercises: a table per student ----------------------------------------------------


def _table(rng, rows, columns, smallest=0.02):
    return rounded_distribution(rng, rows * columns, smallest=smallest).reshape(rows, columns)


register_variant("tv-independence-gain", lambda rng: _table(rng, 3, 3).tolist())


def independence_gain():
    """How much H(X, Y) grows when the variant's table is replaced by the product of its marginals."""
    pxy = np.array(variant("tv-independence-gain"))
    return joint_entropy(independent_joint(*marginals(pxy))) - joint_entropy(pxy)


register(
    "tv-independence-gain",
    Number(expected=independence_gain,
           hint="build P_X P_Y with the SAME marginals as your table (row sums times column sums), take its "
                "joint entropy, and subtract the joint entropy of your table (nats): the difference is not "
                "negative."),
    about="Increase of H(X, Y), in nats, when a student's 3 x 3 table is replaced by P_X P_Y.",
)

register_variant("tv-row-vs-marginal",
                 lambda rng: {"pxy": _table(rng, 3, 3).tolist(), "row": int(rng.integers(3))})


def row_minus_marginal():
    """H(Y | X = row) - H(Y) for the variant's table and row, in nats."""
    data = variant("tv-row-vs-marginal")
    pxy, row = np.array(data["pxy"]), data["row"]
    return entropy(pxy[row] / pxy[row].sum()) - entropy(pxy.sum(axis=0))


register(
    "tv-row-vs-marginal",
    Number(expected=row_minus_marginal,
           hint="H(Y | X = x) is the entropy of row x divided by its sum (a distribution of Y); H(Y) is the "
                "entropy of the column sums. Subtract in that order, in nats; the answer may be negative."),
    about="H(Y | X = x) - H(Y) for one row of a student's table (its sign says which is larger).",
)


def _chain_pair(rng):
    return {"pxy": _table(rng, 2, 3).tolist(), "qxy": _table(rng, 2, 3).tolist()}


register_variant("tv-chain-kl", _chain_pair)


def chain_conditional_term():
    """D(P_{Y|X} || Q_{Y|X} | P_X) for the variant's two tables, in nats."""
    data = variant("tv-chain-kl")
    pxy, qxy = np.array(data["pxy"]), np.array(data["qxy"])
    return conditional_kl(pxy, qxy / qxy.sum(axis=1, keepdims=True))


register(
    "tv-chain-kl",
    Number(expected=chain_conditional_term,
           hint="the conditional term averages, with the weights p(x), the divergence between row x of P and "
                "row x of Q, each row divided by its own sum first (nats). It equals D(P_XY || Q_XY) minus "
                "D(P_X || Q_X)."),
    about="The conditional term of the chain rule for KL, for a student's pair of 2 x 3 tables.",
)

__all__ = ["BIGRAM", "running_joint", "independence_gain", "row_minus_marginal", "chain_conditional_term"]
