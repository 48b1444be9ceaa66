"""Every exercise check discriminates, never leaks its answer, never crashes; chapters use them right.

The example answers, right and wrong, are in tests/exercise_examples.py (not in klhelpers,
which students can read); every one is run against its check, and a registered check
without a right or a wrong example there fails the tests.
"""

import ast
import functools
import re
import signal
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path

import nbformat
import numpy as np
import pytest
import scipy.stats

import klhelpers as kl
from klhelpers import exercises
from klhelpers.exercises import (CHECKS, Array, Choice, Feedback, Function, Judge, Number, answer_hash, check,
                                 normal_choice, register)
from exercise_examples import EXAMPLES, in_place_smooth

HERE = Path(__file__).resolve().parent
BOOK = HERE.parent / "book"
PACKAGE = BOOK / "klhelpers" / "exercises"
FIXTURES = HERE / "fixtures"
ENGINE_DEMO = "entropy-uniform-bits"  # the engine's own example, used by its docstring
KINDS = {"number": Number, "array": Array, "choice": Choice, "function": Function}

# ---------------------------------------------------------------------------- the registry


def examples(which):
    column = {"right": 0, "wrong": 1}[which]
    return [pytest.param(name, i, id=f"{name}-{which}{i}")
            for name, pair in sorted(EXAMPLES.items()) for i in range(len(pair[column]))]


ALL_CHECKS = [pytest.param(name, id=name) for name in sorted(CHECKS)]
FUNCTION_CHECKS = [pytest.param(name, id=name) for name in sorted(CHECKS) if CHECKS[name].kind == "function"]


def example_gaps(checks, examples_by_id):
    """Problems with the examples: a check without right or wrong ones, examples of no check."""
    gaps = [f"{name}: no right example" for name in checks if not examples_by_id.get(name, ((), ()))[0]]
    gaps += [f"{name}: no wrong example" for name in checks if not examples_by_id.get(name, ((), ()))[1]]
    return gaps + [f"{name}: examples for a check that is not registered" for name in set(examples_by_id) - set(checks)]


def test_every_registered_check_has_right_and_wrong_examples():
    assert example_gaps(CHECKS, EXAMPLES) == []
    assert example_gaps({"a": 1, "b": 2}, {"a": ([1], []), "c": ([1], [2])}) == [
        "b: no right example", "a: no wrong example", "b: no wrong example",
        "c: examples for a check that is not registered"]  # the test can fail


def test_every_check_declares_its_kind_and_says_what_it_asks():
    assert ENGINE_DEMO in CHECKS
    for name, entry in CHECKS.items():
        assert entry.exercise == name
        assert isinstance(entry.judge, KINDS[entry.kind]), (name, entry.judge)
        assert entry.about.strip(), f"check {name!r} has no `about` text"


@pytest.mark.parametrize("name, index", examples("right"))
def test_right_example_is_accepted(name, index):
    answer = EXAMPLES[name][0][index]
    feedback = check(name, answer)
    assert isinstance(feedback, Feedback)
    assert feedback.correct is True, f"{name}: right example {answer!r} was rejected: {feedback.message}"
    assert bool(feedback)


@pytest.mark.parametrize("name, index", examples("wrong"))
def test_wrong_example_is_rejected_with_a_hint_that_does_not_give_the_answer(name, index):
    entry = CHECKS[name]
    answer = EXAMPLES[name][1][index]
    feedback = check(name, answer)
    assert feedback.correct is False, f"{name}: wrong example {answer!r} was accepted"
    assert not bool(feedback)
    assert feedback.message.strip(), f"{name}: no message for {answer!r}"
    assert not feedback.message.startswith("checking raised"), f"{name}: the judge crashed: {feedback.message}"
    assert_no_leak(entry, answer, feedback.message)


def renderings(value):
    """How an expected number could appear in a message: 2 to 4 decimals."""
    value = float(value)
    if np.isinf(value):
        return [r"(?<![\w.])-?inf(?![\w])", "∞"]
    return [r"(?<![\d.])" + re.escape(f"{value:.{d}f}") for d in (2, 3, 4)]


def leaks(message, expected, answer):
    """True if `message` states the expected number (the student's own echoed answer aside)."""
    scrubbed = message.replace(repr(answer), "").replace(repr(answer)[:37], "")
    return any(re.search(pattern, scrubbed) for pattern in renderings(expected))


def assert_no_leak(entry, answer, message):
    if entry.kind == "number":
        expected = entry.judge.expected()
        assert not leaks(message, expected, answer), f"{entry.exercise}: message {message!r} gives the answer"
    elif entry.kind == "array":
        expected = np.ravel(np.asarray(entry.judge.expected(), dtype=float))
        told = [any(re.search(p, message) for p in renderings(v)) for v in expected]
        assert not all(told), f"{entry.exercise}: message {message!r} lists the expected entries"
    elif entry.kind == "choice":
        right = [c for c in entry.judge.choices if check(entry.exercise, c).correct]
        assert not any(f"'{c}'" in message or f'"{c}"' in message for c in right) or "one of" in message, message


# Answers of the wrong type that a student might well type, by kind of check.
WRONG_TYPES = {
    "number": ["0.5 nats", None, [0.1, 0.2], {"value": 1.0}, np.array([1.0, 2.0]), print, True],
    "array": ["0.1, 0.2", None, 0.5, {"a": 1.0}, [[0.1], [0.2, 0.3]], print, ["0.1", "0.2"]],
    "choice": [None, 3, ["a"], print],
    "function": [None, "def f(x): return x", 42, [lambda x: x], np.array([1.0])],
}
WORD = {"number": "number", "array": "number", "choice": "one of", "function": "function"}


@pytest.mark.parametrize("name", ALL_CHECKS)
def test_answers_of_the_wrong_type_get_a_clear_message_not_an_exception(name):
    entry = CHECKS[name]
    for answer in WRONG_TYPES[entry.kind]:
        feedback = check(name, answer)  # must not raise
        assert feedback.correct is False, f"{name}: {answer!r} accepted"
        assert WORD[entry.kind] in feedback.message, f"{name}: unclear message for {answer!r}: {feedback.message}"
        assert not feedback.message.startswith("checking raised"), f"{name}: {feedback.message}"


def test_a_student_function_that_raises_is_reported():
    def unfinished(*args):
        raise NotImplementedError("your code here")

    def broken(*args):
        return 1 / 0

    # Every registered function check, and one made here so the test never runs empty.
    local = ("test-local", Function(reference=lambda x: 2 * x, cases=[(kl.P,)], hint="hint"))
    for name, judge in [(name, entry.judge) for name, entry in CHECKS.items() if entry.kind == "function"] + [local]:
        for student in (unfinished, broken, lambda: 0.0):  # the last takes no arguments at all
            correct, message = judge(student, name)
            assert correct is False and "raised" in message, (name, message)
        assert "NotImplementedError" in judge(unfinished, name)[1]
        assert "ZeroDivisionError" in judge(broken, name)[1]


@pytest.mark.parametrize("name", ALL_CHECKS)
def test_feedback_renders_as_text_and_html(name):
    right, wrong = check(name, EXAMPLES[name][0][0]), check(name, EXAMPLES[name][1][0])
    assert repr(right).startswith(f"✓ Correct ({name}): ")
    assert repr(wrong) == f"✗ Not yet ({name}): {wrong.message}"
    for feedback, mark in ((right, "✓ Correct"), (wrong, "✗ Not yet")):
        page = feedback._repr_html_()
        assert page.startswith("<p") and page.endswith("</p>") and mark in page
        assert name in page


# ------------------------------------------------------------------------------ the engine


def test_an_unknown_exercise_raises_valueerror_naming_the_known_ones():
    with pytest.raises(ValueError) as raised:
        check("no-such-exercise", 1.0)
    assert "no-such-exercise" in str(raised.value)
    for name in CHECKS:
        assert name in str(raised.value)


@pytest.mark.parametrize("exercise", [["x"], None, 3, ("kl-bits",), {"kl-bits"}, b"kl-bits"], ids=repr)
def test_an_exercise_id_that_is_not_a_string_is_a_valueerror_naming_the_problem(exercise):
    with pytest.raises(ValueError, match="exercise id must be a string") as raised:
        check(exercise, 1.0)
    assert type(exercise).__name__ in str(raised.value)


def test_html_feedback_escapes_the_message():
    feedback = Feedback("x<y", False, "use <b>p</b> & q")
    assert "&lt;b&gt;p&lt;/b&gt; &amp; q" in feedback._repr_html_() and "x&lt;y" in feedback._repr_html_()


class Crashing(Judge):
    kind = "number"

    def __init__(self, error):
        self.error = error

    def __call__(self, answer, exercise):
        raise self.error


@pytest.mark.parametrize("error", [KeyError("oops"), SystemExit(3)], ids=["KeyError", "SystemExit"])
def test_a_judge_that_crashes_is_reported_not_raised(error):
    register("test-crashing-judge", Crashing(error), about="a judge that crashes")
    try:
        feedback = check("test-crashing-judge", 1)
    finally:
        del CHECKS["test-crashing-judge"]
    assert feedback.correct is False and type(error).__name__ in feedback.message


def test_register_refuses_duplicates_non_judges_and_choices_without_exactly_one_answer():
    judge = Number(expected=lambda: 1.0, hint="hint")
    with pytest.raises(ValueError, match="twice"):
        register(ENGINE_DEMO, judge)
    with pytest.raises(ValueError, match="judge of 'test-plain' must be"):
        register("test-plain", lambda answer, exercise: (True, ""))
    with pytest.raises(ValueError, match="exactly one"):
        register("test-bad-hash", Choice(choices=("a", "b"), answer_hash=answer_hash("other-id", "a"), hint="h"))
    with pytest.raises(ValueError, match="read the same"):
        register("test-same", Choice(choices=("D(P||Q)", "d(p ‖ q)"), answer_hash=answer_hash("test-same", "D(P||Q)"),
                                     hint="h"))
    assert not {"test-plain", "test-bad-hash", "test-same"} & set(CHECKS)


def test_the_leak_detector_can_fail():
    judge = Number(expected=lambda: kl.kl_divergence(kl.P, kl.Q), hint="it should be 0.187")
    entry = exercises.Check("demo", judge)
    with pytest.raises(AssertionError, match="gives the answer"):
        assert_no_leak(entry, 1.0, judge(1.0, "demo")[1])
    assert_no_leak(entry, "0.1874", "expected a number, got the str '0.1874'.")  # the student's own text


def test_check_is_one_function_reachable_from_the_package():
    """Chapters call kl.check; the chapter-7 exercise reads its beta from the registry's module."""
    assert kl.check is exercises.check is check
    assert kl.exercises.beyond.RLHF_BETA == 0.5


# ------------------------------------------------- answers cannot change the data (item B)


def case_arrays():
    return [a for entry in CHECKS.values() if entry.kind == "function"
            for args in entry.judge.cases for a in args if isinstance(a, np.ndarray)]


def overwrite_with_one_hot(*args):
    """Hostile: makes every input writable again if it can, turns it into a one-hot vector, claims 0."""
    for a in args:
        if isinstance(a, np.ndarray):
            try:
                a.setflags(write=True)  # allowed on an array that owns its data, such as kl.P
            except ValueError:
                pass
            a[...] = 0.0
            a.flat[0] = 1.0
    return 0.0


def overwrite_then_agree(*args):
    """Hostile: makes every input the same one-hot vector, then returns what the reference gives on it."""
    overwrite_with_one_hot(*args)
    return np.float64(0.0) if len(args) == 2 else np.asarray(args[0], dtype=float)


@pytest.fixture
def restore_p_and_q():
    """Puts kl.P and kl.Q back if a test's answer managed to change them (so one failure stays one)."""
    saved = [(a, a.copy(), a.flags.writeable) for a in (kl.P, kl.Q)]
    yield
    for array, values, writeable in saved:
        if not np.array_equal(array, values):
            array.setflags(write=True)
            array[...] = values
            array.setflags(write=writeable)


@pytest.mark.usefixtures("restore_p_and_q")
@pytest.mark.parametrize("name", FUNCTION_CHECKS)
def test_no_answer_can_change_the_books_data_or_the_test_cases(name):
    before = [kl.P.copy(), kl.Q.copy()] + [a.copy() for a in case_arrays()]
    for hostile in (overwrite_with_one_hot, overwrite_then_agree):
        assert check(name, hostile).correct is False, f"{name}: {hostile.__name__} was accepted"
    after = [kl.P, kl.Q] + case_arrays()
    assert all(np.array_equal(b, a) for b, a in zip(before, after)), f"{name}: an answer changed the data"
    for other, (right, _) in EXAMPLES.items():  # every check still accepts its right answers
        assert check(other, right[0]).correct, other


@pytest.mark.usefixtures("restore_p_and_q")
def test_overwriting_p_and_q_with_one_hot_and_returning_0_is_not_right():
    def sneaky(p, q):
        p.setflags(write=True)
        q.setflags(write=True)
        p[:] = np.eye(len(p))[0]
        q[:] = p
        return 0.0

    p_before, q_before = kl.P.copy(), kl.Q.copy()
    feedback = check("kl-implement", sneaky)
    assert feedback.correct is False
    assert np.array_equal(kl.P, p_before) and np.array_equal(kl.Q, q_before)
    assert check("kl-bits", EXAMPLES["kl-bits"][0][0]).correct  # computed before any answer ran


def test_a_correct_smoothing_in_place_passes():
    feedback = check("prop-smooth", in_place_smooth)
    assert feedback.correct, feedback.message


def test_writing_into_a_read_only_input_says_to_work_on_a_copy():
    def clip_in_place(p):
        p[p == 0] = 1.0  # would change the caller's array
        return float(-np.sum(p * np.log(p)))

    message = check("entropy-implement", clip_in_place).message
    assert "read-only" in message and "copy" in message, message


# --------------------------------------------------------------- wrong verdicts (item C)


@pytest.mark.parametrize("returned, word", [(lambda v: str(v), "str"), (lambda v: [str(v)], "list"),
                                            (lambda v: True, "bool"), (lambda v: {"kl": v}, "dict")],
                         ids=["str", "list-of-str", "bool", "dict"])
def test_a_function_that_returns_no_number_is_rejected(returned, word):
    feedback = check("kl-implement", lambda p, q: returned(kl.kl_divergence(p, q)))
    assert feedback.correct is False
    assert f"returned the {word}" in feedback.message and "return a number" in feedback.message, feedback.message


def test_a_function_without_return_is_asked_about_its_return():
    def forgot(p, q):
        p, q = np.asarray(p), np.asarray(q)
        float(np.sum(p * np.log(p / q)))

    message = check("kl-implement", forgot).message
    assert "returned None" in message and "`return`" in message and "nan" not in message, message


@pytest.mark.parametrize("name, function", [
    ("entropy-implement", kl.entropy), ("entropy-implement", scipy.stats.entropy),
    ("ce-implement", kl.cross_entropy), ("kl-implement", kl.kl_divergence),
    ("kl-implement", functools.partial(kl.kl_divergence, base=None)),
    ("kl-implement", np.vectorize(kl.kl_divergence, signature="(n),(n)->()")),
    ("prop-smooth", kl.smooth), ("lm-kl-logits", kl.kl_from_logits)],
    ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", type(v).__name__))
def test_an_implement_exercise_refuses_the_librarys_own_function(name, function):
    feedback = check(name, function)
    assert feedback.correct is False and "write your own" in feedback.message, feedback.message


def spellings(choice):
    """How students write the direction choice 'D(A||B)'."""
    a, b = re.fullmatch(r"D\((\w+)\|\|(\w+)\)", choice).groups()
    return [f"D({a}‖{b})", f"D({a} || {b})", f"D({a}|{b})", f" d({a.lower()} ‖ {b.lower()}) ", f"D_KL({a}||{b})",
            f"KL({a} || {b})", f"D_{{KL}}({a}||{b})", f"D_{{\\mathrm{{KL}}}}({a} \\,\\|\\, {b})", f"D({a} ∥ {b})",
            f"Dkl({a}|{b})"]


DIRECTION_CHECKS = [name for name, entry in sorted(CHECKS.items()) if entry.kind == "choice"
                    and any(re.fullmatch(r"D\(\w+\|\|\w+\)", c) for c in entry.judge.choices)]


@pytest.mark.parametrize("name", DIRECTION_CHECKS)
def test_a_divergence_direction_may_be_written_in_any_common_notation(name):
    accepted = 0
    for choice in CHECKS[name].judge.choices:
        if not re.fullmatch(r"D\(\w+\|\|\w+\)", choice):
            continue
        verdict = check(name, choice).correct
        accepted += verdict
        for spelled in spellings(choice):
            assert check(name, spelled).correct is verdict, f"{name}: {spelled!r} judged unlike {choice!r}"
    right_is_a_direction = any(normal_choice(a).startswith("d(") for a in EXAMPLES[name][0])
    assert accepted == (1 if right_is_a_direction else 0), name
    assert normal_choice("D(P||Q)") != normal_choice("D(Q||P)") != normal_choice("equal")


def test_direction_checks_are_found():
    assert {"asym-predict", "fr-mle", "prop-support"} <= set(DIRECTION_CHECKS)


def test_the_number_judge_takes_numbers_and_nothing_else():
    one = Number(expected=lambda: 1.0, hint="hint")
    for answer in (1.0, 1, np.float64(1.0), np.float32(1.0), np.int64(1), np.array(1.0), np.array(1), Fraction(1)):
        assert one(answer, "demo") == (True, "that is the value."), repr(answer)
    for answer in (True, np.True_, np.array(True), "1", "1.0", [1.0], (1.0,), np.array([1.0]), 1 + 0j, None):
        correct, message = one(answer, "demo")
        assert correct is False and "expected a number" in message, (repr(answer), message)


def test_the_array_judge_takes_numbers_and_nothing_else():
    pair = Array(expected=lambda: np.array([1.0, 0.0]), hint="hint")
    for answer in ([1, 0], (1.0, 0.0), np.array([1.0, 0.0]), np.array([1.0, 0.0], dtype=object)):
        assert pair(answer, "demo")[0] is True, repr(answer)
    for answer in (["1", "0"], ["1.0", 0.0], [True, False], np.array([True, False]), [1.0, None], "10", 1.0):
        correct, message = pair(answer, "demo")
        assert correct is False and "expected a sequence of numbers" in message, (repr(answer), message)


# ------------------------------------------------------- answers that never return (item D)


def endless(stop, finished):
    """A function that loops until told to stop (30 s at most, so a test can fail rather than hang)."""
    def loop(*args):
        end = time.monotonic() + 30
        while not stop.is_set() and time.monotonic() < end:
            pass
        finished.append(True)
        return 0.0
    return loop


def quick_check(seconds=0.2):
    return Function(reference=lambda x: 2 * x, cases=[(1.0,), (np.array([0.5, 2.0]),)], hint="h", time_limit=seconds)


def test_an_endless_loop_is_stopped_and_reported_as_a_timeout():
    stop, finished = threading.Event(), []
    register("test-endless", quick_check(0.2), about="a check with a short time limit")
    try:
        feedback = check("test-endless", endless(stop, finished))
    finally:
        stop.set()
        del CHECKS["test-endless"]
    assert feedback.correct is False and "did not finish within 0.2 s" in feedback.message, feedback.message
    assert finished == [], "the loop ran to its end instead of being interrupted"


def test_outside_the_main_thread_a_timeout_is_reported_too():
    stop, finished, outcome = threading.Event(), [], []
    worker = threading.Thread(target=lambda: outcome.append(quick_check(0.2)(endless(stop, finished), "demo")))
    worker.start()
    worker.join(30)
    stop.set()
    assert outcome and outcome[0][0] is False and "did not finish" in outcome[0][1], outcome
    assert finished in ([], [True])  # the abandoned thread ends when told to


def test_every_function_check_has_a_time_limit():
    for name, entry in CHECKS.items():
        if entry.kind == "function":
            assert 0 < entry.judge.time_limit <= 30, name


def test_the_time_limit_restores_the_previous_alarm_handler_and_timer():
    def mine(signum, frame):
        raise AssertionError("the previous timer fired during the test")

    previous = signal.signal(signal.SIGALRM, mine)
    signal.setitimer(signal.ITIMER_REAL, 60)
    try:
        stop = threading.Event()
        assert quick_check()(lambda x: x + x, "demo")[0] is True
        assert quick_check(0.1)(endless(stop, []), "demo")[0] is False
        stop.set()
        assert signal.getsignal(signal.SIGALRM) is mine
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 60
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_sys_exit_in_an_answer_is_reported_and_does_not_escape():
    feedback = check("kl-implement", lambda p, q: sys.exit(3))
    assert feedback.correct is False and "sys.exit()" in feedback.message, feedback.message


def test_keyboard_interrupt_goes_through():
    def interrupted(p, q):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check("kl-implement", interrupted)


# ------------------------------------------------------ answers not readable from the package (item E)


def test_checks_hold_no_example_answers():
    for entry in CHECKS.values():
        assert not hasattr(entry, "right") and not hasattr(entry, "wrong"), entry.exercise
    with pytest.raises(TypeError):  # examples have no place in the registry
        register("test-examples", Number(expected=lambda: 1.0, hint="h"), about="x", right=[1.0])
    assert "test-examples" not in CHECKS


def test_choice_checks_store_a_hash_not_the_answer():
    for name, entry in CHECKS.items():
        if entry.kind == "choice":
            stored = [value for key, value in vars(entry.judge).items() if key != "choices"]
            assert re.fullmatch(r"[0-9a-f]{20}", entry.judge.answer_hash), name
            assert not set(map(normal_choice, EXAMPLES[name][0])) & {normal_choice(v) for v in stored
                                                                    if isinstance(v, str)}, name


def written_answers(source, answers):
    """String literals of `source`, outside a `choices=` list, that state one of the `answers`."""
    tree = ast.parse(source)
    allowed = {id(node) for call in ast.walk(tree) if isinstance(call, ast.Call)
               for keyword in call.keywords if keyword.arg == "choices" for node in ast.walk(keyword.value)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in allowed:
            text = node.value
            for answer in answers:
                quoted = any(f"{q}{answer}{q}" in text for q in "'\"`")
                if normal_choice(text) == normal_choice(answer) or quoted:
                    found.append((node.lineno, answer))
    return found


CHOICE_ANSWERS = sorted({answer for name, entry in CHECKS.items() if entry.kind == "choice"
                         for answer in EXAMPLES[name][0]})


@pytest.mark.parametrize("module", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_choice_answer_is_written_in_the_packages_source(module):
    assert written_answers(module.read_text(), CHOICE_ANSWERS) == []


def test_the_answer_scanner_can_fail():
    leaky = 'register("x", Choice(choices=("yes", "no"), answer_hash="0" * 20, hint="h"))\nANSWER = "no"\n'
    assert written_answers(leaky, ["no"]) == [(2, "no")]
    assert written_answers('hint = "say \'D(Q||P)\'"', ["d(q ‖ p)"]) == []  # quoted in another spelling: missed
    assert written_answers('hint = "say \'D(Q||P)\'"', ["D(Q||P)"]) == [(1, "D(Q||P)")]
    assert written_answers(leaky.replace('ANSWER = "no"', ""), ["no"]) == []


# ------------------------------------------------------------------------- the layout (item A)

LAYERS = [{"running"}, {"judges"}, {"functions", "variants"}, {"registry"}, {"foundations", "beyond", "two_variables", "continuous", "practice", "transfer"},
          {"__init__"}]


def relative_imports(path):
    """(level, module, names) of every relative import in a module."""
    tree = ast.parse(path.read_text())
    return [(node.level, node.module or "", [alias.name for alias in node.names])
            for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level]


def test_the_exercises_package_imports_in_one_direction_and_only_public_names():
    layer = {name: i for i, names in enumerate(LAYERS) for name in names}
    modules = sorted(PACKAGE.glob("*.py"))
    assert {path.stem for path in modules} == set(layer), "a module is missing from LAYERS"
    for path in modules:
        for level, module, names in relative_imports(path):
            if level == 1:  # a sibling: must sit in a lower layer
                targets = [module] if module else names
                for target in targets:
                    assert layer[target] < layer[path.stem], f"{path.name} imports {target} (same or higher layer)"
            else:  # the rest of klhelpers: public names only
                assert not [n for n in names if n.startswith("_")], f"{path.name} imports {names} from {module}"


def test_the_exercises_modules_stay_small():
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 300, path.name


# ----------------------------------------------------------------------- the chapters' use

CALL = re.compile(r"""\bcheck\(\s*(['"])([^'"]+)\1""")


def chapters():
    return sorted(BOOK.glob("[0-9][0-9]-*.ipynb"))


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def check_calls(path):
    """(cell index, cell type, tags, id) for every check("id", ...) written in the notebook."""
    notebook = nbformat.read(path, as_version=4)
    return [(i, cell.cell_type, tags(cell), match.group(2))
            for i, cell in enumerate(notebook.cells) for match in CALL.finditer(cell.source)]


def output_text(cell):
    texts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            texts.append(output.text)
        elif output.output_type == "error":
            texts.append(f"{output.ename}: {output.evalue}")
        else:
            texts.extend(str(v) for v in output.get("data", {}).values())
    return "\n".join(texts)


def stale_solutions(path):
    """Solution code cells whose stored output does not say every check passed."""
    notebook = nbformat.read(path, as_version=4)
    problems = []
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or "solution" not in tags(cell):
            continue
        calls = [m.group(2) for m in CALL.finditer(cell.source)]
        shown = output_text(cell)
        for name in calls:
            if f"✓ Correct ({name})" not in shown:
                problems.append(f"{path.name} cell {i}: the stored output does not show ✓ Correct for {name!r}")
        if calls and ("✗ Not yet" in shown or "Error" in shown):
            problems.append(f"{path.name} cell {i}: the stored output shows a failure: {shown[:200]!r}")
    return problems


def unregistered(path):
    return [f"{path.name} cell {i}: check({name!r}) is not registered"
            for i, _, _, name in check_calls(path) if name not in CHECKS]


@pytest.mark.parametrize("path", chapters(), ids=lambda p: p.stem)
def test_every_check_in_a_chapter_is_registered(path):
    assert unregistered(path) == []


@pytest.mark.parametrize("path", chapters(), ids=lambda p: p.stem)
def test_every_solution_shows_correct_in_its_stored_output(path):
    assert stale_solutions(path) == []


@pytest.mark.parametrize("path", chapters(), ids=lambda p: p.stem)
def test_every_check_a_chapter_asks_for_is_proven_by_a_solution(path):
    calls = check_calls(path)
    asked = {name for _, cell_type, _, name in calls}
    proven = {name for _, cell_type, cell_tags, name in calls if cell_type == "code" and "solution" in cell_tags}
    assert asked <= proven, f"no solution cell runs the check for {sorted(asked - proven)}"


def test_every_registered_check_is_used_by_a_chapter():
    used = {name for path in chapters() for _, cell_type, _, name in check_calls(path) if cell_type == "code"}
    unused = set(CHECKS) - used - {ENGINE_DEMO}
    assert not unused, f"registered but used by no chapter: {sorted(unused)}"


def test_the_chapter_scanners_find_problems_in_the_fixtures():
    good, stale = FIXTURES / "01-fixture-chapter.ipynb", FIXTURES / "stale-solution.ipynb"
    found = {(cell_type, "solution" in t, name) for _, cell_type, t, name in check_calls(good)}
    assert ("code", True, ENGINE_DEMO) in found and ("code", False, ENGINE_DEMO) in found
    assert ("markdown", False, "fixture-double") in found
    assert stale_solutions(good) == []
    assert len(stale_solutions(stale)) == 2  # no ✓, and a ✗ shown
    assert unregistered(stale) == ["stale-solution.ipynb cell 5: check('no-such-exercise') is not registered"]
