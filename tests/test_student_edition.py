"""The student edition (`make student`): no solution anywhere, exercises kept, every notebook runs.

The tool runs once per session into $KL_BUILD_OUTPUT/_build/student (default: the repo's
_build/student). A solution is every chapter cell tagged `solution` (HELPERS.md); the tests
collect distinctive lines of them from the full chapters and look for each in every page and
notebook of the edition.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
FIXTURES = ROOT / "tests" / "fixtures"
STUDENT = Path(os.environ.get("KL_BUILD_OUTPUT", ROOT)) / "_build" / "student"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]-*.ipynb"))
LABEL = re.compile(r"```\{exercise(?:-start)?\}[^\n]*\n(?::[^\n]*\n)*?:label:\s*(\S+)")

spec = importlib.util.spec_from_file_location("student_edition", ROOT / "tools" / "student_edition.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


# ---------------------------------------------------------------------- text to look for

TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "--", "—": "---", "…": "..."})


def normal(text):
    """Whitespace collapsed, and Sphinx's smart quotes and dashes undone."""
    return " ".join(text.translate(TYPOGRAPHY).split())


def is_solution(cell):
    return "solution" in cell.get("metadata", {}).get("tags", [])


def cells(path):
    return nbformat.read(path, as_version=4).cells


def public_text(paths=CHAPTERS):
    """What a student may see anyway: every non-solution cell, the other pages, klhelpers."""
    parts = [cell.source for path in paths for cell in cells(path) if not is_solution(cell)]
    parts += [page.read_text() for page in BOOK.glob("*.md")]
    parts += [module.read_text() for module in (BOOK / "klhelpers").glob("*.py")]
    return normal("\n".join(parts))


def snippets(cell):
    """Distinctive pieces of a cell: its code lines, or runs of plain words from its prose."""
    if cell.cell_type == "code":
        pieces = cell.source.splitlines()
    else:
        prose = [line for line in cell.source.splitlines() if not line.lstrip().startswith(("```", ":"))]
        pieces = re.split(r"[`$*_{}\[\]()|\\<>]", "\n".join(prose).replace("\n", " "))
    pieces = [normal(piece) for piece in pieces]
    return [piece for piece in pieces
            if len(piece) >= 16 and (cell.cell_type == "code" or len(piece.split()) >= 4)]


def solution_snippets(paths, public):
    """{snippet: where} for every distinctive solution line a student must not see."""
    found = {}
    for path in paths:
        for index, cell in enumerate(cells(path)):
            if is_solution(cell):
                for piece in snippets(cell):
                    if piece not in public:
                        found.setdefault(piece, f"{path.name} cell {index}")
    return found


def readable_text(path):
    """The text a reader gets from a file of the edition, whitespace normalised."""
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        parts = [cell.source for cell in notebook.cells]
        parts += [str(value) for cell in notebook.cells for output in cell.get("outputs", [])
                  for value in [output.get("text", "")] + list(output.get("data", {}).values())]
        return normal("\n".join(parts))
    if path.suffix == ".html":
        return normal(BeautifulSoup(path.read_text(), "html.parser").get_text(""))
    return normal(path.read_text())


def edition_files(root):
    return sorted(p for p in root.rglob("*") if p.suffix in {".html", ".ipynb", ".md", ".txt"})


def found_in(texts, wanted):
    """{snippet: [files]} for the snippets that occur in the texts."""
    hits = {}
    for piece in wanted:
        files = [name for name, text in texts.items() if piece in text]
        if files:
            hits[piece] = files
    return hits


# -------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def edition():
    completed = subprocess.run([sys.executable, str(ROOT / "tools" / "student_edition.py"), "--output", str(STUDENT)],
                               cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        pytest.fail("make student failed:\n" + completed.stdout[-4000:] + completed.stderr[-4000:])
    return completed


@pytest.fixture(scope="session")
def edition_texts(edition):
    return {str(path.relative_to(STUDENT)): readable_text(path) for path in edition_files(STUDENT)}


# ------------------------------------------------------------------------------ the layout

def test_the_tool_writes_the_site_and_the_notebooks_and_says_where(edition):
    assert str(STUDENT / "html") in edition.stdout and str(STUDENT / "notebooks") in edition.stdout
    assert (STUDENT / "html" / "index.html").is_file()
    notebooks = STUDENT / "notebooks"
    assert sorted(p.name for p in notebooks.glob("*.ipynb")) == [p.name for p in CHAPTERS]
    for chapter in CHAPTERS:
        assert (STUDENT / "html" / "book" / chapter.with_suffix(".html").name).is_file()
    assert (notebooks / "klhelpers" / "__init__.py").is_file()
    def package(folder):  # every file of klhelpers (modules, and the .js/.css its interactives load)
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    assert package(notebooks / "klhelpers") == package(BOOK / "klhelpers")
    assert not list(notebooks.rglob("__pycache__")) and not list(notebooks.rglob("*.pyc"))
    assert "klhelpers" in (notebooks / "README.md").read_text()
    assert (notebooks / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    assert (notebooks / "runtime.txt").read_text() == f"python-{sys.version_info.major}.{sys.version_info.minor}\n"


def test_student_notebooks_have_no_outputs_and_no_solution_cells(edition):
    for chapter in CHAPTERS:
        student = nbformat.read(STUDENT / "notebooks" / chapter.name, as_version=4)
        full = nbformat.read(chapter, as_version=4)
        assert [c.source for c in student.cells] == [c.source for c in full.cells if not is_solution(c)]
        for cell in student.cells:
            assert not is_solution(cell)
            assert not re.search(r"\{solution(-start|-end)?\}", cell.source), cell.source
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


# --------------------------------------------------------------------- no solution survives

def test_no_solution_text_survives_anywhere_in_the_edition(edition_texts):
    wanted = solution_snippets(CHAPTERS, public_text())
    if any(is_solution(cell) for path in CHAPTERS for cell in cells(path)):
        assert wanted, "the chapters have solutions but none of their lines is distinctive enough to look for"
    leaked = found_in(edition_texts, wanted)
    assert not leaked, "solution text in the student edition:\n" + "\n".join(
        f"{piece!r} (from {wanted[piece]}) in {files}" for piece, files in leaked.items())


def test_no_solution_directive_or_dropdown_in_the_student_site(edition):
    for page in (STUDENT / "html").rglob("*.html"):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        marked = [tag.name for tag in soup.find_all(class_=re.compile("solution"))]
        assert not marked, f"{page}: elements with a solution class: {marked}"
        assert "Solution to" not in soup.get_text(), page


def test_exercises_and_try_it_cells_are_still_there(edition, edition_texts):
    """Also the positive control of the search above: text that should be found is found."""
    for chapter in CHAPTERS:
        page = STUDENT / "html" / "book" / chapter.with_suffix(".html").name
        soup = BeautifulSoup(page.read_text(), "html.parser")
        source = "\n".join(cell.source for cell in cells(chapter) if cell.cell_type == "markdown")
        labels = LABEL.findall(source)
        assert len(soup.select("div.exercise")) == source.count("```{exercise"), page.name
        for label in labels:
            assert soup.find(id=label) is not None, f"{page.name}: exercise {label!r} is missing"
        page_text = edition_texts[str(page.relative_to(STUDENT))]
        notebook_text = edition_texts[f"notebooks/{chapter.name}"]
        for cell in cells(chapter):
            if "remove-output" in cell.get("metadata", {}).get("tags", []) or "```{exercise" in cell.source:
                for piece in snippets(cell):
                    assert piece in notebook_text, f"{chapter.name}: {piece!r} missing from the student notebook"
                    assert piece in page_text, f"{page.name}: {piece!r} missing from the student page"


# --------------------------------------------------------------------- the notebooks run

def run(notebook, cwd):
    """Execute with a kernel of the current environment; return the error outputs."""
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import os, klhelpers\nprint('KLHELPERS', os.path.realpath(klhelpers.__file__))"))
    NotebookClient(notebook, kernel_name="python3", timeout=300, allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    errors = [f"cell {i}: {out.ename}: {out.evalue}" for i, cell in enumerate(notebook.cells)
              if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]
    where = "".join(out.get("text", "") for out in notebook.cells[-1].outputs)
    return errors, where


@pytest.mark.parametrize("name", [p.name for p in CHAPTERS])
def test_every_student_notebook_runs_top_to_bottom(edition, name):
    notebooks = STUDENT / "notebooks"
    errors, where = run(nbformat.read(notebooks / name, as_version=4), notebooks)
    assert errors == []
    # The notebook used the klhelpers shipped beside it (nothing fetched, not the repo's copy).
    assert f"KLHELPERS {os.path.realpath(notebooks / 'klhelpers' / '__init__.py')}" in where


# ------------------------------------------------------- the same pipeline on a fixture chapter

def test_the_pipeline_on_a_fixture_chapter(tmp_path):
    """Fast and independent of the chapters: strip, search, run a chapter-shaped fixture."""
    path = FIXTURES / "01-fixture-chapter.ipynb"
    full = nbformat.read(path, as_version=4)
    wanted = solution_snippets([path], public_text([path]))
    assert {"fixture_solution_bits = kl.entropy(np.full(4, 0.25), base=2)",
            "return np.multiply(x, 2) # fixture solution code",
            "Every surprisal term of the fixture is non-negative because probabilities never exceed one."} <= set(wanted)
    assert set(found_in({"full": readable_text(path)}, wanted)) == set(wanted)  # the search can fail

    student = tool.cleared(tool.without_solutions(nbformat.read(path, as_version=4)))
    nbformat.write(student, tmp_path / path.name)
    assert len(student.cells) == len(full.cells) - sum(map(is_solution, full.cells))
    assert not found_in({"student": readable_text(tmp_path / path.name)}, wanted)
    assert any("```{exercise} Double it" in cell.source for cell in student.cells)
    assert all(cell.outputs == [] for cell in student.cells if cell.cell_type == "code")

    shutil.copytree(BOOK / "klhelpers", tmp_path / "klhelpers", ignore=tool.JUNK)
    errors, where = run(student, tmp_path)
    assert errors == [] and str(tmp_path / "klhelpers") in where
    shown = "\n".join(out.get("data", {}).get("text/plain", "") for cell in student.cells
                      if cell.cell_type == "code" for out in cell.outputs)
    assert "✗ Not yet (fixture-double): your function raised NotImplementedError" in shown
