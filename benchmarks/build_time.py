"""Clean build time of the whole book, and the time of a rebuild when nothing changed.

    .venv/bin/python benchmarks/build_time.py

Builds into a fresh temporary folder, so it neither uses nor disturbs _build/.
Targets on the 2-core reference machine: clean build < 60 s, no-change rebuild < 10 s.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


def timed_build(output):
    start = time.perf_counter()
    subprocess.run([str(JUPYTER_BOOK), "build", str(ROOT), "-W", "-n", "--keep-going",
                    "--path-output", str(output)], check=True, capture_output=True)
    return time.perf_counter() - start


def main():
    with tempfile.TemporaryDirectory() as output:
        clean = timed_build(output)
        unchanged = timed_build(output)
    chapters = len(list((ROOT / "book").glob("[0-9][0-9]-*.ipynb")))
    print(f"book build ({chapters} chapters, executed by the build)")
    print(f"  clean build        {clean:6.1f} s   (target < 60 s)")
    print(f"  no-change rebuild  {unchanged:6.1f} s   (target < 10 s)")
    print(f"  ratio rebuild/clean {unchanged / clean:.2f}")


if __name__ == "__main__":
    main()
