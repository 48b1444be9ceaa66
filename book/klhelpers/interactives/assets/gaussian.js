// gaussian.js: two Gaussians, their bins, and the ELBO on the website, the browser twin of
// klhelpers/interactives/gaussian.py (explore_gaussians, explore_elbo).
//
// The page already shows the starting chart and every number, drawn in Python. This script
// reads the sliders, asks KLMath (klmath.js) for every number (klGaussian, discretizeGaussian,
// binnedKlGaussian, entropy, gaussianEntropy; posterior, logEvidence, elbo) and moves the chart's
// lines, found by their data- hooks. Constants (the bin widths and their -log, the range the
// bins tile, the plotting step, the window, the axes) come in the config.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  // x with `decimals` decimals as Python's f"{x:.{decimals}f}" writes it (ties to the even digit).
  function fixed(x, decimals) {
    var text = Math.abs(x).toFixed(decimals), exact = Math.abs(x).toFixed(Math.min(decimals + 30, 100));
    var point = exact.indexOf(".") + decimals;
    if (/^50*$/.test(exact.slice(point + 1)) && Number(exact.charAt(point)) % 2 === 0) {
      text = exact.slice(0, point + 1);
    }
    return (x < 0 ? "-" : "") + text;
  }

  function fmt(x) {  // gaussian_markup.fmt: four decimals, never "-0.0000"
    var text = fixed(x, 4);
    return /^-[0.]*$/.test(text) ? text.slice(1) : text;
  }

  function label(x) { return String(parseFloat(x.toPrecision(6))); }  // Python's f"{x:g}"
  function num(x) { return x.toFixed(2); }

  function element(tag, attributes, parent, text) {
    var node = document.createElementNS(SVG, tag);
    for (var name in attributes) node.setAttribute(name, attributes[name]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function mount(root, config) {
    var g = config.geometry, mode = config.mode, params = config.params, win = config.window;
    var plotW = g.width - g.left - g.right, plotH = g.height - g.top - g.bottom, base = g.top + plotH;
    var inputs = {}, outputs = {}, hooks = {}, lines = {}, top = null;
    params.forEach(function (name) {
      inputs[name] = root.querySelector('input[data-param="' + name + '"]');
      outputs[name] = root.querySelector('output[data-output="' + name + '"]');
    });
    root.querySelectorAll("[data-quantity]").forEach(function (node) {
      hooks[node.getAttribute("data-quantity")] = node;
    });
    var chart = root.querySelector("svg.kl-chart"), yAxisGroup = chart.querySelector('g[data-axis="y"]');
    chart.querySelectorAll("polyline[data-line]").forEach(function (line) {
      lines[line.getAttribute("data-line")] = line;
    });

    function xOf(x) { return g.left + plotW * (x - win[0]) / (win[1] - win[0]); }
    function yOf(y) { return g.top + plotH * (1 - Math.min(y, top) / top); }

    function settings() {
      var s = {};
      params.forEach(function (name) { s[name] = parseFloat(inputs[name].value); });
      return s;
    }

    // gaussian_markup.compute: every readout, from KLMath.
    function compute(s) {
      if (mode === "divergence") {
        var width = config.widths[s.bin], half = config.halfRange;
        var p = KLMath.discretizeGaussian(s.mu_p, s.sigma_p, width, half);
        var binned = KLMath.entropy(p), minusLog = config.minusLogWidths[s.bin];
        return {kl_pq: KLMath.klGaussian(s.mu_p, s.sigma_p, s.mu_q, s.sigma_q),
                kl_qp: KLMath.klGaussian(s.mu_q, s.sigma_q, s.mu_p, s.sigma_p),
                kl_pq_binned: KLMath.binnedKlGaussian(s.mu_p, s.sigma_p, s.mu_q, s.sigma_q, width, half),
                entropy_p_binned: binned,
                minus_log_width: minusLog, entropy_p_shifted: binned - minusLog,
                h_p: KLMath.gaussianEntropy(s.sigma_p)};
      }
      var evidence = KLMath.logEvidence(config.x, config.noise);
      var bound = KLMath.elbo(config.x, config.noise, s.q_mean, s.q_std);
      var post = KLMath.posterior(config.x, config.noise);
      return {log_evidence: evidence, elbo: bound, gap: evidence - bound,
              kl_q_posterior: KLMath.klGaussian(s.q_mean, s.q_std, post[0], post[1])};
    }

    // gaussian_markup._density: the binned Gaussian on the plotting grid, divided by its step.
    function density(mu, sigma) {
      var step = config.plotStep, half = config.halfRange, xs = [], ys = [];
      var probabilities = KLMath.discretizeGaussian(mu, sigma, step, half);
      probabilities.forEach(function (value, k) {
        var x = -half + (k + 0.5) * step;
        if (x > win[0] && x < win[1]) { xs.push(x); ys.push(value / step); }
      });
      return [xs, ys];
    }

    function curves(s) {  // gaussian_markup.curves
      if (mode === "divergence") {
        var width = config.widths[s.bin], half = config.halfRange, xs = [], ys = [];
        KLMath.discretizeGaussian(s.mu_p, s.sigma_p, width, half).forEach(function (value, k) {
          var x = -half + (k + 0.5) * width;
          if (x > win[0] && x < win[1]) {
            xs.push(x - width / 2, x + width / 2);
            ys.push(value / width, value / width);
          }
        });
        return {p: density(s.mu_p, s.sigma_p), q: density(s.mu_q, s.sigma_q), bins: [xs, ys]};
      }
      var post = KLMath.posterior(config.x, config.noise);
      return {p: density(post[0], post[1]), q: density(s.q_mean, s.q_std)};
    }

    function yAxis(found) {  // gaussian_markup._y_axis
      var tallest = 0;
      for (var name in found) tallest = Math.max(tallest, Math.max.apply(null, found[name][1]));
      for (var i = 0; i < config.yAxes.length; i++) if (tallest <= config.yAxes[i][0]) return config.yAxes[i];
      return config.yAxes[config.yAxes.length - 1];
    }

    function drawTicks(step) {
      while (yAxisGroup.firstChild) yAxisGroup.removeChild(yAxisGroup.firstChild);
      for (var i = 0; i <= Math.round(top / step); i++) {
        var y = yOf(i * step);
        element("line", {x1: g.left - 5, x2: g.left, y1: num(y), y2: num(y), stroke: "#1a1a1a"}, yAxisGroup);
        element("text", {x: g.left - 8, y: num(y + 6), "text-anchor": "end"}, yAxisGroup, label(i * step));
      }
    }

    function draw(s) {
      var found = curves(s), axis = yAxis(found);
      if (axis[0] !== top) { top = axis[0]; drawTicks(axis[1]); }
      for (var name in found) {
        var xs = found[name][0], ys = found[name][1], points = [];
        for (var i = 0; i < xs.length; i++) points.push(num(xOf(xs[i])) + "," + num(yOf(ys[i])));
        lines[name].setAttribute("points", points.join(" "));
      }
    }

    var last = null;
    function update() {
      var s = settings(), values = compute(s);
      for (var key in hooks) hooks[key].textContent = fmt(values[key]);
      draw(s);
      last = {settings: s, values: values};
    }

    var pending = false, schedule = window.requestAnimationFrame || function (f) { return setTimeout(f, 16); };
    function run() {
      pending = false;
      try { update(); } finally { root.removeAttribute("data-busy"); }
    }
    function moved() {
      params.forEach(function (name) {
        var value = parseFloat(inputs[name].value);
        var text = name === "bin" ? label(config.widths[value]) : label(value);
        outputs[name].textContent = text;
        if (name === "bin") inputs[name].setAttribute("aria-valuetext", "\u0394 = " + text);
      });
      if (pending) return;
      pending = true;
      root.setAttribute("data-busy", "");
      schedule(run);
    }

    params.forEach(function (name) { inputs[name].addEventListener("input", moved); });
    root.querySelector('[data-action="reset"]').addEventListener("click", function () {
      params.forEach(function (name) { inputs[name].value = config.start[name]; });
      moved();
    });
    top = yAxis(curves(settings()))[0];

    // For tests: update now (synchronously), and what the last update computed.
    root.__klRefit = function () { update(); return last; };
    root.__klState = function () { return last; };
  }

  KLInteractives.register("gaussian", mount);
})();
