"""The one registry of checks, and :func:`check`, which students call.

A check is an exercise id, a judge that declares its kind (:class:`~.judges.Number`,
:class:`~.judges.Array`, :class:`~.judges.Choice` or :class:`~.functions.Function`) and a
sentence saying what is asked. The modules of the chapter groups only add entries.
Example answers, right and wrong, live with the tests (``tests/exercise_examples.py``),
not here: whatever ships with the book can be read by a student.
"""

from dataclasses import dataclass

from .judges import Feedback, Judge, describe

__all__ = ["Check", "CHECKS", "register", "check"]


@dataclass(frozen=True)
class Check:
    """One registered check."""

    exercise: str
    judge: Judge
    about: str = ""

    @property
    def kind(self):
        return self.judge.kind


CHECKS: "dict[str, Check]" = {}


def register(exercise, judge, about=""):
    """Add the check of `exercise`, judged by `judge` (a Number, Array, Choice or Function).

    The example answers, right and wrong, that prove a check discriminates live in
    ``tests/exercise_examples.py``: every answer shipped with the book can be read.
    """
    if not isinstance(exercise, str) or not exercise.strip():
        raise ValueError(f"exercise must be a non-empty string, got {describe(exercise)}")
    if exercise in CHECKS:
        raise ValueError(f"exercise {exercise!r} is registered twice")
    if not isinstance(judge, Judge):
        raise ValueError(f"judge of {exercise!r} must be a Number, Array, Choice or Function, "
                         f"got {describe(judge)}")
    judge.validate(exercise)
    CHECKS[exercise] = Check(exercise, judge, about)
    return CHECKS[exercise]


def check(exercise, answer):
    """Check `answer` to the exercise called `exercise`; returns a :class:`Feedback`.

    >>> check("entropy-uniform-bits", "two")
    ✗ Not yet (entropy-uniform-bits): expected a number, got the str 'two'.
    >>> check("entropy-uniform-bits", 1.0).correct
    False
    """
    if not isinstance(exercise, str):
        raise ValueError(f"the exercise id must be a string such as 'kl-bits', got {describe(exercise)}")
    if exercise not in CHECKS:
        known = ", ".join(sorted(CHECKS))
        raise ValueError(f"no exercise called {exercise!r}; the exercises are: {known}")
    try:
        correct, message = CHECKS[exercise].judge(answer, exercise)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # an answer may fail in any way (even sys.exit): report, never crash
        correct, message = False, f"checking raised {type(error).__name__}: {error}"
    return Feedback(exercise, bool(correct), message)
