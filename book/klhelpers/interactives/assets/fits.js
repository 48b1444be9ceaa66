// fits.js: forward vs reverse fits on the website, the browser twin of
// klhelpers/interactives/fits.py (explore_fits).
//
// The page already shows the starting P, both fits, the chart and every number, drawn in
// Python. This script makes them move: it reads the five sliders, asks KLMath (klmath.js)
// for P (twoPeaks), the forward fit (fitGaussian), the reverse fit and its other valleys
// (localFits) and the share of P the reverse fit keeps (shareKept), then rewrites the
// readouts and moves the chart's elements, found by their data- hooks. The search settings,
// the floor and the number of positions come in the config (klhelpers.fits.SEARCH, FLOOR,
// N_POSITIONS); the texts of the bound flags too. Nothing here is a formula of the book.
//
// A refit takes tens of milliseconds, so slider moves are coalesced: at most one refit per
// animation frame, the last setting winning. While one is pending the twin carries data-busy.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  // x with `decimals` decimals, as Python's f"{x:.{decimals}f}" writes it. toFixed rounds an
  // exact tie (a float ending in 5 at the next digit, such as 26.625) away from zero, Python
  // to the even digit; other numbers come out the same (both round the float's exact value).
  function fixed(x, decimals) {
    var text = Math.abs(x).toFixed(decimals), exact = Math.abs(x).toFixed(Math.min(decimals + 30, 100));
    var point = exact.indexOf(".") + decimals;
    if (/^50*$/.test(exact.slice(point + 1)) && Number(exact.charAt(point)) % 2 === 0) {
      text = exact.slice(0, point + 1);  // a tie whose last kept digit is even: Python keeps it
    }
    return (x < 0 ? "-" : "") + text;
  }

  // A readout, as klhelpers.interactives.fits.fmt writes it: never "-0.00", infinity as the sign.
  function fmt(x, decimals) {
    if (x === Infinity) return "\u221e";
    if (x === -Infinity) return "-\u221e";
    var text = fixed(x, decimals === undefined ? 4 : decimals);
    return /^-[0.]*$/.test(text) ? text.slice(1) : text;
  }

  function label(x) {  // as Python's f"{x:g}" writes the sliders' values and the ticks
    return String(parseFloat(x.toPrecision(6)));
  }

  function element(tag, attributes, parent, text) {
    var node = document.createElementNS(SVG, tag);
    for (var name in attributes) node.setAttribute(name, attributes[name]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function num(x) { return x.toFixed(2); }

  function mount(root, config) {
    var g = config.geometry, n = config.n, params = config.params;
    var plotW = g.width - g.left - g.right, plotH = g.height - g.top - g.bottom;
    var base = g.top + plotH, slot = plotW / n, top = null;
    var inputs = {}, outputs = {}, hooks = {}, flags = {};
    params.forEach(function (name) {
      inputs[name] = root.querySelector('input[data-param="' + name + '"]');
      outputs[name] = root.querySelector('output[data-output="' + name + '"]');
    });
    root.querySelectorAll("[data-quantity]").forEach(function (node) {
      hooks[node.getAttribute("data-quantity")] = node;
    });
    root.querySelectorAll("[data-bound]").forEach(function (node) {
      flags[node.getAttribute("data-bound")] = node;
    });
    var results = root.querySelector(".kl-results"), chart = root.querySelector("svg.kl-chart");
    var bars = [], lines = {}, letters = {}, yAxisGroup = chart.querySelector('g[data-axis="y"]');
    chart.querySelectorAll("rect[data-k]").forEach(function (bar) { bars[+bar.getAttribute("data-k")] = bar; });
    chart.querySelectorAll("polyline[data-fit]").forEach(function (line) {
      lines[line.getAttribute("data-fit")] = line;
    });
    chart.querySelectorAll("text[data-peak]").forEach(function (text) {
      letters[text.getAttribute("data-peak")] = text;
    });

    function xOf(position) { return g.left + (position + 0.5) * slot; }
    function yOf(value) { return g.top + plotH * (1 - Math.min(value, top) / top); }

    function settings() {
      var s = {};
      params.forEach(function (name) { s[name] = parseFloat(inputs[name].value); });
      return s;
    }

    // Everything one setting shows, as fits.compute gathers it: every number from KLMath.
    function compute(s) {
      var centers = [s.center_a, s.center_b];
      var p = KLMath.twoPeaks(centers, [s.width_a, s.width_b], s.share_a, n, config.floor);
      var reverseFits = KLMath.localFits(p, "reverse", config.search);
      var share = KLMath.shareKept(p, centers, reverseFits[0].mean);
      return {settings: s, p: p, forward: KLMath.fitGaussian(p, "forward", config.search),
              reverse: reverseFits[0], valleys: reverseFits.slice(1), share: share, cost: KLMath.surprisal([share])[0]};
    }

    // fits.bound_message: the flag's text, empty unless the fit sits on a bound of the search.
    function boundMessage(fit) {
      var keys = [];
      if (fit.atBound.indexOf("width") >= 0) keys.push(fit.width > config.widthMiddle ? "width-high" : "width-low");
      if (fit.atBound.indexOf("mean") >= 0) keys.push(fit.mean > config.meanMiddle ? "mean-high" : "mean-low");
      if (!keys.length) return "";
      return "On a search bound, the " + config.names[fit.direction] + " fit: " +
        keys.map(function (key) { return config.bounds[key]; }).join(" ");
    }

    // fits.readout_texts
    function texts(state) {
      var f = state.forward, r = state.reverse;
      var valleys = state.valleys.map(function (v) {
        return "\u03bc " + fmt(v.mean, 2) + ", \u03c3 " + fmt(v.width, 2) + ": " + fmt(v.divergence) + " nats" +
          (v.atBound.length ? " " + config.onBound : "");
      }).join("; ");
      return {
        "forward-kl": fmt(f.divergence) + " nats", "forward-mean": fmt(f.mean, 2), "forward-width": fmt(f.width, 2),
        "reverse-kl": fmt(r.divergence) + " nats", "reverse-mean": fmt(r.mean, 2), "reverse-width": fmt(r.width, 2),
        "reverse-share": fmt(state.share), "reverse-cost": fmt(state.cost),
        "reverse-valleys": valleys || config.none
      };
    }

    // fits.y_axis: the lowest of the fixed axes that holds P and both fits.
    function yAxis(state) {
      var tallest = Math.max(Math.max.apply(null, state.p), Math.max.apply(null, state.forward.q),
                             Math.max.apply(null, state.reverse.q));
      for (var i = 0; i < config.yAxes.length; i++) if (tallest <= config.yAxes[i][0]) return config.yAxes[i];
      return config.yAxes[config.yAxes.length - 1];
    }

    function drawTicks(step) {  // fits._y_ticks
      while (yAxisGroup.firstChild) yAxisGroup.removeChild(yAxisGroup.firstChild);
      for (var i = 0; i <= Math.floor(top / step + 1e-9); i++) {
        var y = yOf(i * step);
        element("line", {x1: g.left - 5, x2: g.left, y1: num(y), y2: num(y), stroke: "#1a1a1a"}, yAxisGroup);
        yAxisGroup.appendChild(document.createTextNode(" "));
        element("text", {x: g.left - 8, y: num(y + 6), "text-anchor": "end"}, yAxisGroup, label(i * step));
        yAxisGroup.appendChild(document.createTextNode(" "));
      }
    }

    // fits.letter_positions: over each peak's tallest bar, side by side when the peaks meet.
    function letterPositions(s, p) {
      var places = ["a", "b"].map(function (name) {
        var center = s["center_" + name], k = Math.min(Math.max(Math.floor(center + 0.5), 0), n - 1);
        var height = Math.max.apply(null, p.slice(Math.max(k - 1, 0), k + 2));
        return [xOf(center), Math.max(yOf(height) - g.letterLift, g.font)];
      });
      var xa = places[0][0], xb = places[1][0];
      if (Math.abs(xa - xb) < g.letterGap) {
        var middle = (xa + xb) / 2, half = g.letterGap / 2, sign = xa <= xb ? -1 : 1;
        var y = Math.min(places[0][1], places[1][1]);
        places = [[middle + sign * half, y], [middle - sign * half, y]];
      }
      return places;
    }

    function chartLabel(state) {  // fits.chart_label
      var s = state.settings, f = state.forward, r = state.reverse;
      return "P over positions 0 to " + (n - 1) + ": peak A at " + label(s.center_a) + ", peak B at " +
        label(s.center_b) + ". Solid line: forward (inclusive) fit, \u03bc " + fmt(f.mean, 2) + ", \u03c3 " +
        fmt(f.width, 2) + ". Dashed line: reverse (exclusive) fit, \u03bc " + fmt(r.mean, 2) + ", \u03c3 " +
        fmt(r.width, 2) + ".";
    }

    function draw(state) {
      var axis = yAxis(state);
      if (axis[0] !== top) {  // a new scale: the ticks follow (the x ticks never move)
        top = axis[0];
        drawTicks(axis[1]);
      }
      state.p.forEach(function (value, k) {
        var y = yOf(value);
        bars[k].setAttribute("y", num(y));
        bars[k].setAttribute("height", num(base - y));
      });
      [state.forward, state.reverse].forEach(function (fit) {
        lines[fit.direction].setAttribute("points", fit.q.map(function (value, k) {
          return num(xOf(k)) + "," + num(yOf(value));
        }).join(" "));
      });
      letterPositions(state.settings, state.p).forEach(function (place, i) {
        var letter = letters[i ? "B" : "A"];
        letter.setAttribute("x", num(place[0]));
        letter.setAttribute("y", num(place[1]));
      });
      chart.setAttribute("aria-label", chartLabel(state));
    }

    var last = null;
    function refit() {
      var started = performance.now(), state = compute(settings()), shown = texts(state);
      for (var key in shown) hooks[key].textContent = shown[key];
      flags.forward.textContent = boundMessage(state.forward);
      flags.reverse.textContent = boundMessage(state.reverse);
      draw(state);
      last = {settings: state.settings, milliseconds: performance.now() - started,
              forward: {mean: state.forward.mean, width: state.forward.width, atBound: state.forward.atBound},
              reverse: {mean: state.reverse.mean, width: state.reverse.width, atBound: state.reverse.atBound}};
    }

    var pending = false, schedule = window.requestAnimationFrame || function (f) { return setTimeout(f, 16); };
    function run() {
      pending = false;
      try {
        refit();
      } finally {
        root.removeAttribute("data-busy");
        results.removeAttribute("aria-busy");
      }
    }
    function moved() {
      params.forEach(function (name) { outputs[name].textContent = label(parseFloat(inputs[name].value)); });
      if (pending) return;
      pending = true;
      root.setAttribute("data-busy", "");
      results.setAttribute("aria-busy", "true");
      schedule(run);
    }

    params.forEach(function (name) { inputs[name].addEventListener("input", moved); });
    root.querySelector('[data-action="reset"]').addEventListener("click", function () {
      params.forEach(function (name) { inputs[name].value = config.start[name]; });
      moved();
    });

    // For tests: refit now (synchronously), and what the last refit found.
    root.__klRefit = function () { refit(); return last.milliseconds; };
    root.__klState = function () { return last; };
  }

  KLInteractives.register("fits", mount);
})();
