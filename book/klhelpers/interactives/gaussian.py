"""Two Gaussians, their bins, and the ELBO (chapter 8): live in Jupyter and on the website.

``explore_gaussians()`` shows P and Q, two Gaussians, and a bin width Δ: both divergences
in closed form, the binned divergence that checks them numerically, and the binned entropy
that runs away like −log Δ. ``explore_elbo()`` shows the conjugate model of
:mod:`klhelpers.gaussians` and an approximation q(z): the gap between log p(x) and the
ELBO is D_KL(q‖p(z|x)). Both are one kind of twin, ``"gaussian"`` (see :mod:`.twin`), in
two modes: in Jupyter ipywidgets sliders call klhelpers; on the website ``assets/gaussian.js``
asks ``klmath.js`` (``KLMath.klGaussian``, ``discretizeGaussian``, ``entropy``,
``klDivergence``, ``elbo``, ``logEvidence``, ``posterior``) for every number. The chart of
the first paint is drawn here (:func:`.gaussian_markup.chart_svg`), and the same SVG is the
Jupyter chart.
"""

import html as _html
import math

from .. import gaussians
from ..validate import bounded_real, positive
from .gaussian_markup import (CONTROLS, GEOMETRY, PLOT_STEP, WIDTHS, WINDOWS, Y_AXES, chart_svg, compute,
                              controls_html, fmt, help_html, legend_html, results_html)
from .twin import ASSETS, DualView, escape, html_twin

__all__ = ["explore_gaussians", "explore_elbo", "GaussianExplorer"]

STYLE = f"<style>{(ASSETS / 'gaussian.css').read_text(encoding='utf-8')}</style>"
LABELS = {"divergence": "Two Gaussians P and Q: divergences in closed form and binned",
          "elbo": "The ELBO of a conjugate Gaussian model, for an approximation q"}


class GaussianExplorer(DualView):
    """What :func:`explore_gaussians` and :func:`explore_elbo` return.

    ``sliders`` (parameter -> slider), ``values`` (readout -> number) and :meth:`readout`
    (the text a reader sees) let a notebook or a test drive it.
    """

    def __init__(self, mode, settings, config):
        self.mode, self.start, self.config = mode, dict(settings), dict(config)
        self.values = compute(mode, self.start, self.config)
        self._start_values = self.values
        widget = _build_widget(self)
        shown = ", ".join(f"{key} {fmt(value)}" for key, value in self.values.items())
        super().__init__(widget, "gaussian", self._twin, f"<Gaussians ({mode}): {shown}>")

    def readout(self, quantity):
        hook = f'data-quantity="{escape(quantity)}">'
        html = self._results.value
        if hook not in html:
            raise KeyError(quantity)
        return _html.unescape(html.split(hook, 1)[1].split("<", 1)[0])

    def _twin(self, element_id):
        markup = " ".join([
            help_html(self.mode, self.config), controls_html(element_id, self.mode, self.start),
            '<div class="kl-buttons"><button type="button" data-action="reset">Reset</button></div>',
            f'<figure class="kl-figure">{chart_svg(self.mode, self.start, self.config)} '
            f"<figcaption>{legend_html(self.mode)}</figcaption></figure>",
            f'<div class="kl-results">{results_html(self.mode, self._start_values)}</div>'])
        config = {**self.config, "mode": self.mode, "start": self.start,
                  "params": [c[0] for c in CONTROLS[self.mode]], "widths": list(WIDTHS),
                  "minusLogWidths": [-math.log(w) for w in WIDTHS], "halfRange": gaussians.HALF_RANGE,
                  "plotStep": PLOT_STEP, "window": list(WINDOWS[self.mode]), "yAxes": Y_AXES,
                  "geometry": GEOMETRY}
        return html_twin("gaussian", element_id, markup, config, label=LABELS[self.mode])


def _build_widget(explorer):
    import ipywidgets as widgets

    e = explorer
    e.sliders = {}
    for name, label, low, high, step in CONTROLS[e.mode]:
        if name == "bin":
            slider = widgets.SelectionSlider(options=[(f"{w:g}", i) for i, w in enumerate(WIDTHS)],
                                             value=int(e.start[name]), description=label)
        else:
            slider = widgets.FloatSlider(value=e.start[name], min=low, max=high, step=step, description=label,
                                         readout_format=".2f")
        slider.continuous_update = False
        slider.style = {"description_width": "6rem"}
        slider.layout = widgets.Layout(width="22rem", max_width="100%")
        e.sliders[name] = slider
    e.reset_button = widgets.Button(description="Reset", tooltip="back to the start")
    e._chart, e._results = widgets.HTML(), widgets.HTML()

    def settings():
        return {name: float(slider.value) for name, slider in e.sliders.items()}

    def update(_change=None):
        s = settings()
        e.values = compute(e.mode, s, e.config)
        e._results.value = f'<div class="kl-results">{results_html(e.mode, e.values)}</div>'
        e._chart.value = (f'<figure class="kl-figure">{chart_svg(e.mode, s, e.config)}'
                          f"<figcaption>{legend_html(e.mode)}</figcaption></figure>")

    def reset(_button):
        for name, slider in e.sliders.items():
            slider.value = int(e.start[name]) if name == "bin" else e.start[name]

    for slider in e.sliders.values():
        slider.observe(update, names="value")
    e.reset_button.on_click(reset)
    update()
    rows = widgets.Box(list(e.sliders.values()), layout=widgets.Layout(display="flex", flex_flow="row wrap"))
    return widgets.VBox([widgets.HTML(STYLE + help_html(e.mode, e.config)), rows, e.reset_button,
                         e._chart, e._results]).add_class("kl-gaussian")


def _on_step(value, name, low, high, step):
    number = bounded_real(value, name, low, high)
    steps = (number - low) / step
    if abs(steps - round(steps)) > 1e-9:
        raise ValueError(f"{name} must be a multiple of {step:g} from {low:g} (a slider position), got {value!r}")
    return number


def explore_gaussians(p=(0.0, 1.0), q=(1.0, 2.0), width=0.5):
    """Sliders for P = N(μ_P, σ_P²), Q = N(μ_Q, σ_Q²) and the bin width Δ; readouts follow every move.

    Parameters
    ----------
    p, q : pair of float
        (μ, σ) of P and of Q: μ in [-3, 3] in steps of 0.1, σ in [0.2, 3] in steps of 0.05.
    width : float
        The starting bin width Δ, one of :data:`.gaussian_markup.WIDTHS`.

    Examples
    --------
    >>> view = explore_gaussians()
    >>> view.readout("kl_pq"), view.readout("kl_qp")
    ('0.4431', '1.3069')
    >>> view.sliders["bin"].value = 7   # Δ = 0.01
    >>> view.readout("kl_pq_binned")
    '0.4431'
    """
    limits = {c[0]: c[2:] for c in CONTROLS["divergence"]}
    if width not in WIDTHS:
        raise ValueError(f"width must be one of {', '.join(f'{w:g}' for w in WIDTHS)}, got {width!r}")
    settings = {"mu_p": _on_step(p[0], "p[0]", *limits["mu_p"]), "sigma_p": _on_step(p[1], "p[1]", *limits["sigma_p"]),
                "mu_q": _on_step(q[0], "q[0]", *limits["mu_q"]), "sigma_q": _on_step(q[1], "q[1]", *limits["sigma_q"]),
                "bin": float(WIDTHS.index(width))}
    return GaussianExplorer("divergence", settings, {})


def explore_elbo(x=2.0, noise=1.0, q=(0.0, 1.0)):
    """The conjugate model z ~ N(0, 1), x | z ~ N(z, noise²) at one observed x, and sliders for q(z) = N(m, v²).

    Examples
    --------
    >>> view = explore_elbo()
    >>> view.readout("gap") == view.readout("kl_q_posterior")
    True
    """
    limits = {c[0]: c[2:] for c in CONTROLS["elbo"]}
    settings = {"q_mean": _on_step(q[0], "q[0]", *limits["q_mean"]),
                "q_std": _on_step(q[1], "q[1]", *limits["q_std"])}
    config = {"x": bounded_real(x, "x", -10.0, 10.0), "noise": positive(noise, "noise")}
    return GaussianExplorer("elbo", settings, config)
