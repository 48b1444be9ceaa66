// The Q explorer on the website: the browser twin of klhelpers/explorer.py.
//
// A static page has no Python kernel, so the formulas are written here a second
// time. The reference is book/klhelpers/divergences.py (normalize, entropy,
// cross_entropy, kl_contributions, kl_divergence; natural log, so nats) and
// these functions follow it line by line, zeros included:
//   p_k = 0           -> the term is 0
//   p_k > 0, q_k = 0  -> the term is +Infinity (shown as "∞")
// tests/test_explorer_browser.py checks every readout against klhelpers to 4 decimals.
//
// klhelpers.interactive.html_twin inlines this file into the page and calls
// mount(root, config) with the explorer's <div data-explorer> and its JSON config
// {tokens, p, weights, colors, allZero, labelEvery, yAxes}. The static markup already shows the
// starting numbers (computed by klhelpers); mount() draws the chart and wires
// the controls. Token names are data: they reach the page only as text
// (textContent, setAttribute), never as markup.

function sum(values) {
  var total = 0;
  for (var k = 0; k < values.length; k++) total += values[k];
  return total;
}

// normalize(weights): w_k / sum_j w_j; null when every weight is 0 (no distribution).
function normalize(weights) {
  var total = sum(weights);
  if (!(total > 0)) return null;
  return weights.map(function (w) { return w / total; });
}

// entropy(p) = -sum_k p_k log p_k, with 0 log 0 = 0.
function entropy(p) {
  return -sum(p.map(function (pk) { return pk > 0 ? pk * Math.log(pk) : 0; }));
}

// cross_entropy(p, q) = -sum_k p_k log q_k; Infinity where p_k > 0 and q_k = 0.
function crossEntropy(p, q) {
  return sum(p.map(function (pk, k) { return pk > 0 ? -pk * Math.log(q[k]) : 0; }));
}

// kl_contributions(p, q)_k = p_k (log p_k - log q_k); 0 where p_k = 0.
function klContributions(p, q) {
  return p.map(function (pk, k) { return pk > 0 ? pk * (Math.log(pk) - Math.log(q[k])) : 0; });
}

// kl_divergence(p, q) = sum of the contributions, never below 0 (rounding).
function klDivergence(p, q) {
  return Math.max(sum(klContributions(p, q)), 0);
}

// The readout text, as klhelpers.explorer.fmt writes it.
function fmt(x) {
  if (x === Infinity) return "\u221e";
  var text = x.toFixed(4);
  return text === "-0.0000" ? "0.0000" : text;
}

var SVG = "http://www.w3.org/2000/svg";

function svgElement(tag, attributes, parent) {
  var element = document.createElementNS(SVG, tag);
  for (var name in attributes) element.setAttribute(name, attributes[name]);
  if (parent) parent.appendChild(element);
  return element;
}

// The P-vs-Q bar chart, drawn like klhelpers.plots.plot_pq (Okabe-Ito colours,
// hatched Q bars, value labels; the y-axis rule is klhelpers.explorer.y_axis, over
// config.yAxes). With many tokens (config.labelEvery > 1, from klhelpers.plots.label_step)
// it names every labelEvery-th token and drops the value labels, which would overlap,
// and the bars, a pixel or two wide, lose their white edges and hatching, which would hide them.
function makeChart(svg, config, hatchId) {
  var tokens = config.tokens, colors = config.colors, labelEvery = config.labelEvery || 1;
  var few = labelEvery === 1;
  var W = 520, H = 300, left = 50, right = 6, top = 34, bottom = 46;
  var plotW = W - left - right, plotH = H - top - bottom, n = tokens.length;
  var slot = plotW / n, barW = 0.38 * slot;
  svg.setAttribute("font-size", "15");
  svg.setAttribute("fill", "#1a1a1a");
  var defs = svgElement("defs", {}, svg);
  var pattern = svgElement("pattern", {id: hatchId, patternUnits: "userSpaceOnUse",
    width: 7, height: 7, patternTransform: "rotate(45)"}, defs);
  svgElement("rect", {width: 7, height: 7, fill: colors.q}, pattern);
  svgElement("line", {x1: 0, y1: 0, x2: 0, y2: 7, stroke: "#fff", "stroke-width": 2}, pattern);

  var grid = svgElement("g", {"aria-hidden": "true"}, svg);
  var bars = {p: [], q: []}, labels = {p: [], q: []};
  tokens.forEach(function (token, k) {
    var x = left + (k + 0.5) * slot;
    ["p", "q"].forEach(function (which) {
      var x0 = which === "p" ? x - barW : x;
      bars[which].push(svgElement("rect", {x: x0, width: barW, y: top + plotH, height: 0,
        fill: which === "p" ? colors.p : few ? "url(#" + hatchId + ")" : colors.q,
        stroke: "#fff", "stroke-width": few ? 0.5 : 0}, svg));
      labels[which].push(svgElement("text", {x: x0 + barW / 2, "text-anchor": "middle",
        "font-size": 13}, svg));
    });
    if (k % labelEvery === 0) {
      svgElement("text", {x: x, y: top + plotH + 20, "text-anchor": "middle"}, svg).textContent = token;
    }
  });
  svgElement("line", {x1: left, x2: left + plotW, y1: top + plotH, y2: top + plotH,
    stroke: "#1a1a1a"}, svg);
  svgElement("line", {x1: left, x2: left, y1: top, y2: top + plotH, stroke: "#1a1a1a"}, svg);
  svgElement("text", {x: left + plotW / 2, y: H - 6, "text-anchor": "middle"}, svg).textContent = "next token";
  svgElement("text", {x: 13, y: top + plotH / 2, "text-anchor": "middle",
    transform: "rotate(-90 13 " + (top + plotH / 2) + ")"}, svg).textContent = "probability";
  [["P (data)", colors.p], ["Q (model)", few ? "url(#" + hatchId + ")" : colors.q]].forEach(function (entry, i) {
    var x = W - right - 232 + i * 116;
    svgElement("rect", {x: x, y: 8, width: 22, height: 14, fill: entry[1]}, svg);
    svgElement("text", {x: x + 28, y: 20}, svg).textContent = entry[0];
  });

  var shownMax = null;
  return function draw(p, q) {
    // y_axis: the lowest (top, step) of yAxes that every bar fits below, with room for labels.
    var tallest = 1.15 * Math.max(Math.max.apply(null, p), Math.max.apply(null, q));
    var axis = config.yAxes[config.yAxes.length - 1];
    for (var i = 0; i < config.yAxes.length; i++) {
      if (tallest <= config.yAxes[i][0]) { axis = config.yAxes[i]; break; }
    }
    var ymax = axis[0], step = axis[1];
    var y = function (v) { return top + plotH * (1 - v / ymax); };
    if (ymax !== shownMax) {  // the y-axis ticks, redrawn only when the scale changes
      shownMax = ymax;
      while (grid.firstChild) grid.removeChild(grid.firstChild);
      var decimals = step < 0.1 ? 2 : 1;
      for (var j = 0; j * step <= ymax + 1e-9; j++) {
        var t = j * step;
        svgElement("line", {x1: left - 5, x2: left, y1: y(t), y2: y(t), stroke: "#1a1a1a"}, grid);
        svgElement("text", {x: left - 8, y: y(t) + 5, "text-anchor": "end", "font-size": decimals > 1 ? 13 : 15},
                   grid).textContent = t.toFixed(decimals);
      }
    }
    [["p", p], ["q", q]].forEach(function (pair) {
      pair[1].forEach(function (v, k) {
        bars[pair[0]][k].setAttribute("y", y(v));
        bars[pair[0]][k].setAttribute("height", plotH * v / ymax);
        labels[pair[0]][k].setAttribute("y", y(v) - 4);
        labels[pair[0]][k].textContent = few ? v.toFixed(2) : "";
      });
    });
  };
}

function mount(root, config) {
  var tokens = config.tokens, p = config.p;
  var weights = config.weights.slice();
  var inputs = root.querySelectorAll('input[type="range"]');
  var svg = root.querySelector("svg.kl-chart");
  var message = root.querySelector(".kl-message");
  var hooks = {};
  root.querySelectorAll("[data-quantity]").forEach(function (element) {
    hooks[element.getAttribute("data-quantity")] = element;
  });
  var draw = makeChart(svg, config, root.id + "-hatch");
  var lastQ = normalize(weights);

  function update() {
    var q = normalize(weights);
    if (q === null) {  // every weight is 0: no Q exists, keep the last valid one and say so
      q = lastQ;
      message.textContent = config.allZero;
    } else {
      lastQ = q;
      message.textContent = "";
    }
    var values = {kl_pq: klDivergence(p, q), kl_qp: klDivergence(q, p),
                  entropy_p: entropy(p), cross_entropy_pq: crossEntropy(p, q)};
    var cPQ = klContributions(p, q), cQP = klContributions(q, p);
    for (var name in values) hooks[name].textContent = fmt(values[name]);
    tokens.forEach(function (token, k) {
      hooks["q:" + token].textContent = fmt(q[k]);
      hooks["contrib_pq:" + token].textContent = fmt(cPQ[k]);
      hooks["contrib_qp:" + token].textContent = fmt(cQP[k]);
      inputs[k].setAttribute("aria-valuetext", "weight " + weights[k].toFixed(2) + ", q " + fmt(q[k]));
    });
    draw(p, q);
    svg.setAttribute("aria-label", "Bar chart of P and Q. " + tokens.map(function (token, k) {
      return token + ": p " + p[k].toFixed(2) + ", q " + q[k].toFixed(2);
    }).join("; "));
  }

  function setWeights(values) {
    weights = values.slice();
    inputs.forEach(function (input, k) { input.value = weights[k]; });
    update();
  }

  inputs.forEach(function (input, k) {
    input.addEventListener("input", function () {
      weights[k] = parseFloat(input.value);
      update();
    });
  });
  root.querySelector('[data-action="reset"]').addEventListener("click", function () {
    setWeights(config.weights);
  });
  root.querySelector('[data-action="q-equals-p"]').addEventListener("click", function () {
    setWeights(p);
  });
  update();
}
