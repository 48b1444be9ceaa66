// joint.js: the joint explorer on the website, the browser twin of
// klhelpers/interactives/joint.py (explore_joint).
//
// The page already shows the starting table, the information diagram and every number, drawn
// in Python. This script makes them move: it reads the dependence t and the five weights of X,
// builds the table (1 - t) P_X P_Y + t P_X P_{Y|X} as joint.mix_table does (a mixture of two
// tables, cell by cell), asks KLMath (klmath.js) for every entropy and for I(X;Y), then rewrites
// the readouts and moves the chart's elements, found by their data- hooks.
(function () {
  "use strict";

  // x with `decimals` decimals, as Python's f"{x:.{decimals}f}" writes it (ties to even).
  function fixed(x, decimals) {
    var text = Math.abs(x).toFixed(decimals), exact = Math.abs(x).toFixed(Math.min(decimals + 30, 100));
    var point = exact.indexOf(".") + decimals;
    if (/^50*$/.test(exact.slice(point + 1)) && Number(exact.charAt(point)) % 2 === 0) {
      text = exact.slice(0, point + 1);
    }
    return (x < 0 ? "-" : "") + text;
  }

  // joint.fmt: never "-0.0000".
  function fmt(x, decimals) {
    var text = fixed(x, decimals === undefined ? 4 : decimals);
    return /^-[0.]*$/.test(text) ? text.slice(1) : text;
  }

  function num(x) { return String(parseFloat(x.toFixed(2))); }

  // joint.mix_table: (1 - t) P_X (x) P_Y + t P_X P_{Y|X}, with P_Y the dependent table's column sums.
  function mixTable(px, conditional, t) {
    var dependent = conditional.map(function (row, x) { return row.map(function (v) { return px[x] * v; }); });
    var py = KLMath.marginals(dependent)[1], independent = KLMath.independentJoint(px, py);
    return dependent.map(function (row, x) {
      return row.map(function (v, y) { return (1 - t) * independent[x][y] + t * v; });
    });
  }

  function transpose(table) {
    return table[0].map(function (_, j) { return table.map(function (row) { return row[j]; }); });
  }

  // joint.compute: every readout, from KLMath.
  function compute(weights, t, conditional) {
    var px = KLMath.normalize(weights), pxy = mixTable(px, conditional, t), m = KLMath.marginals(pxy);
    return {pxy: pxy, values: {
      entropy_x: KLMath.entropy(m[0]), entropy_y: KLMath.entropy(m[1]), joint_entropy: KLMath.jointEntropy(pxy),
      conditional_entropy: KLMath.conditionalEntropy(pxy),
      conditional_entropy_xy: KLMath.conditionalEntropy(transpose(pxy)),
      mutual_information: KLMath.mutualInformation(pxy)}};
  }

  function mount(root, config) {
    var g = config.geometry, b = g.bars, vocab = config.vocab, size = vocab.length;
    var scale = (g.width - b.left - b.right) / b.max;
    var params = ["dependence"].concat(vocab.map(function (_, k) { return "w" + k; }));
    var inputs = {}, outputs = {}, hooks = {}, cells = {}, segs = {};
    params.forEach(function (name) {
      inputs[name] = root.querySelector('input[data-param="' + name + '"]');
      outputs[name] = root.querySelector('output[data-output="' + name + '"]');
    });
    root.querySelectorAll("[data-quantity]").forEach(function (node) {
      hooks[node.getAttribute("data-quantity")] = node;
    });
    root.querySelectorAll("g[data-cell]").forEach(function (node) {
      cells[node.getAttribute("data-cell")] = {rect: node.querySelector("rect"), text: node.querySelector("text")};
    });
    root.querySelectorAll("rect[data-seg]").forEach(function (node) {
      var key = node.getAttribute("data-seg");
      (segs[key] = segs[key] || []).push(node);
    });
    var table = root.querySelector("svg.kl-table"), bars = root.querySelector("svg.kl-bars");
    var message = root.querySelector(".kl-message");

    function tableLabel(state, t) {  // joint.table_label
      var best = [0, 0];
      state.pxy.forEach(function (row, x) {
        row.forEach(function (v, y) { if (v > state.pxy[best[0]][best[1]]) best = [x, y]; });
      });
      return "The joint table of the first token X (rows) and the second Y (columns), dependence t = " +
        String(parseFloat(t.toPrecision(6))) + ". Its largest cell is X = " + vocab[best[0]] + ", Y = " +
        vocab[best[1]] + ", probability " + fixed(state.pxy[best[0]][best[1]], 3) + ".";
    }

    function barsLabel(v) {  // joint.bars_label
      return "Information diagram: the bar H(X,Y) = " + fmt(v.joint_entropy) + " nats is split into H(X|Y) = " +
        fmt(v.conditional_entropy_xy) + ", I(X;Y) = " + fmt(v.mutual_information) + " and H(Y|X) = " +
        fmt(v.conditional_entropy) + "; H(X) = " + fmt(v.entropy_x) + " covers the first two, H(Y) = " +
        fmt(v.entropy_y) + " the last two.";
    }

    function draw(state, t) {
      var top = Math.max.apply(null, [].concat.apply([], state.pxy));
      for (var x = 0; x < size; x++) {
        for (var y = 0; y < size; y++) {
          var value = state.pxy[x][y], shade = top > 0 ? value / top : 0, cell = cells[x + "-" + y];
          cell.rect.setAttribute("fill-opacity", num(0.05 + 0.9 * shade));
          cell.text.setAttribute("fill", shade > 0.55 ? "#fff" : "#1a1a1a");
          cell.text.textContent = fixed(value, 3);
        }
      }
      var v = state.values, a = Math.max(v.conditional_entropy_xy, 0), i = Math.max(v.mutual_information, 0);
      var spans = {a: [0, a], i: [a, i], b: [a + i, Math.max(v.conditional_entropy, 0)]};
      Object.keys(segs).forEach(function (key) {
        segs[key].forEach(function (rect) {
          rect.setAttribute("x", num(b.left + spans[key][0] * scale));
          rect.setAttribute("width", num(spans[key][1] * scale));
        });
      });
      table.setAttribute("aria-label", tableLabel(state, t));
      bars.setAttribute("aria-label", barsLabel(v));
      for (var key in v) if (hooks[key]) hooks[key].textContent = fmt(v[key]);
    }

    var last = null;
    function update() {
      params.forEach(function (name) { outputs[name].textContent = fixed(parseFloat(inputs[name].value), 2); });
      var weights = vocab.map(function (_, k) { return parseFloat(inputs["w" + k].value); });
      var t = parseFloat(inputs.dependence.value);
      if (!(weights.reduce(function (s, w) { return s + w; }, 0) > 0)) {
        message.textContent = config.allZero;
        return;
      }
      message.textContent = "";
      var state = compute(weights, t, config.conditional);
      draw(state, t);
      last = {weights: weights, dependence: t, pxy: state.pxy, values: state.values};
    }

    params.forEach(function (name) { inputs[name].addEventListener("input", update); });
    root.querySelector('[data-action="reset"]').addEventListener("click", function () {
      inputs.dependence.value = config.start.dependence;
      config.start.weights.forEach(function (w, k) { inputs["w" + k].value = w; });
      update();
    });
    root.querySelector('[data-action="independent"]').addEventListener("click", function () {
      inputs.dependence.value = 0;
      update();
    });

    // For tests: what the last update computed.
    root.__klState = function () { return last; };
  }

  KLInteractives.register("joint", mount);
})();
