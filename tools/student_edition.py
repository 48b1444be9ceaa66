"""Build the student edition: the website and the chapter notebooks without solutions.

    make student        # = .venv/bin/python tools/student_edition.py [--output DIR]

Writes into _build/student/ (or DIR):

    html/        the website with every solution removed (open html/index.html)
    notebooks/   one notebook per chapter: solution cells removed, outputs cleared,
                 with the klhelpers package, requirements.txt, runtime.txt and a README

A solution is every cell tagged ``solution`` (CONTRIBUTING.md). The site is built from a
staged copy of the book whose chapters lack those cells, with sphinx-exercise's
``hide_solutions: True`` on as well. ``hide_solutions`` alone cannot do it for gated
solutions: sphinx-exercise 1.2.1 drops ``{solution-start}`` but keeps ``{solution-end}``
(the html writer then fails on it) and the code cells in between.
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
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "_build", ".jupyter_cache")

README = """\
# KL divergence, interactively: student notebooks

One notebook per chapter, to be run top to bottom in Jupyter (JupyterLab, JupyterHub,
Binder or Colab). Keep the `klhelpers` folder next to the notebooks: every chapter
imports it (on Colab the first cell fetches it for you).

Each chapter ends with exercises. Write your answer in the cell below an exercise and
run it: `kl.check(...)` tells you at once whether it is right, with a hint when it is not
("✗ Not yet" is feedback, not an error). Until you fill a cell in, it reports "Not yet".

To install what the notebooks need on your own machine: `pip install -r requirements.txt`.

The book itself, with the figures and the interactive sliders, is the website your
instructor gave you.
"""


def is_solution(cell):
    return "solution" in cell.get("metadata", {}).get("tags", [])


def without_solutions(notebook):
    """The notebook minus every cell tagged `solution` (outputs of the others kept)."""
    notebook.cells = [cell for cell in notebook.cells if not is_solution(cell)]
    return notebook


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
            nbformat.write(without_solutions(nbformat.read(chapter, as_version=4)), stage / "book" / chapter.name)
        config = yaml.safe_load((ROOT / "_config.yml").read_text())
        config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
        # Launch buttons would open the repository's chapters, solutions included: turn them off.
        config["launch_buttons"] = {**config.get("launch_buttons", {}),
                                    "binderhub_url": "", "jupyterhub_url": "", "colab_url": ""}
        (stage / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
        if subprocess.run([str(JUPYTER_BOOK), "build", str(stage), "-W", "-n", "--keep-going"]).returncode:
            sys.exit("The student site did not build: see the messages above.")
        shutil.rmtree(output, ignore_errors=True)
        shutil.copytree(stage / "_build" / "html", output)


def write_notebooks(output):
    """Student notebooks: no solutions, no outputs, klhelpers beside them."""
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    for chapter in chapters():
        notebook = cleared(without_solutions(nbformat.read(chapter, as_version=4)))
        nbformat.write(notebook, output / chapter.name)
    shutil.copytree(BOOK / "klhelpers", output / "klhelpers", ignore=JUNK)
    shutil.copy2(ROOT / "requirements.txt", output)
    # The pins need this Python (Binder reads runtime.txt; its default Python may be older).
    (output / "runtime.txt").write_text(f"python-{sys.version_info.major}.{sys.version_info.minor}\n")
    (output / "README.md").write_text(README)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "_build" / "student",
                        help="where to write the edition (default: _build/student)")
    output = parser.parse_args(argv).output.resolve()
    write_notebooks(output / "notebooks")
    print(f"Student notebooks: {output / 'notebooks'} ({len(chapters())} chapters, klhelpers, README.md)")
    build_site(output / "html")
    print(f"Student website:   {output / 'html'} (open index.html, or host the folder as it is)")


if __name__ == "__main__":
    main()
