// estimator-samples.js: sampled KL estimators on the website, the browser twin of
// klhelpers/interactives/estimator_samples.py (explore_estimator_samples).
//
// The page already shows a whole run, drawn in Python. This script draws the same replies
// (KLMath.drawTokens, the same stream as klhelpers.interactives.sampling's;
// a reply is the first k with u < pi_0 + ... + pi_k), asks KLMath for each token's k1, k2, k3
// (estimatorValuesByToken) and for the exact D_KL(pi || pi_ref) (klDivergence), and replays the
// run when the reader presses Play, max(1, ceil(growth * n)) replies per animation frame.
(function () {
  "use strict";

  function num(x) { return String(parseFloat(x.toFixed(2))); }

  function mount(root, config) {
    var g = config.geometry, n = config.nMax, timer = null, names = config.names;
    var tokens = KLMath.drawTokens(config.policy, config.nMax, config.seed);
    var values = KLMath.estimatorValuesByToken(config.policy.map(Math.log), config.reference);
    var exact = KLMath.klDivergence(config.policy, config.reference);
    var running = {}, sums = {}, steps = [], m = 0;
    names.forEach(function (name) { running[name] = new Array(config.nMax); sums[name] = 0; });
    for (var i = 0; i < config.nMax; i++) {
      names.forEach(function (name) {
        sums[name] += values[name][tokens[i]];
        running[name][i] = sums[name] / (i + 1);
      });
    }
    while (m < config.nMax) {
      m = Math.min(config.nMax, m + Math.max(1, Math.ceil(config.growth * m)));
      steps.push(m);
    }
    var lines = {}, hooks = {};
    root.querySelectorAll("polyline[data-running]").forEach(function (node) {
      lines[node.getAttribute("data-running")] = node;
    });
    root.querySelectorAll("[data-quantity]").forEach(function (node) {
      hooks[node.getAttribute("data-quantity")] = node;
    });
    var play = root.querySelector('[data-action="play"]'), pause = root.querySelector('[data-action="pause"]');
    var reset = root.querySelector('[data-action="reset"]');
    var plotW = g.width - g.left - g.right, plotH = g.height - g.top - g.bottom;
    function xOf(count) { return g.left + plotW * Math.log10(count) / Math.log10(config.nMax); }
    function yOf(value) {
      var clipped = Math.min(Math.max(value, g.low), g.high);
      return g.top + plotH * (g.high - clipped) / (g.high - g.low);
    }

    function draw() {
      names.forEach(function (name) {
        var points = [];
        for (var s = 0; s < steps.length && steps[s] <= n; s++) {
          points.push(num(xOf(steps[s])) + "," + num(yOf(running[name][steps[s] - 1])));
        }
        lines[name].setAttribute("points", points.join(" "));
        hooks[name].textContent = n ? running[name][n - 1].toFixed(4) : config.none;
      });
      hooks.n.textContent = n.toLocaleString("en-US");
      hooks.exact.textContent = exact.toFixed(4);
    }

    function setPlaying(playing) {
      var focused = document.activeElement;
      play.disabled = playing;
      pause.disabled = !playing;
      root.toggleAttribute("data-playing", playing);
      if (focused === play && playing) pause.focus();
      if (focused === pause && !playing) play.focus();
    }

    function stop() {
      if (timer !== null) cancelAnimationFrame(timer);
      timer = null;
      setPlaying(false);
    }

    function frame() {
      n = Math.min(config.nMax, n + Math.max(1, Math.ceil(config.growth * n)));
      draw();
      if (n >= config.nMax) { stop(); return; }
      timer = requestAnimationFrame(frame);
    }

    play.addEventListener("click", function () {
      if (timer !== null) return;
      if (n >= config.nMax) { n = 0; draw(); }  // a finished run plays again from the start
      setPlaying(true);
      timer = requestAnimationFrame(frame);
    });
    pause.addEventListener("click", stop);
    reset.addEventListener("click", function () { stop(); n = 0; draw(); });
    draw();
    root.__klState = function () {  // for tests
      return {n: n, tokens: tokens.slice(0, n), playing: timer !== null, exact: exact,
              means: names.reduce(function (out, name) { out[name] = n ? running[name][n - 1] : null; return out; }, {})};
    };
  }

  KLInteractives.register("estimator-samples", mount);
})();
