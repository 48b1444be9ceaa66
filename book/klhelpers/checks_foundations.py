"""Checks for the exercises of chapters 0-4 (introduction to asymmetry)."""

from .exercises import register, number_check, array_check, choice_check, function_check  # noqa: F401
from .divergences import P, Q, entropy, cross_entropy, kl_divergence, kl_contributions  # noqa: F401
