"""Assign it and grade it: `make assignments` (Otter-Grader) and `make grade SUBMISSIONS=dir`.

The submissions are made at test time from a chapter (its student notebook from the tool,
filled in with the chapter's own solution cells): all correct, half correct, unanswered, an
endless loop (interrupted per cell), a loop that ignores interrupts (killed by the time
limit), errors (sys.exit, a memory bomb, a deleted file, a division by zero), a kernel that
crashes, and one that tampers with the tests and the gradebook. `make grade` on that folder
must give the expected gradebook exactly, and nothing outside the sandboxes may change.
A small chapter made from a real one, with a per-student variant, shows the hidden test
at work. About 70 s of CPU in all; the submissions are graded two at a time, and the
endless ones mostly wait.
"""

import csv
import hashlib
import importlib.util
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "03-kl-divergence.ipynb"
SOURCE_OF_SMALL = ROOT / "book" / "01-entropy.ipynb"
# Generous for a loaded machine; the endless fixtures stop at CELL_TIMEOUT (interrupted), CPU
# (a loop that ignores interrupts) and, in a run of its own, SHORT (a sleep that ignores them).
TIMEOUT, CELL_TIMEOUT, CPU, SHORT = 240, 20, 10, 8
OPTIONS = f"--timeout {TIMEOUT} --cell-timeout {CELL_TIMEOUT} --cpu {CPU} --memory 3072 --jobs 2"

spec = importlib.util.spec_from_file_location("assignments", ROOT / "tools" / "assignments.py")
assignments = importlib.util.module_from_spec(spec)
spec.loader.exec_module(assignments)


def make(*args):
    """`make` in the repository, the environment taken as installed (make test installed it)."""
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.installed", *args],
                          capture_output=True, text=True, timeout=600)


def build(tmp, book=None, chapter=CHAPTER):
    output = tmp / "assignments"
    command = [sys.executable, str(ROOT / "tools" / "assignments.py"), "--output", str(output),
               chapter.stem]
    if book:
        command += ["--book", str(book)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return output / chapter.stem


def questions(notebook):
    """[(question, index of its answer cell)], in the notebook's order."""
    found = []
    for i, cell in enumerate(notebook.cells):
        match = re.fullmatch(r'grader\.check\("(\w+)"\)', cell.source.strip())
        if match:
            answer = i - 1
            assert notebook.cells[answer].cell_type == "code"
            found.append((match.group(1), answer))
    return found


def fill(student_notebook, solutions, student_id, solved, prefix=None, extra=None):
    """A submission: the id set, the questions in `solved` answered with the chapter's solution,
    `prefix[q]` put before question q's answer, `extra` a cell added after the id cell."""
    notebook = nbformat.from_dict(json.loads(json.dumps(student_notebook)))
    for name, index in questions(notebook):
        cell = notebook.cells[index]
        body = solutions[name] if name in solved else cell.source
        cell.source = (prefix or {}).get(name, "") + body
    id_cell = next(i for i, c in enumerate(notebook.cells) if c.source.startswith("kl.student("))
    notebook.cells[id_cell].source = f'kl.student("{student_id}")'
    if extra:
        notebook.cells.insert(id_cell + 1, nbformat.v4.new_code_cell(extra))
    return nbformat.writes(notebook).encode()


#: An Otter test file that passes whatever the answer (%r: the question's name).
ALWAYS_PASSES = ('OK_FORMAT = True\ntest = {"name": %r, "points": 1, "suites": [{"cases": [{"code": '
                 '">>> True\\nTrue", "hidden": False, "locked": False}], "scored": True, "setup": "", '
                 '"teardown": "", "type": "doctest"}]}\n')
TAMPER = f"""\
import glob, os
for path in glob.glob("../tests/*.py"):
    print(open(path).read())                       # print the tests, hidden ones included
    open(path, "w").write({ALWAYS_PASSES!r} % os.path.basename(path)[:-3])
for path in ("gradebook.csv", "../gradebook.csv"):
    open(path, "w").write("student,chapter,question,points,max_points\\ntamper,x,y,100,1\\n")
kl.student("correct")                               # someone else's id
"""
SLEEPER = """\
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
time.sleep(10_000)
"""
STUBBORN = """\
while True:
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass
"""


def snapshot(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def sandboxes():
    return set(Path(tempfile.gettempdir()).glob("kl-grade-*"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grading")
    assignment = build(tmp)
    manifest = json.loads((assignment / "manifest.json").read_text())
    names = list(manifest["questions"])
    assert len(names) >= 3, "the graded chapter needs at least three checked exercises"
    code = assignments.solutions(CHAPTER)
    student = nbformat.read(assignment / "student" / f"{CHAPTER.stem}.ipynb", as_version=4)
    assert [q for q, _ in questions(student)] == names
    first, second, third = names[:3]
    half = set(names[: len(names) // 2])
    submissions = {
        "correct": fill(student, code, "s-correct", set(names)),
        "half": fill(student, code, "s-half", half),
        "unanswered": fill(student, code, "s-unanswered", set()),
        "loop": fill(student, code, "s-loop", set(names) - {first},
                     prefix={first: "import time\nwhile True:\n    time.sleep(0.05)\n"}),
        "stubborn": fill(student, code, "s-stubborn", set(names), prefix={first: STUBBORN}),
        "errors": fill(student, code, "s-errors", set(names), prefix={
            first: 'import sys\nsys.exit("bye")\n',
            second: "hoard = bytearray(8 * 1024 ** 3)\n",
            third: f'import os\nos.remove("{CHAPTER.stem}.ipynb")\n1 / 0\n'}),
        "crash": fill(student, code, "s-crash", set(names),
                      prefix={second: "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"}),
        "tamper": fill(student, code, "s-tamper", set(), extra=TAMPER),
    }
    folder, slow = tmp / "submissions", tmp / "slow"
    folder.mkdir()
    slow.mkdir()
    for who, data in submissions.items():
        (folder / f"{who}.ipynb").write_bytes(data)
    (folder / "notes.ipynb").write_text('{"cells": [], "metadata": {}}')  # not an assignment
    (slow / "sleeper.ipynb").write_bytes(fill(student, code, "s-sleeper", set(names),
                                              prefix={first: SLEEPER}))
    before = {"submissions": snapshot(folder), "assignments": snapshot(tmp / "assignments")}
    temporary = sandboxes()
    grades, slow_grades = tmp / "grades", tmp / "slow-grades"
    with ThreadPoolExecutor(1) as side:  # the wall-clock limit, graded meanwhile
        sleeper = side.submit(make, "grade", f"SUBMISSIONS={slow}", f"ASSIGNMENTS={tmp / 'assignments'}",
                              f"GRADES={slow_grades}", f"GRADE_OPTIONS=--timeout {SHORT}")
        result = make("grade", f"SUBMISSIONS={folder}", f"ASSIGNMENTS={tmp / 'assignments'}",
                      f"GRADES={grades}", f"GRADE_OPTIONS={OPTIONS}")
        slow_result = sleeper.result()
    return {"result": result, "slow_result": slow_result, "slow_grades": slow_grades,
            "names": names, "first": first, "second": second, "third": third,
            "half": half, "tmp": tmp, "grades": grades, "before": before, "folder": folder,
            "new_sandboxes": sandboxes() - temporary}


def expected_rows(graded):
    names, rows = graded["names"], []
    full = {name: 1 for name in names}
    scores = {
        "correct": full,
        "crash": {name: 0 for name in names},
        "errors": {**full, graded["first"]: 0, graded["second"]: 0, graded["third"]: 0},
        "half": {name: int(name in graded["half"]) for name in names},
        "loop": {**full, graded["first"]: 0},
        "notes": {},
        "stubborn": {name: 0 for name in names},
        "tamper": {name: 0 for name in names},
        "unanswered": {name: 0 for name in names},
    }
    manifest = json.loads((graded["tmp"] / "assignments" / CHAPTER.stem / "manifest.json").read_text())
    for student in sorted(scores):
        for name in names if scores[student] else []:
            rows.append([student, CHAPTER.stem, manifest["questions"][name]["check"],
                         str(scores[student][name]), "1"])
    return rows


def test_make_grade_gives_the_expected_gradebook_exactly(graded):
    result = graded["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    table = list(csv.reader(io.StringIO((graded["grades"] / "gradebook.csv").read_text())))
    assert table[0] == ["student", "chapter", "question", "points", "max_points"]
    got = sorted(table[1:])
    assert got == sorted(expected_rows(graded))


def test_every_student_gets_readable_feedback(graded):
    feedback = graded["grades"] / "feedback"
    files = sorted(p.name for p in feedback.iterdir())
    assert files == sorted(f"{s}.md" for s in ("correct", "crash", "errors", "half", "loop", "notes",
                                                "stubborn", "tamper", "unanswered"))
    read = {p.stem: p.read_text() for p in feedback.iterdir()}
    total = len(graded["names"])
    assert f"**Total:** {total:g} / {total:g}" in read["correct"]
    assert "Not yet: " in read["unanswered"] and "Traceback" not in read["unanswered"]
    assert f"Your answer cell stopped with a time-out: it ran longer than {CELL_TIMEOUT} s" in read["loop"]
    assert "Not yet: NameError: name 'answer' is not defined" in read["loop"]
    assert "SystemExit: bye" in read["errors"]
    assert "grading stopped before the end" in read["stubborn"]
    assert "changed or deleted the grader's files" in read["tamper"]
    assert "grading stopped before the end" in read["crash"]
    assert "not a notebook from make assignments" in read["notes"]
    assert "MemoryError" in read["errors"] and "ZeroDivisionError" in read["errors"]


def test_a_notebook_that_outlives_the_time_limit_scores_zero_and_is_stopped(graded):
    result = graded["slow_result"]
    assert result.returncode == 0, result.stdout + result.stderr
    table = list(csv.reader(io.StringIO((graded["slow_grades"] / "gradebook.csv").read_text())))
    assert {row[0] for row in table[1:]} == {"sleeper"} and {row[3] for row in table[1:]} == {"0"}
    assert len(table) == 1 + len(graded["names"])
    feedback = (graded["slow_grades"] / "feedback" / "sleeper.md").read_text()
    assert f"ran longer than {SHORT} s and was stopped" in feedback


def test_nothing_outside_the_sandboxes_changes(graded):
    tmp = graded["tmp"]
    assert snapshot(graded["folder"]) == graded["before"]["submissions"], "a submission file changed"
    assert snapshot(tmp / "assignments") == graded["before"]["assignments"], "the assignment changed"
    assert sorted(p.name for p in graded["grades"].iterdir()) == ["feedback", "gradebook.csv"]
    assert graded["new_sandboxes"] == set(), "a sandbox was left behind"
    assert "tamper,x,y,100,1" not in (graded["grades"] / "gradebook.csv").read_text()
    leaked = (graded["grades"] / "feedback" / "tamper.md").read_text()
    assert "OK_FORMAT" not in leaked and "suites" not in leaked, "the tests reached the feedback"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small chapter made from a real one: its setup cell and first two checked exercises,
    the first of which draws its data with kl.variant (so its question has a hidden test)."""
    tmp = tmp_path_factory.mktemp("small")
    chapter = nbformat.read(SOURCE_OF_SMALL, as_version=4)
    setup = next(c for c in chapter.cells if c.cell_type == "code" and 'find_spec("klhelpers")' in c.source)
    checked = [(label, cells) for label, cells in assignments.split_exercises(chapter.cells)
               if label and any(c.cell_type == "code" and "kl.check(" in c.source
                                and not assignments.is_solution(c) for c in cells)][:2]
    label, group = checked[0]
    try_it = next(c for c in group if c.cell_type == "code" and "kl.check(" in c.source
                  and not assignments.is_solution(c))
    try_it.source = 'coin = kl.variant("demo-coin")  # your own coin\n' + try_it.source
    small = nbformat.v4.new_notebook(cells=[setup] + group + checked[1][1], metadata=chapter.metadata)
    book = tmp / "book"
    book.mkdir()
    nbformat.write(small, book / "98-small.ipynb")
    return {"chapter": book / "98-small.ipynb", "label": label, "group": group,
            "assignment": build(tmp, book=book, chapter=book / "98-small.ipynb")}


def test_the_student_notebook_has_no_solution_and_no_hidden_test(small):
    assignment, label, group = small["assignment"], small["label"], small["group"]
    manifest = json.loads((assignment / "manifest.json").read_text())
    name, info = next(iter(manifest["questions"].items()))
    assert info["check"] == label and info["variant"] is True
    assert [q["variant"] for q in manifest["questions"].values()] == [True, False]

    student_text = (assignment / "student" / "98-small.ipynb").read_text()
    public = "\n".join(c.source for c in group if not assignments.is_solution(c))
    solution_lines = {line.strip() for c in group if assignments.is_solution(c) and c.cell_type == "code"
                      for line in c.source.splitlines() if len(line.strip()) > 12}
    solution_lines = {line for line in solution_lines if line not in public}
    assert solution_lines, "the exercise has a solution to look for"
    for line in solution_lines:
        assert json.dumps(line)[1:-1] not in student_text, f"solution line in the student notebook: {line}"
    with zipfile.ZipFile(assignment / "autograder.zip") as archive:
        scope = {}
        exec(archive.read(f"tests/{name}.py").decode(), scope)
    cases = scope["test"]["suites"][0]["cases"]
    assert [case["hidden"] for case in cases] == [False, True]
    assert "current_student" in cases[1]["code"] and "current_student" not in cases[0]["code"]
    assert "current_student" not in student_text, "the hidden test is in the student notebook"
    student = nbformat.reads(student_text, as_version=4)
    assert student.cells[0].source.startswith("# Initialize Otter")
    assert any(c.source.startswith('kl.student("') for c in student.cells[:6]), "no cell for the student id"
    public = student.metadata["otter"]["tests"][name]["suites"][0]["cases"]
    assert [case["hidden"] for case in public] == [False]
    assert all(c.outputs == [] for c in student.cells if c.cell_type == "code")


def leaks(chapter, assignment):
    """Solution lines of `chapter`, and hidden test code of its autograder, found in the
    student notebook of `assignment` (public text excepted: the exercise may quote a line)."""
    cells = nbformat.read(chapter, as_version=4).cells
    public = "\n".join(c.source for c in cells if not assignments.is_solution(c))
    solution = {line.strip() for c in cells if assignments.is_solution(c)
                for line in c.source.splitlines() if len(line.strip()) > 12}
    secret = {line for line in solution if line not in public}
    with zipfile.ZipFile(assignment / "autograder.zip") as archive:
        for path in archive.namelist():
            if path.startswith("tests/") and path.endswith(".py"):
                scope = {}
                exec(archive.read(path).decode(), scope)
                secret |= {line[4:].strip() for suite in scope["test"]["suites"] for case in suite["cases"]
                           if case["hidden"] for line in case["code"].splitlines()
                           if line.startswith(">>> ") and "import" not in line}
    student = nbformat.read(next((assignment / "student").glob("*.ipynb")), as_version=4)
    text = "\n".join(c.source for c in student.cells) + json.dumps(student.metadata)
    return secret, [line for line in secret if line in text or json.dumps(line)[1:-1] in text]


def test_the_graded_chapter_leaks_no_solution_and_no_hidden_test(graded):
    secret, leaked = leaks(CHAPTER, graded["tmp"] / "assignments" / CHAPTER.stem)
    assert len(secret) > 10, "nothing to look for"
    assert leaked == []


def test_students_check_their_answers_with_grader_check(small):
    """The handed-out notebook, run in its folder as a student would (Otter's student mode,
    not grading): one question answered with the chapter's solution, the other not."""
    folder = small["assignment"] / "student"
    student = nbformat.read(folder / "98-small.ipynb", as_version=4)
    code = assignments.solutions(small["chapter"])
    (first, _), *rest = questions(student)
    filled = nbformat.reads(fill(student, code, "s-student", {first}).decode(), as_version=4)
    NotebookClient(filled, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    said = {}
    for cell in filled.cells:
        match = re.fullmatch(r'grader\.check\("(\w+)"\)', cell.source.strip())
        if match:
            said[match.group(1)] = json.dumps(cell.outputs)
    assert "All test cases passed" in said[first]
    assert rest and all("All test cases passed" not in said[name] and "failed" in said[name]
                        for name, _ in rest)
