/* klmath.js: the math of the book's interactives, the browser twin of klhelpers.

   The book's website has no Python kernel, so its widgets compute here. Each function
   mirrors the Python function named in its comment, with the same conventions (natural
   log, nats; terms with p_k = 0 are 0; p_k > 0 with q_k = 0 gives Infinity; never NaN,
   never -0, never a negative divergence) and the same numerical care, so that a page
   shows the numbers the book prints. tests/test_klmath.py holds the two together.

   Twin of klhelpers.numerics, divergences, logits, estimators (kl_estimator_values only),
   fits, joint, bounds, gaussians and policy_gradients. Inside KLMath:

     numerics     logRatio, dMinusLog1p, expm1MinusX, accurateSum
     divergences  normalize, withShare, surprisal, entropy, crossEntropy, klContributions, klDivergence
     logits       softmax, logSoftmax, klFromLogits
     estimators   klEstimatorValues
     fits         gaussianFamily, twoPeaks, fitObjective, localFits, fitGaussian, shareKept
     joint        marginals, jointEntropy, conditionalEntropy, independentJoint, mutualInformation,
                  conditionalKl (a table is an array of rows, rows indexing X)
     bounds       totalVariation, chiSquare
     gaussians    klGaussian (one pair), gaussianEntropy, discretizeGaussian, binnedKlGaussian,
                  posterior, logEvidence, elbo
     policy_gradients  estimatorValuesByToken, klGradient, estimatorGradient, trainPolicy (one row of logits)
     rlhf         optimalPolicy

   Arrays are plain arrays of numbers, one distribution at a time (no batches). Inputs are
   assumed valid: the Python checks them, the widgets only pass what it accepts. The fit
   search takes its settings, klhelpers.fits.SEARCH, as an argument; the only constants
   here are mathematical ones. A plain script: no DOM, no modules, no dependencies. In a
   page it defines the global KLMath (and nothing else); under node, module.exports = KLMath.
*/

var KLMath = (function () {
  "use strict";  // inside the function: a page that concatenates scripts keeps its own mode

  // -- building blocks of the building blocks -------------------------------------------------

  // The normal range of positive floats (numerics._TINY, _HUGE).
  var TINY = 2.2250738585072014e-308, HUGE = Number.MAX_VALUE;

  // numerics._ATANH_SERIES: 1/3, 1/5, ..., 1/33, the coefficients of atanh(s)/s - 1 in s^2.
  var ATANH_SERIES = reciprocals([3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33]);

  // numerics._H_SERIES: 1/2!, 1/3!, ..., 1/14!, the Taylor coefficients of (e^x - 1 - x) / x^2.
  // Each factorial is an exact integer, so each coefficient is numpy's to the bit.
  var H_SERIES = reciprocals([2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600,
                              6227020800, 87178291200]);

  function reciprocals(xs) { return xs.map(function (x) { return 1 / x; }); }

  // numerics._H_SMALL = h(-1/4): below it |x| < 1/4 and the series replaces expm1(x) - x.
  var H_SMALL = Math.expm1(-0.25) + 0.25;

  // np.polynomial.polynomial.polyval(x, c): Horner's scheme, the highest coefficient first.
  function polyval(x, c) {
    var value = c[c.length - 1];
    for (var i = c.length - 2; i >= 0; i--) value = c[i] + value * x;
    return value;
  }

  // np.sum, in numpy's own order (pairwise, eight running sums per block of up to 128), so
  // that a sum of the same terms is the same float here and in Python, to the last bit.
  function pairwiseSum(xs, start, count) {
    var i, j, total = 0;
    if (count < 8) {
      for (i = 0; i < count; i++) total += xs[start + i];
      return total;
    }
    if (count <= 128) {
      var r = xs.slice(start, start + 8);
      for (i = 8; i < count - (count % 8); i += 8) {
        for (j = 0; j < 8; j++) r[j] += xs[start + i + j];
      }
      total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < count; i++) total += xs[start + i];
      return total;
    }
    var half = Math.floor(count / 2);
    half -= half % 8;
    return pairwiseSum(xs, start, half) + pairwiseSum(xs, start + half, count - half);
  }

  function sum(xs) { return pairwiseSum(xs, 0, xs.length); }

  // sum_k w_k x_k, the einsum("...k,...k->...") of klhelpers.logits. numpy's einsum adds in
  // an order of its own (it varies with the CPU); the formulas that use it do not depend on
  // the order beyond rounding, so numpy's pairwise order stands in.
  function dot(w, x) {
    var products = new Array(w.length);
    for (var i = 0; i < w.length; i++) products[i] = w[i] * x[i];
    return sum(products);
  }

  function max(xs) {
    var top = -Infinity;
    for (var i = 0; i < xs.length; i++) if (xs[i] > top) top = xs[i];
    return top;
  }

  // np.argmax: the index of the first largest entry.
  function argmax(xs) {
    var best = 0;
    for (var i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
    return best;
  }

  // np.clip(x, low, high) for one number.
  function clip(x, low, high) { return Math.min(Math.max(x, low), high); }

  // np.round(x): to the nearest integer, halves to the even one (Math.round sends them up).
  function roundHalfEven(x) {
    var r = Math.round(x);
    return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  // np.linspace(low, high, count): i * step + low, and exactly `high` at the end.
  function linspace(low, high, count) {
    var out = new Array(count), step = (high - low) / (count - 1);
    for (var i = 0; i < count; i++) out[i] = i * step + low;
    out[count - 1] = high;
    return out;
  }

  // np.arange(0.0, stop, step): i * step for the ceil(stop / step) integers i from 0.
  function arange(stop, step) {
    var out = [];
    for (var i = 0; i < Math.ceil(stop / step); i++) out.push(i * step);
    return out;
  }

  // -- numerics -------------------------------------------------------------------------------

  // numerics.log_ratio: log(top / bottom) to full precision; top >= 0, bottom > 0.
  function logRatio(top, bottom) {
    return logRatioFromChange(top, bottom, (top - bottom) / bottom);
  }

  // numerics.log_ratio_from_change: log(top / bottom) given d = (top - bottom) / bottom, by ranges.
  function logRatioFromChange(top, bottom, d) {
    // -1/2 <= d < inf: top - bottom was exact (Sterbenz), so log1p(d) keeps every digit.
    if (!(d < -0.5 || d === Infinity)) return Math.log1p(d);
    // top < bottom / 2: 1 + d lost digits of the small ratio; the quotient has them.
    var quotient = top / bottom;
    if (quotient >= TINY && quotient <= HUGE) return Math.log(quotient);
    // A quotient outside the normal range: the difference of logs (|log| > 708 hides its rounding).
    return Math.log(top) - Math.log(bottom);
  }

  // numerics.d_minus_log1p: g(d) = d - log(1 + d) >= 0 given log1pD = log(1 + d); g(-1) = Infinity.
  function dMinusLog1p(d, log1pD) {
    if (d >= -0.5 && d <= 1) {
      // |s| <= 1/3 with s = d / (2 + d): g = d^2 / (2 + d) - 2 s^3 (1/3 + s^2/5 + ...), no cancellation.
      var s = d / (2 + d), s2 = s * s;
      return d * d / (2 + d) - 2 * s * s2 * polyval(s2, ATANH_SERIES);
    }
    return d - log1pD;  // log(1 + d) is far enough from d here
  }

  // numerics.expm1_minus_x: h(x) = e^x - 1 - x >= 0 (x finite or -Infinity).
  function expm1MinusX(x) {
    var h = Math.expm1(x) - x;
    // |x| < 1/4: expm1(x) - x cancels; the Taylor series x^2 (1/2! + x/3! + ...) does not.
    return h < H_SMALL ? x * x * polyval(x, H_SERIES) : h;
  }

  // numerics.accurate_sum: pairwise summation whose every rounding error is recovered by
  // Knuth's TwoSum and added back at the end (what stays of a sum that cancels).
  function accurateSum(xs) {
    var x = xs.slice(), corrections = 0;
    while (x.length > 1) {
      if (x.length % 2) x.push(0);
      var half = x.length / 2, totals = new Array(half), errors = new Array(half);
      for (var i = 0; i < half; i++) {
        var a = x[2 * i], b = x[2 * i + 1], total = a + b, bPart = total - a;
        totals[i] = total;
        errors[i] = (a - (total - bPart)) + (b - bPart);  // exactly a + b - total
      }
      corrections += sum(errors);
      x = totals;
    }
    return x[0] + corrections;
  }

  // -- divergences ----------------------------------------------------------------------------

  // divergences.surprisal: -log p_k for each entry, in nats (Infinity where p_k = 0).
  function surprisal(p) {
    return p.map(function (v) { return v > 0 ? 0 - Math.log(v) : Infinity; });  // 0 - 0 is +0, never -0
  }

  // divergences.with_share: token k's probability set to share, the others in proportion
  // (shared evenly when they are all 0).
  function withShare(q, k, share) {
    var others = q.filter(function (v, j) { return j !== k; });
    var total = sum(others);
    var rest = others.map(function (v) { return total > 0 ? v / total : 1 / others.length; });
    rest.splice(k, 0, null);
    return rest.map(function (v, j) { return j === k ? share : (1 - share) * v; });
  }

  // divergences.normalize: weights / their sum; null when every weight is 0 (Python raises).
  function normalize(weights) {
    var w = weights, total = sum(w), i;
    if (total === 0) return null;
    if (!isFinite(total)) {  // weights near 1e308: divide by the largest first
      var top = max(w);
      w = w.map(function (v) { return v / top; });
      total = sum(w);
    }
    var p = new Array(w.length);
    for (i = 0; i < w.length; i++) p[i] = w[i] / total;
    return p;
  }

  // divergences._relative_change for one outcome: on P's support p, q, q - p, d = (q - p) / p
  // and log(q / p); off it 1, 1, 0, 0, 0 (q does not matter where p = 0).
  function relativeChange(p, q) {
    var pSafe = p > 0 ? p : 1, qSafe = p > 0 ? q : 1;
    var change = qSafe - pSafe, d = change / pSafe;  // q - p is exact within a factor 2 (Sterbenz)
    return { p: pSafe, change: change, d: d, logRatio: logRatioFromChange(qSafe, pSafe, d) };
  }

  // divergences.entropy: H(P) = -sum p log p; terms with p = 0 are 0.
  function entropy(p) {
    var terms = p.map(function (pk) { return pk * Math.log(pk > 0 ? pk : 1); });
    return -sum(terms) + 0;  // every term has one sign: nothing to cancel
  }

  // divergences.cross_entropy: H(P, Q) = -sum p log q; Infinity where q = 0 < p.
  function crossEntropy(p, q) {
    var terms = p.map(function (pk, k) { return pk * Math.log(pk > 0 ? q[k] : 1); });
    return -sum(terms) + 0;
  }

  // divergences.kl_contributions: p_k log(p_k / q_k) as -p_k log(1 + d_k), each to a few ulp.
  function klContributions(p, q) {
    return p.map(function (pk, k) {
      if (pk === 0) return 0;
      var r = relativeChange(pk, q[k]);
      return -r.p * r.logRatio + 0;  // q = 0 gives log 0 = -Infinity and the term Infinity
    });
  }

  // divergences.kl_divergence: sum p g(d) + sum (p - q) with g(d) = d - log(1 + d) >= 0, so
  // that nothing cancels when Q is close to P; the second sum (0 for exactly normalised
  // inputs) is added up with its rounding errors recovered.
  function klDivergence(p, q) {
    var terms = new Array(p.length), changes = new Array(p.length);
    for (var k = 0; k < p.length; k++) {
      var r = relativeChange(p[k], q[k]);
      changes[k] = r.change;
      if (r.d === Infinity || r.d === -Infinity) {  // q / p beyond the float range: (q - p) - p log(q / p)
        terms[k] = r.change - r.p * r.logRatio;
      } else {
        terms[k] = r.p * dMinusLog1p(r.d, r.logRatio);  // >= 0; Infinity where q = 0 < p
      }
    }
    var total = sum(terms) - accurateSum(changes);
    // Inputs summing to 1 only within the tolerance can push the exact total a hair below 0.
    return Math.max(total, 0) + 0;
  }

  // -- logits ---------------------------------------------------------------------------------

  // logits._shifted: (z - max z) / T, every entry <= 0 and the largest exactly 0. Subtracting
  // first keeps a tiny T from making inf - inf; logits spanning more than the float range are
  // shifted at a quarter of their size, so that a large T still brings them back.
  function shifted(logits, temperature) {
    var top = max(logits), z = logits.map(function (v) { return v - top; });
    if (z.indexOf(-Infinity) >= 0) {  // the subtraction overflowed
      return logits.map(function (v) { return (v / 4 - top / 4) / temperature * 4; });
    }
    return temperature === 1 ? z : z.map(function (v) { return v / temperature; });
  }

  // logits._log_softmax_of_shifted: z - log(1 + the other terms), the log1p keeping the digits
  // of a likeliest token's log-probability as close to 0 as -1e-20.
  function logSoftmaxOfShifted(z) {
    var others = z.map(Math.exp);
    others[argmax(z)] = 0;
    var logTotal = Math.log1p(sum(others));
    return z.map(function (v) { return v - logTotal; });
  }

  function temperatureOr1(temperature) { return temperature === undefined ? 1 : temperature; }

  // logits.softmax: e^((z - max z)/T) / sum; the largest term is e^0 = 1, so nothing overflows.
  function softmax(logits, temperature) {
    var e = shifted(logits, temperatureOr1(temperature)).map(Math.exp), total = sum(e);
    return e.map(function (v) { return v / total; });
  }

  // logits.log_softmax: log softmax(z / T), finite where softmax underflows to 0.
  function logSoftmax(logits, temperature) {
    return logSoftmaxOfShifted(shifted(logits, temperatureOr1(temperature)));
  }

  // logits._from_spread: log(1 + E_P[v] + E_P[h]) - E_P[v].
  function fromSpread(weights, normaliser, v, h) {
    var spread = dot(weights, h) / normaliser, mean = dot(weights, v) / normaliser;
    return Math.log1p(spread + mean) - mean;
  }

  // logits._kl_near: with delta = (a - b)/T and v = E_P[delta] - delta,
  // D = log(1 + E_P[v] + E_P[h(v)]) - E_P[v], h(v) = e^v - 1 - v >= 0: E_P[v] is 0 up to
  // rounding and E_P[h(v)] a sum of non-negative terms, so near-equal logits lose nothing.
  // Logits too far apart for e^v give Infinity or NaN, sent to klFar.
  function klNear(a, b, temperature) {
    var weights = shifted(a, temperature).map(Math.exp), normaliser = sum(weights);
    var v = a.map(function (ak, k) { return ak - b[k]; });  // exact when a_k and b_k are close
    var ref = v[argmax(weights)];  // a constant changes nothing: keep v at the scale of its spread
    v = v.map(function (vk) { return vk - ref; });
    if (temperature !== 1) v = v.map(function (vk) { return vk / temperature; });
    var mu = dot(weights, v) / normaliser;
    v = v.map(function (vk) { return mu - vk; });
    // expm1(v) - v first; below 1/16 its rounding could show, so the series redoes small |v|.
    var h = v.map(function (vk) { return Math.expm1(vk) - vk; });
    var total = fromSpread(weights, normaliser, v, h);
    if (total < 0.0625) total = fromSpread(weights, normaliser, v, v.map(expm1MinusX));
    return total;
  }

  // logits._quarter_log_softmax: log softmax(z / T) / 4, from z / 4 (differences of logits near
  // +-1e308 stay finite).
  function quarterLogSoftmax(logits, temperature) {
    var quarter = shifted(logits.map(function (v) { return v / 4; }), temperature);
    var others = quarter.map(function (v) { return Math.exp(4 * v); });
    others[argmax(quarter)] = 0;
    var logTotal = Math.log1p(sum(others)) / 4;
    return quarter.map(function (v) { return v - logTotal; });
  }

  // logits._kl_far: the textbook sum p (log p - log q) at a quarter of the scale, for logits
  // whose log-ratios leave the range of exp (the divergence is then far from 0).
  function klFar(a, b, temperature) {
    var logP = quarterLogSoftmax(a, temperature), logQ = quarterLogSoftmax(b, temperature);
    var terms = logP.map(function (lp, k) {
      var pk = Math.exp(4 * lp);
      return pk > 0 ? pk * (lp - logQ[k]) : 0;  // a token P never produces costs nothing
    });
    return 4 * sum(terms);
  }

  // logits.kl_from_logits: D(softmax(a/T) || softmax(b/T)), the near form, else the far one.
  function klFromLogits(a, b, temperature) {
    var t = temperatureOr1(temperature), total = klNear(a, b, t);
    if (!isFinite(total)) total = klFar(a, b, t);
    return Math.max(total, 0) + 0;
  }

  // -- estimators -----------------------------------------------------------------------------

  // estimators.kl_estimator_values for one log r = log p(x) - log q(x) (may be -Infinity):
  // k1 = -log r, k2 = (log r)^2 / 2, k3 = (r - 1) - log r without cancellation near r = 1.
  function klEstimatorValues(logRatio) {
    return { k1: -logRatio + 0, k2: 0.5 * (logRatio * logRatio), k3: expm1MinusX(logRatio) };
  }

  // -- fits -----------------------------------------------------------------------------------

  // fits.gaussian_family: e^(-(x - mu)^2 / 2 sigma^2) on positions 0 ... n - 1, normalised. Each
  // squared distance is measured from the nearest position's, as (x - x*)(x + x* - 2 mu) (no
  // cancellation, no overflow for a mean of 1e200; halving the second factor keeps it finite
  // near 1e308), and divided by sigma twice (sigma^2 underflows for sigma = 1e-200).
  function gaussianFamily(mean, width, n) {
    var weights = logWeights(mean, width, n).map(Math.exp);  // the nearest position gets e^0 = 1
    var total = sum(weights);
    return weights.map(function (w) { return w / total; });
  }

  // fits._log_weights: the family's log-probabilities up to a constant, the largest exactly 0.
  function logWeights(mean, width, n) {
    var nearest = clip(roundHalfEven(mean), 0, n - 1), logs = new Array(n);
    for (var x = 0; x < n; x++) {
      var excess = 2 * (x - nearest) * ((x - mean) / 2 + (nearest - mean) / 2);  // >= 0
      logs[x] = -(excess / width / width) / 2;
    }
    return logs;
  }

  // fits.two_peaks: (1 - floor) (w G(c1, s1) + (1 - w) G(c2, s2)) + floor / n.
  function twoPeaks(centers, widths, shareA, n, floor) {
    var a = gaussianFamily(centers[0], widths[0], n), b = gaussianFamily(centers[1], widths[1], n);
    return a.map(function (ax, x) { return (1 - floor) * (shareA * ax + (1 - shareA) * b[x]) + floor / n; });
  }

  // fits.fit_objective for one (mean, width): "forward" D(P || Q), "reverse" D(Q || P).
  // The forward direction works from log-probabilities when P has no zeros: a narrow bump's
  // probability can underflow to 0 where P needs its logarithm.
  function fitObjective(p, mean, width, direction) {
    var logQ = logWeights(mean, width, p.length);
    if (direction === "forward" && Math.min.apply(null, p) > 0 && logQ.every(isFinite)) {
      return klFromLogits(p.map(Math.log), logQ);
    }
    var weights = logQ.map(Math.exp), total = sum(weights), q = weights.map(function (w) { return w / total; });
    return direction === "forward" ? klDivergence(p, q) : klDivergence(q, p);
  }

  // fits._grid: the coarse grid's means and log widths, and the bounds of log width.
  function grid(n, search) {
    var low = Math.log(search.minWidth), high = Math.log(search.maxWidthPerPosition * n);
    return { means: arange(n - 1 + 1e-9, search.meanStep),
             logWidths: linspace(low, high, search.nWidths), low: low, high: high };
  }

  // fits.fit_objective over a grid: values[i][j] for means[i] and log widths[j].
  function objectiveGrid(p, means, logWidths, direction) {
    var widths = logWidths.map(Math.exp);
    return means.map(function (m) {
      return widths.map(function (w) { return fitObjective(p, m, w, direction); });
    });
  }

  // Whether values[i][j] is no higher than any of its (up to 8) neighbours; fits._valleys pads
  // the grid with Infinity, which every value but NaN is no higher than.
  function isValley(values, i, j) {
    var value = values[i][j], lowest = value < Infinity;  // an infinite plateau is no valley
    for (var ni = Math.max(i - 1, 0); ni <= Math.min(i + 1, values.length - 1); ni++) {
      for (var nj = Math.max(j - 1, 0); nj <= Math.min(j + 1, values[ni].length - 1); nj++) {
        lowest = lowest && value <= values[ni][nj];  // itself included: value <= value
      }
    }
    return lowest;
  }

  // fits._valleys: the finite valley points of the grid, lowest first (a stable sort: equal
  // values keep the row-major order of np.argwhere).
  function valleys(values) {
    var found = [];
    values.forEach(function (row, i) {
      row.forEach(function (value, j) { if (isValley(values, i, j)) found.push({ i: i, j: j, value: value }); });
    });
    return found.sort(function (u, w) { return u.value < w.value ? -1 : u.value > w.value ? 1 : 0; });
  }

  // fits._descend: shrinking local grids from one grid point down to the bottom of its valley.
  function descend(p, direction, search, mean, logWidth, value, low, high) {
    var n = p.length, points = search.gridPoints, offsets = linspace(-1, 1, points);
    var stepM = search.meanStep, stepLw = (high - low) / (search.nWidths - 1);
    for (var round = 0; round < search.maxRounds; round++) {
      var m = offsets.map(function (o) { return clip(mean + stepM * o, 0, n - 1); });
      var lw = offsets.map(function (o) { return clip(logWidth + stepLw * o, low, high); });
      var values = objectiveGrid(p, m, lw, direction), bi = 0, bj = 0;
      for (var i = 0; i < points; i++) {  // np.argmin: the first lowest, row by row
        for (var j = 0; j < points; j++) if (values[i][j] < values[bi][bj]) { bi = i; bj = j; }
      }
      var onEdge = false;
      if (values[bi][bj] < value) {
        mean = m[bi]; logWidth = lw[bj]; value = values[bi][bj];
        onEdge = bi === 0 || bi === points - 1 || bj === 0 || bj === points - 1;
      }
      if (!onEdge) {  // the best point is inside the local grid: zoom in; else follow it
        stepM /= search.zoom;
        stepLw /= search.zoom;
      }
      if (stepM < search.stepTolerance) break;
    }
    return { mean: mean, logWidth: logWidth, value: value };
  }

  // fits._fit: the Fit record, with the search bounds it sits on.
  function makeFit(p, direction, search, end, low, high) {
    var close = search.stepTolerance * 10, atBound = [];
    if (Math.min(end.mean, p.length - 1 - end.mean) < close) atBound.push("mean");
    if (Math.min(end.logWidth - low, high - end.logWidth) < close) atBound.push("width");
    var width = Math.exp(end.logWidth);
    return { direction: direction, mean: end.mean, width: width, q: gaussianFamily(end.mean, width, p.length),
             divergence: end.value, atBound: atBound };
  }

  // fits.local_fits: every local minimum of one direction's objective in the (mean, width)
  // plane: a coarse grid, each valley followed down, valleys that end together counted once;
  // sorted by divergence, ties by mean. `search` is klhelpers.fits.SEARCH.
  function localFits(p, direction, search) {
    var g = grid(p.length, search), values = objectiveGrid(p, g.means, g.logWidths, direction);
    var ends = [];
    valleys(values).forEach(function (start) {
      var end = descend(p, direction, search, g.means[start.i], g.logWidths[start.j], start.value, g.low, g.high);
      var isNew = ends.every(function (seen) {
        return Math.abs(end.mean - seen.mean) > search.sameFit || Math.abs(end.logWidth - seen.logWidth) > search.sameFit;
      });
      if (isNew) ends.push(end);
    });
    ends.sort(function (u, w) {
      if (u.value !== w.value) return u.value < w.value ? -1 : 1;
      return u.mean < w.mean ? -1 : u.mean > w.mean ? 1 : 0;
    });
    return ends.map(function (end) { return makeFit(p, direction, search, end, g.low, g.high); });
  }

  // fits.fit_gaussian: the best member of the family in one direction, the first local fit.
  function fitGaussian(p, direction, search) {
    return localFits(p, direction, search)[0];
  }

  // fits.share_kept: P's total on the side of the peaks' midpoint where `mean` lies.
  function shareKept(p, centers, mean) {
    var middle = (centers[0] + centers[1]) / 2, left = mean <= middle;
    return sum(p.filter(function (pk, x) { return left ? x <= middle : x > middle; }));
  }

  // -- two variables (klhelpers.joint); a table is an array of rows, rows indexing X -------------

  function flatten(table) { return [].concat.apply([], table); }

  // joint.marginals: [P_X (row sums), P_Y (column sums)].
  function marginals(pxy) {
    var px = pxy.map(sum), py = pxy[0].map(function (_, j) { return sum(pxy.map(function (row) { return row[j]; })); });
    return [px, py];
  }

  // joint.joint_entropy: H(X, Y), the entropy of the table's cells.
  function jointEntropy(pxy) {
    var cells = flatten(pxy), total = sum(cells);
    return entropy(cells.map(function (v) { return v / total; }));
  }

  // joint.conditional_entropy: H(Y | X) = sum_x p(x) H(Y | X = x); rows with p(x) = 0 add 0.
  function conditionalEntropy(pxy) {
    var px = pxy.map(sum), weights = [], values = [];
    pxy.forEach(function (row, x) {
      if (px[x] > 0) { weights.push(px[x]); values.push(entropy(row.map(function (v) { return v / px[x]; }))); }
    });
    return dot(weights, values) + 0;
  }

  // joint.independent_joint: p(x) p(y) in cell (x, y).
  function independentJoint(px, py) {
    return px.map(function (a) { return py.map(function (b) { return a * b; }); });
  }

  // joint.mutual_information: I(X; Y) = D_KL(P_XY || P_X P_Y).
  function mutualInformation(pxy) {
    var m = marginals(pxy), cells = flatten(pxy), total = sum(cells);
    return klDivergence(cells.map(function (v) { return v / total; }), flatten(independentJoint(m[0], m[1])));
  }

  // joint.conditional_kl: sum_x p(x) D_KL(P_{Y|X=x} || Q_{Y|X=x}).
  function conditionalKl(pxy, qGiven) {
    var px = pxy.map(sum), weights = [], values = [];
    pxy.forEach(function (row, x) {
      if (px[x] > 0) { weights.push(px[x]); values.push(klDivergence(row.map(function (v) { return v / px[x]; }), qGiven[x])); }
    });
    return dot(weights, values) + 0;
  }

  // -- bounds: total variation and chi-square -------------------------------------------------

  // bounds.total_variation: (1/2) sum |p_k - q_k|.
  function totalVariation(p, q) {
    return 0.5 * sum(p.map(function (pk, k) { return Math.abs(pk - q[k]); }));
  }

  // bounds.chi_square: sum (p_k - q_k)^2 / q_k; 0/0 is 0, p_k > 0 = q_k gives Infinity.
  function chiSquare(p, q) {
    return sum(p.map(function (pk, k) {
      return q[k] > 0 ? (pk - q[k]) * (pk - q[k]) / q[k] : (pk > 0 ? Infinity : 0);
    }));
  }

  // -- Gaussians (klhelpers.gaussians) ----------------------------------------------------------

  // gaussians.kl_gaussian, for one pair: (1/2)(rho - 1 - log rho) + (mu_p - mu_q)^2 / (2 sigma_q^2),
  // rho = sigma_p^2 / sigma_q^2, rho - 1 from sigma_p - sigma_q (exact when they are close).
  function klGaussian(muP, sigmaP, muQ, sigmaQ) {
    var shift = 0.5 * Math.pow((muP - muQ) / sigmaQ, 2);
    var excess = (sigmaP - sigmaQ) / sigmaQ, change = excess * (excess + 2);
    return 0.5 * dMinusLog1p(change, 2 * logRatio(sigmaP, sigmaQ)) + shift;
  }

  // gaussians.gaussian_entropy: (1/2) log(2 pi e sigma^2), in nats.
  function gaussianEntropy(sigma) {
    return 0.5 * Math.log(2 * Math.PI * Math.E) + Math.log(sigma);
  }

  // gaussians.discretize_gaussian: N(mu, sigma^2) binned on bins of width `width` tiling
  // [-halfRange, halfRange], each bin's probability proportional to the density at its centre.
  function discretizeGaussian(mu, sigma, width, halfRange) {
    return gaussianFamily((mu + halfRange) / width - 0.5, sigma / width, Math.round(2 * halfRange / width));
  }

  // gaussians.binned_kl_gaussian: D_KL(P_Delta || Q_Delta) from the bins' logits -(c - mu)^2 / (2 sigma^2).
  function binnedKlGaussian(muP, sigmaP, muQ, sigmaQ, width, halfRange) {
    var n = Math.round(2 * halfRange / width), a = new Array(n), b = new Array(n);
    for (var k = 0; k < n; k++) {
      var c = -halfRange + (k + 0.5) * width;
      a[k] = -0.5 * Math.pow((c - muP) / sigmaP, 2);
      b[k] = -0.5 * Math.pow((c - muQ) / sigmaQ, 2);
    }
    return klFromLogits(a, b);
  }

  // gaussians.posterior: z | x for z ~ N(0, 1), x | z ~ N(z, s^2): [mean, standard deviation].
  function posterior(x, noise) {
    return [x / (1 + noise * noise), noise / Math.sqrt(1 + noise * noise)];
  }

  // gaussians.log_evidence: log p(x), x ~ N(0, 1 + s^2).
  function logEvidence(x, noise) {
    var variance = 1 + noise * noise;
    return -0.5 * (Math.log(2 * Math.PI * variance) + x * x / variance);
  }

  // gaussians.elbo: E_q[log p(x|z)] + E_q[log p(z)] + h(q) for q = N(m, v^2), term by term.
  function elbo(x, noise, m, v) {
    var likelihood = -0.5 * Math.log(2 * Math.PI * noise * noise) - (Math.pow(x - m, 2) + v * v) / (2 * noise * noise);
    var prior = -0.5 * Math.log(2 * Math.PI) - (m * m + v * v) / 2;
    return likelihood + prior + 0.5 * Math.log(2 * Math.PI * Math.E * v * v);
  }

  // -- the KL estimators as losses (klhelpers.policy_gradients), one row of logits --------------

  function policyAndRatio(logits, ref) {
    var logPi = logSoftmax(logits), pi = logPi.map(Math.exp);
    var ell = pi.map(function (pk, k) { return pk > 0 ? logPi[k] - Math.log(ref[k]) : 0; });
    return {pi: pi, ell: ell};
  }

  // policy_gradients.estimator_values_by_token: {k1: l, k2: l^2 / 2, k3: (rho - 1) - log rho}, rho = e^-l.
  function estimatorValuesByToken(logits, ref) {
    var ell = policyAndRatio(logits, ref).ell;
    return {k1: ell.map(function (v) { return v + 0; }), k2: ell.map(function (v) { return 0.5 * v * v; }),
            k3: ell.map(function (v) { return expm1MinusX(-v); })};
  }

  function centred(pi, values) {  // pi * (values - E_pi values)
    var mean = dot(pi, values);
    return pi.map(function (pk, k) { return pk * (values[k] - mean); });
  }

  // policy_gradients.kl_gradient: grad of D(pi || ref) ("forward") or D(ref || pi) ("reverse") in the logits.
  function klGradient(logits, ref, direction) {
    var r = policyAndRatio(logits, ref);
    if (direction === "reverse") return r.pi.map(function (pk, k) { return pk - ref[k]; });
    return centred(r.pi, r.ell);
  }

  // policy_gradients.estimator_gradient: E_pi[grad k(y)] ("loss") or E_pi[k(y) grad log pi(y)] ("reward").
  function estimatorGradient(logits, ref, estimator, placement) {
    var r = policyAndRatio(logits, ref);
    if (placement === "reward") return centred(r.pi, estimatorValuesByToken(logits, ref)[estimator]);
    if (estimator === "k1") return r.pi.map(function () { return 0; });
    if (estimator === "k2") return centred(r.pi, r.ell);
    return r.pi.map(function (pk, k) { return pk - ref[k]; });
  }

  // policy_gradients.train_policy: exact expected-gradient ascent on E_pi[r] - beta * (the estimator),
  // from `logits`; returns the policy after 0, 1, ..., steps steps.
  function trainPolicy(logits, ref, reward, beta, estimator, placement, steps, learningRate) {
    var z = logits.slice(), policies = [];
    for (var step = 0; step <= steps; step++) {
      var pi = logSoftmax(z).map(Math.exp);
      policies.push(pi);
      if (step === steps) break;
      var gain = centred(pi, reward), penalty = estimatorGradient(z, ref, estimator, placement);
      z = z.map(function (zk, k) { return zk + learningRate * (gain[k] - beta * penalty[k]); });
    }
    return policies;
  }

  // rlhf.optimal_policy: pi* = ref e^(r / beta) / Z, in log space; 0 where ref is 0.
  function optimalPolicy(ref, reward, beta) {
    var best = -Infinity;
    ref.forEach(function (rk, k) { if (rk > 0 && reward[k] > best) best = reward[k]; });
    var logW = ref.map(function (rk, k) { return rk > 0 ? Math.log(rk) + (reward[k] - best) / beta : -Infinity; });
    var top = Math.max.apply(null, logW);
    var w = logW.map(function (v) { return Math.exp(v - top); }), total = sum(w);
    return w.map(function (v) { return v / total + 0; });
  }

  // interactives.sampling.mulberry32: a small seeded generator of uniform numbers in [0, 1),
  // the same stream in both runtimes, so the site's live samples are the book's.
  function mulberry32(seed) {
    var state = seed >>> 0;
    return function () {
      state = (state + 0x6D2B79F5) >>> 0;
      var t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // interactives.sampling.draw_tokens: n tokens from p, k the first index with u < p_0 + ... + p_k.
  function drawTokens(p, n, seed) {
    var cumulative = [], total = 0, next = mulberry32(seed), tokens = new Array(n);
    for (var k = 0; k < p.length; k++) { total += p[k]; cumulative.push(total); }
    for (var i = 0; i < n; i++) {
      var u = next(), j = 0;
      while (j < cumulative.length - 1 && !(u < cumulative[j])) j++;
      tokens[i] = j;
    }
    return tokens;
  }

  return {
    logRatio: logRatio, dMinusLog1p: dMinusLog1p, expm1MinusX: expm1MinusX, accurateSum: accurateSum,
    normalize: normalize, withShare: withShare, surprisal: surprisal, entropy: entropy, crossEntropy: crossEntropy,
    klContributions: klContributions, klDivergence: klDivergence,
    softmax: softmax, logSoftmax: logSoftmax, klFromLogits: klFromLogits,
    klEstimatorValues: klEstimatorValues,
    gaussianFamily: gaussianFamily, twoPeaks: twoPeaks, fitObjective: fitObjective,
    localFits: localFits, fitGaussian: fitGaussian, shareKept: shareKept,
    marginals: marginals, jointEntropy: jointEntropy, conditionalEntropy: conditionalEntropy,
    independentJoint: independentJoint, mutualInformation: mutualInformation, conditionalKl: conditionalKl,
    totalVariation: totalVariation, chiSquare: chiSquare,
    klGaussian: klGaussian, gaussianEntropy: gaussianEntropy, posterior: posterior, logEvidence: logEvidence,
    elbo: elbo, discretizeGaussian: discretizeGaussian, binnedKlGaussian: binnedKlGaussian,
    estimatorValuesByToken: estimatorValuesByToken, klGradient: klGradient, estimatorGradient: estimatorGradient,
    trainPolicy: trainPolicy, optimalPolicy: optimalPolicy,
    mulberry32: mulberry32, drawTokens: drawTokens
  };
})();

if (typeof module !== "undefined" && module.exports) module.exports = KLMath;
