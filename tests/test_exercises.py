"""Every exercise check discriminates, never leaks its answer, never crashes; chapters use them right.

The registry is read at collection time, so a check registered later (in
klhelpers/checks_foundations.py or checks_beyond.py) is tested without touching this file.
"""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import klhelpers as kl
from klhelpers import exercises
from klhelpers.exercises import CHECKS, Feedback, check

HERE = Path(__file__).resolve().parent
BOOK = HERE.parent / "book"
FIXTURES = HERE / "fixtures"
ENGINE_DEMO = "entropy-uniform-bits"  # the engine's own example, used by its docstring

# ---------------------------------------------------------------------------- the registry


def kind(entry):
    """'number', 'array', 'choice' or 'function': the judge factory that made the check."""
    return entry.judge.__qualname__.split("_check")[0]


def closure(entry):
    """The variables a judge closes over (expected, hint, choices, ...)."""
    judge = entry.judge
    return dict(zip(judge.__code__.co_freevars, (cell.cell_contents for cell in judge.__closure__ or ())))


def examples(which):
    return [pytest.param(name, i, id=f"{name}-{which}{i}")
            for name, entry in sorted(CHECKS.items()) for i in range(len(getattr(entry, which)))]


ALL_CHECKS = [pytest.param(name, id=name) for name in sorted(CHECKS)]


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


def test_the_registry_holds_the_engine_demo_and_every_check_has_examples():
    assert ENGINE_DEMO in CHECKS
    for name, entry in CHECKS.items():
        assert entry.exercise == name
        assert entry.right and entry.wrong, name
        assert kind(entry) in {"number", "array", "choice", "function"}, (name, entry.judge.__qualname__)
        assert entry.about.strip(), f"check {name!r} has no `about` text"


@pytest.mark.parametrize("name, index", examples("right"))
def test_right_example_is_accepted(name, index):
    answer = CHECKS[name].right[index]
    feedback = check(name, answer)
    assert isinstance(feedback, Feedback)
    assert feedback.correct is True, f"{name}: right example {answer!r} was rejected: {feedback.message}"
    assert bool(feedback)


@pytest.mark.parametrize("name, index", examples("wrong"))
def test_wrong_example_is_rejected_with_a_hint_that_does_not_give_the_answer(name, index):
    entry = CHECKS[name]
    answer = entry.wrong[index]
    feedback = check(name, answer)
    assert feedback.correct is False, f"{name}: wrong example {answer!r} was accepted"
    assert not bool(feedback)
    assert feedback.message.strip(), f"{name}: no message for {answer!r}"
    assert not feedback.message.startswith("checking raised"), f"{name}: the judge crashed: {feedback.message}"
    assert_no_leak(entry, answer, feedback.message)


def assert_no_leak(entry, answer, message):
    found = closure(entry)
    if kind(entry) == "number":
        expected = found["expected"]()
        assert not leaks(message, expected, answer), f"{entry.exercise}: message {message!r} gives the answer"
    elif kind(entry) == "array":
        expected = np.ravel(np.asarray(found["expected"](), dtype=float))
        told = [any(re.search(p, message) for p in renderings(v)) for v in expected]
        assert not all(told), f"{entry.exercise}: message {message!r} lists the expected entries"


# Answers of the wrong type that a student might well type, by kind of check.
WRONG_TYPES = {
    "number": ["0.5 nats", None, [0.1, 0.2], {"value": 1.0}, np.array([1.0, 2.0]), print],
    "array": ["0.1, 0.2", None, 0.5, {"a": 1.0}, [[0.1], [0.2, 0.3]], print],
    "choice": [None, 3, ["a"], print],
    "function": [None, "def f(x): return x", 42, [lambda x: x], np.array([1.0])],
}
WORD = {"number": "number", "array": "number", "choice": "one of", "function": "function"}


@pytest.mark.parametrize("name", ALL_CHECKS)
def test_answers_of_the_wrong_type_get_a_clear_message_not_an_exception(name):
    entry = CHECKS[name]
    for answer in WRONG_TYPES[kind(entry)]:
        feedback = check(name, answer)  # must not raise
        assert feedback.correct is False, f"{name}: {answer!r} accepted"
        assert WORD[kind(entry)] in feedback.message, f"{name}: unclear message for {answer!r}: {feedback.message}"
        assert not feedback.message.startswith("checking raised"), f"{name}: {feedback.message}"


def test_a_student_function_that_raises_is_reported():
    def unfinished(*args):
        raise NotImplementedError("your code here")

    def broken(*args):
        return 1 / 0

    # Every registered function check, and one made here so the test never runs empty.
    local = exercises.Check("test-local", exercises.function_check(kl.entropy, [(kl.P,)], "hint"), (kl.entropy,), (0,))
    entries = [entry for entry in CHECKS.values() if kind(entry) == "function"] + [local]
    for entry in entries:
        for student in (unfinished, broken, lambda: 0.0):  # the last takes no arguments at all
            correct, message = entry.judge(student)
            assert correct is False and "raised" in message, (entry.exercise, message)
        assert "NotImplementedError" in entry.judge(unfinished)[1]
        assert "ZeroDivisionError" in entry.judge(broken)[1]
        if entry is not local:
            assert check(entry.exercise, unfinished).correct is False


@pytest.mark.parametrize("name", ALL_CHECKS)
def test_feedback_renders_as_text_and_html(name):
    entry = CHECKS[name]
    right, wrong = check(name, entry.right[0]), check(name, entry.wrong[0])
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


def test_html_feedback_escapes_the_message():
    feedback = Feedback("x<y", False, "use <b>p</b> & q")
    assert "&lt;b&gt;p&lt;/b&gt; &amp; q" in feedback._repr_html_() and "x&lt;y" in feedback._repr_html_()


def test_a_judge_that_crashes_is_reported_not_raised():
    def judge(answer):
        raise KeyError("oops")

    exercises.register("test-crashing-judge", judge, right=[1], wrong=[2])
    try:
        feedback = check("test-crashing-judge", 1)
    finally:
        del CHECKS["test-crashing-judge"]
    assert feedback.correct is False and "KeyError" in feedback.message


def test_register_refuses_duplicates_and_missing_examples():
    judge = exercises.number_check(lambda: 1.0, "hint")
    with pytest.raises(ValueError, match="twice"):
        exercises.register(ENGINE_DEMO, judge, right=[1.0], wrong=[2.0])
    with pytest.raises(ValueError, match="right and one wrong"):
        exercises.register("test-no-wrong", judge, right=[1.0], wrong=[])
    assert "test-no-wrong" not in CHECKS


def test_the_leak_detector_can_fail():
    judge = exercises.number_check(lambda: kl.kl_divergence(kl.P, kl.Q), "it should be 0.187")
    entry = exercises.Check("demo", judge, (0.1874,), (1.0,))
    with pytest.raises(AssertionError, match="gives the answer"):
        assert_no_leak(entry, 1.0, judge(1.0)[1])
    assert_no_leak(entry, "0.1874", "expected a number, got the str '0.1874'.")  # the student's own text


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
