"""How long the Jupyter Q explorer takes from a slider change to a finished chart, vs rebuilding the figure.

Prints medians (ms) for, in the same run:

* explorer: set one FloatSlider's value, as a reader's drag does; the callback
  renormalises Q, recomputes every readout with klhelpers, moves Q's bars and
  labels in place, re-renders the canvas (Agg) and encodes the PNG the Image
  widget shows;
* naive: what a simple implementation would do for the same change: recompute,
  build a new figure with plot_pq, draw it and encode the PNG.

Run: .venv/bin/python benchmarks/explorer_kernel.py [repeats]
"""

import io
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book"))

import matplotlib.pyplot as plt  # noqa: E402

import klhelpers as kl  # noqa: E402
from klhelpers.interactives.explorer_markup import measures  # noqa: E402

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
# A drag across the "on" slider and back, with one excursion that rescales the y-axis.
VALUES = [round(0.05 + 0.01 * (i % 40), 2) for i in range(REPEATS)]
VALUES[REPEATS // 2] = 0.95


def explorer_times():
    explorer = kl.explore()
    slider = explorer.sliders[2]
    times = []
    for value in VALUES:
        start = time.perf_counter()
        slider.value = value
        times.append(time.perf_counter() - start)
    assert explorer._chart.value[:4] == b"\x89PNG"
    return times


def naive_times():
    weights = list(kl.Q)
    times = []
    for value in VALUES:
        start = time.perf_counter()
        weights[2] = value
        q = kl.normalize(weights)
        measures(kl.P, q)
        fig, ax = plt.subplots(figsize=(6.4, 3.3), dpi=100, layout="constrained")
        kl.plot_pq(kl.P, q, kl.VOCAB, ax=ax)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
        times.append(time.perf_counter() - start)
    return times


def main():
    explorer_times()  # warm up fonts and caches for both paths
    naive_times()
    fast, slow = explorer_times(), naive_times()
    fast_ms, slow_ms = statistics.median(fast) * 1000, statistics.median(slow) * 1000
    print(f"Jupyter Q explorer, slider change -> redrawn PNG, {REPEATS} changes each")
    print(f"  in-place update (explorer): median {fast_ms:7.2f} ms   p90 "
          f"{sorted(fast)[int(0.9 * len(fast))] * 1000:7.2f} ms")
    print(f"  rebuild the figure (naive): median {slow_ms:7.2f} ms   p90 "
          f"{sorted(slow)[int(0.9 * len(slow))] * 1000:7.2f} ms")
    print(f"  ratio explorer / naive: {fast_ms / slow_ms:.2f}")


if __name__ == "__main__":
    main()
