// rl-kl.js: training a five-token policy on the website, the browser twin of
// klhelpers/interactives/rlkl.py (explore_rl_kl).
//
// The page already shows a whole run at the starting settings, drawn in Python. This script
// reads the controls (a reward per token, beta, the estimator and its placement), asks KLMath
// for the run (trainPolicy: exact expected-gradient steps from pi = pi_ref), the optimum
// (optimalPolicy), the two divergences (klDivergence) and the distance to the optimum
// (totalVariation), and plays the run when the reader presses Play: `stride` steps per
// animation frame. A run whose policy stops being finite (k3 in the reward can diverge) is
// cut before that step, as rlkl.run cuts it, and the twin says so. No formula lives here.
(function () {
  "use strict";

  function num(x) { return String(parseFloat(x.toFixed(2))); }
  function fmt(x) { return x === Infinity ? "\u221e" : x.toFixed(4); }

  function mount(root, config) {
    var g = config.geometry, ref = config.reference, timer = null, t = 0, state = null;
    var rewards = Array.prototype.slice.call(root.querySelectorAll("input[data-reward]"));
    var beta = root.querySelector('input[data-param="beta"]');
    var estimator = root.querySelector('select[data-param="estimator"]');
    var placement = root.querySelector('select[data-param="placement"]');
    var outputs = {}, hooks = {};
    root.querySelectorAll("output[data-output]").forEach(function (node) {
      outputs[node.getAttribute("data-output")] = node;
    });
    root.querySelectorAll("[data-quantity]").forEach(function (node) {
      hooks[node.getAttribute("data-quantity")] = node;
    });
    var play = root.querySelector('[data-action="play"]'), pause = root.querySelector('[data-action="pause"]');
    var reset = root.querySelector('[data-action="reset"]'), message = root.querySelector(".kl-message");
    var piBars = [], starLines = [];
    root.querySelectorAll("rect[data-pi]").forEach(function (n) { piBars[+n.getAttribute("data-pi")] = n; });
    root.querySelectorAll("line[data-star]").forEach(function (n) { starLines[+n.getAttribute("data-star")] = n; });
    var lines = {}, targets = {}, topLabel = root.querySelector("text[data-top]");
    root.querySelectorAll("polyline[data-line]").forEach(function (n) { lines[n.getAttribute("data-line")] = n; });
    root.querySelectorAll("line[data-target]").forEach(function (n) { targets[n.getAttribute("data-target")] = n; });

    var right = g.width - g.right;
    var barBase = g.bars - g.bottom, barH = g.bars - g.top - g.bottom;
    var lineBase = g.lines - g.bottom, lineH = g.lines - g.top - g.bottom;
    function yBar(v) { return g.top + barH * (1 - v); }
    function xLine(step) { return g.left + (right - g.left) * step / config.steps; }
    function yLine(v) { return g.top + lineH * (1 - Math.min(Math.max(v, 0), state.top) / state.top); }

    function finite(row) { return row.every(function (v) { return isFinite(v); }); }

    // rlkl.y_top: the next half nat above every finite value, at least 0.5, at most the cap.
    function yTop(values) {
      var highest = 0, any = false;
      values.forEach(function (v) { if (isFinite(v)) { highest = any ? Math.max(highest, v) : v; any = true; } });
      return Math.min(g.cap, Math.max(0.5, Math.ceil(highest * 2 + 1e-9) / 2));
    }

    function compute() {
      var reward = rewards.map(function (input) { return parseFloat(input.value); });
      var b = parseFloat(beta.value), est = estimator.value, place = placement.value;
      var start = ref.map(Math.log);
      var policies = KLMath.trainPolicy(start, ref, reward, b, est, place, config.steps, config.rate);
      var cut = 0;
      while (cut < policies.length && finite(policies[cut])) cut++;
      var diverged = cut < policies.length;
      policies = policies.slice(0, cut);
      var optimum = KLMath.optimalPolicy(ref, reward, b);
      var forward = policies.map(function (pi) { return KLMath.klDivergence(pi, ref); });
      var backward = policies.map(function (pi) { return KLMath.klDivergence(ref, pi); });
      var goal = [KLMath.klDivergence(optimum, ref), KLMath.klDivergence(ref, optimum)];
      return {reward: reward, beta: b, estimator: est, placement: place, policies: policies, diverged: diverged,
              optimum: optimum, forward: forward, backward: backward, goal: goal,
              top: yTop(forward.concat(backward, goal))};
    }

    function last() { return state.policies.length - 1; }

    function draw() {
      var pi = state.policies[t];
      hooks.step.textContent = String(t);
      hooks.kl_pi_ref.textContent = fmt(state.forward[t]);
      hooks.kl_ref_pi.textContent = fmt(state.backward[t]);
      hooks.distance_to_optimum.textContent = fmt(KLMath.totalVariation(pi, state.optimum));
      message.textContent = state.diverged ? config.diverged.replace("{n}", String(last())) : "";
      pi.forEach(function (v, k) {
        piBars[k].setAttribute("y", num(yBar(v)));
        piBars[k].setAttribute("height", num(barBase - yBar(v)));
        var y = num(yBar(state.optimum[k]));
        starLines[k].setAttribute("y1", y);
        starLines[k].setAttribute("y2", y);
      });
      topLabel.textContent = String(state.top);
      [["kl_pi_ref", state.forward, 0], ["kl_ref_pi", state.backward, 1]].forEach(function (item) {
        var points = [];
        for (var s = 0; s <= t; s++) points.push(num(xLine(s)) + "," + num(yLine(item[1][s])));
        lines[item[0]].setAttribute("points", points.join(" "));
        var y = num(yLine(state.goal[item[2]]));
        targets[item[0]].setAttribute("y1", y);
        targets[item[0]].setAttribute("y2", y);
      });
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
      t = Math.min(last(), t + config.stride);
      draw();
      if (t >= last()) { stop(); return; }
      timer = requestAnimationFrame(frame);
    }

    function changed() {
      rewards.forEach(function (input, k) { outputs["r" + k].textContent = String(parseFloat(input.value)); });
      outputs.beta.textContent = String(parseFloat(beta.value));
      stop();
      state = compute();
      t = 0;
      draw();
    }

    rewards.concat([beta]).forEach(function (input) { input.addEventListener("input", changed); });
    [estimator, placement].forEach(function (menu) { menu.addEventListener("change", changed); });
    play.addEventListener("click", function () {
      if (timer !== null) return;
      if (t >= last()) { t = 0; draw(); }  // a finished run plays again from the start
      setPlaying(true);
      timer = requestAnimationFrame(frame);
    });
    pause.addEventListener("click", stop);
    reset.addEventListener("click", function () { stop(); t = 0; draw(); });

    state = compute();
    t = last();  // the page opens on the whole run, as Python drew it
    draw();

    // For tests: show step n now; what is shown.
    root.__klShow = function (n) { stop(); t = Math.max(0, Math.min(last(), n)); draw(); return t; };
    root.__klState = function () {
      return {t: t, steps: last(), diverged: state.diverged, policy: state.policies[t], optimum: state.optimum,
              top: state.top, playing: timer !== null};
    };
  }

  KLInteractives.register("rl-kl", mount);
})();
