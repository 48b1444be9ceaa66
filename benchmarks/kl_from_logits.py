"""How fast, and how safe, is klhelpers.kl_from_logits?

Compares, in one run on the same float64 batch of shape (64, 50257) (GPT-2's vocabulary):

* klhelpers.kl_from_logits(a, b): log-space, validated input;
* the scipy route: scipy.special.rel_entr(softmax(a), softmax(b)).sum(-1).

Prints the median of repeated timings of each and their ratio, then shows what
happens at logits of magnitude 1e4: klhelpers stays finite; exponentiating
first (the naive route) overflows to nan; the scipy route stays finite but
reports inf wherever a probability of Q underflows to 0.

Run: .venv/bin/python benchmarks/kl_from_logits.py   (takes about half a minute)
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import scipy.special

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book"))
import klhelpers as kl  # noqa: E402

BATCH, VOCAB = 64, 50257
REPEATS = 15


def scipy_route(a, b):
    p = scipy.special.softmax(a, axis=-1)
    q = scipy.special.softmax(b, axis=-1)
    return scipy.special.rel_entr(p, q).sum(axis=-1)


def naive_route(a, b):
    p = np.exp(a) / np.exp(a).sum(axis=-1, keepdims=True)
    q = np.exp(b) / np.exp(b).sum(axis=-1, keepdims=True)
    return (p * np.log(p / q)).sum(axis=-1)


def median_seconds(function, *args):
    function(*args)  # warm up
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 3.0, size=(BATCH, VOCAB))
    b = a + rng.normal(0.0, 0.5, size=(BATCH, VOCAB))

    ours, theirs = kl.kl_from_logits(a, b), scipy_route(a, b)
    print(f"kl_from_logits on a ({BATCH}, {VOCAB}) float64 batch, median of {REPEATS} runs")
    print(f"  largest difference from the scipy route: {np.abs(ours - theirs).max():.2e} nats "
          f"(values around {ours.mean():.4f} nats)")
    t_ours = median_seconds(kl.kl_from_logits, a, b)
    t_scipy = median_seconds(scipy_route, a, b)
    print(f"  klhelpers.kl_from_logits                  {1e3 * t_ours:8.1f} ms")
    print(f"  scipy rel_entr(softmax(a), softmax(b))    {1e3 * t_scipy:8.1f} ms")
    print(f"  ratio klhelpers / scipy                   {t_ours / t_scipy:8.2f}  (below 1: klhelpers is faster)")

    big_a = rng.uniform(-1e4, 1e4, size=(BATCH, VOCAB))
    big_b = rng.uniform(-1e4, 1e4, size=(BATCH, VOCAB))
    ours = kl.kl_from_logits(big_a, big_b)
    with np.errstate(all="ignore"):
        naive = naive_route(big_a, big_b)
        via_scipy = scipy_route(big_a, big_b)
    print("\nlogits of magnitude 1e4 (uniform in [-1e4, 1e4])")
    print(f"  klhelpers.kl_from_logits: {np.isfinite(ours).sum()}/{BATCH} rows finite, "
          f"e.g. {ours[0]:.6g} nats")
    print(f"  naive exp-then-normalise: {np.isnan(naive).sum()}/{BATCH} rows nan (exp overflows to inf)")
    print(f"  scipy route:              {np.isinf(via_scipy).sum()}/{BATCH} rows inf "
          f"(Q's probabilities underflow to 0 where P's do not)")


if __name__ == "__main__":
    main()
