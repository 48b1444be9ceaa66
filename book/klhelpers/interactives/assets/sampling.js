// sampling.js: the law of large numbers on the website, the browser twin of
// klhelpers/interactives/sampling.py (explore_sampling).
//
// The page already shows a whole run of nMax tokens, drawn in Python. This script draws the
// same tokens (KLMath.drawTokens: mulberry32, mirroring sampling.py's; a token is the
// first k with u < p_0 + ... + p_k), asks KLMath for each token's loss -ln q_x (surprisal) and
// for H(P, Q) (crossEntropy), and replays the run when the reader presses Play: one step per
// animation frame, each step max(1, ceil(growth * n)) tokens, as sampling.schedule does.
(function () {
  "use strict";

  function num(x) { return String(parseFloat(x.toFixed(2))); }
  function fmt(x) { return x === null ? null : x.toFixed(4); }

  function mount(root, config) {
    var g = config.geometry, n = config.nMax, timer = null;
    var tokens = KLMath.drawTokens(config.p, config.nMax, config.seed);
    var cost = KLMath.surprisal(config.q), target = KLMath.crossEntropy(config.p, config.q);
    var running = new Array(config.nMax), sum = 0, steps = [], m = 0;
    for (var i = 0; i < config.nMax; i++) { sum += cost[tokens[i]]; running[i] = sum / (i + 1); }
    while (m < config.nMax) {
      m = Math.min(config.nMax, m + Math.max(1, Math.ceil(config.growth * m)));
      steps.push(m);
    }
    var line = root.querySelector("polyline[data-running]");
    var play = root.querySelector('[data-action="play"]'), pause = root.querySelector('[data-action="pause"]');
    var reset = root.querySelector('[data-action="reset"]'), hooks = {};
    root.querySelectorAll("[data-quantity]").forEach(function (node) {
      hooks[node.getAttribute("data-quantity")] = node;
    });
    var plotW = g.width - g.left - g.right, plotH = g.height - g.top - g.bottom;
    function xOf(count) { return g.left + plotW * Math.log10(count) / Math.log10(config.nMax); }
    function yOf(value) { return g.top + plotH * (1 - Math.min(Math.max(value, 0), config.top) / config.top); }

    function average() { return n ? running[n - 1] : null; }

    function draw() {
      var points = [];
      for (var s = 0; s < steps.length && steps[s] <= n; s++) {
        points.push(num(xOf(steps[s])) + "," + num(yOf(running[steps[s] - 1])));
      }
      line.setAttribute("points", points.join(" "));
      var mean = average();
      hooks.n.textContent = n.toLocaleString("en-US");
      hooks.average_loss.textContent = mean === null ? config.none : fmt(mean);
      hooks.cross_entropy.textContent = fmt(target);
      hooks.difference.textContent = mean === null ? config.none
        : (mean - target < 0 ? "-" : "+") + Math.abs(mean - target).toFixed(4);
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
      return {n: n, tokens: tokens.slice(0, n), average: average(), target: target,
              playing: timer !== null, uniforms: (function () {
                var next = KLMath.mulberry32(config.seed), out = [];
                for (var j = 0; j < 20; j++) out.push(next());
                return out;
              })()};
    };
  }

  KLInteractives.register("sampling", mount);
})();
