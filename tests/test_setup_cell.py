"""Every chapter's setup cell: the same in each chapter, and safe to re-run on Colab.

Where klhelpers is missing (Colab, a lone downloaded notebook), the cell fetches the
book once with git. The tests run the cell as a script in a scratch folder, with a fake
`git` on PATH and the fetch folder moved into the scratch folder.
"""

import importlib.util
import os
import shutil
import subprocess
import sys

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


# -- The address it clones comes from _config.yml (tools/repository.py) --------------------------

ROOT = BOOK.parent
TOOL = ROOT / "tools" / "repository.py"


def load_tool():
    spec = importlib.util.spec_from_file_location("kl_repository_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_setup_cell_clones_the_configured_address():
    tool = load_tool()
    url = tool.configured_url(ROOT)
    assert {path.stem: tool.setup_url(path) for path in chapters()} == {path.stem: url for path in chapters()}
    assert all(f'"{url}", str(book)]' in setup_cell(path) for path in chapters())


@pytest.fixture
def fork(tmp_path):
    """A copy of _config.yml and of every chapter, as a fork would have them."""
    (tmp_path / "book").mkdir()
    shutil.copy2(ROOT / "_config.yml", tmp_path)
    for path in chapters():
        shutil.copy2(path, tmp_path / "book")
    return tmp_path


def run_tool(root, *args):
    return subprocess.run([sys.executable, str(TOOL), "--root", str(root), *args],
                          capture_output=True, text=True, timeout=60)


def test_a_fork_changes_one_value_and_every_setup_cell_follows(fork):
    tool = load_tool()
    old = tool.configured_url(ROOT)
    new = "https://github.com/your-org/your-kl-book"
    config = fork / "_config.yml"
    config.write_text(config.read_text().replace(f"url: {old}\n", f"url: {new}\n"))
    assert tool.configured_url(fork) == new

    before = {path.name: path.read_text() for path in (fork / "book").glob("*.ipynb")}
    check = run_tool(fork, "--check")
    assert check.returncode == 1 and check.stdout.count("differs from") == len(before), check.stdout
    assert {path.name: path.read_text() for path in (fork / "book").glob("*.ipynb")} == before

    assert run_tool(fork).returncode == 0
    for path in sorted((fork / "book").glob("*.ipynb")):
        assert tool.setup_url(path) == new
        old_lines, new_lines = before[path.name].splitlines(), path.read_text().splitlines()
        changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
        assert len(old_lines) == len(new_lines) and len(changed) == 1, path.name   # one line, nothing else
        assert changed[0][1] == changed[0][0].replace(old, new)
    cells = {setup_cell(path).replace("\nimport matplotlib.pyplot as plt", "")
             for path in (fork / "book").glob("*.ipynb")}
    assert len(cells) == 1                                    # still the same cell in every chapter

    again = {path.name: path.read_text() for path in (fork / "book").glob("*.ipynb")}
    assert run_tool(fork, "--check").returncode == 0 and run_tool(fork).stdout == ""
    assert {path.name: path.read_text() for path in (fork / "book").glob("*.ipynb")} == again


def test_the_build_extension_syncs_the_cells_and_feeds_the_guide(fork):
    """book/_ext/repository_url.py at config-inited: substitutions, and the tool on the chapters."""
    shutil.copytree(TOOL.parent, fork / "tools")
    spec = importlib.util.spec_from_file_location("repository_url_ext", BOOK / "_ext" / "repository_url.py")
    extension = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extension)
    new = "https://github.com/your-org/your-kl-book"
    config_file = fork / "_config.yml"
    config_file.write_text(config_file.read_text().replace(f"url: {load_tool().configured_url(ROOT)}\n",
                                                           f"url: {new}\n"))

    class Config:
        html_theme_options = {"repository_url": new}
        myst_substitutions = {}

    class App:
        srcdir = str(fork)

    config = Config()
    extension._configure(App(), config)
    assert config.myst_substitutions == {"repository_url": new, "repository_path": "your-org/your-kl-book"}
    assert all(load_tool().setup_url(path) == new for path in (fork / "book").glob("*.ipynb"))

    config = Config()
    config.html_theme_options = {}                            # the student edition: no address
    extension._configure(App(), config)
    assert config.myst_substitutions["repository_url"] == extension.NO_ADDRESS


def test_the_address_is_written_nowhere_else():
    """Outside _config.yml, the guide and the tools never spell the address out."""
    url = load_tool().configured_url(ROOT)
    path = url.split("github.com/", 1)[1]
    guide = (BOOK / "instructor-guide.md").read_text()
    assert "{{ repository_url }}" in guide and path not in guide
    for tool in sorted((ROOT / "tools").glob("*.py")):
        assert path not in tool.read_text(), tool.name
    student = load_student_edition()
    assert "http" not in student.STUDENT_SETUP                 # the student edition clones nothing


def load_student_edition():
    spec = importlib.util.spec_from_file_location("student_edition", ROOT / "tools" / "student_edition.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
