"""Checks for the exercises of chapters 6, 7 and 9 (properties, forward vs reverse, language models).

As in :mod:`.foundations`: expected values are recomputed from klhelpers when a check
runs, choices are stored as salted hashes, examples live in ``tests/exercise_examples.py``.
Chapter 9 reads :data:`RLHF_BETA` from here (``kl.exercises.beyond.RLHF_BETA``).
"""

import math

import numpy as np

from ..divergences import P, Q, entropy, kl_divergence
from ..fits import gaussian_family, two_peaks
from ..divergences import smooth
from ..logits import kl_from_logits
from ..rlhf import kl_regularized_policy
from .functions import Function
from .judges import Choice, Number
from .registry import register

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
    Number(expected=lambda: float(kl_regularized_policy(P, RLHF_REWARD, RLHF_BETA)[4]),
           hint="re-weight each token's reference probability by exp(reward / beta), then divide by "
                "the sum of the new weights so they add up to 1."),
    about="Probability of 'mat' under the KL-regularised optimal policy with beta = 0.5.",
)
