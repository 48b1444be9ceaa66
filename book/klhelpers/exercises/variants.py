"""A variant of each transfer exercise per student: ``kl.student("s1234")``, then ``kl.variant(...)``.

A transfer exercise asks about distributions the chapter never showed. So that two students
get different numbers, its data is drawn from a random generator seeded by the student's id
and the exercise id. The website (no id set) shows the variant of the student ``"web"``.
A check recomputes the expected answer from the same drawing, so ``kl.check`` verifies any
student's variant and no answer is stored.

To add one, register a drawing here (or in the module of its chapter) with
:func:`register_variant`, ``draw(rng)`` returning the exercise's data; the chapter shows it
with ``kl.variant("name")``, and the check's ``expected`` calls :func:`variant` too:
``Number(expected=lambda: kl_divergence(*variant("kl-transfer")), ...)``.

>>> student("s1234")
'Student id set to s1234: the transfer exercises now show your own numbers.'
>>> variant("demo-coin") == variant("demo-coin")      # the same student: the same numbers
True
>>> first = variant("demo-coin"); _ = student("s9999"); first == variant("demo-coin")
False
>>> _ = student(DEFAULT_STUDENT)
"""

import hashlib
from typing import Callable

import numpy as np

from .judges import describe

__all__ = ["DEFAULT_STUDENT", "student", "current_student", "variant", "register_variant",
           "VARIANTS", "rounded_distribution"]

#: The variant the website shows, and anyone who has not set an id.
DEFAULT_STUDENT = "web"
_state = {"student": DEFAULT_STUDENT}

#: name -> draw(rng): the data of each transfer exercise.
VARIANTS: "dict[str, Callable]" = {}


def student(identifier):
    """Set the student's id (a non-empty string such as ``"s1234"``) for every variant.

    Call it once, at the top of a notebook; :func:`variant` and the checks then use it.
    """
    if not isinstance(identifier, str) or not identifier.strip() or len(identifier) > 100:
        raise ValueError(f"the student id must be a non-empty string of at most 100 characters, "
                         f"such as 's1234'; got {describe(identifier)}")
    _state["student"] = identifier.strip()
    return (f"Student id set to {_state['student']}: "
            "the transfer exercises now show your own numbers.")


def current_student():
    """The id set by :func:`student` (``"web"`` until one is set)."""
    return _state["student"]


def register_variant(name, draw):
    """Register ``draw(rng)``, which returns the data of the transfer exercise `name`."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a variant name must be a non-empty string, got {describe(name)}")
    if name in VARIANTS:
        raise ValueError(f"variant {name!r} is registered twice")
    if not callable(draw):
        raise ValueError(f"the drawing of {name!r} must be a function of a random generator, "
                         f"got {describe(draw)}")
    VARIANTS[name] = draw
    return draw


def _generator(name):
    """numpy's generator seeded by (student, name): the same on every machine and run."""
    digest = hashlib.sha256(f"klhelpers-variant/{_state['student']}/{name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def variant(name):
    """The current student's data for the transfer exercise `name` (always the same for them)."""
    if name not in VARIANTS:
        known = ", ".join(sorted(VARIANTS))
        raise ValueError(f"no variant called {name!r}; the variants are: {known}")
    return VARIANTS[name](_generator(name))


def rounded_distribution(rng, size, smallest=0.05, decimals=2):
    """A random distribution over `size` outcomes, each entry a multiple of 10**-decimals
    and at least `smallest`, summing to exactly 1 in decimal: numbers a student can type.

    >>> d = rounded_distribution(np.random.default_rng(0), 5)
    >>> float(round(d.sum(), 12)), bool(d.min() >= 0.05), d.size
    (1.0, True, 5)
    """
    units = 10 ** decimals
    floor = round(smallest * units)
    spare = units - floor * size
    if spare < 0:
        raise ValueError(f"{size} outcomes of at least {smallest} cannot sum to 1")
    cuts = np.sort(rng.integers(0, spare + 1, size=size - 1))
    extra = np.diff(np.concatenate([[0], cuts, [spare]]))
    return (floor + extra) / units


register_variant("demo-coin", lambda rng: rounded_distribution(rng, 2).tolist())
