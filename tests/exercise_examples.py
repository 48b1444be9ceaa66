"""Right and wrong example answers for every exercise check, keyed by exercise id.

They live here, not in klhelpers, because whatever ships with the book can be read by a
student. tests/test_exercises.py runs every example against its check and fails when a
registered check has no right or no wrong example here (or an id here is not registered).

Right answers are computed from klhelpers or written out as a student would; wrong ones
are the classic slips (nats for bits, a swapped direction, a forgotten minus sign), an
answer of the wrong type (a string, None, a list...) and, for "write it" exercises,
klhelpers' own function.
"""

import functools
import math

import numpy as np
import scipy.stats

import klhelpers as kl
from klhelpers import P, Q, VOCAB, cross_entropy, entropy, kl_contributions, kl_divergence, surprisal

UNIFORM = np.full(len(VOCAB), 1.0 / len(VOCAB))
Q_NO_MAT = kl.normalize(np.where(np.array(VOCAB) == "mat", 0.0, Q))
CE_BATCH = ("the", "cat", "sat", "on", "the", "mat", "cat", "sat")


def _merge_drop(base=None):
    """Chapter 6's transfer: D(P||Q) minus D after merging, for the website's student, by hand."""
    p, q, (i, j) = kl.variant("prop-merge")
    merge = lambda d: np.append(np.delete(d, [i, j]), d[i] + d[j])  # noqa: E731 (order does not matter)
    return kl_divergence(p, q, base=base) - kl_divergence(merge(p), merge(q), base=base)


MERGE_DROP, MERGE_DROP_BITS = _merge_drop(), _merge_drop(base=2)  # the slip: bits for nats
PINSKER_MINE = np.array([0.5 * np.abs(np.subtract(*kl.variant("prop-pinsker"))).sum(),
                         math.sqrt(kl_divergence(*kl.variant("prop-pinsker")) / 2)])


def hand_entropy(p):
    p = np.asarray(p, dtype=float)
    nz = p[p > 0]
    return float(-(nz * np.log(nz)).sum())


def masked_entropy(p):
    p = np.asarray(p, dtype=float)
    return float(-np.sum(p * np.log(np.where(p > 0, p, 1.0))))


def hand_cross_entropy(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if np.any((p > 0) & (q == 0)):
        return math.inf
    keep = p > 0
    return float(-(p[keep] * np.log(q[keep])).sum())


def hand_kl(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if np.any((p > 0) & (q == 0)):
        return math.inf
    keep = p > 0
    return float((p[keep] * np.log(p[keep] / q[keep])).sum())


def in_place_smooth(q, epsilon):
    """Correct, and modifies its argument: the exercise allows it."""
    q *= 1 - epsilon
    q += epsilon / q.size
    return q


def hand_moments(p):
    p = np.asarray(p, dtype=float)
    x = np.arange(p.size)
    mean = p @ x
    return mean, np.sqrt(p @ (x - mean) ** 2)


def log_softmax(z):
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def hand_kl_from_logits(a, b):
    log_p, log_q = log_softmax(a), log_softmax(b)
    return (np.exp(log_p) * (log_p - log_q)).sum(axis=-1)


def naive_kl_from_logits(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        p = np.exp(a) / np.exp(a).sum(axis=-1, keepdims=True)
        q = np.exp(b) / np.exp(b).sum(axis=-1, keepdims=True)
        return (p * np.log(p / q)).sum(axis=-1)


def batch_loss(model):
    return float(surprisal(model)[[VOCAB.index(t) for t in CE_BATCH]].mean())


GREEDY = VOCAB[int(np.argmax(Q))]
LARGER, SMALLER = (("D(Q||P)", "D(P||Q)") if kl_divergence(Q, P) > kl_divergence(P, Q)
                   else ("D(P||Q)", "D(Q||P)"))
REVERSE_TOP = VOCAB[int(np.argmax(kl_contributions(Q, P)))]
FORWARD_TOP = VOCAB[int(np.argmax(kl_contributions(P, Q)))]
BLOWS_UP = ("D(P||Q)" if math.isinf(kl_divergence(P, Q_NO_MAT)) and not math.isinf(kl_divergence(Q_NO_MAT, P))
            else "both")
BETA_POLICY_MAT = float(kl.optimal_policy(P, [0, 0, 0, 0, 1.0], 0.5)[4])


def mean_position(p):
    return float(p @ np.arange(p.size))


# The transfer exercises, at the website's variant (student "web"), computed by hand.
Q_WEATHER = np.asarray(kl.variant("intro-not-greedy"), dtype=float)
Q_REPEAT = np.asarray(kl.variant("intro-repeat-larger"), dtype=float)
P_NEG, Q_NEG = kl.variant("kld-transfer-negative")
NEG_TERMS = [p * math.log(p / q) for p, q in zip(P_NEG, Q_NEG)]
P_WASTE, Q_WASTE = kl.variant("kld-transfer-waste")
Q_WASTE_NEVER = float(Q_WASTE[P_WASTE == 0][0])
P_ASYM, Q_ASYM = kl.variant("asym-transfer-larger")
P_ZERO, Q_ZERO = kl.variant("asym-transfer-zero")
ZERO_KEPT = Q_ZERO > 0
ZERO_WITHIN = hand_kl(Q_ZERO[ZERO_KEPT], P_ZERO[ZERO_KEPT] / P_ZERO[ZERO_KEPT].sum())
P_SPREAD = kl.two_peaks(*kl.variant("fr-transfer-spread"))
P_LARGER = kl.two_peaks(*kl.variant("fr-transfer-larger"))
FITS_LARGER = kl.fit_forward(P_LARGER), kl.fit_reverse(P_LARGER)


# Chapters 9 and 10: the website's variants of the transfer exercises, recomputed by hand.
LM_T = kl.variant("lm-transfer-rlhf")
LM_T_REF, LM_T_R = np.array(LM_T["reference"]), np.array(LM_T["reward"])
LM_T_WEIGHTS = LM_T_REF * np.exp(LM_T_R / LM_T["betas"][0])
LM_T_OPT = LM_T_WEIGHTS / LM_T_WEIGHTS.sum()
LM_T_OPT_BIG = LM_T_REF * np.exp(LM_T_R / LM_T["betas"][1]) / (LM_T_REF @ np.exp(LM_T_R / LM_T["betas"][1]))
PR_SEQ = kl.variant("prac-transfer-seq")
PR_JOINT_PI = np.array(PR_SEQ["policy"][0])[:, None] * np.array(PR_SEQ["policy"][1])
PR_JOINT_REF = np.array(PR_SEQ["reference"][0])[:, None] * np.array(PR_SEQ["reference"][1])
PR_SEQ_KL = float((PR_JOINT_PI * np.log(PR_JOINT_PI / PR_JOINT_REF)).sum())
PR_K3 = kl.variant("prac-transfer-k3")
PR_K3_PI = np.exp(PR_K3["logits"]) / np.exp(PR_K3["logits"]).sum()
PR_K3_GRAD = PR_K3_PI - np.array(PR_K3["reference"])


#: {exercise id: (right answers, wrong answers)}
EXAMPLES = {
    "entropy-uniform-bits": (
        [2.0, 2, np.float64(2.0), np.array(2.0)],
        [1.0, 4, "two", None, [2.0], True]),
    "intro-greedy": (
        [GREEDY, GREEDY.upper(), f"  {GREEDY} "],
        [VOCAB[int(np.argmax(P))], "dog", None, int(np.argmax(Q)), [GREEDY]]),
    "intro-not-greedy": (
        [1 - Q_WEATHER.max(), round(1 - Q_WEATHER.max(), 2), float(np.sort(Q_WEATHER)[:-1].sum())],
        [Q_WEATHER.max(), 1 - Q_WEATHER.min(), 1 - float(kl.Q.max()), 1000 * (1 - Q_WEATHER.max()),
         "0.45", None, [1 - Q_WEATHER.max()]]),
    "intro-repeat-larger": (
        [Q_REPEAT.max() - float(Q_REPEAT @ Q_REPEAT), round(Q_REPEAT.max() - float(Q_REPEAT @ Q_REPEAT), 4)],
        [float(Q_REPEAT @ Q_REPEAT) - Q_REPEAT.max(), Q_REPEAT.max(), float(Q_REPEAT @ Q_REPEAT),
         Q_REPEAT.max() - Q_REPEAT.max() ** 2, "max q", None, True]),
    "entropy-p-bits": (
        [entropy(P, base=2), round(entropy(P, base=2), 3), np.float64(entropy(P, base=2))],
        [entropy(P), -entropy(P, base=2), entropy(Q, base=2), math.log2(5), "2.01", None, [entropy(P, base=2)]]),
    "entropy-uniform-five": (
        [entropy(UNIFORM), math.log(5), round(math.log(5), 3)],
        [math.log2(5), entropy(P), 5, 0.2, "ln 5", None]),
    "entropy-implement": (
        [hand_entropy, masked_entropy],
        [lambda p: hand_entropy(p) / math.log(2),                                   # bits instead of nats
         lambda p: -hand_entropy(p),                                                # sign
         lambda p: float(np.sum(np.log(np.where(np.asarray(p) > 0, p, 1.0)))),    # unweighted
         lambda p: float(np.nansum(-np.asarray(p) * np.log(np.asarray(p) + 1e-3))),  # fudged log
         lambda p: str(hand_entropy(p)),                                            # text
         entropy, scipy.stats.entropy,                                              # libraries' own
         None, "entropy", 1.3923]),
    "ce-uniform-model": (
        [cross_entropy(P, UNIFORM), math.log(5), round(math.log(5), 4)],
        [entropy(P), cross_entropy(UNIFORM, P), math.log2(5), 0.2, "ln 5", None]),
    "ce-implement": (
        [hand_cross_entropy],
        [lambda p, q: hand_cross_entropy(q, p),                                     # arguments swapped
         lambda p, q: hand_cross_entropy(p, q) / math.log(2),                       # bits
         lambda p, q: hand_entropy(p),                                              # ignores q
         lambda p, q: float(-np.sum(np.asarray(p) * np.log(np.asarray(q) + 1e-12))),  # no inf
         cross_entropy, None, "cross_entropy"]),
    "ce-batch-loss": (
        [batch_loss(Q), round(batch_loss(Q), 4)],
        [batch_loss(P), batch_loss(Q) * len(CE_BATCH), cross_entropy(P, Q), "1.5", None, [1.5]]),
    "ce-best-model": (
        ["P", "p", " P "],
        ["Q", "uniform", "one-hot", "the best", None, 1]),
    "kl-bits": (
        [kl_divergence(P, Q, base=2), round(kl_divergence(P, Q, base=2), 4), kl_divergence(P, Q) / math.log(2)],
        [kl_divergence(P, Q), kl_divergence(Q, P, base=2), kl_divergence(P, Q) * math.log(2),
         "0.27", None, [0.2704], True]),
    "kl-term-cat": (
        [float(kl_contributions(P, Q)[0]), 0.4 * math.log(2), round(0.4 * math.log(2), 4)],
        [math.log(2), float(kl_contributions(Q, P)[0]), 0.4 * math.log2(2), "0.28", None]),
    "kl-implement": (
        [hand_kl, lambda p, q: hand_cross_entropy(p, q) - hand_entropy(p)],
        [lambda p, q: hand_kl(q, p),                                                # direction swapped
         lambda p, q: hand_kl(p, q) / math.log(2),                                  # bits
         lambda p, q: float(np.sum(np.log(np.asarray(p)) * np.asarray(p) / np.asarray(q))),  # the typo
         lambda p, q: hand_cross_entropy(p, q),                                     # forgot to subtract H(P)
         kl_divergence, functools.partial(kl_divergence), np.vectorize(kl_divergence, signature="(n),(n)->()"),
         None, "kl", 0.1874]),
    "kl-ce-minus-h": (
        [cross_entropy(Q, P) - entropy(Q), kl_divergence(Q, P), round(kl_divergence(Q, P), 4)],
        [cross_entropy(P, Q) - entropy(P), cross_entropy(Q, P), cross_entropy(Q, P) - entropy(P), "0.2147", None]),
    "kl-zero-mat": (
        ["infinite", "INFINITE", " Infinite "],
        ["finite", "zero", "large", None, math.inf]),
    "kld-transfer-negative": (
        [sum(x for x in NEG_TERMS if x < 0), round(sum(x for x in NEG_TERMS if x < 0), 4)],
        [sum(x for x in NEG_TERMS if x > 0), sum(NEG_TERMS), -sum(x for x in NEG_TERMS if x < 0),
         sum(x for x in NEG_TERMS if x < 0) / math.log(2), "negative", None, [-0.3]]),
    "kld-transfer-waste": (
        [-math.log(1 - Q_WASTE_NEVER), round(-math.log(1 - Q_WASTE_NEVER), 4),
         hand_kl(P_WASTE, Q_WASTE) - hand_kl(P_WASTE, kl.with_share(Q_WASTE, int(np.argmin(P_WASTE)), 0.0))],
        [math.log(1 - Q_WASTE_NEVER), Q_WASTE_NEVER, 0.0, hand_kl(P_WASTE, Q_WASTE), "ln(1/(1-q))", None]),
    "asym-transfer-larger": (
        [abs(hand_kl(P_ASYM, Q_ASYM) - hand_kl(Q_ASYM, P_ASYM)),
         round(abs(hand_kl(P_ASYM, Q_ASYM) - hand_kl(Q_ASYM, P_ASYM)), 4)],
        [-abs(hand_kl(P_ASYM, Q_ASYM) - hand_kl(Q_ASYM, P_ASYM)), max(hand_kl(P_ASYM, Q_ASYM), hand_kl(Q_ASYM, P_ASYM)),
         hand_kl(P_ASYM, Q_ASYM) + hand_kl(Q_ASYM, P_ASYM), "D(Q'||P')", None, [0.1]]),
    "asym-transfer-zero": (
        [ZERO_WITHIN, round(ZERO_WITHIN, 4), hand_kl(Q_ZERO, P_ZERO) + math.log(P_ZERO[ZERO_KEPT].sum())],
        [hand_kl(Q_ZERO, P_ZERO), -math.log(P_ZERO[ZERO_KEPT].sum()), math.inf, hand_kl(P_ZERO, Q_ZERO),
         "finite", None]),
    "asym-predict": (
        [LARGER, LARGER.lower(), f" {LARGER} ", LARGER.replace("||", "‖"), LARGER.replace("||", " || "),
         "D_KL" + LARGER[1:], "KL" + LARGER[1:].replace("||", "|"), "D_{KL}" + LARGER[1:].replace("||", r" \| ")],
        [SMALLER, SMALLER.replace("||", "‖"), "equal", "Q", None, kl_divergence(Q, P)]),
    "asym-top-token": (
        [REVERSE_TOP, REVERSE_TOP.upper()],
        [FORWARD_TOP, "the", "dog", None, int(np.argmax(kl_contributions(Q, P)))]),
    "asym-explore-mat": (
        [BLOWS_UP, BLOWS_UP.lower(), BLOWS_UP.replace("||", "‖")],
        ["D(Q||P)", "D(Q ‖ P)", "neither", "both" if BLOWS_UP != "both" else "neither", None, True]),
    "prop-bits": (
        [kl_divergence(P, Q) / math.log(2), kl_divergence(P, Q, base=2)],
        [kl_divergence(P, Q), kl_divergence(P, Q) * math.log(2), kl_divergence(Q, P, base=2), "0.27 bits", None]),
    "prop-support": (
        ["D(P||S)", " d(p||s) ", "D(P ‖ S)", "KL(P||S)"],
        ["D(S||P)", "D(S ‖ P)", "both", "neither", "infinite", None, 1]),
    "prop-smooth": (
        [lambda q, e: (1 - e) * np.asarray(q, dtype=float) + e / len(q), in_place_smooth],
        [lambda q, e: np.asarray(q, dtype=float) + e,                      # forgets to renormalise
         lambda q, e: (1 - e) * np.asarray(q, dtype=float) + e,            # epsilon on every token
         lambda q, e: np.maximum(np.asarray(q, dtype=float), e),           # a clip is not a mixture
         kl.smooth, "smooth", None]),
    "prop-merge-drop": (
        [MERGE_DROP, round(MERGE_DROP, 4)],
        [-MERGE_DROP, MERGE_DROP_BITS, kl_divergence(*kl.variant("prop-merge")[:2]), "0.05", None]),
    "prop-pinsker-mine": (
        [PINSKER_MINE, PINSKER_MINE.round(4).tolist()],
        [PINSKER_MINE * [2, 1], PINSKER_MINE[::-1], PINSKER_MINE ** 2, [PINSKER_MINE[0]], "TV", None]),
    "fr-mean": (
        [mean_position(kl.two_peaks()), round(mean_position(kl.two_peaks()), 3)],
        [19.0, 11.0, 20.0, float(kl.two_peaks().mean()), "17", None]),
    "fr-moments": (
        [hand_moments,
         lambda p: (float(np.arange(len(p)) @ p),
                    float(np.sqrt(np.arange(len(p)) ** 2 @ p - (np.arange(len(p)) @ p) ** 2)))],
        [lambda p: (float(np.arange(len(p)) @ p), float(np.arange(len(p)) ** 2 @ p - (np.arange(len(p)) @ p) ** 2)),
         lambda p: (float(np.mean(p)), float(np.std(p))),
         lambda p: (float(np.arange(1, len(p) + 1) @ p), 1.0),
         lambda p: [str(v) for v in hand_moments(p)],
         "mean and std", None]),
    "fr-mle": (
        ["D(P||Q)", "d(p||q)", "D_KL(P ‖ Q)", "D(P | Q)"],
        ["D(Q||P)", "KL(Q||P)", "neither", "forward", None, 0]),
    "fr-transfer-spread": (
        [hand_moments(P_SPREAD)[1], round(float(hand_moments(P_SPREAD)[1]), 3),
         float(hand_moments(kl.fit_forward(P_SPREAD).q)[1])],
        [kl.fit_forward(P_SPREAD).width, hand_moments(P_SPREAD)[1] ** 2, hand_moments(P_SPREAD)[0],
         float(np.std(P_SPREAD)), "7", None]),
    "fr-transfer-larger": (
        [hand_kl(FITS_LARGER[0].q, P_LARGER) - hand_kl(FITS_LARGER[1].q, P_LARGER)],
        [hand_kl(FITS_LARGER[1].q, P_LARGER) - hand_kl(FITS_LARGER[0].q, P_LARGER),
         hand_kl(P_LARGER, FITS_LARGER[1].q) - hand_kl(P_LARGER, FITS_LARGER[0].q),
         hand_kl(FITS_LARGER[0].q, P_LARGER), "forward", None]),
    "lm-loss-floor": (
        [entropy(P), float(round(entropy(P), 4))],
        [0.0, cross_entropy(P, Q), kl_divergence(P, Q), entropy(P, base=2), "H(P)", None]),
    "lm-kl-logits": (
        [hand_kl_from_logits],
        [naive_kl_from_logits,
         lambda a, b: hand_kl_from_logits(b, a),                # the other direction
         lambda a, b: hand_kl_from_logits(a, b).sum(),          # sums the batch too
         kl.kl_from_logits, "kl_from_logits", None]),
    "lm-beta-policy": (
        [BETA_POLICY_MAT, float(P[4] * math.exp(2) / (1 - P[4] + P[4] * math.exp(2)))],
        [float(P[4]), 1.0, float(P[4] * math.exp(2)),
         float(P[4] * math.exp(0.5) / (1 - P[4] + P[4] * math.exp(0.5))), "0.28", None]),
    "lm-transfer-optimum": (
        [LM_T_OPT, LM_T_OPT.round(4).tolist()],
        [LM_T_REF, LM_T_OPT_BIG, LM_T_REF * np.exp(LM_T_R * LM_T["betas"][0]) / (LM_T_REF @ np.exp(LM_T_R * LM_T["betas"][0])),
         LM_T_WEIGHTS, LM_T_OPT[:3], "pi*", None, 0.5]),
    "lm-transfer-drift": (
        [float((LM_T_OPT * np.log(LM_T_OPT / LM_T_REF)).sum()), kl_divergence(LM_T_OPT, LM_T_REF)],
        [kl_divergence(LM_T_REF, LM_T_OPT), kl_divergence(LM_T_OPT_BIG, LM_T_REF),
         kl_divergence(LM_T_OPT, LM_T_REF, base=2), "1.26", None, [1.0]]),
    "lm-transfer-larger": (
        ["the smaller beta", "The smaller beta "],
        ["the larger beta", "they are equal", "beta", None, 0.5]),
    "prac-chain-bits": (
        [0.5 * (0.9 * math.log2(1.8) + 0.1 * math.log2(0.2)), 0.2655],
        [0.9 * math.log2(1.8) + 0.1 * math.log2(0.2), 0.5 * (0.9 * math.log(1.8) + 0.1 * math.log(0.2)),
         0.0, "0.27 bits", None, [0.2655]]),
    "prac-k1-loss": (
        ["nothing", " Nothing"],
        ["D(pi||pi_ref)", "D(pi_ref||pi)", "zero gradient", None, 0]),
    "prac-transfer-seq": (
        [PR_SEQ_KL, round(PR_SEQ_KL, 4)],
        [float((PR_JOINT_REF * np.log(PR_JOINT_REF / PR_JOINT_PI)).sum()), PR_SEQ_KL / math.log(2),
         kl_divergence(PR_SEQ["policy"][0], PR_SEQ["reference"][0]), "0.37", None, [PR_SEQ_KL]]),
    "prac-transfer-larger": (
        ["the sequence KL", "The Sequence KL"],
        ["the first-token KL", "they are equal", "sequence", None, 1.0]),
    "prac-transfer-k3": (
        [PR_K3_GRAD, PR_K3_GRAD.round(4).tolist()],
        [-PR_K3_GRAD, np.zeros(4), PR_K3_PI * (np.log(PR_K3_PI / np.array(PR_K3["reference"]))
                                             - PR_K3_PI @ np.log(PR_K3_PI / np.array(PR_K3["reference"]))),
         PR_K3_GRAD[:3], "pi - ref", None, 0.0]),
}


# Chapter 8 (continuous): the website's variants, computed by hand.
def hand_kl_gaussian(mu_1, sigma_1, mu_2, sigma_2):
    return math.log(sigma_2 / sigma_1) + (sigma_1 ** 2 + (mu_1 - mu_2) ** 2) / (2 * sigma_2 ** 2) - 0.5


CONT_P, CONT_Q = kl.variant("cont-widths")
CONT_DIFF = hand_kl_gaussian(*CONT_P, *CONT_Q) - hand_kl_gaussian(*CONT_Q, *CONT_P)
CONT_MU, CONT_SIGMA, CONT_WIDTH = kl.variant("cont-bins")
_CONT_C = np.arange(-30 + CONT_WIDTH / 2, 30, CONT_WIDTH)
_CONT_P = scipy.stats.norm.pdf(_CONT_C, CONT_MU, CONT_SIGMA)
CONT_BINNED = hand_entropy(_CONT_P / _CONT_P.sum())
CONT_H = 0.5 * math.log(2 * math.pi * math.e * CONT_SIGMA ** 2)
EXAMPLES.update({
    "cont-uniform": ([math.log(0.25), -math.log(4), -1.3863],
                     [math.log(4), 0.25, math.log2(0.25), 0.0, "log 1/4", None]),
    "cont-widths": ([CONT_DIFF, round(CONT_DIFF, 4)],
                    [-CONT_DIFF, hand_kl_gaussian(*CONT_P, *CONT_Q), abs(CONT_DIFF) + 1, "D(P||Q)", None]),
    "cont-bins": ([CONT_BINNED, CONT_H - math.log(CONT_WIDTH)],
                  [CONT_H, -math.log(CONT_WIDTH), CONT_BINNED / math.log(2), "H", None, [CONT_BINNED]]),
})


# -- Chapters 1 and 2: transfer exercises (the default student's variants) ---------------------
P_SIX = np.asarray(kl.variant("entropy-transfer-bits"))
P_CODES = np.asarray(kl.variant("entropy-transfer-larger"))
P_CE, Q_CE = (np.asarray(d) for d in kl.variant("ce-transfer-predict"))
P_SHARP, A_SHARP = np.asarray(kl.variant("ce-transfer-larger")[0]), kl.variant("ce-transfer-larger")[1]
SHARP = P_SHARP ** A_SHARP / np.sum(P_SHARP ** A_SHARP)
FLAT = np.full(P_SHARP.size, 1 / P_SHARP.size)
SHANNON_CODES = np.array([math.ceil(-math.log2(x)) for x in P_CODES])
HUFFMAN_CODES = kl.huffman_lengths(P_CODES)

EXAMPLES.update({
    "entropy-transfer-bits": (
        [hand_entropy(P_SIX) / math.log(2), round(hand_entropy(P_SIX) / math.log(2), 4)],
        [hand_entropy(P_SIX), math.log2(6), entropy(P, base=2), "2.4", None, [1.0]]),
    "entropy-transfer-larger": (
        [float(P_CODES @ SHANNON_CODES - P_CODES @ HUFFMAN_CODES),
         round(float(P_CODES @ SHANNON_CODES - P_CODES @ HUFFMAN_CODES), 4)],
        [float(P_CODES @ HUFFMAN_CODES - P_CODES @ SHANNON_CODES),                  # the other way round
         float(P_CODES @ SHANNON_CODES) - hand_entropy(P_CODES) / math.log(2),     # against H, not Huffman
         float(np.mean(SHANNON_CODES - HUFFMAN_CODES)),                             # unweighted
         "Shannon", None, [0.1]]),
    "ce-transfer-predict": (
        [hand_cross_entropy(P_CE, Q_CE) / math.log(2), round(hand_cross_entropy(P_CE, Q_CE) / math.log(2), 4)],
        [hand_cross_entropy(P_CE, Q_CE), hand_cross_entropy(Q_CE, P_CE) / math.log(2),
         hand_entropy(P_CE) / math.log(2), "1.9", None, [2.0]]),
    "ce-transfer-larger": (
        [hand_cross_entropy(P_SHARP, SHARP) - hand_cross_entropy(P_SHARP, FLAT),
         round(hand_cross_entropy(P_SHARP, SHARP) - hand_cross_entropy(P_SHARP, FLAT), 4)],
        [hand_cross_entropy(P_SHARP, FLAT) - hand_cross_entropy(P_SHARP, SHARP),    # the other way round
         hand_cross_entropy(SHARP, P_SHARP) - hand_cross_entropy(FLAT, P_SHARP),    # arguments swapped
         (hand_cross_entropy(P_SHARP, SHARP) - hand_cross_entropy(P_SHARP, FLAT)) / math.log(2),  # bits
         "uniform", None, [0.0]]),
})


# Chapter 5 (two variables): the running table and the website's variants, by hand with numpy.
def _tv_h(p):
    p = np.asarray(p, dtype=float).ravel()
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _tv_mi(pxy):
    pxy = np.asarray(pxy, dtype=float)
    ind = np.outer(pxy.sum(axis=1), pxy.sum(axis=0))
    m = pxy > 0
    return float((pxy[m] * np.log(pxy[m] / ind[m])).sum())


TV_TABLE = np.asarray(P)[:, None] * kl.exercises.two_variables.BIGRAM
TV_GAIN = np.asarray(kl.variant("tv-independence-gain"), dtype=float)
TV_ROW = kl.variant("tv-row-vs-marginal")
TV_ROW_PXY, TV_ROW_X = np.asarray(TV_ROW["pxy"], dtype=float), TV_ROW["row"]
TV_CHAIN_P, TV_CHAIN_Q = (np.asarray(kl.variant("tv-chain-kl")[k], dtype=float) for k in ("pxy", "qxy"))
TV_CHAIN_ROWS = TV_CHAIN_Q / TV_CHAIN_Q.sum(axis=1, keepdims=True)
TV_CHAIN_TERM = float(sum(px * _tv_h_kl for px, _tv_h_kl in zip(
    TV_CHAIN_P.sum(axis=1), [float((r * np.log(r / q)).sum()) for r, q in
                             zip(TV_CHAIN_P / TV_CHAIN_P.sum(axis=1, keepdims=True), TV_CHAIN_ROWS)])))
EXAMPLES.update({
    "tv-joint-bits": (
        [_tv_h(TV_TABLE) / math.log(2), round(_tv_h(TV_TABLE) / math.log(2), 4)],
        [_tv_h(TV_TABLE), _tv_h(P) / math.log(2) + _tv_h(TV_TABLE.sum(axis=0)) / math.log(2),  # H(X) + H(Y)
         _tv_h(P) / math.log(2), "3.52 bits", None]),
    "tv-mi-function": (
        [_tv_mi, lambda t: _tv_h(np.sum(t, axis=1)) + _tv_h(np.sum(t, axis=0)) - _tv_h(t)],
        [lambda t: _tv_mi(t) / math.log(2),                                   # bits
         lambda t: float(np.sum(np.asarray(t) * np.log(np.asarray(t)))),      # forgets the product table
         lambda t: _tv_h(t),                                                  # the joint entropy
         kl.mutual_information, "I(X;Y)", None]),
    "tv-independence-gain": (
        [_tv_mi(TV_GAIN), _tv_h(np.outer(TV_GAIN.sum(axis=1), TV_GAIN.sum(axis=0))) - _tv_h(TV_GAIN)],
        [-_tv_mi(TV_GAIN), _tv_h(TV_GAIN), _tv_mi(TV_GAIN) / math.log(2), 0.0, "up", None]),
    "tv-row-vs-marginal": (
        [_tv_h(TV_ROW_PXY[TV_ROW_X] / TV_ROW_PXY[TV_ROW_X].sum()) - _tv_h(TV_ROW_PXY.sum(axis=0))],
        [_tv_h(TV_ROW_PXY.sum(axis=0)) - _tv_h(TV_ROW_PXY[TV_ROW_X] / TV_ROW_PXY[TV_ROW_X].sum()),  # swapped
         _tv_h(TV_ROW_PXY[TV_ROW_X]) - _tv_h(TV_ROW_PXY.sum(axis=0)),        # row not rescaled
         -_tv_mi(TV_ROW_PXY),                                                # the average, not the row
         "H(Y)", None]),
    "tv-chain-kl": (
        [TV_CHAIN_TERM, round(TV_CHAIN_TERM, 4)],
        [float((TV_CHAIN_P * np.log(TV_CHAIN_P / TV_CHAIN_Q)).sum()),         # the whole divergence
         float(np.mean([(r * np.log(r / q)).sum() for r, q in               # unweighted rows
                        zip(TV_CHAIN_P / TV_CHAIN_P.sum(axis=1, keepdims=True), TV_CHAIN_ROWS)])),
         "0.35", None]),
})
