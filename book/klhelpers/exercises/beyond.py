"""Checks for the exercises of chapters 6, 7 and 9 (properties, forward vs reverse, language models).

As in :mod:`.foundations`: expected values are recomputed from klhelpers when a check
runs, choices are stored as salted hashes, examples live in ``tests/exercise_examples.py``.
Chapter 9 reads :data:`RLHF_BETA` from here (``kl.exercises.beyond.RLHF_BETA``).
"""

import math

import numpy as np

from ..bounds import total_variation
from ..divergences import P, Q, entropy, kl_divergence
from ..fits import gaussian_family, two_peaks
from ..divergences import smooth
from ..logits import kl_from_logits
from ..rlhf import optimal_policy
from .functions import Function
from .judges import Array, Choice, Number
from .registry import register
from .variants import register_variant, rounded_distribution
from .variants import variant as student_variant

# -- Chapter 6: properties -----------------------------------------------------------------------

register(
    "prop-bits",
    Number(expected=lambda: kl_divergence(P, Q, base=2),
           hint="a bit is larger than a nat (ln 2 ≈ 0.693 nats), so the same divergence is a bigger "
                "number of bits: divide the value in nats by ln 2."),
    about="D(P || Q) of the running example in bits.",
)

#: The "greedy" distribution of the support exercise: all probability on "cat".
ONE_HOT_CAT = np.array([1.0, 0.0, 0.0, 0.0, 0.0])
ONE_HOT_CAT.flags.writeable = False

register(
    "prop-support",
    Choice(choices=("D(P||S)", "D(S||P)", "both", "neither"), answer_hash="2368a23a9d6238fb2428",
           hint="the sum runs over the outcomes of the FIRST distribution; look for a term with "
                "p_k > 0 in the first and 0 in the second."),
    about="Which direction of KL between P and a one-hot S on 'cat' is infinite.",
)

register(
    "prop-smooth",
    Function(reference=smooth,
             cases=[(np.array([0.2, 0.25, 0.3, 0.25, 0.0]), 0.1), (P, 0.0), (np.array([0.0, 1.0]), 0.5),
                    (np.array([0.5, 0.5, 0.0, 0.0]), 1.0), (Q, 0.03)],
             hint="mix (1 - epsilon) of q with epsilon of the uniform distribution over len(q) outcomes; "
                  "the result must still sum to 1.",
             writable=True),  # smoothing in place (q *= 1 - epsilon; ...) is a fine answer
    about="Write the epsilon-smoothing of a distribution with the uniform one.",
)


def merge_pair(d, pair):
    """`d` with outcomes pair = (i, j), i < j, merged into one in i's place."""
    i, j = pair
    d = np.array(d, dtype=float)
    d[i] += d[j]
    return np.delete(d, j)


def draw_merge(rng):
    """Transfer "prop-merge-drop": P, Q on four outcomes and a pair (i, j) whose ratios p/q differ."""
    while True:
        p, q = rounded_distribution(rng, 4), rounded_distribution(rng, 4)
        i, j = sorted(int(k) for k in rng.choice(4, size=2, replace=False))
        if abs(p[i] * q[j] - p[j] * q[i]) > 0.01:  # unequal ratios: merging loses something
            return p, q, (i, j)


register_variant("prop-merge", draw_merge)
register(
    "prop-merge-drop",
    Number(expected=lambda: (lambda p, q, pair: kl_divergence(p, q) - kl_divergence(
        merge_pair(p, pair), merge_pair(q, pair)))(*student_variant("prop-merge")),
           hint="merge outcome j into outcome i in BOTH distributions (add their probabilities), compute "
                "D_KL(P'||Q') of the merged pair, and subtract it from D_KL(P||Q): the drop is never negative."),
    about="Transfer: how much D(P||Q) drops when two of the student's own outcomes are merged.",
)

register_variant("prop-pinsker", lambda rng: (rounded_distribution(rng, 4), rounded_distribution(rng, 4)))
register(
    "prop-pinsker-mine",
    Array(expected=lambda: (lambda p, q: np.array([total_variation(p, q), math.sqrt(kl_divergence(p, q) / 2)]))(
        *student_variant("prop-pinsker")),
          hint="two numbers, [TV(P, Q), sqrt(D_KL(P||Q) / 2)]: TV is HALF the sum of |p_k - q_k|, and the "
               "divergence is in nats."),
    about="Transfer: both sides of Pinsker's inequality for the student's own P and Q.",
)

# -- Chapter 7: forward vs reverse ----------------------------------------------------------------


def mean_position(p):
    """The mean of the position x = 0, 1, ..., len(p) - 1 under the distribution p."""
    p = np.asarray(p, dtype=float)
    return float(p @ np.arange(p.size))


register(
    "fr-mean",
    Number(expected=lambda: mean_position(two_peaks()),
           hint="the mean is the probability-weighted average of the positions 0 ... 39: "
                "sum over x of x * p(x). It is not the midpoint of the two peaks, because they are unequal."),
    about="The mean position of the chapter's two-peaked P.",
)


def moments(p):
    """(mean, standard deviation) of the position under p: the reference of "fr-moments"."""
    p = np.asarray(p, dtype=float)
    x = np.arange(p.size)
    mean = float(p @ x)
    return np.array([mean, math.sqrt(float(p @ (x - mean) ** 2))])


register(
    "fr-moments",
    Function(reference=moments,
             cases=[(np.array([0.5, 0.0, 0.5]),), (np.array([0.1, 0.2, 0.3, 0.4]),),
                    (gaussian_family(5.0, 2.0, 12),), (two_peaks(),), (two_peaks((3.0, 30.0), (1.0, 5.0), 0.2),)],
             hint="return (mean, standard deviation) of the position x = 0, 1, ..., len(p) - 1 under p: "
                  "mean = sum x p(x), variance = sum (x - mean)^2 p(x), and the standard deviation "
                  "is its square root."),
    about="Write a function returning the mean and standard deviation of a distribution over positions.",
)

register(
    "fr-mle",
    Choice(choices=("D(P||Q)", "D(Q||P)", "neither"), answer_hash="f38526fd8c033cedb7a9",
           hint="maximum likelihood averages log q(x) over samples x drawn from the data P. "
                "Which divergence is an average over P?"),
    about="Which divergence maximum-likelihood fitting minimises.",
)

# Transfer exercises: each student's own two-peaked P' (kl.student, kl.variant).
from ..fits import fit_forward, fit_reverse  # noqa: E402
from .variants import register_variant, variant  # noqa: E402


def _draw_two_peaks(rng):
    """Arguments of two_peaks for a P' the chapter never showed: (centers, widths, share_a).

    Peak A sits at 7-13, peak B 11-17 positions further right, widths 1.5-3.5, A's share
    0.55-0.75: far enough inside the 40 positions that the forward fit is on no bound.
    """
    center_a = float(rng.integers(7, 14))
    center_b = center_a + float(rng.integers(11, 18))
    widths = tuple(float(w) for w in rng.integers(3, 8, size=2) / 2)
    share_a = float(rng.integers(11, 16)) / 20
    return (center_a, center_b), widths, share_a


register_variant("fr-transfer-spread", _draw_two_peaks)

register(
    "fr-transfer-spread",
    Number(expected=lambda: float(moments(two_peaks(*variant("fr-transfer-spread")))[1]),
           hint="the forward fit matches P's mean and variance: its standard deviation is P's, "
                "sqrt(sum (x - mean)^2 p(x)) over the positions x = 0 ... 39 (not the sigma parameter)."),
    about="The standard deviation of the position under the forward fit to your P'.",
)

register_variant("fr-transfer-larger", _draw_two_peaks)


def _reverse_scores(p):
    """(D(Q_fwd || P), D(Q_rev || P)): each fit judged by the reverse divergence."""
    return kl_divergence(fit_forward(p).q, p), kl_divergence(fit_reverse(p).q, p)


register(
    "fr-transfer-larger",
    Number(expected=lambda: abs(float(np.subtract(*_reverse_scores(two_peaks(*variant("fr-transfer-larger")))))),
           hint="fit both directions with kl.fit_forward and kl.fit_reverse, then judge both fits by "
                "D_KL(Q || P') (the fit first); answer the larger minus the smaller."),
    about="Larger minus smaller of D(Q_fwd || P') and D(Q_rev || P') for your P'.",
)

# -- Chapter 9: language models -------------------------------------------------------------------

register(
    "lm-loss-floor",
    Number(expected=lambda: entropy(P),
           hint="the loss is H(P) + D(P || Q), and the divergence can be brought down to 0 but no further. "
                "What is left?"),
    about="The lowest expected cross-entropy loss a model can reach on the running example, in nats.",
)

register(
    "lm-kl-logits",
    Function(reference=kl_from_logits,
             cases=[(np.log(P), np.log(Q)),
                    (np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])),
                    (np.array([0.0, 0.0]), np.array([5.0, 5.0])),
                    (np.array([[0.0, 1.0, -2.0], [4.0, 4.0, 4.0]]), np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 2.0]])),
                    (np.array([0.0, 10000.0, -10000.0]), np.array([10000.0, 0.0, 500.0]))],
             hint="stay in log space: log softmax(z) = z - max(z) - log(sum(exp(z - max(z)))), then "
                  "sum p * (log p - log q) along the last axis, with p = exp(log p)."),
    about="Write a numerically stable KL divergence between the softmaxes of two sets of logits.",
)

#: The RLHF exercise: reward 1 for "mat", 0 for every other token, KL coefficient 0.5.
RLHF_REWARD = np.array([0.0, 0.0, 0.0, 0.0, 1.0])
RLHF_BETA = 0.5
RLHF_REWARD.flags.writeable = False

register(
    "lm-beta-policy",
    Number(expected=lambda: float(optimal_policy(P, RLHF_REWARD, RLHF_BETA)[4]),
           hint="re-weight each token's reference probability by exp(reward / beta), then divide by "
                "the sum of the new weights so they add up to 1."),
    about="Probability of 'mat' under the KL-regularised optimal policy with beta = 0.5.",
)

# -- Chapter 9: transfer exercises ---------------------------------------------------------------


def _rlhf_problem(rng):
    """A reference over four replies, integer rewards (not all equal) and two KL coefficients."""
    while True:
        reward = rng.integers(0, 4, size=4).astype(float)
        if np.ptp(reward) > 0:
            break
    betas = sorted(rng.choice([0.25, 0.5, 1.0, 2.0], size=2, replace=False).tolist())
    return {"reference": rounded_distribution(rng, 4).tolist(), "reward": reward.tolist(), "betas": betas}


register_variant("lm-transfer-rlhf", _rlhf_problem)


def _transfer_optimum(which):
    data = variant("lm-transfer-rlhf")
    return optimal_policy(data["reference"], data["reward"], data["betas"][which])


register(
    "lm-transfer-optimum",
    Array(expected=lambda: _transfer_optimum(0),
          hint="multiply each reply's reference probability by exp(reward / beta) with the SMALLER beta, "
               "then divide by the sum so the four numbers add up to 1."),
    about="The optimal policy of a student's own RLHF problem, at the smaller beta.",
)

register(
    "lm-transfer-drift",
    Number(expected=lambda: kl_divergence(_transfer_optimum(0), variant("lm-transfer-rlhf")["reference"]),
           hint="the drift is D(pi* || pi_ref), policy first, in nats, at the smaller beta."),
    about="How far the optimal policy drifts from the reference at the smaller beta, in nats.",
)

register(
    "lm-transfer-larger",
    Choice(choices=("the smaller beta", "the larger beta", "they are equal"), answer_hash="696a78012871db0601b5",
           hint="the drift's derivative with respect to 1/beta is Var(r) under pi* divided by beta: what is its sign?"),
    about="At which of two betas the optimal policy drifts further from its reference.",
)
