"""Assignments for a class: per chapter, a student notebook and a Gradescope autograder.

    make assignments    # = .venv/bin/python tools/assignments.py [--output DIR] [CHAPTER ...]

Writes, for each chapter that has checked exercises, into _build/assignments/ (or DIR):

    <chapter>/student/<chapter>.ipynb   the notebook to hand out (no solution, no hidden test)
    <chapter>/student/klhelpers/        the package it imports
    <chapter>/autograder.zip            upload to Gradescope ("Programming Assignment")
    <chapter>/manifest.json             question -> kl.check id and points (for tools/grade.py)

The assignments are built with Otter-Grader (``otter assign``) from a master notebook that
this tool writes from the chapter itself, so nothing is written twice:

* every "try it" cell that calls ``kl.check("id", expression)`` becomes an Otter question
  ``id`` (dashes become underscores), worth 1 point; its prompt is the cell without the
  ``kl.check`` line (Otter adds ``grader.check("...")`` below it);
* its solution is the exercise's solution cells (tagged ``solution``), up to the one that
  checks the same id; ``otter assign`` runs them against the tests, so a solution that
  fails its own check stops the build;
* its public test calls ``kl.check`` again: the expected value is recomputed by klhelpers
  from the student's variant, never stored, so the test reveals nothing;
* questions of an exercise that draws its data with ``kl.variant`` get a hidden test as
  well, worth half: the answer is right and the student id was set (an answer copied from
  the website, which shows the default variant, scores half);
* a cell ``kl.student("...")`` follows the setup cell; the student writes their id there
  (a chapter's own ``kl.student(...)`` line becomes a comment, so it cannot reset the id).

Exercises without a check (explain, prove) stay in the notebook, without their solution,
for the instructor to grade by hand.
"""

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
DEFAULT_OUTPUT = ROOT / "_build" / "assignments"
OTTER = Path(sys.executable).parent / "otter"
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
EXERCISE = re.compile(r"```\{exercise(?:-start)?\}([^\n]*)\n(?::[^\n]*\n)*?:label:\s*(\S+)")
STUDENT_LINE = re.compile(r"^(\s*)kl\.student\(.*$", re.M)
#: What a student sees before writing their id; the grader treats it as "no id".
ID_PLACEHOLDER = "your id here"
ID_CELL = f'kl.student("{ID_PLACEHOLDER}")  # write your student id between the quotes, then run'
#: The pins the autograder installs (Gradescope): what klhelpers and the chapters import.
AUTOGRADER_PACKAGES = ("numpy", "scipy", "matplotlib", "ipywidgets")
METADATA_KEY = "kl_assignment"

sys.path.insert(0, str(ROOT / "tools"))
from student_edition import STUDENT_SETUP, is_solution, with_student_setup  # noqa: E402


def question_name(check_id):
    return check_id.replace("-", "_")


def checks_in(source):
    """[(check id, answer expression source)] of every ``kl.check("id", expr)`` in `source`."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "check" and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "kl" and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.args[0].value, ast.get_source_segment(source, node.args[1])))
    return sorted(found, key=lambda pair: source.index(pair[1]) if pair[1] in source else 0)


def without_check_lines(source):
    """The student cell minus its ``kl.check(...)`` lines (Otter's grader.check replaces them)."""
    return "\n".join(line for line in source.splitlines()
                     if not line.lstrip().startswith("kl.check(")).rstrip()


def raw(text):
    return nbformat.v4.new_raw_cell(text)


def test_cell(code, hidden=False):
    config = f'""" # BEGIN TEST CONFIG\nhidden: {str(hidden).lower()}\n""" # END TEST CONFIG\n'
    return nbformat.v4.new_code_cell(config + code)


def public_test(check_id, expression):
    return test_cell("import klhelpers as _kl\n"
                     f"_feedback = _kl.check({check_id!r}, {expression})\n"
                     "assert _feedback.correct, _feedback.message")


def hidden_id_test(check_id, expression):
    return test_cell("import klhelpers as _kl\n"
                     "from klhelpers.exercises import current_student, DEFAULT_STUDENT\n"
                     f"assert current_student() not in ({ID_PLACEHOLDER!r}, DEFAULT_STUDENT), "
                     "'set your student id with kl.student(...) at the top of the notebook'\n"
                     f"assert _kl.check({check_id!r}, {expression}).correct",
                     hidden=True)


def split_exercises(cells):
    """Group the cells: [(label or None, [cells])], a group starting at each exercise cell."""
    groups, current = [], (None, [])
    for cell in cells:
        match = EXERCISE.search(cell.source) if cell.cell_type == "markdown" else None
        if match and not is_solution(cell):
            groups.append(current)
            current = (match.group(2), [])
        current[1].append(cell)
    groups.append(current)
    return groups


def question_cells(label, cells, manifest):
    """The master-notebook cells of one exercise group (see the module docstring).

    Each cell of the group that calls ``kl.check`` becomes a question. Its solution is the
    group's solution code up to the solution cell that checks the same id (all of it when
    none does), so a later question may use what an earlier solution cell computed."""
    solutions = [c for c in cells if is_solution(c) and c.cell_type == "code"]
    variant = any("kl.variant(" in c.source for c in cells)
    out = []
    for cell in cells:
        if is_solution(cell):
            continue
        checks = checks_in(cell.source) if cell.cell_type == "code" else []
        if not checks:
            out.append(cell)
            continue
        name = question_name(checks[0][0])
        ids = {check_id for check_id, _ in checks}
        last = max((i for i, c in enumerate(solutions) if ids & {k for k, _ in checks_in(c.source)}),
                   default=len(solutions) - 1)
        solution_code = "\n\n".join(c.source for c in solutions[:last + 1])
        prompt = without_check_lines(cell.source)
        if '"""' in prompt or not solution_code or name in manifest:
            print(f"warning: exercise {label!r}: its cell with kl.check stays ungraded (an Otter "
                  "question needs a solution cell, a check id used once, and no triple quotes "
                  "in the prompt)", file=sys.stderr)
            out.append(cell)
            continue
        out.append(raw(f"# BEGIN QUESTION\nname: {name}\npoints: 1"))
        code = nbformat.v4.new_code_cell(
            "# BEGIN SOLUTION NO PROMPT\n" + solution_code + "\n# END SOLUTION\n"
            '""" # BEGIN PROMPT\n' + prompt + '\n""" # END PROMPT')
        code.metadata = cell.metadata
        out.extend([raw("# BEGIN SOLUTION"), code, raw("# END SOLUTION")])
        out.append(raw("# BEGIN TESTS"))
        out.extend(public_test(check_id, expression) for check_id, expression in checks)
        if variant:
            out.append(hidden_id_test(*checks[0]))
        out.append(raw("# END TESTS"))
        out.append(raw("# END QUESTION"))
        manifest[name] = {"check": checks[0][0], "checks": [c for c, _ in checks],
                          "points": 1, "variant": variant}
    return out


def solutions(chapter):
    """{question name: the chapter's solution code} (for tests that fill a notebook in)."""
    master, _ = master_notebook(Path(chapter))
    found, name = {}, None
    for cell in master.cells if master else []:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            name = cell.source.split("name:")[1].split()[0]
        elif cell.cell_type == "code" and cell.source.startswith("# BEGIN SOLUTION NO PROMPT\n") and name:
            found[name] = cell.source.split("\n", 1)[1].split("\n# END SOLUTION\n")[0]
            name = None
    return found


def requirements_text():
    pins = {line.split("==")[0].lower(): line for line in (ROOT / "requirements.txt").read_text().splitlines()
            if "==" in line and not line.startswith("#")}
    return "".join(pins[name] + "\n" for name in AUTOGRADER_PACKAGES)


def master_notebook(chapter):
    """(master notebook in Otter's format, manifest) for `chapter`, or (None, {}) without checks."""
    notebook = with_student_setup(nbformat.read(chapter, as_version=4), chapter.name)
    manifest = {}
    cells = []
    for label, group in split_exercises(notebook.cells):
        if label is None:
            cells.extend(c for c in group if not is_solution(c))
        else:
            cells.extend(question_cells(label, group, manifest))
    if not manifest:
        return None, {}
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
            cell.source = STUDENT_LINE.sub(r"\1# (your student id is set at the top of the notebook)",
                                           cell.source)
    setup = next(i for i, c in enumerate(cells) if c.cell_type == "code" and STUDENT_SETUP in c.source)
    # The solutions run (otter assign tests them) as a student with an id; students see ID_CELL.
    id_cell = nbformat.v4.new_code_cell(
        '# BEGIN SOLUTION NO PROMPT\nkl.student("solution")\n# END SOLUTION\n'
        f'""" # BEGIN PROMPT\n{ID_CELL}\n""" # END PROMPT')
    intro = nbformat.v4.new_markdown_cell(
        "**Your student id.** Write it in the cell below and run it before anything else: "
        "the transfer exercises then show your own numbers, and the grader checks them. "
        'Run each `grader.check("...")` cell to test an answer; save the notebook and hand it in.')
    cells[setup + 1:setup + 1] = [intro, id_cell]
    config = {"name": chapter.stem, "requirements": "requirements.txt", "files": ["klhelpers"],
              "export_cell": False, "check_all_cell": False, "run_tests": True,
              "strip_solutions_from_all_cells": True,
              "generate": {"pdf": False, "filtering": False}, "tests": {"files": False, "ok_format": True}}
    head = raw("# ASSIGNMENT CONFIG\n" + "\n".join(f"{k}: {json.dumps(v)}" for k, v in config.items()))
    notebook.cells = [head] + cells
    notebook.metadata[METADATA_KEY] = {"chapter": chapter.stem}
    return notebook, manifest


def renamable(notebook, name):
    """Otter's first cell names the notebook file; a renamed file (a download saved as
    "... (1).ipynb", say) would make every grader.check fail and Otter grade each question
    at the end, against the last value of a name that several questions use. Without a
    name Otter grades from its test files (grading), or finds the notebook beside it."""
    cell = notebook.cells[0]
    call = f'grader = otter.Notebook("{name}")'
    if cell.cell_type != "code" or call not in cell.source:
        raise ValueError(f"otter assign's first cell has changed: {cell.source!r}")
    cell.source = cell.source.replace(
        call, f'import pathlib\ngrader = otter.Notebook("{name}" if pathlib.Path("{name}").is_file() else None)')


def build(chapter, output):
    """Run ``otter assign`` on the chapter's master notebook; returns the manifest or None."""
    master, manifest = master_notebook(chapter)
    if master is None:
        return None
    with tempfile.TemporaryDirectory(prefix="kl-assign-") as tmp:
        stage = Path(tmp)
        shutil.copytree(BOOK / "klhelpers", stage / "klhelpers", ignore=JUNK)
        (stage / "requirements.txt").write_text(requirements_text())
        nbformat.write(master, stage / f"{chapter.stem}.ipynb")
        result = subprocess.run([str(OTTER), "assign", "--no-pdfs", f"{chapter.stem}.ipynb", "dist"],
                                cwd=stage, capture_output=True, text=True)
        if result.returncode:
            sys.exit(f"otter assign failed for {chapter.name}:\n{result.stdout}\n{result.stderr}")
        target = output / chapter.stem
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        student = stage / "dist" / "student"
        student_nb = nbformat.read(student / f"{chapter.stem}.ipynb", as_version=4)
        student_nb.metadata[METADATA_KEY] = {"chapter": chapter.stem}
        renamable(student_nb, f"{chapter.stem}.ipynb")
        nbformat.write(student_nb, student / f"{chapter.stem}.ipynb")
        shutil.copytree(student, target / "student", ignore=JUNK)
        zips = sorted((stage / "dist" / "autograder").glob("*.zip"))
        shutil.copy2(zips[-1], target / "autograder.zip")
    (target / "manifest.json").write_text(json.dumps(
        {"chapter": chapter.stem, "questions": manifest}, indent=1) + "\n")
    return manifest


def chapters(names=(), book=BOOK):
    every = sorted(Path(book).glob("[0-9][0-9]-*.ipynb"))
    if not names:
        return every
    return [c for c in every if any(c.stem == n or c.stem.startswith(n) or c.name == n for n in names)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapters to build (default: all), e.g. 01 or 01-entropy")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="where to write (default: _build/assignments)")
    parser.add_argument("--book", type=Path, default=BOOK, help="folder of the chapters (default: book)")
    args = parser.parse_args(argv)
    output = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    for chapter in chapters(args.chapters, args.book):
        manifest = build(chapter, output)
        if manifest is None:
            print(f"{chapter.stem}: no checked exercise, no assignment")
        else:
            print(f"{chapter.stem}: {len(manifest)} questions -> {output / chapter.stem}")


if __name__ == "__main__":
    main()
