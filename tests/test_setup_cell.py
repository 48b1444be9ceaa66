"""Every chapter's setup cell: the same in each chapter, and safe to re-run on Colab.

Where klhelpers is missing (Colab, a lone downloaded notebook), the cell fetches the
book once with git. The tests run the cell as a script in a scratch folder, with a fake
`git` on PATH and the fetch folder moved into the scratch folder.
"""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import BOOK, chapters

FETCH_FOLDER = "/tmp/kl-book"


def setup_cell(notebook):
    return next(cell.source for cell in nbformat.read(notebook, as_version=4).cells
                if cell.cell_type == "code")


def test_every_chapter_has_the_same_setup_cell():
    cells = {path.stem: setup_cell(path).replace("\nimport matplotlib.pyplot as plt", "")
             for path in chapters()}
    assert len(set(cells.values())) == 1, sorted(cells)


@pytest.fixture
def run_setup(tmp_path):
    """run_setup(git_script) -> CompletedProcess of the setup cell, as a fresh Python would run it."""
    fetch = tmp_path / "kl-book"
    calls = tmp_path / "git-calls"
    code = setup_cell(chapters()[0]).replace(FETCH_FOLDER, str(fetch)) + "\nprint(kl.VOCAB)\n"
    (tmp_path / "bin").mkdir()

    def run(git_script):
        git = tmp_path / "bin" / "git"
        git.write_text(f"#!/bin/sh\necho called >> {calls}\n{git_script}\n")
        git.chmod(0o755)
        env = {**os.environ, "PATH": f"{git.parent}:{os.environ['PATH']}", "MPLBACKEND": "Agg"}
        env.pop("PYTHONPATH", None)  # klhelpers must not be importable from here
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        return subprocess.run([sys.executable, "-c", code], cwd=work, env=env,
                              capture_output=True, text=True, timeout=120)

    run.fetch, run.calls = fetch, calls
    return run


def test_offline_it_stops_with_one_line_and_no_traceback(run_setup):
    result = run_setup('echo "fatal: unable to access: Could not resolve host: github.com" >&2; exit 128')
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Could not download klhelpers"), result.stderr


# A git that "clones" by copying this repository's book folder into the target.
FAKE_CLONE = f'target=$(eval echo \\${{$#}}); mkdir -p "$target" && cp -r {BOOK} "$target/book"'


def test_a_second_run_after_a_restart_reuses_the_download(run_setup):
    first = run_setup(FAKE_CLONE)
    assert first.returncode == 0, first.stderr
    second = run_setup(FAKE_CLONE)  # "Restart session", then run the cell again
    assert second.returncode == 0, second.stderr
    assert "'cat', 'sat', 'on', 'the', 'mat'" in second.stdout
    assert run_setup.calls.read_text().count("called") == 1


def test_a_cut_off_download_is_fetched_again(run_setup):
    run_setup.fetch.mkdir()
    (run_setup.fetch / "README.md").write_text("half a clone\n")
    result = run_setup(FAKE_CLONE)
    assert result.returncode == 0, result.stderr
    assert (run_setup.fetch / "book" / "klhelpers").is_dir()
