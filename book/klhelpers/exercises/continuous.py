"""Checks and per-student variants for the exercises of chapter 8 (continuous distributions).

As in :mod:`.beyond`: expected values are recomputed from klhelpers when a check runs, and
the transfer exercises draw their Gaussians per student with :func:`.variants.variant`
(examples of right and wrong answers live in ``tests/exercise_examples.py``).
"""

import math

from ..divergences import entropy
from ..gaussians import discretize_gaussian, kl_gaussian
from .judges import Number
from .registry import register
from .variants import register_variant, variant

#: The bin widths the binning exercise draws from.
BIN_WIDTHS = (0.1, 0.05, 0.02, 0.01)


def _draw_widths(rng):
    """(P, Q), each (mu, sigma), rounded: one narrow, one two to four times wider, in either order."""
    mu_p = round(float(rng.uniform(-1.0, 1.0)), 1)
    mu_q = round(mu_p + float(rng.uniform(-0.6, 0.6)), 1)
    narrow = round(float(rng.uniform(0.3, 0.8)), 2)
    wide = round(narrow * float(rng.uniform(2.0, 4.0)), 2)
    sigma_p, sigma_q = (narrow, wide) if rng.integers(2) else (wide, narrow)
    return (mu_p, sigma_p), (mu_q, sigma_q)


def _draw_bins(rng):
    """(mu, sigma, width): a Gaussian with sigma below 1/sqrt(2 pi e), so h < 0, and a bin width."""
    return (round(float(rng.uniform(-2.0, 2.0)), 1), round(float(rng.uniform(0.1, 0.24)), 2),
            float(BIN_WIDTHS[rng.integers(len(BIN_WIDTHS))]))


register_variant("cont-widths", _draw_widths)
register_variant("cont-bins", _draw_bins)


def _difference():
    first, second = variant("cont-widths")
    return kl_gaussian(*first, *second) - kl_gaussian(*second, *first)


def _binned_entropy():
    return entropy(discretize_gaussian(*variant("cont-bins")))


register(
    "cont-uniform",
    Number(expected=lambda: math.log(0.25),
           hint="the density of a uniform on an interval of length a is 1/a inside it; "
                "h = -∫ f log f. Can it be below 0?"),
    about="Differential entropy of the uniform distribution on [0, 1/4], in nats.",
)

register(
    "cont-widths",
    Number(expected=_difference,
           hint="compute both directions with kl.kl_gaussian(mu_1, sigma_1, mu_2, sigma_2), the first "
                "argument pair being the distribution the average runs over; then subtract "
                "D(Q||P) from D(P||Q), in that order."),
    about="D(P||Q) - D(Q||P) for the student's two Gaussians of different widths.",
)

register(
    "cont-bins",
    Number(expected=_binned_entropy,
           hint="bin P with kl.discretize_gaussian(mu, sigma, width) and take kl.entropy of the result "
                "(in nats); it should be close to h(P) - log(width)."),
    about="Entropy of the student's narrow Gaussian binned at the student's bin width.",
)
