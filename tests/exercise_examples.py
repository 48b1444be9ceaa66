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
BETA_POLICY_MAT = float(kl.kl_regularized_policy(P, [0, 0, 0, 0, 1.0], 0.5)[4])


def mean_position(p):
    return float(p @ np.arange(p.size))


#: {exercise id: (right answers, wrong answers)}
EXAMPLES = {
    "entropy-uniform-bits": (
        [2.0, 2, np.float64(2.0), np.array(2.0)],
        [1.0, 4, "two", None, [2.0], True]),
    "intro-greedy": (
        [GREEDY, GREEDY.upper(), f"  {GREEDY} "],
        [VOCAB[int(np.argmax(P))], "dog", None, int(np.argmax(Q)), [GREEDY]]),
    "intro-gap": (
        [Q - P, list(np.round(Q - P, 3)), tuple(Q - P)],
        [P - Q, np.abs(Q - P), Q / P, (Q - P)[:4], "Q - P", None, 0.0, [str(x) for x in Q - P]]),
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
    "asym-predict": (
        [LARGER, LARGER.lower(), f" {LARGER} ", LARGER.replace("||", "‖"), LARGER.replace("||", " || "),
         "D_KL" + LARGER[1:], "KL" + LARGER[1:].replace("||", "|"), "D_{KL}" + LARGER[1:].replace("||", r" \| ")],
        [SMALLER, SMALLER.replace("||", "‖"), "equal", "Q", None, kl_divergence(Q, P)]),
    "asym-reverse-terms": (
        [kl_contributions(Q, P), list(np.round(kl_contributions(Q, P), 4))],
        [kl_contributions(P, Q), -kl_contributions(P, Q), Q * np.log(P / Q), kl_contributions(Q, P)[:4],
         "terms", None, kl_divergence(Q, P), [True, False, False, False, True]]),
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
}
