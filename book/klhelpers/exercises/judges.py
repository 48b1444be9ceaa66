"""Feedback, and the judges of answers that are values: Number, Array, Choice.

A judge is called as ``judge(answer, exercise)`` and returns ``(correct, message)``.
A message never states the expected answer. Expected numbers and arrays are recomputed
from klhelpers each time (``expected`` is a function); a multiple-choice answer is stored
only as a salted hash (:func:`answer_hash`), never as the plain string.

>>> Choice(choices=("yes", "no"), answer_hash=answer_hash("demo", "no"), hint="h")("NO ", "demo")
(True, "that's it.")
>>> normal_choice("D_KL(A ‖ B)") == normal_choice("d(a||b)")
True
"""

import hashlib
import html
import math
import numbers
import re
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

__all__ = ["Feedback", "Judge", "Number", "Array", "Choice", "answer_hash", "normal_choice",
           "describe", "real_array"]


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
                f'<span style="font-weight:400">({html.escape(self.exercise, quote=False)}): '
                f'{html.escape(self.message, quote=False)}</span></p>')  # text, not attributes: quotes stay


# -- helpers shared by the judges -------------------------------------------------------

def is_number(value):
    """A real number, numpy's included, but not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def describe(value):
    """'the str '0.18'': a value named by its type, shortened, for a message."""
    text = repr(value)
    return f"the {type(value).__name__} {text if len(text) < 40 else text[:37] + '...'}"


def real_array(value):
    """`value` as an array of floats, or None if it is not made of real numbers only.

    Text, bools, None and ragged nestings are refused (``np.asarray(["0.1"], float)``
    would quietly parse the text).

    >>> real_array((1, np.float64(2.5)))
    array([1. , 2.5])
    >>> real_array(["0.1"]) is None, real_array([True]) is None, real_array(None) is None
    (True, True, True)
    """
    if value is None or isinstance(value, (str, bytes, bool, np.bool_)):
        return None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if array.dtype.kind == "O" and all(is_number(item) for item in array.ravel()):
        return array.astype(float)
    if array.dtype.kind not in "iuf":
        return None
    return array.astype(float)


class Judge:
    """The kind of a check. Subclasses set `kind` and implement ``__call__(answer, exercise)``."""

    kind: ClassVar[str] = ""

    def __call__(self, answer, exercise):
        raise NotImplementedError

    def validate(self, exercise):
        """Raise ValueError if the judge cannot work for `exercise` (called by register)."""


# -- the judges ------------------------------------------------------------------------

@dataclass(frozen=True)
class Number(Judge):
    """One number, compared with ``expected()`` (computed when the answer is checked)."""

    expected: Callable[[], float]
    hint: str
    rel_tol: float = 1e-3
    abs_tol: float = 1e-4
    kind: ClassVar[str] = "number"

    def __call__(self, answer, exercise):
        if isinstance(answer, np.ndarray) and answer.shape == ():
            answer = answer.item()
        if not is_number(answer):
            return False, f"expected a number, got {describe(answer)}."
        answer, target = float(answer), float(self.expected())
        if math.isinf(target) or math.isinf(answer):
            ok = answer == target
        else:
            ok = math.isclose(answer, target, rel_tol=self.rel_tol, abs_tol=self.abs_tol)
        return (True, "that is the value.") if ok else (False, self.hint)


@dataclass(frozen=True)
class Array(Judge):
    """A sequence of numbers, compared with ``expected()`` entry by entry."""

    expected: Callable[[], "np.ndarray"]
    hint: str
    atol: float = 1e-4
    kind: ClassVar[str] = "array"

    def __call__(self, answer, exercise):
        values = None if is_number(answer) else real_array(answer)
        if values is None:
            return False, f"expected a sequence of numbers, got {describe(answer)}."
        target = np.asarray(self.expected(), dtype=float)
        if values.shape != target.shape:
            return False, f"expected {target.size} numbers (shape {target.shape}), got shape {values.shape}."
        if np.allclose(values, target, atol=self.atol, rtol=0):
            return True, "every entry is right."
        return False, self.hint


# Ways to write a direction of the divergence: D(Q‖P), D(Q || P), D(Q|P), KL(Q||P),
# D_KL(Q||P), D_{KL}(Q \| P), D_{\mathrm{KL}}(Q \,\|\, P)... any case, any spaces.
_BARS = re.compile(r"\\\||‖|∥|\|+")
_DIRECTION = re.compile(r"(?:d|kl|d_?kl|d_?\{kl\}|d_?\{\\mathrm\{kl\}\})\((\w+)\|(\w+)\)")


def normal_choice(text):
    """The answer with case, spaces and the spelling of a divergence direction ironed out.

    >>> [normal_choice(t) for t in ("  One-Hot ", "KL(A|B)", "D_{KL}(A \\\\,\\\\|\\\\, B)")]
    ['one-hot', 'd(a||b)', 'd(a||b)']
    """
    text = "".join(str(text).split()).lower()
    for space in ("\\,", "\\;", "\\!", "\\:"):
        text = text.replace(space, "")
    text = _BARS.sub("|", text)
    direction = _DIRECTION.fullmatch(text)
    return f"d({direction[1]}||{direction[2]})" if direction else text


def answer_hash(exercise, answer):
    """The salted hash that a :class:`Choice` stores instead of its right answer.

    To register a choice, compute it once (``python -c "from klhelpers.exercises import
    answer_hash; print(answer_hash('my-id', 'my answer'))"``) and paste it in.
    """
    return hashlib.sha256(f"klhelpers/{exercise}/{normal_choice(answer)}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Choice(Judge):
    """One of `choices`, given as a string. Only the hash of the right one is stored."""

    choices: tuple
    answer_hash: str
    hint: str
    kind: ClassVar[str] = "choice"

    def __call__(self, answer, exercise):
        if not isinstance(answer, str):
            return False, f"answer with one of {list(self.choices)}, as a string; got {describe(answer)}."
        if normal_choice(answer) not in {normal_choice(choice) for choice in self.choices}:
            return False, f"answer with one of {list(self.choices)}."
        if answer_hash(exercise, answer) == self.answer_hash:
            return True, "that's it."
        return False, self.hint

    def validate(self, exercise):
        normals = [normal_choice(choice) for choice in self.choices]
        if len(set(normals)) != len(normals):
            raise ValueError(f"exercise {exercise!r}: two choices read the same: {list(self.choices)}")
        matching = [c for c in self.choices if answer_hash(exercise, c) == self.answer_hash]
        if len(matching) != 1:
            raise ValueError(f"exercise {exercise!r}: answer_hash matches {len(matching)} of the choices, "
                             "not exactly one (compute it with answer_hash(exercise, answer))")
