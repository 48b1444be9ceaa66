"""How long `import klhelpers` takes in a fresh Python, next to what it used to cost.

The package imports matplotlib and ipywidgets only when a figure or an interactive
is first asked for, so a chapter's setup cell (and a student's script) does not pay
for them up front. Each figure is the median of fresh interpreters, with numpy's
own import time beside it for scale (numpy is the floor: klhelpers needs it).

Run: .venv/bin/python benchmarks/import_time.py [runs]
"""

import statistics
import subprocess
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 15

TIMED = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def seconds(statement):
    times = [float(subprocess.run([sys.executable, "-c", statement], cwd=BOOK, capture_output=True,
                                  text=True, check=True).stdout) for _ in range(RUNS)]
    return statistics.median(times)


def main():
    numpy = seconds(TIMED.format(module="numpy"))
    package = seconds(TIMED.format(module="klhelpers"))
    with_pyplot = seconds("import time; t = time.perf_counter(); import klhelpers, matplotlib.pyplot; "
                          "print(time.perf_counter() - t)")
    print(f"import time, median of {RUNS} fresh interpreters")
    print(f"  import numpy                         {numpy * 1000:7.1f} ms")
    print(f"  import klhelpers                     {package * 1000:7.1f} ms   (target < 300 ms)")
    print(f"  import klhelpers + matplotlib.pyplot {with_pyplot * 1000:7.1f} ms   (what it cost when eager)")
    print(f"  ratio klhelpers / eager              {package / with_pyplot:.2f}")


if __name__ == "__main__":
    main()
