"""Instant feedback for the exercises: ``kl.check("entropy-bits", answer)``.

A check says whether an answer is right and, when it is not, gives a short hint. It
never prints the expected answer, and no answer (a function that loops for ever, calls
``sys.exit()`` or writes into its inputs) can crash it or change the book's data.

The modules, each importing only from the ones above it:

* :mod:`.running`: run a student's function on copies of its inputs, with a time limit;
* :mod:`.judges`: :class:`Feedback` and the judges of values, :class:`Number`,
  :class:`Array` and :class:`Choice` (plus :func:`answer_hash`);
* :mod:`.functions`: the judge of "write this function" exercises, :class:`Function`;
* :mod:`.registry`: the one registry :data:`CHECKS`, :func:`register` and :func:`check`;
* :mod:`.variants`: :func:`student` and :func:`variant`, each student's own data for the
  transfer exercises;
* :mod:`.foundations` (chapters 0-4), :mod:`.beyond` (chapters 5-9) and :mod:`.practice`
  (chapter 10): the checks;
  :mod:`.transfer`: the transfer exercises of chapters 0, 3 and 4.

To add a check, register it in the module of its chapter, e.g.
``register("kl-bits", Number(expected=lambda: kl_divergence(P, Q, base=2), hint="..."),
about="...")``, and give it right and wrong example answers in ``tests/exercise_examples.py``.

>>> import klhelpers as kl
>>> kl.check("entropy-uniform-bits", kl.entropy([0.25] * 4, base=2))
✓ Correct (entropy-uniform-bits): that is the value.
"""

from .judges import Array, Choice, Feedback, Judge, Number, answer_hash, normal_choice
from .functions import DEFAULT_TIME_LIMIT, Function
from .registry import CHECKS, Check, check, register
from .variants import (DEFAULT_STUDENT, VARIANTS, current_student, register_variant,
                       rounded_distribution, student, variant)
from . import foundations, beyond, two_variables, continuous, practice, transfer  # noqa: E402  each adds its checks to CHECKS

__all__ = ["check", "Feedback", "CHECKS", "Check", "register", "Judge", "Number", "Array", "Choice",
           "Function", "DEFAULT_TIME_LIMIT", "answer_hash", "normal_choice",
           "foundations", "beyond", "two_variables", "continuous", "practice", "transfer", "student", "current_student", "variant", "register_variant",
           "VARIANTS", "DEFAULT_STUDENT", "rounded_distribution"]
