"""Checks and per-student variants for the transfer exercises of chapters 0, 3 and 4.

Each exercise asks about distributions its chapter never showed, drawn from the student's id
(:mod:`.variants`); the expected answer is recomputed from the same drawing when a check runs,
so ``kl.check`` verifies any student's variant and no answer is stored. The worked exercises of
these chapters are in :mod:`.foundations`; example answers, right and wrong, are in
``tests/exercise_examples.py``.
"""

import numpy as np

from ..divergences import kl_contributions, kl_divergence, with_share
from .judges import Number
from .registry import register
from .variants import register_variant, rounded_distribution, variant

# -- Chapter 0: introduction -----------------------------------------------------------

#: The four next tokens of the transfer exercise "intro-not-greedy" ("the weather today is ...").
WEATHER = ("sunny", "cloudy", "rainy", "windy")

register_variant("intro-not-greedy", lambda rng: rounded_distribution(rng, len(WEATHER)))

register(
    "intro-not-greedy",
    Number(expected=lambda: 1.0 - float(np.max(variant("intro-not-greedy"))),
           hint="a sampled token differs from greedy's pick whenever it is not the top token: "
                "add up the probabilities of all the other tokens (a share, between 0 and 1)."),
    about="The expected share of sampled tokens that differ from the greedy token, for your Q'.",
)

register_variant("intro-repeat-larger", lambda rng: rounded_distribution(rng, 5))


def _greedy_minus_repeat():
    q = variant("intro-repeat-larger")
    return float(np.max(q) - np.sum(q * q))


register(
    "intro-repeat-larger",
    Number(expected=_greedy_minus_repeat,
           hint="two independent draws agree with probability sum_k q_k^2 (both draw k, for some k); "
                "a draw equals greedy's pick with probability max_k q_k. Answer larger minus smaller."),
    about="Larger minus smaller of: P(a sample equals greedy's pick), P(two samples agree).",
)

# -- Chapter 3: KL divergence ----------------------------------------------------------


def _draw_pair(rng, differ):
    """(P', Q') over four outcomes for which differ(p, q) holds."""
    while True:
        p, q = rounded_distribution(rng, 4), rounded_distribution(rng, 4)
        if differ(p, q):
            return p, q


register_variant("kld-transfer-negative",
                 lambda rng: _draw_pair(rng, lambda p, q: np.abs(p - q).max() >= 0.05))

register(
    "kld-transfer-negative",
    Number(expected=lambda: float(np.minimum(kl_contributions(*variant("kld-transfer-negative")), 0).sum()),
           hint="a term p_k ln(p_k / q_k) is negative exactly where q_k > p_k; add up only those "
                "terms (natural log). The answer is a negative number."),
    about="The sum of the negative terms of D_KL(P' || Q') for your P' and Q'.",
)


def _draw_waste(rng):
    """P' that never produces one of five outcomes, and Q' that gives all five some probability."""
    return np.insert(rounded_distribution(rng, 4), rng.integers(5), 0.0), rounded_distribution(rng, 5)


register_variant("kld-transfer-waste", _draw_waste)


def _waste_gap(p, q):
    never = int(np.flatnonzero(np.asarray(p) == 0)[0])
    return abs(kl_divergence(p, q) - kl_divergence(p, with_share(q, never, 0.0)))


register(
    "kld-transfer-waste",
    Number(expected=lambda: _waste_gap(*variant("kld-transfer-waste")),
           hint="build Q'' with kl.with_share(q, k, 0.0), k the outcome P' never produces; compute "
                "D_KL(P' || Q') and D_KL(P' || Q''), and answer the larger minus the smaller."),
    about="How much larger D_KL(P' || Q') is than D_KL(P' || Q''), Q'' without the wasted outcome.",
)

# -- Chapter 4: asymmetry --------------------------------------------------------------

register_variant("asym-transfer-larger",   # two directions at least 0.01 nats apart
                 lambda rng: _draw_pair(rng, lambda p, q: abs(kl_divergence(p, q) - kl_divergence(q, p)) >= 0.01))


def _direction_gap():
    p, q = variant("asym-transfer-larger")
    return abs(kl_divergence(p, q) - kl_divergence(q, p))


register(
    "asym-transfer-larger",
    Number(expected=_direction_gap,
           hint="compute both directions, D_KL(P' || Q') and D_KL(Q' || P'), and answer the larger "
                "minus the smaller (a positive number, in nats)."),
    about="Larger minus smaller of the two directions of KL between your P' and Q'.",
)


def _draw_ruled_out(rng):
    """P' that gives all five outcomes some probability, and Q' that rules one of them out."""
    return rounded_distribution(rng, 5), np.insert(rounded_distribution(rng, 4), rng.integers(5), 0.0)


register_variant("asym-transfer-zero", _draw_ruled_out)


def _mismatch_within(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    kept = q > 0
    return kl_divergence(q[kept], p[kept] / p[kept].sum())


register(
    "asym-transfer-zero",
    Number(expected=lambda: _mismatch_within(*variant("asym-transfer-zero")),
           hint="the finite direction minus the price -ln P'(A) of what Q' leaves out: that is "
                "D_KL(Q' || P'_A), with P'_A the data on the outcomes A that Q' keeps, rescaled "
                "to sum to 1."),
    about="The mismatch part D_KL(Q' || P'_A) of the finite direction, for your P' and Q'.",
)
