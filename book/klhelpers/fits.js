// Forward vs reverse KL fit, the website rendering of klhelpers.fits.explore_fits.
// No kernel runs on a static page, so this file mirrors, function by function, the Python it
// names; the page's first paint and the tests come from the Python itself.
// Defines mount(root, config); klhelpers.interactive.html_twin inlines it and calls it.

function mount(root, config) {
  "use strict";
  var n = config.n;

  // Mirrors klhelpers.fits.gaussian_family(mean, width, n): a normalised discretised Gaussian.
  function gaussianFamily(mean, width) {
    var exponent = new Array(n), q = new Array(n), top = -Infinity, total = 0, x;
    for (x = 0; x < n; x++) {
      exponent[x] = -((x - mean) * (x - mean)) / (2 * width * width);
      if (exponent[x] > top) top = exponent[x];
    }
    for (x = 0; x < n; x++) { q[x] = Math.exp(exponent[x] - top); total += q[x]; }
    for (x = 0; x < n; x++) q[x] /= total;
    return q;
  }

  // Mirrors klhelpers.fits.two_peaks: (1 - floor) * (w G1 + (1 - w) G2) + floor / n.
  function twoPeaks(s) {
    var a = gaussianFamily(s.left_center, s.left_width);
    var b = gaussianFamily(s.right_center, s.right_width);
    var p = new Array(n);
    for (var x = 0; x < n; x++) {
      p[x] = (1 - config.floor) * (s.left_weight * a[x] + (1 - s.left_weight) * b[x]) + config.floor / n;
    }
    return p;
  }

  // Mirrors klhelpers.kl_divergence: sum_k p_k (log p_k - log q_k); p_k = 0 terms are 0,
  // p_k > 0 with q_k = 0 gives Infinity; a rounding-level negative total is 0.
  function klDivergence(p, q) {
    var total = 0;
    for (var k = 0; k < p.length; k++) {
      if (p[k] > 0) total += p[k] * (Math.log(p[k]) - Math.log(q[k]));
    }
    return Math.max(total, 0);
  }

  // Mirrors klhelpers.fits.fit_objective for one (mean, width).
  function objective(p, mean, width, direction) {
    var q = gaussianFamily(mean, width);
    return direction === "forward" ? klDivergence(p, q) : klDivergence(q, p);
  }

  function linspace(low, high, count) {
    var out = new Array(count), step = (high - low) / (count - 1);
    for (var i = 0; i < count; i++) out[i] = low + i * step;
    out[count - 1] = high;
    return out;
  }

  function clip(v, low, high) { return Math.min(Math.max(v, low), high); }

  // Mirrors klhelpers.fits.fit_gaussian: coarse grid, then 9 x 9 local grids that zoom in or follow.
  function fitGaussian(p, direction) {
    var lowW = Math.log(config.minWidth), highW = Math.log(config.maxWidthFraction * n);
    var logWidths = linspace(lowW, highW, config.nWidths);
    var bestM = 0, bestLw = logWidths[0], best = null, i, j, v;
    for (i = 0; i < 2 * n - 1; i++) {
      for (j = 0; j < config.nWidths; j++) {
        v = objective(p, i * 0.5, Math.exp(logWidths[j]), direction);
        if (best === null || v < best) { best = v; bestM = i * 0.5; bestLw = logWidths[j]; }
      }
    }
    var stepM = 0.5, stepLw = (highW - lowW) / (config.nWidths - 1), offsets = linspace(-1, 1, 9);
    for (var round = 0; round < config.maxRounds; round++) {
      var roundBest = null, roundI = 0, roundJ = 0, roundM = 0, roundLw = 0;
      for (i = 0; i < 9; i++) {
        var m = clip(bestM + stepM * offsets[i], 0, n - 1);
        for (j = 0; j < 9; j++) {
          var lw = clip(bestLw + stepLw * offsets[j], lowW, highW);
          v = objective(p, m, Math.exp(lw), direction);
          if (roundBest === null || v < roundBest) { roundBest = v; roundI = i; roundJ = j; roundM = m; roundLw = lw; }
        }
      }
      var onEdge = false;
      if (roundBest < best) {
        best = roundBest; bestM = roundM; bestLw = roundLw;
        onEdge = roundI === 0 || roundI === 8 || roundJ === 0 || roundJ === 8;
      }
      if (!onEdge) { stepM /= 4; stepLw /= 4; }  // inside the local grid: zoom in; else follow it
      if (stepM < config.stepTolerance) break;
    }
    var width = Math.exp(bestLw);
    return { direction: direction, mean: bestM, width: width, q: gaussianFamily(bestM, width), divergence: best };
  }

  var inputs = root.querySelectorAll('input[type="range"][data-param]');

  function settings() {
    var s = {};
    for (var i = 0; i < inputs.length; i++) s[inputs[i].dataset.param] = parseFloat(inputs[i].value);
    return s;
  }

  function setText(quantity, text) {
    var el = root.querySelector('[data-quantity="' + quantity + '"]');
    if (el) el.textContent = text;
  }

  // Mirrors klhelpers.fits._svg: same geometry, same elements.
  function draw(p, forward, reverse) {
    var g = config.svg, plotW = g.width - g.left - g.right, plotH = g.height - g.top - g.bottom;
    var yMax = 0, x;
    for (x = 0; x < n; x++) yMax = Math.max(yMax, p[x], forward.q[x], reverse.q[x]);
    yMax *= 1.15;
    var slot = plotW / n;
    function px(i) { return g.left + (i + 0.5) * slot; }
    function py(value) { return g.top + plotH * (1 - value / yMax); }
    var bars = root.querySelectorAll("rect[data-bar]");
    for (x = 0; x < bars.length; x++) {
      var y = py(p[x]);
      bars[x].setAttribute("y", y.toFixed(2));
      bars[x].setAttribute("height", (g.top + plotH - y).toFixed(2));
    }
    [forward, reverse].forEach(function (fit) {
      var line = root.querySelector('polyline[data-fit="' + fit.direction + '"]');
      var points = [];
      for (var i = 0; i < n; i++) points.push(px(i).toFixed(2) + "," + py(fit.q[i]).toFixed(2));
      if (line) line.setAttribute("points", points.join(" "));
    });
  }

  // Mirrors klhelpers.fits._readouts: the same texts, the same rounding.
  function update() {
    var s = settings();
    for (var i = 0; i < inputs.length; i++) {
      var out = root.querySelector('output[data-value="' + inputs[i].dataset.param + '"]');
      if (out) out.textContent = String(parseFloat(inputs[i].value));
    }
    var p = twoPeaks(s);
    var forward = fitGaussian(p, "forward"), reverse = fitGaussian(p, "reverse");
    setText("forward-kl", forward.divergence.toFixed(4) + " nats");
    setText("forward-mean", forward.mean.toFixed(2));
    setText("forward-width", forward.width.toFixed(2));
    setText("reverse-kl", reverse.divergence.toFixed(4) + " nats");
    setText("reverse-mean", reverse.mean.toFixed(2));
    setText("reverse-width", reverse.width.toFixed(2));
    draw(p, forward, reverse);
    root.dataset.state = "live";
  }

  for (var i = 0; i < inputs.length; i++) inputs[i].addEventListener("input", update);
  root.__klUpdate = update;
  root.dataset.state = "ready";
}
