"""Two Gaussians, their bins and the ELBO (chapter 8): the parts shared by the two renderings.

:mod:`.gaussian` puts them together; ``assets/gaussian.js`` runs the website twin with the
same rules. Two modes share one kind, ``"gaussian"``:

* ``"divergence"``: P and Q, two Gaussians with sliders for their μ and σ, and a bin width
  Δ. Readouts: both divergences in closed form, the binned divergence (the numerical
  check), the binned entropy H(P_Δ), −log Δ, H(P_Δ) + log Δ and h(P).
* ``"elbo"``: the conjugate model of :mod:`klhelpers.gaussians` at a fixed x and noise,
  and q(z) = N(m, v²) with sliders for m and v. Readouts: log p(x), ELBO(q), the gap
  between them and D_KL(q‖p(z|x)).
"""

import math

import numpy as np

from .. import gaussians
from ..divergences import entropy
from ..plots import P_COLOR, Q_COLOR
from .twin import escape

__all__ = ["MODES", "CONTROLS", "READOUTS", "WIDTHS", "GEOMETRY", "Y_AXES", "PLOT_STEP", "WINDOWS",
           "compute", "fmt", "readout_texts", "results_html", "chart_svg", "controls_html", "help_html",
           "legend_html", "curves"]

MODES = ("divergence", "elbo")
#: The bin widths Δ the divergence mode offers, coarsest first (each divides the window's edges).
WIDTHS = (2.0, 1.0, 0.5, 0.25, 0.1, 0.05, 0.02, 0.01)
#: Sliders per mode: (parameter, label, min, max, step). "bin" is an index into WIDTHS.
CONTROLS = {
    "divergence": (("mu_p", "μ of P", -3.0, 3.0, 0.1), ("sigma_p", "σ of P", 0.2, 3.0, 0.05),
                   ("mu_q", "μ of Q", -3.0, 3.0, 0.1), ("sigma_q", "σ of Q", 0.2, 3.0, 0.05),
                   ("bin", "bin width Δ", 0.0, float(len(WIDTHS) - 1), 1.0)),
    "elbo": (("q_mean", "μ of q", -3.0, 3.0, 0.05), ("q_std", "σ of q", 0.1, 2.0, 0.05)),
}
#: Readouts per mode: data-quantity -> (label, note).
READOUTS = {
    "divergence": {
        "kl_pq": ("D_KL(P‖Q)", "closed form"), "kl_qp": ("D_KL(Q‖P)", "closed form"),
        "kl_pq_binned": ("D_KL(P_Δ‖Q_Δ)", "binned: the numerical check of D_KL(P‖Q)"),
        "entropy_p_binned": ("H(P_Δ)", "entropy of the binned P"),
        "minus_log_width": ("−log Δ", "what H(P_Δ) grows like"),
        "entropy_p_shifted": ("H(P_Δ) + log Δ", "tends to h(P)"),
        "h_p": ("h(P)", "differential entropy"),
    },
    "elbo": {
        "log_evidence": ("log p(x)", "fixed: q does not change it"),
        "elbo": ("ELBO(q)", "E_q[log p(x, z)] + h(q)"),
        "gap": ("log p(x) − ELBO(q)", "the gap"),
        "kl_q_posterior": ("D_KL(q‖p(z|x))", "closed form"),
    },
}
#: x-range drawn per mode, and its ticks.
WINDOWS = {"divergence": (-8.0, 8.0, 4.0), "elbo": (-4.0, 4.0, 2.0)}
#: The curves are the densities on a grid of this step (discretize_gaussian / step).
PLOT_STEP = 0.05
Y_AXES = ((0.25, 0.05), (0.5, 0.1), (1.0, 0.2), (2.0, 0.5), (4.0, 1.0))
#: SVG view box and margins (an 18-unit font stays >= 14 px on a 390 px phone, as in fits).
GEOMETRY = {"width": 400, "height": 250, "left": 58, "right": 12, "top": 14, "bottom": 48, "font": 18}


def fmt(value, decimals=4):
    """A readout: fixed decimals, never ``-0.0000``."""
    text = f"{float(value):.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def compute(mode, settings, config):
    """Every readout's value for one setting of the sliders, computed by klhelpers."""
    s = settings
    if mode == "divergence":
        width = WIDTHS[int(s["bin"])]
        p = gaussians.discretize_gaussian(s["mu_p"], s["sigma_p"], width)
        binned = entropy(p)
        return {"kl_pq": gaussians.kl_gaussian(s["mu_p"], s["sigma_p"], s["mu_q"], s["sigma_q"]),
                "kl_qp": gaussians.kl_gaussian(s["mu_q"], s["sigma_q"], s["mu_p"], s["sigma_p"]),
                "kl_pq_binned": gaussians.binned_kl_gaussian(s["mu_p"], s["sigma_p"], s["mu_q"], s["sigma_q"], width),
                "entropy_p_binned": binned,
                "minus_log_width": -math.log(width), "entropy_p_shifted": binned + math.log(width),
                "h_p": gaussians.gaussian_entropy(s["sigma_p"])}
    x, noise = config["x"], config["noise"]
    evidence, bound = gaussians.log_evidence(x, noise), gaussians.elbo(x, noise, s["q_mean"], s["q_std"])
    post_mean, post_std = gaussians.posterior(x, noise)
    return {"log_evidence": evidence, "elbo": bound, "gap": evidence - bound,
            "kl_q_posterior": gaussians.kl_gaussian(s["q_mean"], s["q_std"], post_mean, post_std)}


def readout_texts(mode, values):
    return {key: fmt(values[key]) for key in READOUTS[mode]}


def results_html(mode, values):
    texts = readout_texts(mode, values)
    items = [f'<div><dt>{escape(label)}</dt> <dd><span data-quantity="{key}">{escape(texts[key])}</span>'
             f" <small>{escape(note)}</small></dd></div>" for key, (label, note) in READOUTS[mode].items()]
    return f'<dl class="kl-readouts" aria-live="polite">{" ".join(items)}</dl>'


# -- the chart ------------------------------------------------------------------------------------------

def _density(mu, sigma, window):
    """(xs, density) on the plotting grid inside `window`: the binned Gaussian divided by the step."""
    low, high = window[:2]
    centers = gaussians.bin_centers(PLOT_STEP)
    inside = (centers > low) & (centers < high)
    return centers[inside], gaussians.discretize_gaussian(mu, sigma, PLOT_STEP)[inside] / PLOT_STEP


def curves(mode, settings, config):
    """The chart's lines: name -> (xs, ys); and, in the divergence mode, P's bins as steps."""
    s, window = settings, WINDOWS[mode]
    if mode == "divergence":
        lines = {"p": _density(s["mu_p"], s["sigma_p"], window), "q": _density(s["mu_q"], s["sigma_q"], window)}
        width = WIDTHS[int(s["bin"])]
        centers = gaussians.bin_centers(width)
        inside = (centers > window[0]) & (centers < window[1])
        heights = gaussians.discretize_gaussian(s["mu_p"], s["sigma_p"], width)[inside] / width
        xs = np.repeat(centers[inside], 2) + np.tile([-width / 2, width / 2], inside.sum())
        lines["bins"] = (xs, np.repeat(heights, 2))
        return lines
    post_mean, post_std = gaussians.posterior(config["x"], config["noise"])
    return {"p": _density(post_mean, post_std, window), "q": _density(s["q_mean"], s["q_std"], window)}


def _y_axis(lines):
    tallest = max(float(np.max(ys)) for _, ys in lines.values())
    return next((axis for axis in Y_AXES if tallest <= axis[0]), Y_AXES[-1])


def _num(value):
    return f"{value:.2f}"


def chart_svg(mode, settings, config):
    """The first paint; gaussian.js redraws the same elements (hooks ``data-line``, ``data-axis``)."""
    g, (low, high, tick) = GEOMETRY, WINDOWS[mode]
    lines = curves(mode, settings, config)
    top, step = _y_axis(lines)
    plot_w, plot_h = g["width"] - g["left"] - g["right"], g["height"] - g["top"] - g["bottom"]
    base = g["top"] + plot_h

    def x_of(x):
        return g["left"] + plot_w * (x - low) / (high - low)

    def y_of(y):
        return g["top"] + plot_h * (1 - min(y, top) / top)

    def points(xs, ys):
        return " ".join(f"{_num(x_of(x))},{_num(y_of(y))}" for x, y in zip(xs, ys))

    names = ("P", "Q") if mode == "divergence" else ("p(z|x)", "q(z)")
    label = (f"Densities over {'x' if mode == 'divergence' else 'z'} from {low:g} to {high:g}: "
             f"{names[0]} solid blue, {names[1]} dashed orange"
             + (", binned P as grey steps." if mode == "divergence" else "."))
    parts = [f'<svg class="kl-chart" viewBox="0 0 {g["width"]} {g["height"]}" font-size="{g["font"]}" '
             f'role="img" aria-label="{escape(label)}">', '<g data-axis="y">']
    for i in range(int(round(top / step)) + 1):
        y = y_of(i * step)
        parts.append(f'<line x1="{g["left"] - 5}" x2="{g["left"]}" y1="{_num(y)}" y2="{_num(y)}" '
                     f'stroke="#1a1a1a"></line><text x="{g["left"] - 8}" y="{_num(y + 6)}" '
                     f'text-anchor="end">{i * step:g}</text>')
    parts.append("</g>")
    if "bins" in lines:
        parts.append(f'<polyline data-line="bins" points="{points(*lines["bins"])}" fill="none" '
                     'stroke="#666666" stroke-width="1.5"></polyline>')
    parts.append(f'<polyline data-line="p" points="{points(*lines["p"])}" fill="none" stroke="{P_COLOR}" '
                 'stroke-width="2.5"></polyline>')
    parts.append(f'<polyline data-line="q" points="{points(*lines["q"])}" fill="none" stroke="{Q_COLOR}" '
                 'stroke-width="2.5" stroke-dasharray="7 4"></polyline>')
    for x in np.arange(low, high + 1e-9, tick):
        parts.append(f'<line x1="{_num(x_of(x))}" x2="{_num(x_of(x))}" y1="{_num(base)}" y2="{_num(base + 5)}" '
                     f'stroke="#1a1a1a"></line><text x="{_num(x_of(x))}" y="{_num(base + 22)}" '
                     f'text-anchor="middle">{x:g}</text>')
    axis_name = "x" if mode == "divergence" else "z"
    parts += [f'<line x1="{g["left"]}" x2="{g["width"] - g["right"]}" y1="{_num(base)}" y2="{_num(base)}" '
              'stroke="#1a1a1a"></line>',
              f'<line x1="{g["left"]}" x2="{g["left"]}" y1="{g["top"]}" y2="{_num(base)}" stroke="#1a1a1a"></line>',
              f'<text x="{_num(g["left"] + plot_w / 2)}" y="{g["height"] - 4}" text-anchor="middle" '
              f'font-style="italic">{axis_name}</text>',
              f'<text x="16" y="{_num(g["top"] + plot_h / 2)}" text-anchor="middle" '
              f'transform="rotate(-90 16 {_num(g["top"] + plot_h / 2)})">density</text>', "</svg>"]
    return " ".join(parts)


def legend_html(mode):
    names = ("P", "Q") if mode == "divergence" else ("p(z | x), the posterior", "q(z), the approximation")
    swatch = ('<svg class="kl-swatch" viewBox="0 0 32 12" aria-hidden="true"><line x1="1" y1="6" x2="31" y2="6" '
              'stroke="{color}" stroke-width="3"{dash}></line></svg>')
    dashed = ' stroke-dasharray="7 4"'
    items = [f"<span>{swatch.format(color=P_COLOR, dash='')} {escape(names[0])}</span>",
             f"<span>{swatch.format(color=Q_COLOR, dash=dashed)} {escape(names[1])}</span>"]
    if mode == "divergence":
        items.append(f"<span>{swatch.format(color='#666666', dash='')} P binned: P_Δ, height p_k / Δ</span>")
    return f'<p class="kl-legend">{" ".join(items)}</p>'


def help_html(mode, config):
    if mode == "divergence":
        text = ("Move P and Q, then shrink the bin width Δ. The closed forms do not depend on Δ; "
                "the binned divergence D_KL(P_Δ‖Q_Δ) settles on D_KL(P‖Q), while the binned entropy "
                "H(P_Δ) keeps growing like −log Δ.")
    else:
        text = (f"The model: z ~ N(0, 1), x | z ~ N(z, {config['noise']:g}²), observed x = {config['x']:g}. "
                "Move q; log p(x) stays put, and the gap between it and the ELBO is D_KL(q‖p(z|x)).")
    return f'<p class="kl-help">{escape(text)}</p>'


def slider_text(name, value):
    """What a slider's output shows: its value, or Δ for the bin-width index."""
    return f"{WIDTHS[int(value)]:g}" if name == "bin" else f"{value:g}"


def controls_html(element_id, mode, settings):
    rows = []
    for name, label, low, high, step in CONTROLS[mode]:
        control_id = f"{element_id}-{name}"
        value = settings[name]
        text = slider_text(name, value)
        valuetext = f' aria-valuetext="Δ = {text}"' if name == "bin" else ""
        rows.append(
            f'<div class="kl-control"><label for="{control_id}">{escape(label)}</label> '
            f'<input type="range" id="{control_id}" data-param="{name}" min="{low:g}" max="{high:g}" '
            f'step="{step:g}" value="{value:g}"{valuetext}> '
            f'<output for="{control_id}" data-output="{name}">{escape(text)}</output></div>')
    return f'<div class="kl-controls">{" ".join(rows)}</div>'
