"""Checks for the exercises of chapter 10 (KL in LLM practice: sequences, gradients, distillation).

As in :mod:`.beyond`: expected values are recomputed from klhelpers when a check runs,
choices are stored as salted hashes, examples live in ``tests/exercise_examples.py``. The
transfer exercises draw each student's own models with :func:`.variants.register_variant`.
"""

import numpy as np

from ..policy_gradients import estimator_gradient
from ..sequences import sequence_kl
from .judges import Array, Choice, Number
from .registry import register
from .variants import register_variant, rounded_distribution, variant

# -- Chapter 10: worked exercise -----------------------------------------------------------------

#: The worked chain-rule exercise: two tokens a, b, replies of two tokens.
CHAIN_POLICY = ([0.5, 0.5], [[0.9, 0.1], [0.5, 0.5]])
CHAIN_REFERENCE = ([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]])

register(
    "prac-chain-bits",
    Number(expected=lambda: sequence_kl(list(CHAIN_POLICY), list(CHAIN_REFERENCE), base=2),
           hint="the first tokens agree, so the first term is 0; the second term averages the per-token "
                "divergence over the policy's first token: only the prefix 'a' contributes, with weight 1/2. "
                "Use log base 2."),
    about="Sequence KL of a two-step model by the chain rule, in bits.",
)

register(
    "prac-k1-loss",
    Choice(choices=("nothing", "D(pi||pi_ref)", "D(pi_ref||pi)"), answer_hash="c59ad5c682706939c32e",
           hint="average the gradient e_y - pi over y drawn from pi."),
    about="Which divergence k1 used as a loss follows in expectation.",
)

# -- Chapter 10: transfer exercises --------------------------------------------------------------


def _two_step_models(rng):
    """A policy and a reference over three tokens and two steps, with a second step that differs."""
    while True:
        pi = [rounded_distribution(rng, 3, smallest=0.1), np.array([rounded_distribution(rng, 3, smallest=0.1)
                                                                     for _ in range(3)])]
        ref = [rounded_distribution(rng, 3, smallest=0.1), np.array([rounded_distribution(rng, 3, smallest=0.1)
                                                                      for _ in range(3)])]
        if not np.allclose(pi[1], ref[1]):
            return {"policy": [pi[0].tolist(), pi[1].tolist()], "reference": [ref[0].tolist(), ref[1].tolist()]}


register_variant("prac-transfer-seq", _two_step_models)

register(
    "prac-transfer-seq",
    Number(expected=lambda: sequence_kl(variant("prac-transfer-seq")["policy"],
                                        variant("prac-transfer-seq")["reference"]),
           hint="enumerate the nine replies (a product of two tables each) or add the chain rule's two terms; "
                "the second term is averaged over the POLICY's first token. Natural log."),
    about="Sequence KL, in nats, between a student's own two-step policy and reference.",
)

register(
    "prac-transfer-larger",
    Choice(choices=("the sequence KL", "the first-token KL", "they are equal"),
           answer_hash="4e3d87abbed6ddbb7b7c",
           hint="write the sequence KL with the chain rule: what does the second term add, and can it be negative?"),
    about="Which is larger: the sequence KL or the KL of the first tokens alone.",
)


def _logits_and_reference(rng):
    """Four tokens: integer logits in -2..2 (not all equal) and a reference policy."""
    while True:
        logits = rng.integers(-2, 3, size=4).astype(float)
        if np.ptp(logits) > 0:
            return {"logits": logits.tolist(), "reference": rounded_distribution(rng, 4).tolist()}


register_variant("prac-transfer-k3", _logits_and_reference)

register(
    "prac-transfer-k3",
    Array(expected=lambda: estimator_gradient(variant("prac-transfer-k3")["logits"],
                                              variant("prac-transfer-k3")["reference"], "k3"),
          hint="E[grad k3] = sum over y of pi(y) (1 - rho(y)) (e_y - pi), which simplifies to pi - pi_ref, "
               "with pi = softmax(logits)."),
    about="The expected gradient of k3 used as a loss, for a student's own logits and reference.",
)
