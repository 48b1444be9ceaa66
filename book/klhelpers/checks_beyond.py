"""Checks for the exercises of chapters 5-7 (properties, forward vs reverse, language models)."""

from .exercises import register, number_check, array_check, choice_check, function_check  # noqa: F401
