"""Instant feedback for the exercises: ``check("entropy-bits", answer)``.

A check says whether an answer is right and, when it is not, gives a hint. It
never prints the expected answer. Each check is registered with examples of a
right answer and of wrong ones (``tests/test_exercises.py`` runs every one of
them), so a check cannot silently accept everything.

Checks for chapters 1-4 live in :mod:`klhelpers.checks_foundations`, for the
later chapters in :mod:`klhelpers.checks_beyond`.
"""

import html
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["check", "Feedback", "register", "number_check", "array_check",
           "choice_check", "function_check", "CHECKS"]


@dataclass(frozen=True)
class Feedback:
    """The outcome of a check: shown as one line in Jupyter, usable as a bool in code."""

    exercise: str
    correct: bool
    message: str

    def __bool__(self):
        return self.correct

    def __repr__(self):
        mark = "✓ Correct" if self.correct else "✗ Not yet"
        return f"{mark} ({self.exercise}): {self.message}"

    def _repr_html_(self):
        color = "#1a7f37" if self.correct else "#b35900"
        mark = "✓ Correct" if self.correct else "✗ Not yet"
        return (f'<p role="status" style="color:{color};font-weight:600">{mark} '
                f'<span style="font-weight:400">({html.escape(self.exercise)}): '
                f'{html.escape(self.message)}</span></p>')


@dataclass(frozen=True)
class Check:
    """One registered check: a judge plus examples that prove it discriminates."""

    exercise: str
    judge: Callable[[Any], "tuple[bool, str]"]
    right: tuple = ()
    wrong: tuple = ()
    about: str = field(default="")


CHECKS: "dict[str, Check]" = {}


def register(exercise, judge, right, wrong, about=""):
    """Add a check. `right` and `wrong` are example answers used by the tests."""
    if exercise in CHECKS:
        raise ValueError(f"exercise {exercise!r} is registered twice")
    if not right or not wrong:
        raise ValueError(f"exercise {exercise!r} needs at least one right and one wrong example")
    CHECKS[exercise] = Check(exercise, judge, tuple(right), tuple(wrong), about)


def check(exercise, answer):
    """Check `answer` to the exercise called `exercise`; returns a :class:`Feedback`.

    >>> check("entropy-uniform-bits", 2.0).correct
    True
    >>> check("entropy-uniform-bits", "two")
    ✗ Not yet (entropy-uniform-bits): expected a number, got the str 'two'.
    """
    if exercise not in CHECKS:
        known = ", ".join(sorted(CHECKS))
        raise ValueError(f"no exercise called {exercise!r}; the exercises are: {known}")
    try:
        correct, message = CHECKS[exercise].judge(answer)
    except Exception as error:  # a student's function may fail in any way; report, never crash
        correct, message = False, f"checking raised {type(error).__name__}: {error}"
    return Feedback(exercise, bool(correct), message)


# -- judges -----------------------------------------------------------------------------

def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _describe(value):
    text = repr(value)
    return f"the {type(value).__name__} {text if len(text) < 40 else text[:37] + '...'}"


def number_check(expected, hint, rel_tol=1e-3, abs_tol=1e-4):
    """Judge a single number against `expected()` (computed when checked)."""
    def judge(answer):
        if isinstance(answer, np.ndarray) and answer.shape == ():
            answer = answer.item()
        if not _is_number(answer):
            return False, f"expected a number, got {_describe(answer)}."
        target = expected()
        if math.isinf(target) or math.isinf(answer):
            ok = answer == target
        else:
            ok = math.isclose(answer, target, rel_tol=rel_tol, abs_tol=abs_tol)
        return (True, "that is the value.") if ok else (False, hint)
    return judge


def array_check(expected, hint, atol=1e-4):
    """Judge a sequence of numbers against `expected()` entry by entry."""
    def judge(answer):
        if isinstance(answer, (str, bytes)) or _is_number(answer):
            return False, f"expected a sequence of numbers, got {_describe(answer)}."
        try:
            values = np.asarray(answer, dtype=float)
        except (TypeError, ValueError):
            return False, f"expected a sequence of numbers, got {_describe(answer)}."
        target = np.asarray(expected(), dtype=float)
        if values.shape != target.shape:
            return False, f"expected {target.size} numbers (shape {target.shape}), got shape {values.shape}."
        if np.allclose(values, target, atol=atol, rtol=0):
            return True, "every entry is right."
        return False, hint
    return judge


def choice_check(correct_choice, choices, hint):
    """Judge a multiple-choice answer given as one of `choices` (case and spaces ignored)."""
    normal = {str(c).strip().lower(): c for c in choices}

    def judge(answer):
        if not isinstance(answer, str):
            return False, f"answer with one of {list(choices)}, as a string; got {_describe(answer)}."
        picked = normal.get(answer.strip().lower())
        if picked is None:
            return False, f"answer with one of {list(choices)}."
        return (True, "that's it.") if picked == correct_choice else (False, hint)
    return judge


def function_check(reference, cases, hint, atol=1e-9):
    """Judge a student's function by calling it on `cases` and comparing with `reference`.

    Each case is a tuple of positional arguments. The message names the first
    case that differs, so the student can reproduce it, but not the expected value.
    """
    def judge(answer):
        if not callable(answer):
            return False, f"expected a function, got {_describe(answer)}."
        for args in cases:
            shown = ", ".join(np.array2string(np.asarray(a), precision=3, separator=", ") for a in args)
            try:
                got = answer(*args)
            except Exception as error:
                return False, f"your function raised {type(error).__name__} on ({shown}): {error}"
            want = reference(*args)
            try:
                got_array = np.asarray(got, dtype=float)
            except (TypeError, ValueError):
                return False, f"your function returned {_describe(got)} on ({shown}); expected a number."
            if got_array.shape != np.shape(want):
                return False, f"your function returned shape {got_array.shape} on ({shown})."
            with np.errstate(invalid="ignore"):
                same = np.allclose(got_array, want, atol=atol, rtol=1e-9, equal_nan=False)
            if not same:
                return False, f"on ({shown}) your function gives {np.round(got_array, 6)}. {hint}"
        return True, f"it agrees with the reference on all {len(cases)} test cases."
    return judge


# A check used by the docstring above and by the engine's own tests.
register(
    "entropy-uniform-bits",
    number_check(lambda: 2.0, "a uniform distribution over 4 outcomes: how many yes/no questions?"),
    right=[2.0, 2, np.float64(2.0)], wrong=[1.0, 4, "two", None, [2.0]],
    about="Entropy of a uniform distribution over four outcomes, in bits.",
)

# The chapters' checks register themselves on import.
from . import checks_foundations, checks_beyond  # noqa: E402,F401
