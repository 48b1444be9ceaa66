"""Checks for the exercises of chapters 0-4 (introduction to asymmetry).

Expected numbers and arrays are recomputed from :mod:`klhelpers.divergences` when an
answer is checked; reference functions are klhelpers' own; a multiple-choice answer is
stored only as a salted hash (``answer_hash(exercise, answer)``). Example answers, right
and wrong, are in ``tests/exercise_examples.py``.
"""

import numpy as np

from ..divergences import P, Q, VOCAB, cross_entropy, entropy, kl_contributions, kl_divergence, surprisal
from .functions import Function
from .judges import Choice, Number
from .registry import register
from .variants import register_variant, rounded_distribution, variant

#: The uniform distribution over the five tokens.
UNIFORM = np.full(len(VOCAB), 1.0 / len(VOCAB))

# The engine's own example: used by the docstring of check() and the fixture chapter.
register(
    "entropy-uniform-bits",
    Number(expected=lambda: entropy(np.full(4, 0.25), base=2),
           hint="a uniform distribution over 4 outcomes: how many yes/no questions?"),
    about="Entropy of a uniform distribution over four outcomes, in bits.",
)

# -- Chapter 0: introduction -----------------------------------------------------------

register(
    "intro-greedy",
    Choice(choices=VOCAB, answer_hash="65700d6fbf99daef51f4",
           hint="greedy decoding picks the token the *model* Q rates highest, not the data's favourite."),
    about="Which token does greedy decoding choose from the model's distribution Q?",
)

# -- Chapter 1: entropy ----------------------------------------------------------------

register(
    "entropy-p-bits",
    Number(expected=lambda: entropy(P, base=2),
           hint="use log base 2 (bits); a value near 1.39 is the entropy in nats."),
    about="The entropy of the data distribution P, in bits.",
)

register(
    "entropy-uniform-five",
    Number(expected=lambda: entropy(UNIFORM),
           hint="five equally likely tokens, each with surprise -ln(1/5); in nats, not bits."),
    about="The entropy, in nats, of the uniform distribution over five tokens (the maximum).",
)

register(
    "entropy-implement",
    Function(reference=entropy,
             cases=[(P,), (Q,), (UNIFORM,), (np.array([0.5, 0.5]),), (np.array([1.0, 0.0, 0.0]),),
                    (np.array([0.7, 0.0, 0.3]),), (np.array([0.9, 0.05, 0.05]),)],
             hint="use the natural log, a minus sign, and let tokens with p_k = 0 contribute 0."),
    about="Write entropy(p) in nats, handling p_k = 0.",
)

# Transfer exercises of chapter 1: each student's own distribution (kl.student, kl.variant).
from ..coding import huffman_lengths, shannon_lengths  # noqa: E402

register_variant("entropy-transfer-bits", lambda rng: rounded_distribution(rng, 6).tolist())

register(
    "entropy-transfer-bits",
    Number(expected=lambda: entropy(variant("entropy-transfer-bits"), base=2),
           hint="sum p_k times the surprise -log2 p_k over your six outcomes (bits: log base 2)."),
    about="The entropy, in bits, of the student's own six-outcome distribution P'.",
)


def _draw_code_pair(rng):
    """A five-outcome P' on which Shannon's code and Huffman's code differ in average length."""
    while True:
        p = rounded_distribution(rng, 5)
        if np.sum(p * shannon_lengths(p)) - np.sum(p * huffman_lengths(p)) > 0.05:
            return p.tolist()


register_variant("entropy-transfer-larger", _draw_code_pair)


def _shannon_minus_huffman():
    p = np.asarray(variant("entropy-transfer-larger"))
    return float(np.sum(p * (shannon_lengths(p) - huffman_lengths(p))))


register(
    "entropy-transfer-larger",
    Number(expected=_shannon_minus_huffman,
           hint="average each code's lengths with the weights p_k (kl.shannon_lengths, "
                "kl.huffman_lengths); answer Shannon's average minus Huffman's, in bits."),
    about="Shannon's average length minus Huffman's, in bits, for the student's own P'.",
)

# -- Chapter 2: cross-entropy ----------------------------------------------------------

register(
    "ce-uniform-model",
    Number(expected=lambda: cross_entropy(P, UNIFORM),
           hint="every token costs the same -ln(1/5) under the uniform model, whatever P is."),
    about="H(P, U) in nats for the uniform model U over five tokens.",
)

register(
    "ce-implement",
    Function(reference=cross_entropy,
             cases=[(P, Q), (Q, P), (P, P), (P, UNIFORM),
                    (np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])),  # p_k = 0 contributes 0
                    (np.array([0.5, 0.0, 0.5]), np.array([0.5, 0.5, 0.0])),    # q_k = 0 where p_k > 0: inf
                    (np.array([1.0, 0.0]), np.array([0.5, 0.5]))],
             hint="sum -p_k ln q_k over tokens with p_k > 0; a q_k = 0 there makes it infinite."),
    about="Write cross_entropy(p, q) in nats, with the conventions at zeros.",
)

#: The short training text of the exercise "ce-batch-loss", token by token.
CE_BATCH = tuple("the cat sat on the mat cat sat".split())


def batch_loss(text=CE_BATCH, model=Q):
    """Average surprisal, in nats, of the tokens of `text` under `model`."""
    return float(surprisal(model)[[VOCAB.index(token) for token in text]].mean())


register(
    "ce-batch-loss",
    Number(expected=batch_loss,
           hint="average -ln q(token) over the eight tokens, using the model's Q (not P)."),
    about="The average training loss (nats per token) of the model Q on an eight-token text.",
)

register(
    "ce-best-model",
    Choice(choices=("P", "Q", "uniform", "one-hot"), answer_hash="06258a21bab30dac16bf",
           hint="the cross-entropy never drops below H(P); which model reaches it?"),
    about="Which model distribution minimises H(P, model)?",
)

# Transfer exercises of chapter 2: each student's own P' and models.
register_variant("ce-transfer-predict",
                 lambda rng: (rounded_distribution(rng, 4).tolist(), rounded_distribution(rng, 4).tolist()))

register(
    "ce-transfer-predict",
    Number(expected=lambda: cross_entropy(*variant("ce-transfer-predict"), base=2),
           hint="weight each of Q's ideal lengths -log2 q_k by how often P' produces outcome k: "
                "sum p_k (-log2 q_k), in bits; P' first."),
    about="H(P', Q') in bits for the student's own P' and Q'.",
)


def _draw_sharpened(rng):
    """P' and an exponent a: the model P'^a (renormalised) against the uniform model, neither
    clearly ahead (the two cross-entropies differ by more than 0.01 nats)."""
    while True:
        p = rounded_distribution(rng, 5)
        a = float(rng.choice([2.0, 2.5, 3.0]))
        sharp = p ** a / np.sum(p ** a)
        if abs(cross_entropy(p, sharp) - cross_entropy(p, np.full(5, 0.2))) > 0.01:
            return p.tolist(), a


register_variant("ce-transfer-larger", _draw_sharpened)


def _sharpened_minus_uniform():
    p, a = variant("ce-transfer-larger")
    p = np.asarray(p)
    return cross_entropy(p, p ** a / np.sum(p ** a)) - cross_entropy(p, np.full(p.size, 1 / p.size))


register(
    "ce-transfer-larger",
    Number(expected=_sharpened_minus_uniform,
           hint="compute H(P', A) with A = kl.normalize(p ** a) and H(P', U) with U uniform, both in "
                "nats and with P' first; answer the first minus the second (it may be negative)."),
    about="H(P', A) - H(P', U) in nats: a sharpened copy of P' against the uniform model.",
)

# -- Chapter 3: KL divergence ----------------------------------------------------------

register(
    "kl-bits",
    Number(expected=lambda: kl_divergence(P, Q, base=2),
           hint="use log base 2, or divide the value in nats by ln 2."),
    about="D_KL(P || Q) in bits.",
)

register(
    "kl-term-cat",
    Number(expected=lambda: float(kl_contributions(P, Q)[VOCAB.index("cat")]),
           hint="the term for cat is p log(p / q) with p and q for cat, natural log."),
    about="The contribution of 'cat' to D_KL(P || Q), in nats.",
)

register(
    "kl-implement",
    Function(reference=kl_divergence,
             cases=[(P, Q), (Q, P), (P, P), (UNIFORM, P),
                    (np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])),  # p_k = 0 contributes 0
                    (np.array([0.5, 0.0, 0.5]), np.array([0.5, 0.5, 0.0])),    # q_k = 0 where p_k > 0: inf
                    (np.array([0.1, 0.9]), np.array([0.9, 0.1]))],
             hint="sum p_k ln(p_k / q_k) over tokens with p_k > 0; infinite if such a q_k is 0."),
    about="Write kl_divergence(p, q) in nats, with the conventions at zeros.",
)

register(
    "kl-ce-minus-h",
    Number(expected=lambda: cross_entropy(Q, P) - entropy(Q),
           hint="this time the data are Q and the model is P: H(Q, P) - H(Q)."),
    about="H(Q, P) - H(Q), which equals D_KL(Q || P).",
)

register(
    "kl-zero-mat",
    Choice(choices=("zero", "finite", "infinite"), answer_hash="c20b6d181a97beb46c44",
           hint="P still produces 'mat' (p = 0.05): how surprised is a model that rules it out?"),
    about="What D_KL(P || Q') is when Q' gives 'mat' probability 0 (zero, finite or infinite).",
)


# -- Chapter 4: asymmetry --------------------------------------------------------------

register(
    "asym-predict",
    Choice(choices=("D(P||Q)", "D(Q||P)", "equal"), answer_hash="2e0dc6211694a17e141d",
           hint="their difference is the sum over tokens of (p_k + q_k) ln(q_k / p_k): which tokens' pieces win?"),
    about="Which direction of the divergence is larger for the running example?",
)


register(
    "asym-top-token",
    Choice(choices=VOCAB, answer_hash="437280e5773e043f393d",
           hint="in D(Q||P) the weights are Q's probabilities: where does Q put much more than P?"),
    about="Which token contributes most to D_KL(Q || P)?",
)

register(
    "asym-explore-mat",
    Choice(choices=("D(P||Q)", "D(Q||P)", "both", "neither"), answer_hash="3d63b988f083f00814cf",
           hint="a term explodes when its weight is positive and the other probability is 0."),
    about="Which direction becomes infinite as Q's probability for 'mat' goes to 0?",
)
