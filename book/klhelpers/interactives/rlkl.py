"""Train a five-token policy and watch where it goes (chapter 10): ``explore_rl_kl()``.

One display object with two renderings (see :mod:`.twin`). The reader sets a reward for each
token, the KL coefficient beta, an estimator (k1, k2, k3) and where it goes (the loss or the
reward); a run of exact expected-gradient steps on the policy's logits
(:func:`klhelpers.train_policy`, from pi = pi_ref) then plays step by step. In Jupyter an
ipywidgets ``Play`` control steps through the run and Python redraws; on the website
``assets/rl-kl.js`` recomputes the run with ``KLMath.trainPolicy`` and plays it with
**Play**, **Pause** and **Reset**.

The readouts (``data-quantity``) are the step, ``kl_pi_ref`` = D_KL(pi || pi_ref),
``kl_ref_pi`` = D_KL(pi_ref || pi) and ``distance_to_optimum``, the total variation between
pi and the optimum pi* of the objective the penalty names (:func:`klhelpers.optimal_policy`).
A run can diverge (k3 in the reward, whose value grows like the ratio pi_ref / pi): it then
stops at the last step whose logits are finite, and says so.
"""

import math
import warnings

import numpy as np

from ..bounds import total_variation
from ..divergences import P, VOCAB, kl_divergence
from ..plots import P_COLOR, Q_COLOR
from ..policy_gradients import PLACEMENTS, train_policy
from ..estimators import ESTIMATORS
from ..rlhf import optimal_policy
from ..validate import as_finite_array, bounded_real
from .twin import ASSETS, DualView, escape, html_twin

__all__ = ["explore_rl_kl", "RLKLView", "run", "STEPS", "RATE", "READOUTS", "GEOMETRY", "REWARD_RANGE",
           "BETA_RANGE", "y_top"]

#: Steps in a run and the learning rate of each (chapter 10 uses the same).
STEPS, RATE = 400, 1.0
#: Steps shown per animation frame on the website (and per tick of Jupyter's Play).
STRIDE = 4
#: Sliders: (low, high, step).
REWARD_RANGE = (-1.0, 2.0, 0.25)
BETA_RANGE = (0.1, 2.0, 0.05)
#: data-quantity hook -> label.
READOUTS = {"step": "step", "kl_pi_ref": "D_KL(π ‖ π_ref)", "kl_ref_pi": "D_KL(π_ref ‖ π)",
            "distance_to_optimum": "TV(π, π*)"}
#: The two charts (SVG units of a 400-wide view box).
GEOMETRY = {"width": 400, "bars": 200, "lines": 190, "left": 46, "right": 10, "top": 14, "bottom": 40,
            "font": 16, "cap": 8.0}
PI_REF_COLOR = "#8c8c8c"
#: What the twin says when a run stops ({n}: its last finite step).
DIVERGED = ("The run diverged after {n} steps: at this step size the updates overshoot once the "
            "estimator's value, which grows like π_ref / π, gets large.")
NAMES = {"k1": "k₁", "k2": "k₂", "k3": "k₃"}


def run(reference, reward, beta, estimator, placement):
    """(policies after 0, 1, ... steps, diverged): the run, cut before its logits stop being finite."""
    def attempt(steps):
        return train_policy(np.log(reference), reference, reward, beta, estimator, placement,
                            steps=steps, learning_rate=RATE)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # a diverging run: checked below
        try:
            return attempt(STEPS), False
        except ValueError:
            pass
        good, bad = 0, STEPS
        while bad - good > 1:
            middle = (good + bad) // 2
            try:
                attempt(middle)
                good = middle
            except ValueError:
                bad = middle
        return attempt(good), True


def y_top(values):
    """The line chart's top: the next half nat above every value, at least 0.5, at most GEOMETRY['cap']."""
    finite = [v for v in values if math.isfinite(v)]
    highest = max(finite) if finite else 0.0
    return min(GEOMETRY["cap"], max(0.5, math.ceil(highest * 2 + 1e-9) / 2))


def _num(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


def fmt(value):
    return "∞" if value == math.inf else f"{value:.4f}"


class RLKLView(DualView):
    """What :func:`explore_rl_kl` returns. A notebook or a test can use ``policies`` (the run),
    ``optimum`` (pi*), ``t`` (the step shown), :meth:`show` (move to a step), :meth:`set`
    (new settings), :meth:`readout`, and the Jupyter controls ``sliders``, ``beta_slider``,
    ``estimator_menu``, ``placement_menu``, ``play`` and ``reset_button``."""

    def __init__(self, reference, reward, beta, estimator, placement):
        self.reference, self.vocab = reference, list(VOCAB)
        self.start = {"reward": [float(r) for r in reward], "beta": float(beta), "estimator": estimator,
                      "placement": placement}
        self._apply(reward, beta, estimator, placement)
        self.t = len(self.policies) - 1
        widget = self._build_widget()
        text = (f"<rl-kl: {estimator} in the {placement}, beta = {beta:g}, {self.t} steps; "
                f"TV(pi, pi*) = {self.values(self.t)['distance_to_optimum']}>")
        super().__init__(widget, "rl-kl", self._twin, text)

    def _apply(self, reward, beta, estimator, placement):
        self.reward, self.beta = np.asarray(reward, dtype=float), float(beta)
        self.estimator, self.placement = estimator, placement
        self.policies, self.diverged = run(self.reference, self.reward, self.beta, estimator, placement)
        self.optimum = optimal_policy(self.reference, self.reward, self.beta)
        self.forward = [kl_divergence(pi, self.reference) for pi in self.policies]
        self.backward = [kl_divergence(self.reference, pi) for pi in self.policies]
        self.targets = (kl_divergence(self.optimum, self.reference), kl_divergence(self.reference, self.optimum))
        self.top = y_top(self.forward + self.backward + list(self.targets))

    # -- what both renderings show ---------------------------------------------------------------

    def values(self, t):
        pi = self.policies[t]
        return {"step": f"{t}", "kl_pi_ref": fmt(self.forward[t]), "kl_ref_pi": fmt(self.backward[t]),
                "distance_to_optimum": fmt(total_variation(pi, self.optimum))}

    def readout(self, quantity):
        """The text a reader sees for ``data-quantity="<quantity>"`` at the step shown."""
        return self.values(self.t)[quantity]

    def show(self, t):
        """Show the policy after `t` steps (clipped to the run)."""
        self.t = int(min(max(t, 0), len(self.policies) - 1))
        self._refresh()

    def set(self, reward=None, beta=None, estimator=None, placement=None):
        """New settings: the run is recomputed and shown from step 0."""
        self._apply(self.reward if reward is None else _reward(reward), self.beta if beta is None else _beta(beta),
                    self.estimator if estimator is None else _choice(estimator, ESTIMATORS, "estimator"),
                    self.placement if placement is None else _choice(placement, PLACEMENTS, "placement"))
        self.t = 0
        self._refresh()

    def _message(self):
        return DIVERGED.replace("{n}", str(len(self.policies) - 1)) if self.diverged else ""

    def _readouts_html(self, t):
        values = self.values(t)
        items = "".join(f'<div><dt>{escape(label)}</dt> <dd><span data-quantity="{key}">'
                        f"{escape(values[key])}</span></dd></div>" for key, label in READOUTS.items())
        return (f'<dl class="kl-readouts">{items}</dl>'
                f'<p class="kl-message" role="status">{escape(self._message())}</p>')

    # -- the charts (first paint) ------------------------------------------------------------------

    def _bars_svg(self, t):
        g = GEOMETRY
        h, right = g["bars"], g["width"] - g["right"]
        base, plot_h = h - g["bottom"], h - g["top"] - g["bottom"]
        slot = (right - g["left"]) / len(self.vocab)

        def y(v):
            return g["top"] + plot_h * (1 - v)
        parts = [f'<svg class="kl-chart kl-bars" viewBox="0 0 {g["width"]} {h}" font-size="{g["font"]}" '
                 'role="img" aria-label="Each token\'s probability under the reference (grey), the policy '
                 '(blue) and the optimum π* (black mark)">',
                 f'<line x1="{g["left"]}" x2="{right}" y1="{base}" y2="{base}" stroke="#1a1a1a"></line>']
        for v in (0.0, 0.5, 1.0):
            parts.append(f'<text x="{g["left"] - 8}" y="{_num(y(v) + 5)}" text-anchor="end">{v:g}</text>')
        pi, star = self.policies[t], self.optimum
        for k, token in enumerate(self.vocab):
            x0 = g["left"] + k * slot
            parts.append(f'<rect data-ref="{k}" x="{_num(x0 + 0.12 * slot)}" width="{_num(0.22 * slot)}" '
                         f'y="{_num(y(self.reference[k]))}" height="{_num(base - y(self.reference[k]))}" '
                         f'fill="{PI_REF_COLOR}"></rect>')
            parts.append(f'<rect data-pi="{k}" x="{_num(x0 + 0.38 * slot)}" width="{_num(0.5 * slot)}" '
                         f'y="{_num(y(pi[k]))}" height="{_num(base - y(pi[k]))}" fill="{P_COLOR}"></rect>')
            parts.append(f'<line data-star="{k}" x1="{_num(x0 + 0.32 * slot)}" x2="{_num(x0 + 0.94 * slot)}" '
                         f'y1="{_num(y(star[k]))}" y2="{_num(y(star[k]))}" stroke="#1a1a1a" stroke-width="4">'
                         "</line>")
            parts.append(f'<text x="{_num(x0 + slot / 2)}" y="{base + 22}" text-anchor="middle">'
                         f"{escape(token)}</text>")
        parts.append("</svg>")
        return "".join(parts)

    def _lines_svg(self, t):
        g = GEOMETRY
        h, right = g["lines"], g["width"] - g["right"]
        base, plot_h = h - g["bottom"], h - g["top"] - g["bottom"]

        def x(step):
            return g["left"] + (right - g["left"]) * step / STEPS

        def y(v):
            return g["top"] + plot_h * (1 - min(max(v, 0.0), self.top) / self.top)

        def points(series):
            return " ".join(f"{_num(x(s))},{_num(y(series[s]))}" for s in range(t + 1))
        parts = [f'<svg class="kl-chart kl-lines" viewBox="0 0 {g["width"]} {h}" font-size="{g["font"]}" '
                 'role="img" aria-label="The two divergences against the training step; dashed lines: '
                 'their values at the optimum π*">',
                 f'<line x1="{g["left"]}" x2="{right}" y1="{base}" y2="{base}" stroke="#1a1a1a"></line>',
                 f'<line x1="{g["left"]}" x2="{g["left"]}" y1="{g["top"]}" y2="{base}" stroke="#1a1a1a"></line>',
                 f'<text data-top="" x="{g["left"] - 8}" y="{g["top"] + 5}" text-anchor="end">{self.top:g}</text>',
                 f'<text x="{g["left"] - 8}" y="{base + 5}" text-anchor="end">0</text>']
        for s, anchor in ((0, "middle"), (STEPS // 2, "middle"), (STEPS, "end")):
            parts.append(f'<text x="{_num(x(s))}" y="{base + 20}" text-anchor="{anchor}">{s}</text>')
        parts.append(f'<text x="{_num((g["left"] + right) / 2)}" y="{h - 3}" text-anchor="middle">'
                     "training step</text>")
        for name, color, value in (("kl_pi_ref", P_COLOR, self.targets[0]), ("kl_ref_pi", Q_COLOR, self.targets[1])):
            parts.append(f'<line data-target="{name}" x1="{g["left"]}" x2="{right}" y1="{_num(y(value))}" '
                         f'y2="{_num(y(value))}" stroke="{color}" stroke-width="2" stroke-dasharray="6 4"></line>')
        for name, color, series in (("kl_pi_ref", P_COLOR, self.forward), ("kl_ref_pi", Q_COLOR, self.backward)):
            parts.append(f'<polyline data-line="{name}" fill="none" stroke="{color}" stroke-width="2.5" '
                         f'points="{points(series)}"></polyline>')
        parts.append("</svg>")
        return "".join(parts)

    def _figures(self, t):
        legend_bars = (f'<figcaption><span class="kl-swatch" style="background:{PI_REF_COLOR}"></span> π_ref '
                       f'&#160; <span class="kl-swatch" style="background:{P_COLOR}"></span> π at this step '
                       '&#160; <span class="kl-key"></span> π*, the optimum</figcaption>')
        legend_lines = (f'<figcaption><span class="kl-key" style="border-color:{P_COLOR}"></span> '
                        f'D_KL(π ‖ π_ref) &#160; <span class="kl-key" style="border-color:{Q_COLOR}"></span> '
                        'D_KL(π_ref ‖ π); dashed: at π*</figcaption>')
        return (f'<figure class="kl-figure">{self._bars_svg(t)} {legend_bars}</figure>'
                f'<figure class="kl-figure">{self._lines_svg(t)} {legend_lines}</figure>')

    # -- the website rendering ---------------------------------------------------------------------

    def _controls_html(self, element_id):
        low, high, step = REWARD_RANGE
        rows = []
        for k, token in enumerate(self.vocab):
            rows.append(f'<div class="kl-control"><label for="{element_id}-r{k}">reward of <em>{escape(token)}'
                        f'</em></label> <input type="range" id="{element_id}-r{k}" data-reward="{k}" '
                        f'min="{low}" max="{high}" step="{step}" value="{self.start["reward"][k]:g}"> '
                        f'<output for="{element_id}-r{k}" data-output="r{k}">{self.start["reward"][k]:g}'
                        "</output></div>")
        low, high, step = BETA_RANGE
        rows.append(f'<div class="kl-control"><label for="{element_id}-beta">β, the KL coefficient</label> '
                    f'<input type="range" id="{element_id}-beta" data-param="beta" min="{low}" max="{high}" '
                    f'step="{step}" value="{self.start["beta"]:g}"> <output for="{element_id}-beta" '
                    f'data-output="beta">{self.start["beta"]:g}</output></div>')
        estimators = "".join(f'<option value="{e}"{" selected" if e == self.start["estimator"] else ""}>'
                             f"{NAMES[e]}</option>" for e in ESTIMATORS)
        places = "".join(f'<option value="{p}"{" selected" if p == self.start["placement"] else ""}>'
                         f"in the {p}</option>" for p in PLACEMENTS)
        rows.append(f'<div class="kl-control"><label for="{element_id}-est">estimator</label> '
                    f'<select id="{element_id}-est" data-param="estimator">{estimators}</select></div>')
        rows.append(f'<div class="kl-control"><label for="{element_id}-place">placement</label> '
                    f'<select id="{element_id}-place" data-param="placement">{places}</select></div>')
        return f'<div class="kl-controls">{"".join(rows)}</div>'

    def _twin(self, element_id):
        help_text = ('<p class="kl-help">Set a reward for each token, β, an estimator and where it goes, '
                     "then press <strong>Play</strong>: each step moves the policy&#8217;s logits by the "
                     "expected gradient of the reward minus β times the estimator. The black marks are "
                     "the optimum π* ∝ π_ref e<sup>r/β</sup>.</p>")
        buttons = ('<div class="kl-buttons">'
                   '<button type="button" data-action="play">Play</button> '
                   '<button type="button" data-action="pause" disabled>Pause</button> '
                   '<button type="button" data-action="reset">Reset</button></div>')
        markup = " ".join([help_text, self._controls_html(element_id), buttons, self._figures(self.t),
                           self._readouts_html(self.t)])
        config = {"reference": self.reference.tolist(), "start": self.start, "steps": STEPS, "rate": RATE,
                  "stride": STRIDE, "geometry": GEOMETRY, "vocab": self.vocab,
                  "diverged": DIVERGED}
        return html_twin("rl-kl", element_id, markup, config,
                         label="Training a five-token policy with a KL penalty: where each estimator goes")

    # -- the Jupyter rendering ---------------------------------------------------------------------

    def _build_widget(self):
        import ipywidgets as widgets

        low, high, step = REWARD_RANGE
        layout = widgets.Layout(width="20rem", max_width="100%")
        style = {"description_width": "8rem"}
        self.sliders = [widgets.FloatSlider(value=r, min=low, max=high, step=step, description=f"reward of {t}",
                                            continuous_update=False, layout=layout, style=style)
                        for t, r in zip(self.vocab, self.reward)]
        low, high, step = BETA_RANGE
        self.beta_slider = widgets.FloatSlider(value=self.beta, min=low, max=high, step=step, description="β",
                                               continuous_update=False, layout=layout, style=style)
        self.estimator_menu = widgets.Dropdown(options=list(ESTIMATORS), value=self.estimator,
                                               description="estimator", style=style)
        self.placement_menu = widgets.Dropdown(options=list(PLACEMENTS), value=self.placement,
                                               description="placement", style=style)
        self.play = widgets.Play(value=self.t, min=0, max=STEPS, step=STRIDE, interval=40, description="Play",
                                 show_repeat=False)
        self.reset_button = widgets.Button(description="Reset", tooltip="back to step 0")
        self._results = widgets.HTML()
        self._chart = widgets.HTML()

        def settings_changed(_change):
            self.play.playing = False
            self.set([s.value for s in self.sliders], self.beta_slider.value, self.estimator_menu.value,
                     self.placement_menu.value)
            self.play.value = 0

        def on_step(change):
            self.t = int(min(change["new"], len(self.policies) - 1))
            self._refresh()

        for control in self.sliders + [self.beta_slider, self.estimator_menu, self.placement_menu]:
            control.observe(settings_changed, names="value")
        self.play.observe(on_step, names="value")
        self.reset_button.on_click(lambda _b: (setattr(self.play, "playing", False), setattr(self.play, "value", 0)))
        self._refresh()
        css = f"<style>{(ASSETS / 'rl-kl.css').read_text(encoding='utf-8')}</style>"
        controls = widgets.Box(self.sliders + [self.beta_slider, self.estimator_menu, self.placement_menu],
                               layout=widgets.Layout(display="flex", flex_flow="row wrap"))
        return widgets.VBox([widgets.HTML(css), controls, widgets.HBox([self.play, self.reset_button]),
                             self._chart, self._results]).add_class("kl-rl-kl")

    def _refresh(self):
        if hasattr(self, "_results"):
            self._results.value = self._readouts_html(self.t)
            self._chart.value = self._figures(self.t)


def _reward(values):
    reward = as_finite_array(values, "reward")
    if reward.shape != (len(VOCAB),):
        raise ValueError(f"reward must have one entry per token ({len(VOCAB)}), got shape {reward.shape}")
    low, high, _ = REWARD_RANGE
    for k, r in enumerate(reward):
        bounded_real(r, f"reward[{k}]", low, high)
    return reward


def _beta(value):
    low, high, _ = BETA_RANGE
    return bounded_real(value, "beta", low, high)


def _choice(value, options, name):
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def explore_rl_kl(reward=(0.0, 0.0, 0.5, 0.0, 1.0), beta=0.5, estimator="k2", placement="loss"):
    """Train the five-token policy from pi = pi_ref (the book's P) and watch where it goes.

    Parameters
    ----------
    reward : sequence of 5 floats
        Each token's reward, in [-1, 2].
    beta : float
        The KL coefficient, in [0.1, 2].
    estimator : {"k1", "k2", "k3"}
    placement : {"loss", "reward"}

    Returns
    -------
    RLKLView
        Displays as ipywidgets in Jupyter and as HTML + JavaScript on the website.

    Examples
    --------
    >>> view = explore_rl_kl()
    >>> view.readout("step"), view.readout("distance_to_optimum")
    ('400', '0.0000')
    >>> view.set(estimator="k3"); view.show(400); view.readout("distance_to_optimum")
    '0.2564'
    """
    return RLKLView(P, _reward(reward), _beta(beta), _choice(estimator, ESTIMATORS, "estimator"),
                    _choice(placement, PLACEMENTS, "placement"))
