// code-space.js: the code-space picture on the website, the browser twin of
// klhelpers/interactives/codespace.py (explore_code_space).
//
// The page already shows the chart and the readouts at the starting Q, drawn in Python. This
// script reads the weight sliders, asks KLMath (klmath.js) for Q (normalize), the ideal code
// lengths (surprisal, in nats, divided by ln 2 for bits) and H(P), H(P, Q), D_KL(P||Q), then
// moves the columns' rectangles, found by their data- hooks, and rewrites the readouts.
(function () {
  "use strict";

  function num(x) { return String(parseFloat(x.toFixed(2))); }

  function mount(root, config) {
    var g = config.geometry, p = config.p, axes = config.yAxes;
    var plotH = g.height - g.top - g.bottom, base = g.top + plotH;
    var sliders = [].slice.call(root.querySelectorAll("input[type=range][data-k]"));
    var outputs = {}, hooks = {}, parts = {};
    root.querySelectorAll("output[data-output]").forEach(function (node) {
      outputs[node.getAttribute("data-output")] = node;
    });
    root.querySelectorAll("[data-quantity]").forEach(function (node) {
      hooks[node.getAttribute("data-quantity")] = node;
    });
    root.querySelectorAll("rect[data-part]").forEach(function (rect) {
      parts[rect.getAttribute("data-part") + rect.getAttribute("data-k")] = rect;
    });
    var axisGroup = root.querySelector('g[data-axis="y"]');
    var bits = function (xs) { return xs.map(function (x) { return x / Math.LN2; }); };
    var idealP = bits(KLMath.surprisal(p)), q = null, shownAxis = null;

    function drawAxis(axis) {
      if (shownAxis === axis) return;
      shownAxis = axis;
      var svg = "http://www.w3.org/2000/svg";
      while (axisGroup.firstChild) axisGroup.removeChild(axisGroup.firstChild);
      for (var i = 0; i <= Math.round(axis[0] / axis[1]); i++) {
        var value = i * axis[1], y = g.top + plotH * (1 - value / axis[0]);
        var line = document.createElementNS(svg, "line"), text = document.createElementNS(svg, "text");
        line.setAttribute("x1", g.left - 5); line.setAttribute("x2", g.left);
        line.setAttribute("y1", num(y)); line.setAttribute("y2", num(y)); line.setAttribute("stroke", "#1a1a1a");
        text.setAttribute("x", g.left - 8); text.setAttribute("y", num(y + 5)); text.setAttribute("text-anchor", "end");
        text.textContent = String(value);
        axisGroup.appendChild(line); axisGroup.appendChild(text);
      }
    }

    function update() {
      var weights = sliders.map(function (s) { return parseFloat(s.value); });
      q = KLMath.normalize(weights);
      var idealQ = bits(KLMath.surprisal(q));
      var tallest = Math.max.apply(null, idealP.concat(idealQ));
      var axis = axes[axes.length - 1];
      for (var a = 0; a < axes.length; a++) if (tallest <= axes[a][0]) { axis = axes[a]; break; }
      drawAxis(axis);
      var y = function (v) { return g.top + plotH * (1 - Math.min(v, axis[0]) / axis[0]); };
      for (var k = 0; k < p.length; k++) {
        var hp = idealP[k], hq = idealQ[k];
        parts["ideal" + k].setAttribute("y", num(y(hp)));
        parts["ideal" + k].setAttribute("height", num(base - y(hp)));
        parts["longer" + k].setAttribute("y", num(y(Math.max(hp, hq))));
        parts["longer" + k].setAttribute("height", num(y(hp) - y(Math.max(hp, hq))));
        parts["shorter" + k].setAttribute("y", num(y(hp)));
        parts["shorter" + k].setAttribute("height", num(y(Math.min(hp, hq)) - y(hp)));
        outputs[k].textContent = "q = " + q[k].toFixed(2);
        sliders[k].setAttribute("aria-valuetext", "weight " + weights[k].toFixed(2) + ", q " + q[k].toFixed(2));
      }
      hooks.entropy_bits.textContent = (KLMath.entropy(p) / Math.LN2).toFixed(4);
      hooks.cross_entropy_bits.textContent = (KLMath.crossEntropy(p, q) / Math.LN2).toFixed(4);
      hooks.kl_bits.textContent = (KLMath.klDivergence(p, q) / Math.LN2).toFixed(4);
    }

    function setWeights(values) {
      sliders.forEach(function (s, k) { s.value = values[k]; });
      update();
    }

    sliders.forEach(function (s) { s.addEventListener("input", update); });
    root.querySelector('[data-action="reset"]').addEventListener("click", function () { setWeights(config.start); });
    root.querySelector('[data-action="equal"]').addEventListener("click", function () { setWeights(p); });
    update();
    root.__klState = function () { return {q: q.slice(), heights: idealP.slice()}; };  // for tests
  }

  KLInteractives.register("code-space", mount);
})();
