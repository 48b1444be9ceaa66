"""Checks for the exercises of chapters 5-7 (properties, forward vs reverse, language models).

Expected values come from klhelpers, computed when a check runs. The wrong
examples are the mistakes students actually make (a swapped direction, nats for
bits, the naive overflowing route) plus answers of the wrong type.
"""

import math

import numpy as np

from .exercises import register, number_check, array_check, choice_check, function_check  # noqa: F401
from .divergences import P, Q, entropy, cross_entropy, kl_divergence
from .fits import gaussian_family, two_peaks
from .llm import kl_from_logits, kl_regularized_policy, smooth

# -- Chapter 5: properties -----------------------------------------------------------------------

register(
    "prop-bits",
    number_check(lambda: kl_divergence(P, Q, base=2),
                 "a bit is larger than a nat (ln 2 ≈ 0.693 nats), so the same divergence is a bigger "
                 "number of bits: divide the value in nats by ln 2."),
    right=[kl_divergence(P, Q) / math.log(2), kl_divergence(P, Q, base=2)],
    wrong=[kl_divergence(P, Q), kl_divergence(P, Q) * math.log(2), kl_divergence(Q, P, base=2),
           "0.27 bits", None],
    about="D(P || Q) of the running example in bits.",
)

#: The "greedy" distribution of the support exercise: all probability on "cat".
ONE_HOT_CAT = np.array([1.0, 0.0, 0.0, 0.0, 0.0])
SUPPORT_CHOICES = ("D(P||S)", "D(S||P)", "both", "neither")

register(
    "prop-support",
    choice_check("D(P||S)", SUPPORT_CHOICES,
                 "the sum runs over the outcomes of the FIRST distribution; look for a term with "
                 "p_k > 0 in the first and 0 in the second."),
    right=["D(P||S)", " d(p||s) "],
    wrong=["D(S||P)", "both", "neither", "infinite", None, 1],
    about="Which direction of KL between P and a one-hot S on 'cat' is infinite.",
)


def _smooth_reference(q, epsilon):
    return smooth(q, epsilon)


SMOOTH_CASES = [
    (np.array([0.2, 0.25, 0.3, 0.25, 0.0]), 0.1),
    (P, 0.0),
    (np.array([0.0, 1.0]), 0.5),
    (np.array([0.5, 0.5, 0.0, 0.0]), 1.0),
    (Q, 0.03),
]

register(
    "prop-smooth",
    function_check(_smooth_reference, SMOOTH_CASES,
                   "mix (1 - epsilon) of q with epsilon of the uniform distribution over len(q) outcomes; "
                   "the result must still sum to 1."),
    right=[_smooth_reference, lambda q, e: (1 - e) * np.asarray(q, dtype=float) + e / len(q)],
    wrong=[lambda q, e: np.asarray(q, dtype=float) + e,                      # forgets to renormalise
           lambda q, e: (1 - e) * np.asarray(q, dtype=float) + e,            # epsilon on every token
           lambda q, e: np.maximum(np.asarray(q, dtype=float), e),           # a clip is not a mixture
           "smooth", None],
    about="Write the epsilon-smoothing of a distribution with the uniform one.",
)

# -- Chapter 6: forward vs reverse ----------------------------------------------------------------


def _positions_mean():
    p = two_peaks()
    return float(p @ np.arange(p.size))


register(
    "fr-mean",
    number_check(_positions_mean,
                 "the mean is the probability-weighted average of the positions 0 ... 39: "
                 "sum over x of x * p(x). It is not the midpoint of the two peaks, because they are unequal."),
    right=[_positions_mean(), round(_positions_mean(), 3)],
    wrong=[19.0, 11.0, 20.0, float(two_peaks().mean()), "17", None],
    about="The mean position of the chapter's two-peaked P.",
)


def _moments_reference(p):
    p = np.asarray(p, dtype=float)
    x = np.arange(p.size)
    mean = float(p @ x)
    return np.array([mean, math.sqrt(float(p @ (x - mean) ** 2))])


MOMENT_CASES = [(np.array([0.5, 0.0, 0.5]),), (np.array([0.1, 0.2, 0.3, 0.4]),),
                (gaussian_family(5.0, 2.0, 12),), (two_peaks(),), (two_peaks((3.0, 30.0), (1.0, 5.0), 0.2),)]

register(
    "fr-moments",
    function_check(_moments_reference, MOMENT_CASES,
                   "return (mean, standard deviation) of the position x = 0, 1, ..., len(p) - 1 under p: "
                   "mean = sum x p(x), variance = sum (x - mean)^2 p(x), and the standard deviation "
                   "is its square root.", atol=1e-9),
    right=[_moments_reference,
           lambda p: (float(np.arange(len(p)) @ p),
                      float(np.sqrt(np.arange(len(p)) ** 2 @ p - (np.arange(len(p)) @ p) ** 2)))],
    wrong=[lambda p: (float(np.arange(len(p)) @ p), float(np.arange(len(p)) ** 2 @ p - (np.arange(len(p)) @ p) ** 2)),
           lambda p: (float(np.mean(p)), float(np.std(p))),
           lambda p: (float(np.arange(1, len(p) + 1) @ p), 1.0),
           "mean and std", None],
    about="Write a function returning the mean and standard deviation of a distribution over positions.",
)

MLE_CHOICES = ("D(P||Q)", "D(Q||P)", "neither")

register(
    "fr-mle",
    choice_check("D(P||Q)", MLE_CHOICES,
                 "maximum likelihood averages log q(x) over samples x drawn from the data P. "
                 "Which divergence is an average over P?"),
    right=["D(P||Q)", "d(p||q)"],
    wrong=["D(Q||P)", "neither", "forward", None, 0],
    about="Which divergence maximum-likelihood fitting minimises.",
)

# -- Chapter 7: language models -------------------------------------------------------------------

register(
    "lm-loss-floor",
    number_check(lambda: entropy(P),
                 "the loss is H(P) + D(P || Q), and the divergence can be brought down to 0 but no further. "
                 "What is left?"),
    right=[entropy(P), float(round(entropy(P), 4))],
    wrong=[0.0, cross_entropy(P, Q), kl_divergence(P, Q), entropy(P, base=2), "H(P)", None],
    about="The lowest expected cross-entropy loss a model can reach on the running example, in nats.",
)


def _naive_kl_from_logits(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        p = np.exp(a) / np.exp(a).sum(axis=-1, keepdims=True)
        q = np.exp(b) / np.exp(b).sum(axis=-1, keepdims=True)
        return (p * np.log(p / q)).sum(axis=-1)


def _student_style_kl_from_logits(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    log_p = a - a.max(axis=-1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=-1, keepdims=True))
    log_q = b - b.max(axis=-1, keepdims=True)
    log_q -= np.log(np.exp(log_q).sum(axis=-1, keepdims=True))
    return (np.exp(log_p) * (log_p - log_q)).sum(axis=-1)


LOGIT_CASES = [
    (np.log(P), np.log(Q)),
    (np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])),
    (np.array([0.0, 0.0]), np.array([5.0, 5.0])),
    (np.array([[0.0, 1.0, -2.0], [4.0, 4.0, 4.0]]), np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 2.0]])),
    (np.array([0.0, 10000.0, -10000.0]), np.array([10000.0, 0.0, 500.0])),
]

register(
    "lm-kl-logits",
    function_check(kl_from_logits, LOGIT_CASES,
                   "stay in log space: log softmax(z) = z - max(z) - log(sum(exp(z - max(z)))), then "
                   "sum p * (log p - log q) along the last axis, with p = exp(log p).", atol=1e-9),
    right=[kl_from_logits, _student_style_kl_from_logits],
    wrong=[_naive_kl_from_logits,
           lambda a, b: kl_from_logits(b, a),  # the other direction
           lambda a, b: _student_style_kl_from_logits(a, b).sum(),  # sums the batch too
           "kl_from_logits", None],
    about="Write a numerically stable KL divergence between the softmaxes of two sets of logits.",
)

#: The RLHF exercise: reward 1 for "mat", 0 for every other token, KL coefficient 0.5.
RLHF_REWARD = np.array([0.0, 0.0, 0.0, 0.0, 1.0])
RLHF_BETA = 0.5

register(
    "lm-beta-policy",
    number_check(lambda: float(kl_regularized_policy(P, RLHF_REWARD, RLHF_BETA)[4]),
                 "re-weight each token's reference probability by exp(reward / beta), then divide by "
                 "the sum of the new weights so they add up to 1."),
    right=[float(kl_regularized_policy(P, RLHF_REWARD, RLHF_BETA)[4]),
           float(P[4] * math.exp(2) / (1 - P[4] + P[4] * math.exp(2)))],
    wrong=[float(P[4]), 1.0, float(P[4] * math.exp(2)),
           float(P[4] * math.exp(0.5) / (1 - P[4] + P[4] * math.exp(0.5))), "0.28", None],
    about="Probability of 'mat' under the KL-regularised optimal policy with beta = 0.5.",
)
