"""Build the student edition: the website and the chapter notebooks without solutions.

    make student        # = .venv/bin/python tools/student_edition.py [--output DIR] [--force]

Writes into _build/student/ (or DIR):

    html/        the website with every solution removed (open html/index.html)
    notebooks/   one notebook per chapter: solution cells removed, outputs cleared,
                 with the klhelpers package, requirements.txt, runtime.txt and a README

Every run replaces html/ and notebooks/ (nothing of an earlier run is left) and marks DIR
with a file .kl-student-edition. A DIR that is not empty and lacks that mark is not the
tool's: it refuses to touch it, before building anything, unless --force is given
(the default _build/student is always the tool's).

A solution is every cell tagged ``solution`` (CONTRIBUTING.md). The site is built from a
staged copy of the book whose chapters lack those cells, with sphinx-exercise's
``hide_solutions: True`` on as well. ``hide_solutions`` alone cannot do it for gated
solutions: sphinx-exercise 1.2.1 drops ``{solution-start}`` but keeps ``{solution-end}``
(the html writer then fails on it) and the code cells in between.

Nothing in the edition points to the repository, which holds the solutions: the chapters'
setup cell (the code cell with ``find_spec("klhelpers")``), which clones the repository
where klhelpers is missing, becomes one that asks for the klhelpers folder instead; the
site has no repository, issue, edit or launch buttons.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
DEFAULT_OUTPUT = ROOT / "_build" / "student"
MARKER = ".kl-student-edition"
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "_build", ".jupyter_cache")

README = """\
# KL divergence, interactively: student notebooks

One notebook per chapter, to be run top to bottom in Jupyter (JupyterLab, JupyterHub,
Binder or Colab). Keep the `klhelpers` folder next to the notebooks: every chapter
imports it. On Colab, upload `klhelpers.zip` in the Files panel first (the first cell unpacks it).

Each chapter ends with exercises. Write your answer in the cell below an exercise and
run it: `kl.check(...)` tells you at once whether it is right, with a hint when it is not
("✗ Not yet" is feedback, not an error). Until you fill a cell in, it reports "Not yet".

To install what the notebooks need on your own machine: `pip install -r requirements.txt`.

The book itself, with the figures and the interactive sliders, is the website your
instructor gave you.
"""


SETUP_FINDS = 'find_spec("klhelpers")'
STUDENT_SETUP = """\
# Setup. klhelpers, from the student notebooks, must sit next to this notebook:
# as a folder, or as klhelpers.zip (Colab's Files panel uploads files, not folders).
import importlib, importlib.util, pathlib, zipfile
importlib.invalidate_caches()  # see what was uploaded since the last run
uploaded = pathlib.Path("klhelpers.zip")
if importlib.util.find_spec("klhelpers") is None and uploaded.is_file():
    zipfile.ZipFile(uploaded).extractall()
    importlib.invalidate_caches()
if importlib.util.find_spec("klhelpers") is None:
    raise SystemExit("klhelpers not found: put klhelpers.zip (or the klhelpers folder) "
                     "from the student notebooks next to this notebook (on Colab: "
                     "upload it in the Files panel), then run this cell again.")
"""


def is_solution(cell):
    return "solution" in cell.get("metadata", {}).get("tags", [])


def without_solutions(notebook):
    """The notebook minus every cell tagged `solution` (outputs of the others kept)."""
    notebook.cells = [cell for cell in notebook.cells if not is_solution(cell)]
    return notebook


def with_student_setup(notebook, name="the notebook"):
    """The notebook whose setup cell never fetches anything: the part that clones the
    repository (up to the end of the `if ...find_spec("klhelpers")...:` block) is replaced
    by STUDENT_SETUP; the lines after the block (the imports) are kept as they are."""
    setup = next((cell for cell in notebook.cells if cell.cell_type == "code" and SETUP_FINDS in cell.source), None)
    if setup is None:
        raise ValueError(f"{name} has no setup cell (a code cell with {SETUP_FINDS})")
    lines = setup.source.splitlines()
    end = next(i for i, line in enumerate(lines) if SETUP_FINDS in line) + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0].isspace()):
        end += 1
    setup.source = STUDENT_SETUP + "\n".join(lines[end:])
    return notebook


def for_students(chapter):
    """The chapter without solutions, with the student setup cell (outputs of the others kept)."""
    return with_student_setup(without_solutions(nbformat.read(chapter, as_version=4)), chapter.name)


def cleared(notebook):
    """The notebook with every output and execution count removed."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return notebook


def chapters(book=BOOK):
    return sorted(book.glob("[0-9][0-9]-*.ipynb"))


def build_site(output):
    """Build the site from a staged copy without solutions; copy its html to `output`."""
    with tempfile.TemporaryDirectory(prefix="kl-student-") as tmp:
        stage = Path(tmp)
        shutil.copy2(ROOT / "_toc.yml", stage)
        shutil.copytree(BOOK, stage / "book", ignore=JUNK)
        for chapter in chapters():
            nbformat.write(for_students(chapter), stage / "book" / chapter.name)
        config = yaml.safe_load((ROOT / "_config.yml").read_text())
        config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
        # The repository holds the solutions: no button leads there (launch buttons would
        # open its chapters; repository, issue and edit buttons link to it).
        config["launch_buttons"] = {**config.get("launch_buttons", {}),
                                    "binderhub_url": "", "jupyterhub_url": "", "colab_url": ""}
        config["html"] = {**config.get("html", {}), "use_repository_button": False,
                          "use_issues_button": False, "use_edit_page_button": False}
        config.get("repository", {}).pop("url", None)
        (stage / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
        if subprocess.run([str(JUPYTER_BOOK), "build", str(stage), "-W", "-n", "--keep-going"]).returncode:
            sys.exit("The student site did not build: see the messages above.")
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(stage / "_build" / "html", output)


def write_notebooks(output):
    """Student notebooks: no solutions, no outputs, klhelpers beside them."""
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    for chapter in chapters():
        nbformat.write(cleared(for_students(chapter)), output / chapter.name)
    shutil.copytree(BOOK / "klhelpers", output / "klhelpers", ignore=JUNK)
    shutil.make_archive(str(output / "klhelpers"), "zip", output, "klhelpers")  # for Colab's upload
    shutil.copy2(ROOT / "requirements.txt", output)
    # The pins need this Python (Binder reads runtime.txt; its default Python may be older).
    (output / "runtime.txt").write_text(f"python-{sys.version_info.major}.{sys.version_info.minor}\n")
    (output / "README.md").write_text(README)


def claim(output, force=False):
    """Make `output` the tool's folder (marked with MARKER); refuse one that is someone else's."""
    foreign = output.exists() and not (output / MARKER).is_file() and output != DEFAULT_OUTPUT
    if foreign and not force and (not output.is_dir() or any(output.iterdir())):
        sys.exit(f"{output} is not empty and was not made by this tool, which replaces its html/ and "
                 "notebooks/: choose another --output, or add --force to replace them anyway.")
    output.mkdir(parents=True, exist_ok=True)
    (output / MARKER).write_text("Made by tools/student_edition.py: every run replaces html/ and notebooks/ here.\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="where to write the edition (default: _build/student)")
    parser.add_argument("--force", action="store_true",
                        help="write into a non-empty folder the tool did not make (its html/ and notebooks/ are replaced)")
    args = parser.parse_args(argv)
    output = args.output.resolve()
    claim(output, args.force)
    build_site(output / "html")  # first: if the site fails, html/ and notebooks/ stay as they were
    write_notebooks(output / "notebooks")
    print(f"Student notebooks: {output / 'notebooks'} ({len(chapters())} chapters, klhelpers, README.md)")
    print(f"Student website:   {output / 'html'} (open index.html, or host the folder as it is)")


if __name__ == "__main__":
    main()
