"""The student edition (`make student`): no solution anywhere, exercises kept, every notebook runs.

The tool runs twice per session into $KL_BUILD_OUTPUT/_build/student (default: the repo's
_build/student): first with --force over a folder it did not make, then again over its own
output. A solution is every chapter cell tagged `solution` (CONTRIBUTING.md); the tests
collect distinctive lines of them from the full chapters and look for each in every page and
notebook of the edition. Nothing of the edition may lead to the repository, which holds the
solutions: no clone in the notebooks, no link on the site.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
FIXTURES = ROOT / "tests" / "fixtures"
STUDENT = Path(os.environ.get("KL_BUILD_OUTPUT", ROOT)) / "_build" / "student"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]-*.ipynb"))
REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].split("://")[-1]
GIT_CLONE = re.compile(r"""git["',\s]+clone""")
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
    parts += [module.read_text() for module in (BOOK / "klhelpers").rglob("*.py")]
    return normal("\n".join(parts))


def snippets(cell):
    """Distinctive pieces of a cell: its code lines, or runs of plain words from its prose."""
    if cell.cell_type == "code":
        pieces = cell.source.splitlines()
    else:
        # line by line, list markers dropped: a page renders "text.\n1. item" as two blocks
        prose = [re.sub(r"^\s*(\d+\.|[-*+])\s+", "", line) for line in cell.source.splitlines()
                 if not line.lstrip().startswith(("```", ":"))]
        pieces = [piece for line in prose for piece in re.split(r"[`$*_{}\[\]()|\\<>]", line)]
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

def make_student(*options, check=True):
    completed = subprocess.run([sys.executable, str(ROOT / "tools" / "student_edition.py"), "--output", str(STUDENT),
                                *options], cwd=ROOT, capture_output=True, text=True)
    if check and completed.returncode != 0:
        pytest.fail("make student failed:\n" + completed.stdout[-4000:] + completed.stderr[-4000:])
    return completed


def listing(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# Planted between the two runs: a second run must leave none of them.
STALE = ["notebooks/99-stale.ipynb", "notebooks/klhelpers/stale.py", "html/book/99-stale.html", "html/_static/stale.css"]


@pytest.fixture(scope="session")
def edition():
    """The tool's second run. The first runs with --force over a folder the tool did not make
    (a notebook of the user's in notebooks/, a file of theirs beside); then stale files are
    planted and the tool runs again without --force, as `make student` does run after run."""
    shutil.rmtree(STUDENT, ignore_errors=True)
    (STUDENT / "notebooks").mkdir(parents=True)
    (STUDENT / "notebooks" / "thesis.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    (STUDENT / "mine.txt").write_text("the user's\n")
    first = make_student("--force")
    first.listing = listing(STUDENT)
    for stale in STALE:
        (STUDENT / stale).write_text(nbformat.writes(nbformat.v4.new_notebook()) if stale.endswith(".ipynb")
                                     else "from an earlier run\n")
    second = make_student(check=False)  # test_a_second_run_... checks it
    second.first = first
    yield second
    (STUDENT / "mine.txt").unlink(missing_ok=True)


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
    with zipfile.ZipFile(notebooks / "klhelpers.zip") as archive:  # the same files, for Colab
        assert sorted(name[len("klhelpers/"):] for name in archive.namelist()
                      if not name.endswith("/")) == package(BOOK / "klhelpers")
    assert not list(notebooks.rglob("__pycache__")) and not list(notebooks.rglob("*.pyc"))
    assert "klhelpers" in (notebooks / "README.md").read_text()
    assert (notebooks / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    assert (notebooks / "runtime.txt").read_text() == f"python-{sys.version_info.major}.{sys.version_info.minor}\n"
    assert (STUDENT / tool.MARKER).is_file()


# ------------------------------------------------------------------- the output folder

def test_force_writes_into_a_folder_the_tool_did_not_make(edition):
    assert str(STUDENT / "html") in edition.first.stdout
    assert not (STUDENT / "notebooks" / "thesis.ipynb").exists()  # notebooks/ is replaced: that is --force
    assert (STUDENT / "mine.txt").read_text() == "the user's\n"  # the rest of the folder is left alone


def test_a_second_run_reuses_its_folder_and_leaves_nothing_stale(edition):
    assert edition.returncode == 0, edition.stderr[-4000:]  # no --force needed: the folder is the tool's
    assert [stale for stale in STALE if (STUDENT / stale).exists()] == []
    assert listing(STUDENT) == edition.first.listing  # the very files of the first run


def test_a_foreign_folder_is_refused_before_anything_is_built(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(tool, "build_site", built.append)
    monkeypatch.setattr(tool, "write_notebooks", built.append)
    foreign = tmp_path / "thesis-work"
    (foreign / "notebooks").mkdir(parents=True)
    (foreign / "notebooks" / "thesis.ipynb").write_text('{"mine": true}')
    with pytest.raises(SystemExit) as refused:
        tool.main(["--output", str(foreign)])
    message = str(refused.value.code)
    assert len(message.splitlines()) == 1 and str(foreign) in message and "--force" in message, message
    assert built == [] and not (foreign / tool.MARKER).exists()
    assert listing(foreign) == ["notebooks", "notebooks/thesis.ipynb"]
    assert (foreign / "notebooks" / "thesis.ipynb").read_text() == '{"mine": true}'

    file = tmp_path / "a-file"  # --output naming a file is refused too
    file.write_text("mine\n")
    with pytest.raises(SystemExit):
        tool.main(["--output", str(file)])
    assert built == [] and file.read_text() == "mine\n"


def test_the_refusal_exits_non_zero_with_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("mine\n")
    completed = subprocess.run([sys.executable, str(ROOT / "tools" / "student_edition.py"), "--output", str(tmp_path)],
                               cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert completed.returncode != 0 and completed.stdout == ""
    assert len(completed.stderr.strip().splitlines()) == 1 and "--force" in completed.stderr, completed.stderr
    assert listing(tmp_path) == ["notes.txt"]


def test_force_and_marked_and_new_folders_are_written(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(tool, "build_site", built.append)
    monkeypatch.setattr(tool, "write_notebooks", built.append)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine\n")
    tool.main(["--output", str(foreign), "--force"])
    assert built == [foreign / "html", foreign / "notebooks"] and (foreign / tool.MARKER).is_file()
    assert (foreign / "notes.txt").read_text() == "mine\n"
    tool.main(["--output", str(foreign)])  # marked now: no --force needed
    new = tmp_path / "new" / "edition"
    tool.main(["--output", str(new)])
    empty = tmp_path / "empty"
    empty.mkdir()
    tool.main(["--output", str(empty)])
    assert len(built) == 8 and (new / tool.MARKER).is_file() and (empty / tool.MARKER).is_file()
    default = tmp_path / "_build" / "student"  # `make student`: an edition of the tool before the marker
    (default / "notebooks").mkdir(parents=True)
    monkeypatch.setattr(tool, "DEFAULT_OUTPUT", default)
    tool.main([])
    assert built[-2:] == [default / "html", default / "notebooks"] and (default / tool.MARKER).is_file()


def test_student_notebooks_have_no_outputs_and_no_solution_cells(edition):
    for chapter in CHAPTERS:
        student = nbformat.read(STUDENT / "notebooks" / chapter.name, as_version=4)
        full = nbformat.read(chapter, as_version=4)
        kept = [c.source for c in full.cells if not is_solution(c)]
        changed = [i for i, (a, b) in enumerate(zip(kept, [c.source for c in student.cells])) if a != b]
        assert len(student.cells) == len(kept) and changed == [setup_index(student)]  # only the setup cell
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


# ---------------------------------------------------------- nothing leads to the repository

def setup_index(notebook):
    return next(i for i, cell in enumerate(notebook.cells)
                if cell.cell_type == "code" and 'find_spec("klhelpers")' in cell.source)


def student_setup_source(chapter):
    student = tool.for_students(chapter)
    return student.cells[setup_index(student)].source


def test_no_notebook_of_the_edition_fetches_the_repository(edition):
    """Neither the student notebooks nor the site's .ipynb downloads (_sources/)."""
    notebooks = sorted(STUDENT.rglob("*.ipynb"))
    assert len(notebooks) == 2 * len(CHAPTERS)
    fetching = readable_text(FIXTURES / "01-fixture-chapter.ipynb")  # its setup cell clones the repository
    assert REPOSITORY in fetching and GIT_CLONE.search(fetching)  # the search can fail
    for path in notebooks:
        text = readable_text(path)
        assert REPOSITORY not in text and not GIT_CLONE.search(text), path
    readme = (STUDENT / "notebooks" / "README.md").read_text()
    assert "upload `klhelpers.zip`" in readme and "fetches" not in readme


def test_no_page_of_the_student_site_links_to_the_repository(edition):
    pages = sorted((STUDENT / "html").rglob("*.html"))
    assert len(pages) > len(CHAPTERS)
    for page in pages:
        soup = BeautifulSoup(page.read_text(), "html.parser")
        links = [value for tag in soup.find_all(True) for value in tag.attrs.values()
                 if isinstance(value, str) and REPOSITORY in value]
        assert not links, f"{page}: {links}"
        buttons = soup.select(".btn-source-repository-button, .btn-source-issues-button, .btn-source-edit-button")
        assert not buttons, f"{page}: {[b.get('href') for b in buttons]}"


@pytest.mark.parametrize("path", CHAPTERS + [FIXTURES / "01-fixture-chapter.ipynb"], ids=lambda p: p.name)
def test_the_student_setup_cell_keeps_the_imports_and_fetches_nothing(path):
    original = nbformat.read(path, as_version=4)
    student = tool.for_students(path)
    index = setup_index(original)
    assert setup_index(student) == index  # no cell before it is a solution
    source = student.cells[index].source
    assert REPOSITORY not in source and not GIT_CLONE.search(source) and "subprocess" not in source
    imports = original.cells[index].source[original.cells[index].source.index("import numpy as np"):]
    assert source.endswith(imports) and "import klhelpers as kl" in imports
    assert [c.source for i, c in enumerate(student.cells) if i != index] == \
           [c.source for i, c in enumerate(original.cells) if i != index and not is_solution(c)]


# Refuse (exit 3, naming it) anything that would reach the network or start a program.
NO_NETWORK = """\
import os, sys
def guard(event, args):
    if event.startswith(("socket.", "urllib.", "http.", "subprocess.", "os.exec", "os.posix_spawn", "os.spawn", "os.system")):
        sys.stderr.write(f"TRIED {event}\\n"); sys.stderr.flush(); os._exit(3)
sys.addaudithook(guard)
"""


def test_the_student_setup_cell_without_klhelpers_stops_with_one_line(tmp_path):
    """Run as a fresh Python would, in a folder without klhelpers: one line, no traceback, no network."""
    cell = student_setup_source(CHAPTERS[0])
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "git").write_text(f"#!/bin/sh\ntouch {tmp_path / 'git-was-called'}\n")
    (tmp_path / "bin" / "git").chmod(0o755)
    env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"

    guarded = subprocess.run([sys.executable, "-c", NO_NETWORK + "import socket; socket.create_connection(('127.0.0.1', 9))"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert guarded.returncode == 3 and "TRIED socket." in guarded.stderr  # the guard can fail

    completed = subprocess.run([sys.executable, "-c", NO_NETWORK + cell], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=60)
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 1 and len(lines) == 1, completed.stderr
    assert "TRIED" not in completed.stderr and "Traceback" not in completed.stderr
    assert lines[0].startswith("klhelpers not found") and "klhelpers folder" in lines[0] and "Files panel" in lines[0]
    assert not (tmp_path / "git-was-called").exists()


def test_the_student_setup_cell_unpacks_an_uploaded_klhelpers_zip(tmp_path):
    """Colab's Files panel uploads files, not folders: klhelpers.zip beside the notebook is enough."""
    shutil.make_archive(str(tmp_path / "klhelpers"), "zip", BOOK, "klhelpers")
    code = student_setup_source(CHAPTERS[0]) + "\nprint(kl.VOCAB)\n"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    completed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={**env, "MPLBACKEND": "Agg"},
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert "'cat', 'sat', 'on', 'the', 'mat'" in completed.stdout
    assert (tmp_path / "klhelpers" / "__init__.py").is_file()


def test_the_student_setup_cell_in_jupyter_shows_the_message_not_a_traceback(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(student_setup_source(CHAPTERS[0]))])
    NotebookClient(notebook, kernel_name="python3", timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [out for out in notebook.cells[0].outputs if out.output_type == "error"]
    assert [(e.ename, len(e.evalue.splitlines())) for e in errors] == [("SystemExit", 1)]
    assert errors[0].evalue.startswith("klhelpers not found")
    assert not any("Traceback (most recent call last)" in line or 'File "' in line for line in errors[0].traceback)


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

    student = tool.cleared(tool.for_students(path))
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
