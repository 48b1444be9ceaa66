"""Sampled KL estimators, live (chapter 9): draw replies from the policy, watch k1, k2, k3 average out.

``explore_estimator_samples()`` returns one display object with two renderings (see
:mod:`.twin`): in Jupyter an ipywidgets ``Play`` control steps through the draws; on the
website ``assets/estimator-samples.js`` does the same with **Play**, **Pause** and **Reset**,
asking ``klmath.js`` for every formula (``KLMath.estimatorValuesByToken`` for each token's
k1, k2, k3 and ``KLMath.klDivergence`` for the exact value).

Both runtimes draw the same tokens, with the seeded generator of :mod:`.sampling`
(mulberry32; on the site ``KLMath.drawTokens``), so the running means a
reader sees on the site are the ones drawn here. The chart shows each estimator's running
mean against the number of draws (logarithmic axis) and the exact D_KL(pi || pi_ref) dashed.
"""

import math

import numpy as np

from ..divergences import P, Q, kl_divergence
from ..policy_gradients import estimator_values_by_token
from ..validate import as_distribution
from .sampling import draw_tokens, schedule
from .twin import ASSETS, DualView, escape, html_twin

__all__ = ["explore_estimator_samples", "EstimatorSamplesView", "GEOMETRY", "READOUTS", "COLORS"]

#: data-quantity hook -> label.
READOUTS = {"n": "replies drawn, n", "k1": "mean of k₁", "k2": "mean of k₂", "k3": "mean of k₃",
            "exact": "D_KL(π ‖ π_ref)"}
COLORS = {"k1": "#E69F00", "k2": "#CC79A7", "k3": "#009E73"}
GEOMETRY = {"width": 400, "height": 230, "left": 50, "right": 12, "top": 14, "bottom": 46, "font": 16,
            "low": -0.1, "high": 1.6}
GROWTH = 0.04
NONE = "–"


def _num(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


class EstimatorSamplesView(DualView):
    """What :func:`explore_estimator_samples` returns: ``tokens`` (the whole run), ``running``
    (each estimator's running mean), ``n`` (how many are shown), :meth:`show`, :meth:`readout`."""

    def __init__(self, policy, reference, n_max, seed):
        self.policy, self.reference, self.n_max, self.seed = policy, reference, n_max, seed
        self.tokens = draw_tokens(policy, n_max, seed)
        values = estimator_values_by_token(np.log(policy), reference)
        self.running = {name: np.cumsum(values[name][self.tokens]) / np.arange(1, n_max + 1)
                        for name in ("k1", "k2", "k3")}
        self.exact = float(kl_divergence(policy, reference))
        self.steps = schedule(n_max)
        self.n = n_max
        widget = self._build_widget()
        text = (f"<estimator samples: {n_max:,} replies drawn from the policy (seed {seed}); "
                f"D_KL(pi || pi_ref) = {self.exact:.4f} nats>")
        super().__init__(widget, "estimator-samples", self._twin, text)

    def values(self, n):
        shown = {"n": f"{n:,}", "exact": f"{self.exact:.4f}"}
        for name, running in self.running.items():
            shown[name] = f"{running[n - 1]:.4f}" if n else NONE
        return shown

    def readout(self, quantity):
        return self.values(self.n)[quantity]

    def show(self, n):
        self.n = int(min(max(n, 0), self.n_max))
        self._refresh()

    def _x(self, n):
        g = GEOMETRY
        return g["left"] + (g["width"] - g["left"] - g["right"]) * math.log10(n) / math.log10(self.n_max)

    def _y(self, value):
        g = GEOMETRY
        plot_h = g["height"] - g["top"] - g["bottom"]
        clipped = min(max(value, g["low"]), g["high"])
        return g["top"] + plot_h * (g["high"] - clipped) / (g["high"] - g["low"])

    def _chart_svg(self, n):
        g = GEOMETRY
        right, base = g["width"] - g["right"], g["height"] - g["bottom"]
        parts = [f'<svg class="kl-chart" viewBox="0 0 {g["width"]} {g["height"]}" font-size="{g["font"]}" '
                 'role="img" aria-label="Running means of k1, k2 and k3 against the number of replies drawn, '
                 'on a logarithmic axis, and the exact divergence as a dashed line">',
                 f'<line x1="{g["left"]}" x2="{right}" y1="{base}" y2="{base}" stroke="#1a1a1a"></line>',
                 f'<line x1="{g["left"]}" x2="{g["left"]}" y1="{g["top"]}" y2="{base}" stroke="#1a1a1a"></line>']
        decade = 1
        while decade <= self.n_max:
            x = _num(self._x(decade))
            parts.append(f'<text x="{x}" y="{base + 20}" text-anchor="middle">{decade:,}</text>')
            decade *= 10
        for v in (0.0, 0.5, 1.0, 1.5):
            parts.append(f'<text x="{g["left"] - 8}" y="{_num(self._y(v) + 5)}" text-anchor="end">{v:.1f}</text>')
        parts.append(f'<text x="{_num((g["left"] + right) / 2)}" y="{g["height"] - 4}" '
                     'text-anchor="middle">replies drawn, n (log scale)</text>')
        y = _num(self._y(self.exact))
        parts.append(f'<line data-exact="" x1="{g["left"]}" x2="{right}" y1="{y}" y2="{y}" stroke="#1a1a1a" '
                     'stroke-width="1.5" stroke-dasharray="3 3"></line>')
        for name, color in COLORS.items():
            points = " ".join(f"{_num(self._x(m))},{_num(self._y(self.running[name][m - 1]))}"
                              for m in self.steps if m <= n)
            parts.append(f'<polyline data-running="{name}" fill="none" stroke="{color}" stroke-width="2" '
                         f'points="{points}"></polyline>')
        parts.append("</svg>")
        return "".join(parts)

    def _readouts_html(self, n):
        values = self.values(n)
        items = "".join(f'<div><dt>{escape(label)}</dt> <dd><span data-quantity="{key}">'
                        f"{escape(values[key])}</span></dd></div>" for key, label in READOUTS.items())
        return f'<dl class="kl-readouts">{items}</dl>'

    def _legend(self):
        keys = "".join(f'<span class="kl-key" style="border-color:{color}"></span> {escape(READOUTS[name])} '
                       "&#160; " for name, color in COLORS.items())
        return (f'<figcaption>{keys}<span class="kl-key kl-dashed"></span> exact '
                "D_KL(π ‖ π_ref)</figcaption>")

    def _twin(self, element_id):
        help_text = ('<p class="kl-help">Press <strong>Play</strong>: replies are drawn from the policy π '
                     "one after another, and the lines follow each estimator&#8217;s average so far. "
                     "The dashed line is the exact divergence.</p>")
        buttons = ('<div class="kl-buttons">'
                   '<button type="button" data-action="play">Play</button> '
                   '<button type="button" data-action="pause" disabled>Pause</button> '
                   '<button type="button" data-action="reset">Reset</button></div>')
        markup = " ".join([help_text, buttons,
                           f'<figure class="kl-figure">{self._chart_svg(self.n_max)} {self._legend()}</figure>',
                           self._readouts_html(self.n_max)])
        config = {"policy": self.policy.tolist(), "reference": self.reference.tolist(), "seed": self.seed,
                  "nMax": self.n_max, "growth": GROWTH, "geometry": GEOMETRY, "none": NONE,
                  "names": list(COLORS)}
        return html_twin("estimator-samples", element_id, markup, config,
                         label="Replies drawn from the policy: running means of k1, k2 and k3")

    def _build_widget(self):
        import ipywidgets as widgets

        self.play = widgets.Play(value=len(self.steps), min=0, max=len(self.steps), step=1, interval=60,
                                 description="Play", show_repeat=False)
        self.reset_button = widgets.Button(description="Reset", tooltip="back to no replies drawn")
        self._results = widgets.HTML()
        self._chart = widgets.HTML()

        def on_step(change):
            i = int(change["new"])
            self.n = self.steps[i - 1] if i else 0
            self._refresh()

        def on_reset(_button):
            self.play.playing = False
            self.play.value = 0

        self.play.observe(on_step, names="value")
        self.reset_button.on_click(on_reset)
        self._refresh()
        style = f"<style>{(ASSETS / 'estimator-samples.css').read_text(encoding='utf-8')}</style>"
        return widgets.VBox([widgets.HTML(style), widgets.HBox([self.play, self.reset_button]), self._chart,
                             self._results]).add_class("kl-estimator-samples")

    def _refresh(self):
        if hasattr(self, "_results"):
            self._results.value = self._readouts_html(self.n)
            self._chart.value = (f'<div class="kl-figure">{self._chart_svg(self.n)} {self._legend()}</div>')


def explore_estimator_samples(policy=None, reference=None, n_max=2_000, seed=2020):
    """Draw up to `n_max` replies from `policy` and follow the running means of k1, k2 and k3.

    Parameters
    ----------
    policy, reference : array_like, optional
        pi and pi_ref (default: the numbers of ``kl.Q`` and ``kl.P``, as in chapter 9).
        The reference must be positive wherever the policy is.
    n_max : int
        The size of the whole run, from 10 to 100,000.
    seed : int
        The generator's seed, 0 <= seed < 2**32.

    Examples
    --------
    >>> view = explore_estimator_samples()
    >>> view.readout("exact"), view.readout("n")
    ('0.2147', '2,000')
    """
    policy = as_distribution(Q if policy is None else policy, "policy")
    reference = as_distribution(P if reference is None else reference, "reference")
    if policy.shape != reference.shape:
        raise ValueError(f"policy and reference must have the same length, got {policy.size} and {reference.size}")
    if np.any((policy > 0) & (reference == 0)):
        k = int(np.flatnonzero((policy > 0) & (reference == 0))[0])
        raise ValueError(f"reference[{k}] is 0 where policy[{k}] > 0: every estimator is infinite there")
    if np.any(policy == 0):
        raise ValueError("policy must be positive everywhere (the estimators take its logarithm)")
    if isinstance(n_max, bool) or not isinstance(n_max, (int, np.integer)) or not 10 <= n_max <= 100_000:
        raise ValueError(f"n_max must be a whole number from 10 to 100,000, got {n_max!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2 ** 32:
        raise ValueError(f"seed must be a whole number from 0 to 2**32 - 1, got {seed!r}")
    return EstimatorSamplesView(policy, reference, int(n_max), int(seed))
