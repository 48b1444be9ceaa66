"""The Makefile's environment rules, run on a copy of the Makefile in a scratch folder."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path):
    shutil.copy2(ROOT / "Makefile", tmp_path)
    return tmp_path


def make(project, *args):
    return subprocess.run(["make", "--no-print-directory", "-C", str(project), *args],
                          capture_output=True, text=True)


def test_the_wrong_python_is_refused_with_the_version_it_needs(project):
    fake = project / "python3.9"
    fake.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "Python 3.9.18"; exit 0; }\nexit 1\n')
    fake.chmod(0o755)
    result = make(project, f"PYTHON={fake}", ".venv/.python-3.11")
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "needs Python 3.11" in message and "Python 3.9.18" in message
    assert not (project / ".venv").exists(), "no environment may be made with the wrong Python"


def test_an_environment_made_by_another_python_is_recreated(project):
    stale = project / ".venv"
    (stale / "bin").mkdir(parents=True)
    (stale / "made-by-python3.9").write_text("")
    result = make(project, f"PYTHON={sys.executable}", ".venv/.python-3.11")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (stale / "made-by-python3.9").exists()
    version = subprocess.run([str(stale / "bin" / "python"), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True).stdout.strip()
    assert version == "(3, 11)"


def test_distclean_removes_the_environment_and_the_build(project):
    for folder in (".venv/bin", "_build/html"):
        (project / folder).mkdir(parents=True)
    result = make(project, "distclean")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (project / ".venv").exists() and not (project / "_build").exists()
