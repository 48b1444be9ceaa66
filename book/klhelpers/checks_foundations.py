"""Checks for the exercises of chapters 0-4 (introduction to asymmetry).

Every expected value is computed from :mod:`klhelpers.divergences` (lazily, when
an answer is checked), never typed in. Each check lists right and wrong example
answers; the wrong ones include the classic slips (nats for bits, a swapped
direction, a forgotten minus sign) and answers of the wrong type.
"""

import math

import numpy as np

from .exercises import register, number_check, array_check, choice_check, function_check  # noqa: F401
from .divergences import (P, Q, VOCAB, cross_entropy, entropy, kl_contributions,  # noqa: F401
                          kl_divergence, surprisal)

UNIFORM = np.full(len(VOCAB), 1.0 / len(VOCAB))


def _hand_entropy(p):
    p = np.asarray(p, dtype=float)
    nz = p[p > 0]
    return float(-(nz * np.log(nz)).sum())


def _hand_cross_entropy(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if np.any((p > 0) & (q == 0)):
        return math.inf
    keep = p > 0
    return float(-(p[keep] * np.log(q[keep])).sum())


def _hand_kl(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if np.any((p > 0) & (q == 0)):
        return math.inf
    keep = p > 0
    return float((p[keep] * np.log(p[keep] / q[keep])).sum())


# -- Chapter 0: introduction -----------------------------------------------------------

GREEDY_TOKEN = VOCAB[int(np.argmax(Q))]
DATA_MODE_TOKEN = VOCAB[int(np.argmax(P))]

register(
    "intro-greedy",
    choice_check(GREEDY_TOKEN, VOCAB,
                 "greedy decoding picks the token the *model* Q rates highest, not the data's favourite."),
    right=[GREEDY_TOKEN, GREEDY_TOKEN.upper(), f"  {GREEDY_TOKEN} "],
    wrong=[DATA_MODE_TOKEN, "dog", None, int(np.argmax(Q)), [GREEDY_TOKEN]],
    about="Which token does greedy decoding choose from the model's distribution Q?",
)

register(
    "intro-gap",
    array_check(lambda: Q - P,
                "subtract in the order asked, q_k - p_k, token by token in the order of VOCAB."),
    right=[Q - P, list(np.round(Q - P, 3)), tuple(Q - P)],
    wrong=[P - Q, np.abs(Q - P), Q / P, (Q - P)[:4], "Q - P", None, 0.0],
    about="The gap q_k - p_k between model and data for each token.",
)

# -- Chapter 1: entropy ----------------------------------------------------------------

register(
    "entropy-p-bits",
    number_check(lambda: entropy(P, base=2),
                 "use log base 2 (bits); a value near 1.39 is the entropy in nats."),
    right=[entropy(P, base=2), round(entropy(P, base=2), 3), np.float64(entropy(P, base=2))],
    wrong=[entropy(P), -entropy(P, base=2), entropy(Q, base=2), math.log2(5), "2.01", None,
           [entropy(P, base=2)]],
    about="The entropy of the data distribution P, in bits.",
)

register(
    "entropy-uniform-five",
    number_check(lambda: entropy(UNIFORM),
                 "five equally likely tokens, each with surprise -ln(1/5); in nats, not bits."),
    right=[entropy(UNIFORM), math.log(5), round(math.log(5), 3)],
    wrong=[math.log2(5), entropy(P), 5, 0.2, "ln 5", None],
    about="The entropy, in nats, of the uniform distribution over five tokens (the maximum).",
)

_ENTROPY_CASES = [
    (P,), (Q,), (UNIFORM,), (np.array([0.5, 0.5]),), (np.array([1.0, 0.0, 0.0]),),
    (np.array([0.7, 0.0, 0.3]),), (np.array([0.9, 0.05, 0.05]),),
]

register(
    "entropy-implement",
    function_check(lambda p: entropy(p), _ENTROPY_CASES,
                   "use the natural log, a minus sign, and let tokens with p_k = 0 contribute 0."),
    right=[entropy, _hand_entropy, lambda p: float(entropy(p, base=2) * math.log(2))],
    wrong=[
        lambda p: entropy(p, base=2),                      # bits instead of nats
        lambda p: -entropy(p),                             # sign
        lambda p: float(np.sum(np.log(np.where(np.asarray(p) > 0, p, 1.0)))),  # unweighted
        lambda p: float(np.nansum(-np.asarray(p) * np.log(np.asarray(p) + 1e-3))),  # fudged log
        None, "entropy", 1.3923,
    ],
    about="Write entropy(p) in nats, handling p_k = 0.",
)

# -- Chapter 2: cross-entropy ----------------------------------------------------------

register(
    "ce-uniform-model",
    number_check(lambda: cross_entropy(P, UNIFORM),
                 "every token costs the same -ln(1/5) under the uniform model, whatever P is."),
    right=[cross_entropy(P, UNIFORM), math.log(5), round(math.log(5), 4)],
    wrong=[entropy(P), cross_entropy(UNIFORM, P), math.log2(5), 0.2, "ln 5", None],
    about="H(P, U) in nats for the uniform model U over five tokens.",
)

_CE_CASES = [
    (P, Q), (Q, P), (P, P), (P, UNIFORM),
    (np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])),   # p_k = 0 contributes 0
    (np.array([0.5, 0.0, 0.5]), np.array([0.5, 0.5, 0.0])),     # q_k = 0 where p_k > 0: inf
    (np.array([1.0, 0.0]), np.array([0.5, 0.5])),
]

register(
    "ce-implement",
    function_check(lambda p, q: cross_entropy(p, q), _CE_CASES,
                   "sum -p_k ln q_k over tokens with p_k > 0; a q_k = 0 there makes it infinite."),
    right=[cross_entropy, _hand_cross_entropy],
    wrong=[
        lambda p, q: cross_entropy(q, p),                  # arguments swapped
        lambda p, q: cross_entropy(p, q, base=2),          # bits
        lambda p, q: entropy(p),                           # ignores q
        lambda p, q: float(-np.sum(np.asarray(p) * np.log(np.asarray(q) + 1e-12))),  # no inf
        None, "cross_entropy",
    ],
    about="Write cross_entropy(p, q) in nats, with the conventions at zeros.",
)

#: The short training text of the exercise "ce-batch-loss", token by token.
CE_BATCH = ("the", "cat", "sat", "on", "the", "mat", "cat", "sat")


def _batch_loss():
    index = [VOCAB.index(token) for token in CE_BATCH]
    return float(surprisal(Q)[index].mean())


register(
    "ce-batch-loss",
    number_check(_batch_loss,
                 "average -ln q(token) over the eight tokens, using the model's Q (not P)."),
    right=[_batch_loss(), round(_batch_loss(), 4)],
    wrong=[float(surprisal(P)[[VOCAB.index(t) for t in CE_BATCH]].mean()),
           float(surprisal(Q)[[VOCAB.index(t) for t in CE_BATCH]].sum()),
           cross_entropy(P, Q), "1.5", None, [1.5]],
    about="The average training loss (nats per token) of the model Q on an eight-token text.",
)

register(
    "ce-best-model",
    choice_check("P", ["P", "Q", "uniform", "one-hot"],
                 "the cross-entropy never drops below H(P); which model reaches it?"),
    right=["P", "p", " P "],
    wrong=["Q", "uniform", "one-hot", "the best", None, 1],
    about="Which model distribution minimises H(P, model)?",
)

# -- Chapter 3: KL divergence ----------------------------------------------------------

register(
    "kl-bits",
    number_check(lambda: kl_divergence(P, Q, base=2),
                 "use log base 2, or divide the value in nats by ln 2."),
    right=[kl_divergence(P, Q, base=2), round(kl_divergence(P, Q, base=2), 4),
           kl_divergence(P, Q) / math.log(2)],
    wrong=[kl_divergence(P, Q), kl_divergence(Q, P, base=2), kl_divergence(P, Q) * math.log(2),
           "0.27", None, [0.2704]],
    about="D_KL(P || Q) in bits.",
)

register(
    "kl-term-cat",
    number_check(lambda: float(kl_contributions(P, Q)[VOCAB.index("cat")]),
                 "the term for cat is p log(p / q) with p and q for cat, natural log."),
    right=[float(kl_contributions(P, Q)[0]), 0.4 * math.log(2), round(0.4 * math.log(2), 4)],
    wrong=[math.log(2), float(kl_contributions(Q, P)[0]), 0.4 * math.log2(2), "0.28", None],
    about="The contribution of 'cat' to D_KL(P || Q), in nats.",
)

_KL_CASES = [
    (P, Q), (Q, P), (P, P), (UNIFORM, P),
    (np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])),   # p_k = 0 contributes 0
    (np.array([0.5, 0.0, 0.5]), np.array([0.5, 0.5, 0.0])),     # q_k = 0 where p_k > 0: inf
    (np.array([0.1, 0.9]), np.array([0.9, 0.1])),
]

register(
    "kl-implement",
    function_check(lambda p, q: kl_divergence(p, q), _KL_CASES,
                   "sum p_k ln(p_k / q_k) over tokens with p_k > 0; infinite if such a q_k is 0."),
    right=[kl_divergence, _hand_kl,
           lambda p, q: _hand_cross_entropy(p, q) - _hand_entropy(p)],
    wrong=[
        lambda p, q: kl_divergence(q, p),                  # direction swapped
        lambda p, q: kl_divergence(p, q, base=2),          # bits
        lambda p, q: float(np.sum(np.log(np.asarray(p)) * np.asarray(p) / np.asarray(q))),  # the typo
        lambda p, q: cross_entropy(p, q),                  # forgot to subtract H(P)
        None, "kl", 0.1874,
    ],
    about="Write kl_divergence(p, q) in nats, with the conventions at zeros.",
)

register(
    "kl-ce-minus-h",
    number_check(lambda: cross_entropy(Q, P) - entropy(Q),
                 "this time the data are Q and the model is P: H(Q, P) - H(Q)."),
    right=[cross_entropy(Q, P) - entropy(Q), kl_divergence(Q, P), round(kl_divergence(Q, P), 4)],
    wrong=[cross_entropy(P, Q) - entropy(P), cross_entropy(Q, P), cross_entropy(Q, P) - entropy(P),
           "0.2147", None],
    about="H(Q, P) - H(Q), which equals D_KL(Q || P).",
)

_Q_NO_MAT = np.where(np.array(VOCAB) == "mat", 0.0, Q)
_Q_NO_MAT = _Q_NO_MAT / _Q_NO_MAT.sum()
_KL_ZERO_CHOICES = ["zero", "finite", "infinite"]


def _kind(value):
    return "zero" if value == 0 else ("infinite" if math.isinf(value) else "finite")


register(
    "kl-zero-mat",
    choice_check(_kind(kl_divergence(P, _Q_NO_MAT)), _KL_ZERO_CHOICES,
                 "P still produces 'mat' (p = 0.05): how surprised is a model that rules it out?"),
    right=[_kind(kl_divergence(P, _Q_NO_MAT)), _kind(kl_divergence(P, _Q_NO_MAT)).upper()],
    wrong=[_kind(kl_divergence(_Q_NO_MAT, P)), "zero", "large", None, math.inf],
    about="What D_KL(P || Q') is when Q' gives 'mat' probability 0 (zero, finite or infinite).",
)

# -- Chapter 4: asymmetry --------------------------------------------------------------

_LARGER = "D(Q||P)" if kl_divergence(Q, P) > kl_divergence(P, Q) else "D(P||Q)"
_SMALLER = "D(P||Q)" if _LARGER == "D(Q||P)" else "D(Q||P)"

register(
    "asym-predict",
    choice_check(_LARGER, ["D(P||Q)", "D(Q||P)", "equal"],
                 "compare which tokens each direction weights: P's favourite 'cat' or Q's favourite 'on'?"),
    right=[_LARGER, _LARGER.lower(), f" {_LARGER} "],
    wrong=[_SMALLER, "equal", "Q", None, kl_divergence(Q, P)],
    about="Which direction of the divergence is larger for the running example?",
)

register(
    "asym-reverse-terms",
    array_check(lambda: kl_contributions(Q, P),
                "each term is q_k ln(q_k / p_k): the weights now come from Q."),
    right=[kl_contributions(Q, P), list(np.round(kl_contributions(Q, P), 4))],
    wrong=[kl_contributions(P, Q), -kl_contributions(P, Q), Q * np.log(P / Q),
           kl_contributions(Q, P)[:4], "terms", None, kl_divergence(Q, P)],
    about="The five per-token terms of D_KL(Q || P), in nats.",
)

REVERSE_TOP_TOKEN = VOCAB[int(np.argmax(kl_contributions(Q, P)))]
FORWARD_TOP_TOKEN = VOCAB[int(np.argmax(kl_contributions(P, Q)))]

register(
    "asym-top-token",
    choice_check(REVERSE_TOP_TOKEN, VOCAB,
                 "in D(Q||P) the weights are Q's probabilities: where does Q put much more than P?"),
    right=[REVERSE_TOP_TOKEN, REVERSE_TOP_TOKEN.upper()],
    wrong=[FORWARD_TOP_TOKEN, "the", "dog", None, int(np.argmax(kl_contributions(Q, P)))],
    about="Which token contributes most to D_KL(Q || P)?",
)

_BLOWS_UP = ("D(P||Q)" if math.isinf(kl_divergence(P, _Q_NO_MAT))
             and not math.isinf(kl_divergence(_Q_NO_MAT, P)) else "both")

register(
    "asym-explore-mat",
    choice_check(_BLOWS_UP, ["D(P||Q)", "D(Q||P)", "both", "neither"],
                 "a term explodes when its weight is positive and the other probability is 0."),
    right=[_BLOWS_UP, _BLOWS_UP.lower()],
    wrong=["D(Q||P)", "neither", "both" if _BLOWS_UP != "both" else "neither", None, True],
    about="Which direction becomes infinite as Q's probability for 'mat' goes to 0?",
)
