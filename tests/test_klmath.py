"""Golden tests: klmath.js, the browser twin of klhelpers, against klhelpers itself.

The site's interactives compute in JavaScript (book/klhelpers/interactives/assets/klmath.js).
These tests generate several hundred cases from a seeded numpy Generator, compute each
expected value with klhelpers, evaluate the same cases in Chromium in one
``page.evaluate`` call, and require agreement to 1e-12 relative: exactly for 0 (with its
sign) and for infinities, and within 1e-12 * 1e-300 absolute for values below 1e-300, where
subnormals have few digits to compare. The one allowance: kl_from_logits results below its own
rounding floor (see logit_floor). JSON cannot carry Infinity, NaN or -0, so they travel as
strings both ways.

The fit searches (localFits, fitGaussian) are compared to looser tolerances, explained in
test_fit_searches. The other tests check that the module exports exactly the functions the
widgets use, adds one global, and needs no DOM (a Web Worker in Chromium always; node too
when it is installed).
"""

import json
import math
import shutil
import subprocess
from collections import defaultdict

import numpy as np
import pytest

import klhelpers as kl
from klhelpers import fits, numerics
from klhelpers.interactives.sampling import draw_tokens

from conftest import KLMATH_JS

EXPORTS = [
    "normalize", "withShare", "surprisal", "entropy", "crossEntropy", "klContributions", "klDivergence",
    "logRatio", "dMinusLog1p", "expm1MinusX", "accurateSum",
    "softmax", "logSoftmax", "klFromLogits",
    "klEstimatorValues",
    "gaussianFamily", "twoPeaks", "fitObjective", "localFits", "fitGaussian", "shareKept",
    "marginals", "jointEntropy", "conditionalEntropy", "independentJoint", "mutualInformation", "conditionalKl",
    "totalVariation", "chiSquare", "klGaussian", "gaussianEntropy", "posterior", "logEvidence", "elbo",
    "discretizeGaussian", "binnedKlGaussian",
    "estimatorValuesByToken", "klGradient", "estimatorGradient", "trainPolicy", "optimalPolicy",
    "mulberry32", "drawTokens",
]
RTOL = 1e-12
TINY = 1e-300         # below this, compare to RTOL * TINY absolute
SEED = 20240607

# -- carrying numbers through JSON --------------------------------------------------------------

_SPECIAL = {"Infinity": math.inf, "-Infinity": -math.inf, "NaN": math.nan, "-0": -0.0}

# The JavaScript half: decode the arguments, call KLMath, encode what comes back.
_RUN_JS = """(cases) => {
  const SPECIAL = {"Infinity": Infinity, "-Infinity": -Infinity, "NaN": NaN, "-0": -0};
  const decode = (v) => typeof v === "string" ? (Object.hasOwn(SPECIAL, v) ? SPECIAL[v] : v)
    : Array.isArray(v) ? v.map(decode)
    : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]))
    : v;
  const encode = (v) => typeof v === "number"
      ? (Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity"
         : Object.is(v, -0) ? "-0" : v)
    : Array.isArray(v) ? v.map(encode)
    : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]))
    : v;
  const started = performance.now();
  const results = cases.map(([name, args]) => {
    try { return {value: encode(KLMath[name](...decode(args)))}; }
    catch (error) { return {error: String(error)}; }
  });
  return {results, ms: performance.now() - started};
}"""


def encode(value):
    """Python -> JSON-safe: floats that JSON cannot carry become strings."""
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value == 0 and math.copysign(1.0, value) < 0:
            return "-0"
        return value
    if isinstance(value, np.ndarray):
        return encode(value.tolist())
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def decode(value):
    """JSON from the page -> Python, the special strings back to floats."""
    if isinstance(value, str):
        return _SPECIAL.get(value, value)
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    return value


def run_in_page(page, calls):
    """[(name, args)] -> ([result or {"error": ...}], milliseconds in the page), in ONE evaluate."""
    answer = page.evaluate(_RUN_JS, [[name, encode(args)] for name, args in calls])
    return [decode(r["value"]) if "value" in r else r for r in answer["results"]], answer["ms"]


# -- comparing --------------------------------------------------------------------------------------


def differences(expected, got, where, compare_number):
    """Walk two results side by side: (list of problems, largest relative difference)."""
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return [f"{where}: expected keys {sorted(expected)}, got {got!r:.200}"], 0.0
        problems, worst = [], 0.0
        for key in expected:
            p, w = differences(expected[key], got[key], f"{where}.{key}", compare_number)
            problems += p
            worst = max(worst, w)
        return problems, worst
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, list) or len(got) != len(expected):
            return [f"{where}: expected {len(expected)} entries, got {got!r:.200}"], 0.0
        problems, worst = [], 0.0
        for i, (e, g) in enumerate(zip(expected, got)):
            p, w = differences(e, g, f"{where}[{i}]", compare_number)
            problems += p
            worst = max(worst, w)
        return problems, worst
    if isinstance(expected, (float, int)) and not isinstance(expected, bool):
        if not isinstance(got, (float, int)) or isinstance(got, bool):
            return [f"{where}: expected {expected!r}, got {got!r}"], 0.0
        return compare_number(float(expected), float(got), where)
    return ([] if expected == got else [f"{where}: expected {expected!r}, got {got!r}"]), 0.0


def golden_number(expected, got, where, floor=0.0):
    """1e-12 relative; exact (sign included) for 0 and infinities; never NaN.

    `floor` is an absolute allowance, 0 except where the Python's own result is rounding
    noise below it (see logit_floor).
    """
    if math.isnan(got) or math.isnan(expected):
        return [f"{where}: expected {expected!r}, got {got!r} (NaN)"], 0.0
    if math.isinf(expected) or (expected == 0 and floor == 0):
        same = got == expected and math.copysign(1, got) == math.copysign(1, expected)
        return ([] if same else [f"{where}: expected exactly {expected!r}, got {got!r}"]), 0.0
    if got == 0 and math.copysign(1, got) < 0:
        return [f"{where}: got -0.0"], 0.0
    difference = abs(got - expected) / max(abs(expected), TINY)
    allowed = RTOL + floor / max(abs(expected), TINY)
    return ([] if difference <= allowed else [f"{where}: expected {expected!r}, got {got!r} "
                                             f"(relative difference {difference:.3g})"]), difference


def logit_floor(a, b, temperature=1.0):
    """The noise floor of kl_from_logits: 8 eps^2 max |a - b| / T (0 if that is not finite).

    kl_from_logits subtracts mu = E_P[(a - b)/T] from every (a - b)/T; the rounding of mu
    (an einsum, whose order of addition is numpy's own) leaves E_P[v] ~ eps |mu| instead of
    0, and log1p(spread + E_P[v]) - E_P[v] then carries an absolute error ~ eps |E_P[v]|.
    Python and JavaScript add in different orders, so results at this level (a shift of the
    logits whose rounding leaves a true divergence of 1e-35, where Python happens to say 0)
    are noise in both; above it they agree to 1e-12.
    """
    with np.errstate(over="ignore"):
        spread = np.max(np.abs(np.subtract(a, b)) / temperature)
    eps = np.finfo(float).eps
    return float(8 * eps**2 * spread) if np.isfinite(spread) else 0.0


# -- the golden cases ---------------------------------------------------------------------------------


def distribution(rng, k, zeros=0.0):
    """A random distribution over k outcomes, skewed by a random amount, with some zeros."""
    w = 10.0 ** rng.uniform(-rng.uniform(0, 12), 0, k)
    w[rng.random(k) < zeros] = 0.0
    if not w.any():
        w[rng.integers(k)] = 1.0
    return w / w.sum()


# Distributions at the ends of the float range (each sums to 1 in floating point).
EXTREME = [
    [1e-300, 1.0], [1.0 - 1e-16, 1e-16], [5e-324, 1.0], [1e-310, 0.5, 0.5], [0.0, 1.0],
    [1.0, 0.0, 0.0], [0.25] * 4, [1e-300, 1e-200, 1e-100, 1.0 - 1e-100], [0.5, 0.5],
]


def pairs(rng, count):
    """(p, q) pairs: random, with zeros on either side, infinite, extreme and near-equal ones."""
    out = []
    for _ in range(count):
        k = int(rng.integers(2, 60))
        kind = rng.integers(7)
        p = distribution(rng, k, zeros=0.3 if kind == 1 else 0.0)
        if kind in (0, 1):                       # independent, zeros in p (and in q for kind 1)
            q = distribution(rng, k, zeros=0.3 if kind == 1 else 0.0)
        elif kind == 2:                          # Q rules out an outcome P produces: inf
            q = p.copy()
            q[np.argmax(p)] = 0.0
            q = q / q.sum() if q.any() else np.eye(k)[(np.argmax(p) + 1) % k]
        elif kind == 3:                          # near-equal, exactly normalised: KL ~ 1e-18
            q, (i, j) = p.copy(), rng.choice(k, 2, replace=False)
            delta = 1e-9 * min(p[i], p[j]) * rng.uniform(0.1, 1)
            q[i] += delta
            q[j] -= delta
        elif kind == 4:                          # near-equal, normalised only to rounding
            q = p * (1.0 + 1e-9 * rng.standard_normal(k))
            q = q / q.sum()
        elif kind == 5:                          # relative changes of 1e-5: KL ~ 1e-10
            q = p * (1.0 + 1e-5 * rng.standard_normal(k))
            q = q / q.sum()
        else:                                    # equal: exactly 0
            q = p.copy()
        out.append((p.tolist(), q.tolist()))
    for a in EXTREME:
        for b in EXTREME:
            if len(a) == len(b):
                out.append((a, b))
    out += [([0.5, 0.5], [0.5 + 2**-30, 0.5 - 2**-30]),            # 2 (2**-30)**2 exactly
            ([0.4, 0.3, 0.1, 0.15, 0.05], [0.2, 0.25, 0.3, 0.15, 0.1]),  # the book's P and Q
            ([1e-300, 1.0], [1.0, 1e-300]), ([5e-324, 1.0], [0.5, 0.5]), ([0.5, 0.5], [5e-324, 1.0])]
    return out


def divergence_cases(rng):
    cases = []
    for p, q in pairs(rng, 60):
        cases.append(("klDivergence", [p, q], kl.kl_divergence(p, q)))
    for p, q in pairs(rng, 25):
        cases.append(("klContributions", [p, q], kl.kl_contributions(p, q).tolist()))
    for p, q in pairs(rng, 20):
        cases.append(("crossEntropy", [p, q], kl.cross_entropy(p, q)))
    for p in [distribution(rng, int(rng.integers(1, 80)), zeros=rng.choice([0.0, 0.4])).tolist()
              for _ in range(20)] + EXTREME:
        cases.append(("entropy", [p], kl.entropy(p)))
    weights = [(10.0 ** rng.uniform(-300, 300)) * rng.random(int(rng.integers(1, 30))) for _ in range(15)]
    weights += [rng.integers(0, 4, int(rng.integers(1, 10))).astype(float) for _ in range(5)]
    weights += [[1e308, 1e308, 1e308], [1.7e308, 1.0], [5e-324, 5e-324, 0.0], [0.0, 0.0], [0.0], [3.0],
                [1e-320, 1e300]]
    for w in weights:
        w = [float(v) for v in w]
        cases.append(("normalize", [w], None if sum(w) == 0 else kl.normalize(w).tolist()))
    shares = [(kl.Q, 4, 1e-8), (kl.Q, 4, 0.0), (kl.P, 0, 1.0), ([1.0, 0.0, 0.0], 0, 0.5), ([0.0, 1.0], 1, 0.3)]
    shares += [(rng.dirichlet(np.ones(int(n))), int(rng.integers(n)), float(10.0 ** rng.uniform(-12, 0)))
               for n in rng.integers(2, 12, 15)]
    for q, k, share in shares:
        q = [float(v) for v in q]
        cases.append(("withShare", [q, k, share], kl.with_share(q, k, share).tolist()))
    for p in [kl.P, [1.0, 0.0], [1.0 - 1e-16, 1e-16], [5e-324, 1.0], *rng.dirichlet(np.ones(6), 10)]:
        p = [float(v) for v in p]
        cases.append(("surprisal", [p], kl.surprisal(p).tolist()))
    return cases


def numerics_cases(rng):
    # The building blocks leave floating-point error states to their callers, which ignore
    # overflow, underflow and log 0 (a NaN would still warn, and fail).
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        return _numerics_cases(rng)


def _numerics_cases(rng):
    cases = []
    tops_bottoms = [(float(a), float(b)) for a, b in rng.random((12, 2))]
    tops_bottoms += [(0.75 + 2**-40, 0.75), (0.0, 0.3), (1.0, 5e-324), (5e-324, 1.0), (1e-300, 1.0),
                     (0.3, 0.7), (0.35, 0.7), (1.7e308, 1e-5), (1.0, 1.0), (1e-310, 3e-310),
                     (0.5 - 1e-17, 0.5), (2.0, 1.0), (1e-200, 1e200)]
    for top, bottom in tops_bottoms:
        cases.append(("logRatio", [top, bottom], float(numerics.log_ratio(top, bottom))))
    ds = list(rng.uniform(-1, 3, 10)) + list(10.0 ** rng.uniform(-20, 0, 4) * rng.choice([-0.5, 1], 4))
    ds += [0.0, -1.0, -0.5, 1.0, -0.5 - 2**-53, 1.0 + 2**-52, 1e-300, -1e-300, 5e-324, 1e300, 37.5, -0.99999]
    for d in ds:
        d = float(d)
        log1p_d = float(np.log1p(d)) if d > -1 else -math.inf
        expected = float(numerics.d_minus_log1p(np.array([d]), np.array([log1p_d]))[0])
        cases.append(("dMinusLog1p", [d, log1p_d], expected))
    xs = list(rng.standard_normal(8) * 10.0 ** rng.uniform(-12, 2.5, 8))
    xs += [0.0, -0.0, 5e-324, -5e-324, 1e-300, 1e-10, -1e-10, 0.25, -0.25, 0.2499999, -0.2500001, 1.0, -1.0,
           30.0, -30.0, 700.0, 709.78, 710.0, -745.2, -1e308, -math.inf]
    for x in xs:
        cases.append(("expm1MinusX", [float(x)], float(numerics.expm1_minus_x(np.array([float(x)]))[0])))
    sums = []
    for _ in range(16):
        n = int(rng.integers(1, 70))
        v = rng.standard_normal(n) * 10.0 ** rng.uniform(-20, 20, n)
        if rng.random() < 0.7:  # terms that cancel down to a small remainder
            v = np.concatenate([v, -v * (1 + 1e-13 * rng.standard_normal(n))])
            v = v[rng.permutation(v.size)]
        sums.append(v.tolist())
    sums += [[1.0], [8e307, 8e307, -8e307, 1.0], [1.0, 1e-16, -1.0], [5e-324, -5e-324, 1e-320], [0.1] * 10,
             [1e100, 1.0, -1e100, 1e-100]]
    for v in sums:
        cases.append(("accurateSum", [v], float(numerics.accurate_sum(np.array(v, dtype=float)))))
    return cases


TEMPERATURES = [1.0, 1e-300, 5e-324, 1e-5, 0.5, 3.0, 1e5, 1e300]


def logits(rng, k):
    scale = rng.choice([1e-3, 1.0, 10.0, 1e4])
    return (rng.standard_normal(k) * scale + rng.choice([0.0, 1e4, -1e4])).tolist()


def logit_cases(rng):
    cases = []
    special = [[1e308, -1e308], [-1.7e308, 1.7e308, 0.0], [0.0, 1e4], [1e4, -1e4, 0.0], [0.0, 0.0, 0.0],
               [1.0, 2.0, 3.0], [1000.0, 1000.0 + math.log(3)]]
    for z in [logits(rng, int(rng.integers(1, 50))) for _ in range(14)] + special:
        t = float(rng.choice(TEMPERATURES))
        cases.append(("softmax", [z, t], kl.softmax(z, t).tolist()))
        t = float(rng.choice(TEMPERATURES))
        cases.append(("logSoftmax", [z, t], kl.log_softmax(z, t).tolist()))
    cases.append(("softmax", [[0.5, -1.5]], kl.softmax([0.5, -1.5]).tolist()))      # default T
    cases.append(("logSoftmax", [[0.5, -1.5]], kl.log_softmax([0.5, -1.5]).tolist()))
    logit_pairs = []
    for _ in range(36):
        k = int(rng.integers(1, 50))
        a, kind = logits(rng, k), rng.integers(5)
        if kind == 0:
            b = logits(rng, k)
        elif kind == 1:    # near-equal: KL ~ 1e-18
            b = (np.array(a) + 1e-9 * rng.standard_normal(k)).tolist()
        elif kind == 2:    # a shift changes nothing
            b = (np.array(a) + rng.uniform(-5, 5)).tolist()
        elif kind == 3:    # near-equal up to a small shift
            b = (np.array(a) + 0.25 + 1e-7 * rng.standard_normal(k)).tolist()
        else:              # swapped extremes of 1e4
            b = (-np.array(a)).tolist()
        logit_pairs.append((a, b, float(rng.choice(TEMPERATURES + [1.0] * 6))))
    logit_pairs += [([0.0, 1e308], [1e308, 0.0], 1.0), ([0.0, 1e308], [1e308, 0.0], 1e300),
                    ([-1e308, 1e308, 0.0], [1e308, -1e308, 5.0], 1.0), ([0.0, 1e4], [1e4, 0.0], 1.0),
                    ([0.0, 0.0], [0.0, 2e-9], 1.0), ([1.0, 2.0, 3.0], [11.0, 12.0, 13.0], 1.0),
                    ([0.0, 0.0], [1.0, 0.0], 1e-300), ([0.0, 1e-300], [1e-300, 0.0], 5e-324)]
    for a, b, t in logit_pairs:
        cases.append(("klFromLogits", [a, b, t], kl.kl_from_logits(a, b, t)))
    cases.append(("klFromLogits", [[0.0, 1.0], [1.0, 0.0]], kl.kl_from_logits([0.0, 1.0], [1.0, 0.0])))
    log_ratios = list(rng.standard_normal(10) * 10.0 ** rng.uniform(-12, 2.8, 10))
    log_ratios += [0.0, -0.0, 1e-10, -1e-10, 5e-324, 0.3, -0.3, 700.0, 710.0, -1e308, 1e200, -math.inf]
    for r in log_ratios:
        expected = {name: float(v) for name, v in kl.kl_estimator_values(float(r)).items()}
        cases.append(("klEstimatorValues", [float(r)], expected))
    return cases


def fit_cases(rng):
    cases = []
    family = [(float(rng.uniform(-5, 45)), float(10.0 ** rng.uniform(-3, 3)), int(rng.choice([2, 3, 40, 200])))
              for _ in range(18)]
    family += [(1e200, 1.0, 40), (-1e300, 2.0, 40), (1e308, 3.0, 5), (-1e308, 1e300, 5), (0.5, 1e-200, 3),
               (2.5, 1e-200, 6), (1.5, 1e-200, 6), (17.3, 5e-324, 40), (17.3, 1e300, 40), (-0.5, 1e-9, 4),
               (19.5, 0.05, 40), (1.0, 1.0, 3)]
    for mean, width, n in family:
        cases.append(("gaussianFamily", [mean, width, n], kl.gaussian_family(mean, width, n).tolist()))
    settings = []
    for _ in range(14):
        n = int(rng.choice([2, 10, 40, 100]))
        settings.append(([float(v) for v in rng.uniform(0, n - 1, 2)], [float(v) for v in 10.0 ** rng.uniform(-1, 1.5, 2)],
                         float(rng.random()), n, float(rng.choice([0.0, fits.FLOOR, 0.2, 0.999]))))
    settings += [([11.0, 27.0], [2.0, 3.5], 0.6, 40, fits.FLOOR), ([0.0, 39.0], [1e-200, 1e200], 1.0, 40, 0.0)]
    for centers, widths, share, n, floor in settings:
        cases.append(("twoPeaks", [centers, widths, share, n, floor],
                      kl.two_peaks(centers, widths, share, n, floor).tolist()))
    targets = [random_target(rng) for _ in range(20)]
    for p in targets:
        mean, width = float(rng.uniform(-3, 42)), float(10.0 ** rng.uniform(-0.5, 2.7))
        direction = str(rng.choice(fits.DIRECTIONS))
        cases.append(("fitObjective", [p, mean, width, direction], float(kl.fit_objective(p, mean, width, direction))))
    for p in targets[:14]:
        a, b = (float(v) for v in rng.uniform(0, 39, 2))
        mean = float(rng.choice([rng.uniform(-1, 41), (a + b) / 2]))
        cases.append(("shareKept", [p, [a, b], mean], kl.share_kept(p, (a, b), mean)))
    return cases


def random_target(rng):
    """A two-peaked P as a widget may set it: centers in [0, 39], widths in [0.5, 8], share in [0.05, 0.95]."""
    centers = rng.uniform(0, fits.N_POSITIONS - 1, 2)
    widths = rng.uniform(0.5, 8.0, 2)
    return kl.two_peaks(centers, widths, float(rng.uniform(0.05, 0.95))).tolist()


def theory_cases(rng):
    """Two variables, total variation and chi-square, Gaussians, and the estimators' gradients."""
    cases = []
    tables = [rng.dirichlet(np.ones(int(r * c))).reshape(int(r), int(c)) for r, c in rng.integers(2, 6, (12, 2))]
    tables += [np.array([[0.5, 0.0], [0.0, 0.5]]), np.array([[0.25, 0.25], [0.25, 0.25]]),
               np.array([[1.0, 0.0], [0.0, 0.0]]), np.outer([0.3, 0.7], [0.1, 0.2, 0.7])]
    for t in tables:
        rows = t.tolist()
        cases.append(("marginals", [rows], [m.tolist() for m in kl.marginals(t)]))
        cases.append(("jointEntropy", [rows], kl.joint_entropy(t)))
        cases.append(("conditionalEntropy", [rows], kl.conditional_entropy(t)))
        cases.append(("mutualInformation", [rows], kl.mutual_information(t)))
        given = rng.dirichlet(np.ones(t.shape[1]), size=t.shape[0])
        cases.append(("conditionalKl", [rows, given.tolist()], kl.conditional_kl(t, given)))
    for n in (2, 5, 9):
        px, py = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(3))
        cases.append(("independentJoint", [px.tolist(), py.tolist()], kl.independent_joint(px, py).tolist()))
    pairs = [(kl.P, kl.Q), (kl.P, kl.P), ([0.5, 0.5, 0.0], [0.5, 0.0, 0.5]), ([0.5, 0.5], [1.0, 0.0]),
             ([0.0, 1.0], [0.0, 1.0])] + [tuple(rng.dirichlet(np.ones(6), 2)) for _ in range(10)]
    for p, q in pairs:
        p, q = [float(v) for v in p], [float(v) for v in q]
        cases.append(("totalVariation", [p, q], kl.total_variation(p, q)))
        cases.append(("chiSquare", [p, q], kl.chi_square(p, q)))
    gaussians = [(0, 1, 0, 1), (1, 1, 0, 1), (0, 1, 0, 1 + 1e-9), (0.3, 2.0, 0.3 + 1e-10, 2.0), (1, 1e-3, 2, 1e3),
                 (0, 1e3, 0, 1e-3), (-3, 0.5, 2, 4)]
    gaussians += [tuple(float(v) for v in (rng.normal(), 10 ** rng.uniform(-2, 2), rng.normal(), 10 ** rng.uniform(-2, 2)))
                  for _ in range(15)]
    for args in gaussians:
        args = [float(v) for v in args]
        cases.append(("klGaussian", args, kl.kl_gaussian(*args)))
    for sigma in (1e-3, 0.242, 1.0, 37.0):
        cases.append(("gaussianEntropy", [sigma], kl.gaussian_entropy(sigma)))
    for mu, sigma, width, half in [(0.0, 1.0, 0.5, 30.0), (1.3, 0.2, 2.0, 30.0), (-2.7, 3.0, 0.01, 30.0),
                                   (0.4, 0.7, 0.25, 5.0), (3.0, 0.05, 0.1, 4.0)]:
        cases.append(("discretizeGaussian", [mu, sigma, width, half],
                      kl.discretize_gaussian(mu, sigma, width, half).tolist()))
    for args in [(0.0, 1.0, 1.0, 2.0, 0.5, 30.0), (-2.9, 2.75, 0.2, 0.6, 0.01, 30.0), (3.0, 0.2, -3.0, 3.0, 2.0, 30.0),
                 (0.1, 0.2, 0.1, 0.2, 0.05, 30.0), (1.0, 1.0, 1.0 + 1e-9, 1.0, 0.25, 10.0)]:
        cases.append(("binnedKlGaussian", list(args), kl.binned_kl_gaussian(*args)))
    for x, noise, m, v in [(2.0, 1.0, 1.0, 0.7), (-1.3, 0.3, 0.0, 2.0), (0.0, 2.0, -0.5, 0.1), (5.0, 0.1, 4.9, 0.05)]:
        cases.append(("posterior", [x, noise], list(kl.posterior(x, noise))))
        cases.append(("logEvidence", [x, noise], kl.log_evidence(x, noise)))
        cases.append(("elbo", [x, noise, m, v], kl.elbo(x, noise, m, v)))
    for _ in range(8):
        z, ref = rng.normal(0, 2, 5), rng.dirichlet(np.ones(5))
        z, ref = z.tolist(), ref.tolist()
        values = kl.estimator_values_by_token(z, ref)
        cases.append(("estimatorValuesByToken", [z, ref], {k: v.tolist() for k, v in values.items()}))
        for direction in ("forward", "reverse"):
            cases.append(("klGradient", [z, ref, direction], kl.kl_gradient(z, ref, direction).tolist()))
        for estimator in ("k1", "k2", "k3"):
            for placement in ("loss", "reward"):
                cases.append(("estimatorGradient", [z, ref, estimator, placement],
                              kl.estimator_gradient(z, ref, estimator, placement).tolist()))
    reward = [0.0, 0.0, 0.0, 0.0, 1.0]
    for estimator, placement in (("k1", "loss"), ("k2", "loss"), ("k3", "loss"), ("k1", "reward"), ("k3", "reward")):
        runs = kl.train_policy(np.log(kl.P), kl.P, reward, 0.2, estimator, placement, steps=60, learning_rate=1.0)
        cases.append(("trainPolicy", [np.log(kl.P).tolist(), kl.P.tolist(), reward, 0.2, estimator, placement, 60, 1.0],
                      runs.tolist()))
    for _ in range(12):  # rlhf.optimal_policy, a zero in the reference among them
        ref, r = rng.dirichlet(np.ones(5)), rng.normal(0, 2, 5)
        ref[rng.integers(5)] = 0.0 if rng.random() < 0.3 else ref[0]
        ref = ref / ref.sum()
        beta = float(rng.choice([0.05, 0.3, 1.0, 4.0]))
        cases.append(("optimalPolicy", [ref.tolist(), r.tolist(), beta], kl.optimal_policy(ref, r, beta).tolist()))
    for seed in (0, 1, 2026, 2**32 - 1):  # interactives.sampling.draw_tokens: the same tokens, exactly
        p = rng.dirichlet(np.ones(5)).tolist()
        cases.append(("drawTokens", [p, 200, seed], draw_tokens(p, 200, seed).tolist()))
    return cases


def golden_cases():
    """Every pointwise case: (function name, arguments, expected result)."""
    rng = np.random.default_rng(SEED)
    return (divergence_cases(rng) + numerics_cases(rng) + logit_cases(rng) + fit_cases(rng)
            + theory_cases(rng))


def test_golden_cases(klmath_page):
    """Every pointwise case agrees with klhelpers to 1e-12 relative, never NaN, never a stray -0."""
    cases = golden_cases()
    results, ms = run_in_page(klmath_page, [(name, args) for name, args, _ in cases])
    problems, counts, worst, below_floor = [], defaultdict(int), defaultdict(float), []
    for (name, args, expected), got in zip(cases, results):
        where = f"{name}({json.dumps(encode(args))[:160]})"
        if isinstance(got, dict) and set(got) == {"error"} and not isinstance(expected, dict):
            problems.append(f"{where}: threw {got['error']}")
            continue
        floor = logit_floor(*args) if name == "klFromLogits" else 0.0
        found, difference = differences(expected, got, where, lambda e, g, w: golden_number(e, g, w, floor))
        problems += found
        counts[name] += 1
        if floor and not found and abs(got - expected) > RTOL * abs(expected):
            below_floor.append(abs(got - expected))   # agreed only within the noise floor
        else:
            worst[name] = max(worst[name], difference)
    print(f"\n{len(cases)} golden cases, {ms:.0f} ms in the page")
    for name in sorted(counts):
        print(f"  {name:18s} {counts[name]:4d} cases, largest relative difference {worst[name]:.3g}")
    if below_floor:
        print(f"  klFromLogits: {len(below_floor)} within the noise floor only, "
              f"largest absolute difference {max(below_floor):.3g}")
    assert len(cases) >= 300
    assert set(counts) == set(EXPORTS) - {"localFits", "fitGaussian", "mulberry32"}  # mulberry32: via drawTokens
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:40])


# -- the fit search ---------------------------------------------------------------------------------

# How the fields of a fit are compared: (absolute or relative, tolerance).
FIT_TOLERANCES = {"mean": ("absolute", 1e-6), "width": ("relative", 1e-6), "divergence": ("relative", 1e-9),
                  "q": ("absolute", 1e-6)}


def fit_number_comparer(worst):
    """A comparer for the numbers of fits, recording the largest difference per field in `worst`."""
    def compare(expected, got, where):
        field = where.rsplit(".", 1)[-1].split("[")[0]     # "...[2].q[17]" -> "q"
        if math.isnan(got) or math.isinf(expected) or math.isinf(got):
            return ([] if got == expected else [f"{where}: expected {expected!r}, got {got!r}"]), 0.0
        kind, tolerance = FIT_TOLERANCES[field]
        difference = abs(got - expected) / (1.0 if kind == "absolute" else max(abs(expected), TINY))
        worst[field] = max(worst[field], difference)
        return ([] if difference <= tolerance else [f"{where}: expected {expected!r}, got {got!r} "
                                                    f"({kind} difference {difference:.3g})"]), difference
    return compare


def as_dict(fit):
    return {"direction": fit.direction, "mean": fit.mean, "width": fit.width, "q": fit.q.tolist(),
            "divergence": fit.divergence, "atBound": list(fit.at_bound)}


def test_fit_searches(klmath_page):
    """localFits and fitGaussian find the fits of fits.local_fits and fits.fit_gaussian.

    The tolerance is looser than the golden cases' 1e-12 because these are searches: the
    browser's exp and log may differ from numpy's in the last bit, and a last-bit difference
    can change which point of a local grid wins a near-tie, sending the two searches along
    slightly different paths to the bottom of the same valley. Both stop once the mean step is
    below SEARCH["stepTolerance"] (1e-6), so means and widths agree to about 1e-6 (absolute
    for means, relative for widths; q to 1e-6 absolute), and the divergence, flat at a
    minimum, to 1e-9 relative. Every fit of the list is compared, at_bound and order included.
    Twenty random targets as a widget may set them, plus the default two_peaks(), both
    directions. fit_gaussian is local_fits(...)[0] (checked on the default target), so the
    expected fitGaussian is taken from the one local_fits run: the forward search is slow.
    """
    rng = np.random.default_rng(SEED + 1)
    targets = [kl.two_peaks().tolist()] + [random_target(rng) for _ in range(20)]
    calls, expected = [], []
    for index, p in enumerate(targets):
        for direction in fits.DIRECTIONS:
            local = [as_dict(fit) for fit in fits.local_fits(p, direction)]
            if index == 0:
                assert as_dict(kl.fit_gaussian(p, direction)) == local[0]
            calls += [("localFits", [p, direction, fits.SEARCH]), ("fitGaussian", [p, direction, fits.SEARCH])]
            expected += [local, local[0]]
    results, ms = run_in_page(klmath_page, calls)
    problems, counts, worst = [], defaultdict(int), defaultdict(lambda: defaultdict(float))
    for (name, (p, direction, _)), want, got in zip(calls, expected, results):
        where = f"{name}(target {targets.index(p)}, {direction!r})"
        found, _ = differences(want, got, where, fit_number_comparer(worst[name]))
        problems += found
        counts[name] += 1
    print(f"\n{len(calls)} fit searches on {len(targets)} targets, {ms:.0f} ms in the page")
    for name in sorted(counts):
        fields = ", ".join(f"{field} {FIT_TOLERANCES[field][0]} {worst[name][field]:.3g}" for field in FIT_TOLERANCES)
        print(f"  {name:12s} {counts[name]:3d} searches, largest differences: {fields}")
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:40])


# -- the module itself ----------------------------------------------------------------------------


def test_exports_exactly_the_functions(klmath_page):
    names = klmath_page.evaluate("Object.keys(KLMath).filter((k) => typeof KLMath[k] === 'function')")
    assert sorted(klmath_page.evaluate("Object.keys(KLMath)")) == sorted(EXPORTS)
    assert sorted(names) == sorted(EXPORTS)


def test_defines_one_global_and_no_errors(browser):
    """Loading the script adds KLMath and nothing else to window, and raises nothing."""
    context = browser.new_context()
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.set_content("<html></html>")
        before = set(page.evaluate("Object.getOwnPropertyNames(window)"))
        page.add_script_tag(content=KLMATH_JS.read_text())
        after = set(page.evaluate("Object.getOwnPropertyNames(window)"))
        assert after - before == {"KLMath"}
        assert errors == []
    finally:
        context.close()


# One small call of every export, for the places without a DOM (a worker, node).
def smoke_calls():
    p = kl.two_peaks((1.0, 4.0), (0.7, 1.0), 0.6, 6).tolist()
    return [["normalize", [[1, 2, 1]]], ["withShare", [[0.2, 0.3, 0.5], 0, 0.6]], ["surprisal", [[0.5, 0.5]]],
            ["entropy", [[0.5, 0.5]]], ["crossEntropy", [[0.5, 0.5], [0.25, 0.75]]],
            ["klContributions", [[0.5, 0.5], [0.25, 0.75]]], ["klDivergence", [[0.4, 0.6], [0.6, 0.4]]],
            ["logRatio", [0.3, 0.6]], ["dMinusLog1p", [0.5, math.log1p(0.5)]], ["expm1MinusX", [0.1]],
            ["accurateSum", [[1.0, 1e-16, -1.0]]], ["softmax", [[0.0, 1.0], 2.0]], ["logSoftmax", [[0.0, 1.0]]],
            ["klFromLogits", [[0.0, 1.0], [1.0, 0.0]]], ["klEstimatorValues", [0.5]],
            ["gaussianFamily", [2.0, 1.0, 6]], ["twoPeaks", [[1.0, 4.0], [0.7, 1.0], 0.6, 6, 0.001]],
            ["fitObjective", [p, 2.0, 1.0, "reverse"]], ["localFits", [p, "reverse", fits.SEARCH]],
            ["fitGaussian", [p, "forward", fits.SEARCH]], ["shareKept", [p, [1.0, 4.0], 1.5]],
            ["marginals", [[[0.5, 0.0], [0.25, 0.25]]]], ["jointEntropy", [[[0.5, 0.0], [0.25, 0.25]]]],
            ["conditionalEntropy", [[[0.5, 0.0], [0.25, 0.25]]]], ["independentJoint", [[0.5, 0.5], [0.1, 0.9]]],
            ["mutualInformation", [[[0.5, 0.0], [0.0, 0.5]]]],
            ["conditionalKl", [[[0.5, 0.0], [0.25, 0.25]], [[0.5, 0.5], [0.5, 0.5]]]],
            ["totalVariation", [[0.5, 0.5], [0.25, 0.75]]], ["chiSquare", [[0.5, 0.5], [0.25, 0.75]]],
            ["klGaussian", [0.0, 1.0, 1.0, 2.0]], ["gaussianEntropy", [1.0]], ["posterior", [2.0, 1.0]],
            ["logEvidence", [2.0, 1.0]], ["elbo", [2.0, 1.0, 0.5, 0.5]],
            ["discretizeGaussian", [0.0, 1.0, 0.5, 2.0]],
            ["binnedKlGaussian", [0.0, 1.0, 1.0, 2.0, 0.5, 2.0]],
            ["estimatorValuesByToken", [[0.0, 0.0], [0.25, 0.75]]], ["klGradient", [[0.0, 0.0], [0.25, 0.75], "reverse"]],
            ["estimatorGradient", [[0.0, 0.0], [0.25, 0.75], "k3", "loss"]],
            ["trainPolicy", [[0.0, 0.0], [0.25, 0.75], [0.0, 1.0], 1.0, "k2", "loss", 3, 0.5]],
            ["optimalPolicy", [[0.5, 0.5], [0.0, 1.0], 1.0]], ["drawTokens", [[0.5, 0.5], 3, 7]],
            ["mulberry32", [7]]]  # returns a generator: the scripts below compare its first number


# In a Web Worker there is no window and no document: any access to them would throw.
_WORKER_JS = """async ([source, calls]) => {
  const probe = `
    onmessage = (event) => {
      const answer = {window: typeof window, document: typeof document, keys: Object.keys(KLMath), results: []};
      for (const [name, args] of event.data) answer.results.push(JSON.stringify(((r) => typeof r === 'function' ? r() : r)(KLMath[name](...args))));
      postMessage(answer);
    };`;
  const worker = new Worker(URL.createObjectURL(new Blob([source, "\\n;", probe], {type: "text/javascript"})));
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => reject(new Error("worker: " + event.message));
      worker.postMessage(calls);
    });
  } finally {
    worker.terminate();
  }
}"""


def test_dom_free_in_a_worker(klmath_page):
    """Every function loads and runs in a Web Worker, where window and document do not exist,
    and gives there what it gives in the page."""
    calls = smoke_calls()
    assert sorted(name for name, _ in calls) == sorted(EXPORTS)
    answer = klmath_page.evaluate(_WORKER_JS, [KLMATH_JS.read_text(), calls])
    assert answer["window"] == "undefined" and answer["document"] == "undefined"
    assert sorted(answer["keys"]) == sorted(EXPORTS)
    in_page = klmath_page.evaluate("(calls) => calls.map(([name, args]) => JSON.stringify(((r) => typeof r === 'function' ? r() : r)(KLMath[name](...args))))",
                                   calls)
    assert answer["results"] == in_page
    by_name = dict(zip((name for name, _ in calls), in_page))
    assert json.loads(by_name["klDivergence"]) == pytest.approx(kl.kl_divergence([0.4, 0.6], [0.6, 0.4]), rel=RTOL)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (the Chromium tests always run)")
def test_loads_in_node(klmath_page):
    """Under node (no DOM either) require() gives the same functions, with the page's results.

    Not to the bit: node's V8 may have another Math.exp than Chromium's (node 20 and Chromium 156
    differ in the last bit of one exp in ten), so the golden and the fit tolerances apply.
    """
    calls = smoke_calls()
    script = ("const K = require(process.argv[1]); const calls = JSON.parse(process.argv[2]);"
              "console.log(JSON.stringify({keys: Object.keys(K), global: typeof KLMath,"
              " results: calls.map(([name, args]) => JSON.stringify(((r) => typeof r === 'function' ? r() : r)(K[name](...args))))}));")
    completed = subprocess.run([shutil.which("node"), "-e", script, str(KLMATH_JS), json.dumps(calls)],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout)
    assert sorted(answer["keys"]) == sorted(EXPORTS)
    assert answer["global"] == "undefined"  # a module's var stays in the module
    in_page = klmath_page.evaluate("(calls) => calls.map(([name, args]) => JSON.stringify(((r) => typeof r === 'function' ? r() : r)(KLMath[name](...args))))",
                                   calls)
    problems = []
    for (name, _), in_node, in_chromium in zip(calls, answer["results"], in_page):
        compare = (fit_number_comparer(defaultdict(float)) if name in ("localFits", "fitGaussian")
                   else golden_number)
        problems += differences(json.loads(in_chromium), json.loads(in_node), name, compare)[0]
    assert not problems, problems
