"""The judge of "write this function" exercises: :class:`Function`.

The student's function is run on each test case and compared with the reference:

* the reference is computed first, on its own copies of the case;
* the student gets fresh copies, read-only unless the exercise needs to write
  (``writable=True``), so no answer can change the cases or the module's data;
* it runs under a time limit (``time_limit`` seconds for all the cases together), and a
  timeout, a ``sys.exit()`` or any exception is reported (KeyboardInterrupt goes through);
* it must return numbers: None, text and bools are refused with a message saying so;
* it must be the student's own: klhelpers' and scipy's functions are refused.

>>> double = Function(reference=lambda x: 2 * x, cases=[(1.0,), (np.array([0.5, 2.0]),)], hint="h")
>>> double(lambda x: x + x, "demo")
(True, 'it agrees with the reference on all 2 test cases.')
>>> double(lambda x: None, "demo")[1]
'your function returned None on (1.); is a `return` missing?'
"""

import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

from .judges import Judge, describe, real_array
from .running import TimeLimit, call_with_limit, fresh

__all__ = ["Function", "DEFAULT_TIME_LIMIT", "library_origin"]

#: Seconds a student's function may take, all test cases together (per check: time_limit=).
DEFAULT_TIME_LIMIT = 5.0
#: Packages whose functions are not the student's own work.
LIBRARIES = (__name__.split(".")[0], "scipy")


def _frozen(args):
    """A test case stored as read-only copies: nobody can change it afterwards."""
    return fresh(tuple(args), writable=False)


@dataclass(frozen=True)
class Function(Judge):
    """A student's function, compared with `reference` on every case (a tuple of arguments)."""

    reference: Callable
    cases: tuple
    hint: str
    atol: float = 1e-9
    rtol: float = 1e-9
    writable: bool = False
    time_limit: float = DEFAULT_TIME_LIMIT
    own_work: bool = True
    kind: ClassVar[str] = "function"

    def __post_init__(self):
        object.__setattr__(self, "cases", tuple(_frozen(args) for args in self.cases))

    def __call__(self, answer, exercise):
        if not callable(answer):
            return False, f"expected a function, got {describe(answer)}."
        origin = library_origin(answer) if self.own_work else None
        if origin:
            return False, f"that is {origin}: write your own function (without klhelpers or scipy)."
        budget = _Budget(self.time_limit)
        for args in self.cases:
            shown = ", ".join(np.array2string(np.asarray(a), precision=3, separator=", ") for a in args)
            want = np.asarray(self.reference(*fresh(args, writable=True)), dtype=float)
            try:
                got = call_with_limit(answer, fresh(args, writable=self.writable), budget.left())
            except KeyboardInterrupt:
                raise
            except TimeLimit:
                return False, (f"your function did not finish within {self.time_limit:g} s on ({shown}); "
                               "is there a loop that never ends?")
            except SystemExit:
                return False, f"your function called sys.exit() on ({shown}); return a value instead."
            except BaseException as error:  # the student's code may fail in any way: report it
                return False, f"your function raised {type(error).__name__} on ({shown}): {error}{_advice(error)}"
            if got is None:
                return False, f"your function returned None on ({shown}); is a `return` missing?"
            got_array = real_array(got)
            if got_array is None:
                wanted = "a number" if want.ndim == 0 else "numbers"
                return False, f"your function returned {describe(got)} on ({shown}); return {wanted}."
            if got_array.shape != want.shape:
                return False, f"your function returned shape {got_array.shape} on ({shown})."
            with np.errstate(invalid="ignore"):
                same = np.allclose(got_array, want, atol=self.atol, rtol=self.rtol, equal_nan=False)
            if not same:
                return False, f"on ({shown}) your function gives {np.round(got_array, 6)}. {self.hint}"
        return True, f"it agrees with the reference on all {len(self.cases)} test cases."


class _Budget:
    """What is left of a time limit shared by all the cases of a check."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.started = time.monotonic()

    def left(self):
        return self.seconds - (time.monotonic() - self.started)


def _advice(error):
    if isinstance(error, ValueError) and "read-only" in str(error):
        return " (the inputs are read-only: work on a copy, e.g. p = np.array(p, dtype=float))"
    return ""


def library_origin(function):
    """'entropy from klhelpers' if `function` is (or wraps) a klhelpers or scipy function, else None.

    >>> from klhelpers import entropy
    >>> library_origin(entropy), library_origin(lambda p: 0.0)
    ('entropy from klhelpers', None)
    """
    seen = set()
    while function is not None and id(function) not in seen:
        seen.add(id(function))
        library = _library_of(function)
        if library:
            return f"{getattr(function, '__name__', type(function).__name__)} from {library}"
        function = next((inner for inner in (getattr(function, attribute, None)
                                             for attribute in ("func", "__wrapped__", "__func__", "pyfunc"))
                         if inner is not None), None)
    return None


def _library_of(function):
    """The library `function` belongs to, or None.

    Python code is placed by the file it was written in (a doctest's or a notebook's
    function is the author's even when its __module__ says otherwise); anything else
    (ufuncs, callable objects) by its __module__.
    """
    package = sys.modules.get(LIBRARIES[0])
    if any(function is getattr(package, name, None) for name in getattr(package, "__all__", ())):
        return LIBRARIES[0]
    code = getattr(function, "__code__", None)
    if code is not None:
        written_in = os.path.realpath(code.co_filename)
        for library in LIBRARIES:
            top = getattr(sys.modules.get(library), "__file__", None)
            if top and written_in.startswith(os.path.dirname(os.path.realpath(top)) + os.sep):
                return library
        return None
    module = getattr(function, "__module__", None) or type(function).__module__ or ""
    return module.split(".")[0] if module.split(".")[0] in LIBRARIES else None
