"""Stored outputs do not depend on the last bits of floating point.

The last digits of a float depend on which math kernels the CPU runs (OpenBLAS picks
them per CPU, numpy dispatches on SIMD features). nbval compares stored outputs with a
fresh run, so a chapter that stores such digits passes on the machine that stored it and
fails on another. This test runs nbval over every chapter once more under other kernels:
OpenBLAS forced to its oldest generic core and numpy's dispatched SIMD paths switched off.
A machine-dependent output then fails here, on any one machine.
"""

import os
import platform
import subprocess
import sys

import numpy as np

from conftest import ROOT, chapters

GENERIC_OPENBLAS_CORE = {"x86_64": "Prescott", "AMD64": "Prescott", "aarch64": "ARMV8", "arm64": "ARMV8"}


def other_kernels():
    """Environment variables that make numpy and OpenBLAS use other kernels than they would here."""
    from numpy._core import _multiarray_umath as umath

    available = {name for name, present in umath.__cpu_features__.items() if present}
    switched_off = [name for name in umath.__cpu_dispatch__ if name in available]
    env = {"NPY_DISABLE_CPU_FEATURES": " ".join(switched_off)}
    core = GENERIC_OPENBLAS_CORE.get(platform.machine())
    if core:
        env["OPENBLAS_CORETYPE"] = core
    return env


def test_the_other_kernels_agree_to_12_digits_and_say_whether_they_differ():
    """Shows (in -v output) whether the variant kernels give other last digits on this machine."""
    script = "import numpy as np; x = np.random.default_rng(0).random(4099); print(repr(float(x @ x)))"
    runs = {label: subprocess.run([sys.executable, "-c", script], env={**os.environ, **extra},
                                  capture_output=True, text=True, check=True).stdout
            for label, extra in (("default", {}), ("variant", other_kernels()))}
    print(f"x @ x with default kernels {runs['default'].strip()}, with others {runs['variant'].strip()}")
    assert np.isclose(float(runs["default"]), float(runs["variant"]), rtol=1e-12)


def test_every_chapter_matches_its_stored_outputs_under_other_kernels():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header",
         *(str(path) for path in chapters())],
        cwd=ROOT, env={**os.environ, **other_kernels()}, capture_output=True, text=True,
    )
    assert result.returncode == 0, f"under {other_kernels()}:\n" + result.stdout[-6000:]


def glued_rounding_noise(notebook):
    """(name, value) of glued numbers of magnitude below 1e-9 with more than 3 significant digits.

    Such a number is almost always rounding error (a gap between two routes to the same
    value, a finite-difference error): its digits change between machines even where this
    machine's two kernels agree. A chapter asserts the bound and glues the bound instead
    (1e-12), or rounds a genuinely tiny value to the digits the prose shows.
    """
    import json

    found = []
    for cell in json.loads(notebook.read_text())["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("application/papermill.record/text/plain")
            try:
                value = float(text)
            except (TypeError, ValueError):
                continue
            digits = f"{abs(value):.9e}".split("e")[0].replace(".", "").rstrip("0")
            if 0 < abs(value) < 1e-9 and len(digits) > 3:
                found.append((output["metadata"]["scrapbook"]["name"], value))
    return found


def test_no_chapter_glues_rounding_noise():
    assert {path.name: found for path in chapters() if (found := glued_rounding_noise(path))} == {}


def test_the_noise_finder_can_fail(tmp_path):
    import json

    def record(name, text):
        return {"output_type": "display_data", "metadata": {"scrapbook": {"name": name}},
                "data": {"application/papermill.record/text/plain": text}}
    cell = {"cell_type": "code", "source": "", "metadata": {},
            "outputs": [record("gap", "5.942933645e-12"), record("bound", "1e-12"),
                        record("tiny", "8e-15"), record("kl", "0.1874")]}
    notebook = tmp_path / "n.ipynb"
    notebook.write_text(json.dumps({"cells": [cell]}))
    assert glued_rounding_noise(notebook) == [("gap", 5.942933645e-12)]
