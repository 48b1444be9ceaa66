// explorer.js: the Q explorer on the website, the browser twin of
// klhelpers/interactives/explorer.py.
//
// The page already shows the starting Q, its chart and its numbers, drawn in Python
// (klhelpers/interactives/charts.py). This script makes them move: it reads the
// controls, asks KLMath (klmath.js) for every number, and moves the chart's existing
// elements, found by their data- hooks. The reader can
//   - move a weight slider (Q = the weights rescaled to sum to 1),
//   - drag a Q bar up or down (that token's q, the others in proportion), or focus it
//     (Tab) and move it with the arrow keys, as a slider,
//   - with a focus token, drag along the curve of D_KL(P||Q) against q(token), log scale,
//   - reset Q, or set Q = P.
// State: the exact weights; the sliders show them rounded to their step.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  // The readout text, as klhelpers.interactives.explorer.fmt writes it.
  function fmt(x) {
    if (x === Infinity) return "\u221e";
    var text = x.toFixed(4);
    return text === "-0.0000" ? "0.0000" : text;
  }

  // Decimals that show every multiple of a tick step, as charts.tick_decimals counts them.
  function tickDecimals(step) { return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)); }

  // The bar chart's y-axis (top, step), as charts.y_axis chooses it.
  function yAxis(axes, p, q) {
    var tallest = 1.15 * Math.max(Math.max.apply(null, p), Math.max.apply(null, q));
    for (var i = 0; i < axes.length; i++) if (tallest <= axes[i][0]) return axes[i];
    return axes[axes.length - 1];
  }

  // The focus chart's y-axis top, as explorer.curve_top chooses it.
  function curveTop(points) {
    var highest = 0, top = 0.5;
    points.forEach(function (point) { if (isFinite(point[1])) highest = Math.max(highest, point[1]); });
    while (top < highest * 1.05) top *= String(top)[0] === "2" ? 2.5 : 2;
    return top;
  }

  function element(tag, attributes, parent, text) {
    var node = document.createElementNS(SVG, tag);
    for (var name in attributes) node.setAttribute(name, attributes[name]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  // Tick marks and labels of a y-axis from 0 to top, as charts._ticks draws them.
  function drawTicks(group, g, top, step, yOf) {
    while (group.firstChild) group.removeChild(group.firstChild);
    for (var i = 0, decimals = tickDecimals(step); i <= Math.floor(top / step + 1e-9); i++) {
      var y = yOf(i * step);
      element("line", {x1: g.left - 5, x2: g.left, y1: y, y2: y, stroke: "#1a1a1a"}, group);
      element("text", {x: g.left - 8, y: y + 5, "text-anchor": "end"}, group, (i * step).toFixed(decimals));
    }
  }

  // Keep a drag's pointer events coming to `node` even when the pointer leaves it.
  function capture(node, event) {
    try { node.setPointerCapture(event.pointerId); } catch (error) { /* a synthetic pointer: nothing to keep */ }
  }

  // Where a pointer event falls, in the coordinates of an <svg>'s view box.
  function pointIn(svg, event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  // d with tokens pair = [i, j] merged into one, in i's place, as explorer_markup.merged does.
  function merged(d, pair) {
    var out = d.slice();
    out[pair[0]] = d[pair[0]] + d[pair[1]];
    out.splice(pair[1], 1);
    return out;
  }

  function mount(root, config) {
    var p = config.p, tokens = config.tokens, n = tokens.length, g = config.geometry;
    var weights = config.weights.slice(), q = KLMath.normalize(weights), lastQ = q;
    var inputs = root.querySelectorAll('.kl-sliders input[type="range"]');
    var hooks = {};
    root.querySelectorAll("[data-quantity]").forEach(function (node) {
      hooks[node.getAttribute("data-quantity")] = node;
    });
    var chart = root.querySelector("svg.kl-chart"), message = root.querySelector(".kl-message");
    var plotH = g.height - g.top - g.bottom, base = g.top + plotH, slot = (g.width - g.left - g.right) / n;
    var axis = yAxis(config.yAxes, p, q), frozenAxis = null;
    var bars = {p: [], q: []}, labels = {p: [], q: []}, handles = [];
    chart.querySelectorAll("rect[data-bar]").forEach(function (bar) {
      bars[bar.getAttribute("data-bar")][+bar.getAttribute("data-k")] = bar;
    });
    chart.querySelectorAll("text[data-label]").forEach(function (text) {
      labels[text.getAttribute("data-label")][+text.getAttribute("data-k")] = text;
    });

    function yOf(value, top) { return g.top + plotH * (1 - Math.min(value, top) / top); }

    // A token's two value labels, lifted apart when the bars are about as tall (charts.label_ys).
    function labelYs(yP, yQ) {
      var lp = yP - 4, lq = yQ - 4;
      if (Math.abs(lp - lq) < g.labelLine) {
        if (yP <= yQ) lp = lq - g.labelLine; else lq = lp - g.labelLine;
      }
      return {p: lp, q: lq};
    }

    function drawBars() {
      var next = frozenAxis || yAxis(config.yAxes, p, q);
      if (next[0] !== axis[0]) {
        axis = next;
        drawTicks(chart.querySelector('g[data-axis="y"]'), g, axis[0], axis[1],
                  function (v) { return yOf(v, axis[0]); });
      }
      [["p", p], ["q", q]].forEach(function (pair) {
        pair[1].forEach(function (value, k) {
          var y = yOf(value, axis[0]);
          bars[pair[0]][k].setAttribute("y", y.toFixed(2));
          bars[pair[0]][k].setAttribute("height", (base - y).toFixed(2));
          if (labels[pair[0]][k]) {
            var ys = labelYs(yOf(p[k], axis[0]), yOf(q[k], axis[0]));
            labels[pair[0]][k].setAttribute("y", ys[pair[0]].toFixed(2));
            labels[pair[0]][k].textContent = value.toFixed(2);
          }
        });
      });
      chart.setAttribute("aria-label", "Bar chart of P and Q. " + tokens.map(function (token, k) {
        return token + ": p " + p[k].toFixed(2) + ", q " + q[k].toFixed(2);
      }).join("; "));
      handles.forEach(function (handle, k) {
        handle.setAttribute("aria-valuenow", q[k].toFixed(4));
        handle.setAttribute("aria-valuetext", "q(" + tokens[k] + ") = " + fmt(q[k]));
      });
    }

    var focus = config.focus && makeFocus(config.focus);

    function update() {
      var d = KLMath.klDivergence(p, q);
      var values = {entropy_p: KLMath.entropy(p), cross_entropy_pq: KLMath.crossEntropy(p, q),
                    gap: d, kl_pq: d, kl_qp: KLMath.klDivergence(q, p),
                    total_variation: KLMath.totalVariation(p, q), pinsker_bound: Math.sqrt(d / 2),
                    half_chi_square: KLMath.chiSquare(p, q) / 2,
                    contrib_pq: KLMath.klContributions(p, q), contrib_qp: KLMath.klContributions(q, p)};
      config.show.forEach(function (key) { hooks[key].textContent = fmt(values[key]); });
      if (config.merge) {
        hooks.kl_merged.textContent = fmt(KLMath.klDivergence(merged(p, config.merge), merged(q, config.merge)));
      }
      tokens.forEach(function (token, k) {
        hooks["q:" + token].textContent = fmt(q[k]);
        config.terms.forEach(function (term) { hooks[term + ":" + token].textContent = fmt(values[term][k]); });
        inputs[k].setAttribute("aria-valuetext", "weight " + weights[k].toFixed(2) + ", q " + fmt(q[k]));
      });
      drawBars();
      if (focus) focus.draw(values.kl_pq);
    }

    function fromWeights() {  // a slider moved: Q is the weights rescaled
      var next = KLMath.normalize(weights);
      message.textContent = next ? "" : config.allZero;  // all zero: keep the last valid Q
      q = lastQ = next || lastQ;
      update();
    }

    function setQ(next) {  // a bar or the curve moved: Q exactly, the sliders follow
      var top = Math.max.apply(null, next);
      q = lastQ = next;
      weights = next.map(function (v) { return v / top; });
      inputs.forEach(function (input, k) { input.value = weights[k]; });
      message.textContent = "";
      update();
    }

    inputs.forEach(function (input, k) {
      input.addEventListener("input", function () {
        weights[k] = parseFloat(input.value);
        fromWeights();
      });
    });
    root.querySelector('[data-action="reset"]').addEventListener("click", function () {
      weights = config.weights.slice();
      inputs.forEach(function (input, k) { input.value = weights[k]; });
      fromWeights();
    });
    root.querySelector('[data-action="q-equals-p"]').addEventListener("click", function () { setQ(p.slice()); });

    // Dragging a Q bar sets that token's q; the axis holds still until the bar is let go.
    var dragged = null;
    chart.addEventListener("pointerdown", function (event) {
      var point = pointIn(chart, event), k = Math.floor((point.x - g.left) / slot);
      if (k < 0 || k >= n || point.y < g.top - 10 || point.y > base + 10) return;
      dragged = k;
      frozenAxis = axis;
      capture(chart, event);
      drag(event);
      event.preventDefault();
    });
    function drag(event) {
      if (dragged === null) return;
      var share = (base - pointIn(chart, event).y) / plotH * axis[0];
      setQ(KLMath.withShare(q, dragged, Math.min(Math.max(share, 0), 1)));
    }
    chart.addEventListener("pointermove", drag);

    // The keyboard's way to a Q bar: over each one lies a transparent handle, as tall as the plot
    // and half a slot wide (a target a finger can hit, even for a flat bar), which is a slider for
    // its token's q: Tab to it, then the arrow keys move q by 0.01, Page Up/Down by 0.1, Home/End
    // to 0/1, the other tokens in proportion. Made here, not in the markup: without this script a
    // focusable bar would do nothing. With many tokens the slots are too narrow: the sliders serve.
    if (config.valueLabels) {
      chart.setAttribute("role", "group");  // an "img" would hide the handles from assistive technology
      bars.q.forEach(function (bar, k) {
        handles.push(element("rect", {x: (g.left + (k + 0.5) * slot).toFixed(2), y: g.top,
                                      width: (slot / 2).toFixed(2), height: plotH.toFixed(2),
                                      fill: "transparent", "data-handle": k, tabindex: "0",
                                      role: "slider", "aria-orientation": "vertical",
                                      "aria-label": "Q bar of " + tokens[k] + ": its probability q",
                                      "aria-valuemin": "0", "aria-valuemax": "1"}, chart));
      });
    }
    handles.forEach(function (handle, k) {
      handle.addEventListener("keydown", function (event) {
        var steps = {ArrowUp: 0.01, ArrowRight: 0.01, ArrowDown: -0.01, ArrowLeft: -0.01,
                     PageUp: 0.1, PageDown: -0.1}, share;
        if (event.key === "Home") share = 0;
        else if (event.key === "End") share = 1;
        else if (event.key in steps) share = Math.min(Math.max(q[k] + steps[event.key], 0), 1);
        else return;
        event.preventDefault();
        setQ(KLMath.withShare(q, k, share));
      });
    });
    ["pointerup", "pointercancel"].forEach(function (type) {
      chart.addEventListener(type, function () {
        if (dragged === null) return;
        dragged = frozenAxis = null;
        update();
      });
    });

    // The focus token: D_KL(P||Q) against its q on a log axis, with 0 in a slot of its own.
    function makeFocus(settings) {
      var c = settings.geometry, k = settings.k, low = settings.range[0], high = settings.range[1];
      var control = root.querySelector(".kl-focus-control"), svg = control.querySelector("svg");
      var plotW = c.width - c.left - c.right, zeroSlot = 26, logW = plotW - zeroSlot;
      var height = c.height - c.top - c.bottom, bottom = c.top + height, top = null;
      var curve = svg.querySelector("path[data-curve]"), marker = svg.querySelector("g[data-marker]");
      var markerLabel = svg.querySelector("text[data-marker-label]");

      function xOf(share) {
        return share <= 0 ? c.left + zeroSlot / 2 : c.left + zeroSlot + logW * (Math.log10(share) - low) / (high - low);
      }
      function yOf(value) { return c.top + height * (1 - Math.min(value, top) / top); }
      function curvePoints() {
        var points = [];
        for (var i = 0; i < settings.points - 1; i++) {
          var share = Math.pow(10, low + (high - low) * i / (settings.points - 1));
          points.push([share, KLMath.klDivergence(p, KLMath.withShare(q, k, share))]);
        }
        return points;
      }
      function draw(divergence) {
        var points = curvePoints(), nextTop = curveTop(points);
        if (nextTop !== top) {  // a new scale: the y ticks follow (the x ticks never move)
          top = nextTop;
          drawTicks(svg.querySelector('g[data-axis="y"]'), c, top, top / 5, yOf);
        }
        curve.setAttribute("d", "M" + points.map(function (point) {
          return xOf(point[0]).toFixed(2) + "," + yOf(point[1]).toFixed(2);
        }).join(" L"));
        var x = xOf(q[k]), y = isFinite(divergence) ? yOf(divergence) : c.top;
        marker.querySelector("line").setAttribute("x1", x.toFixed(2));
        marker.querySelector("line").setAttribute("x2", x.toFixed(2));
        marker.querySelector("circle").setAttribute("cx", x.toFixed(2));
        marker.querySelector("circle").setAttribute("cy", y.toFixed(2));
        markerLabel.setAttribute("x", (x + 8).toFixed(2));
        markerLabel.setAttribute("y", Math.max(y - 8, c.top + 12).toFixed(2));
        markerLabel.textContent = fmt(divergence);
        control.setAttribute("aria-valuenow", q[k].toPrecision(6));
        control.setAttribute("aria-valuetext", "q(" + tokens[k] + ") = " + q[k].toPrecision(3) +
                             ", D_KL(P||Q) = " + fmt(divergence));
      }
      function setShare(share) { setQ(KLMath.withShare(q, k, share)); }
      function shareAt(event) {
        var x = pointIn(svg, event).x;
        if (x < c.left + zeroSlot) return 0;
        var exponent = low + (x - c.left - zeroSlot) / logW * (high - low);
        return Math.pow(10, Math.min(Math.max(exponent, low), high - 1e-3));
      }
      var dragging = false;
      control.addEventListener("pointerdown", function (event) {
        dragging = true;
        capture(control, event);
        setShare(shareAt(event));
        event.preventDefault();
      });
      control.addEventListener("pointermove", function (event) { if (dragging) setShare(shareAt(event)); });
      ["pointerup", "pointercancel"].forEach(function (type) {
        control.addEventListener(type, function () { dragging = false; });
      });
      control.addEventListener("keydown", function (event) {  // a quarter decade per key
        var share = q[k], step = Math.pow(10, 0.25), lowest = Math.pow(10, low);
        var keys = {ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1};
        if (event.key === "Home") share = 0;
        else if (event.key === "End") share = Math.pow(10, high - 1e-3);
        else if (keys[event.key] === -1) share = share <= lowest ? 0 : share / step;
        else if (keys[event.key] === 1) share = share <= 0 ? lowest : Math.min(share * step, Math.pow(10, high - 1e-3));
        else return;
        event.preventDefault();
        setShare(share);
      });
      return {draw: draw};
    }

    root.__klState = function () { return {weights: weights.slice(), q: q.slice()}; };  // for tests
    update();
  }

  KLInteractives.register("explorer", mount);
})();
