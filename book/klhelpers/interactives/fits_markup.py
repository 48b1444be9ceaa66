"""The fits explorer's parts shared by its two renderings: state, readouts, bound flags, chart, controls.

:mod:`.fits` puts them together; the script that runs the website twin is ``assets/fits.js``.
"""

import math
from typing import NamedTuple

import numpy as np

from .. import fits
from ..plots import FORWARD_COLOR, P_COLOR, REVERSE_COLOR
from .twin import escape

__all__ = ["CONTROLS", "READOUTS", "NAMES", "Y_AXES", "GEOMETRY", "State", "compute", "fmt", "readout_texts",
           "bound_messages", "bound_message", "y_axis", "results_html", "chart_svg", "legend_html",
           "controls_html", "letter_positions", "HELP", "N", "NONE", "ON_BOUND", "slider_widths"]

N = fits.N_POSITIONS
#: The sliders, in page order: (parameter, label, min, max, step).
CONTROLS = (
    ("center_a", "Peak A: position", 0.0, float(N - 1), 0.5),
    ("width_a", "Peak A: width", 0.5, 8.0, 0.25),
    ("center_b", "Peak B: position", 0.0, float(N - 1), 0.5),
    ("width_b", "Peak B: width", 0.5, 8.0, 0.25),
    ("share_a", "Share of peak A", 0.05, 0.95, 0.05),
)
#: Every readout: data-quantity hook -> label (the prose's notation).
READOUTS = {
    "forward-kl": "D_KL(P‖Q)", "forward-mean": "μ", "forward-width": "σ",
    "reverse-kl": "D_KL(Q‖P)", "reverse-mean": "μ", "reverse-width": "σ",
    "reverse-share": "w", "reverse-cost": "−ln w", "reverse-valleys": "other valleys",
}
NAMES = {"forward": "forward (inclusive)", "reverse": "reverse (exclusive)"}
OBJECTIVES = {"forward": "D_KL(P‖Q)", "reverse": "D_KL(Q‖P)"}
#: The chart's possible y-axes, (top, tick step), lowest first: the lowest that holds every bar
#: and both fits is used, so the scale stays put while a slider moves.
Y_AXES = ((0.05, 0.01), (0.1, 0.02), (0.2, 0.05), (0.4, 0.1), (0.8, 0.2), (1.0, 0.2))
#: The chart: SVG view box and margins (handed to fits.js in the config). An 18-unit font
#: renders at 14 px or more wherever the chart is at least 312 px wide: on a 390 px phone the
#: book's page leaves it about 340 (fits.css lets it use the card's padding there).
GEOMETRY = {"width": 400, "height": 274, "left": 70, "right": 10, "top": 28, "bottom": 50, "font": 18,
            "xTickEvery": 5, "letterGap": 20, "letterLift": 6}
NONE = "none"
ON_BOUND = "(on a search bound)"


class State(NamedTuple):
    """Everything one setting of the sliders shows, computed by klhelpers."""

    settings: dict        #: slider values by parameter
    p: np.ndarray         #: the target P
    forward: fits.Fit     #: the best forward fit
    reverse: fits.Fit     #: the best reverse fit
    valleys: list         #: the reverse objective's other local minima (Fit), best first
    share: float          #: w, P's share on the reverse fit's side of the valley
    cost: float           #: −ln w


def compute(settings):
    """Refit for one setting of the sliders: P, both fits, the reverse valleys, w and −ln w."""
    centers = (settings["center_a"], settings["center_b"])
    p = fits.two_peaks(centers, (settings["width_a"], settings["width_b"]), settings["share_a"])
    forward = fits.fit_gaussian(p, "forward")
    reverse, *valleys = fits.local_fits(p, "reverse")
    share = fits.share_kept(p, centers, reverse.mean)
    return State(dict(settings), p, forward, reverse, valleys, share, -math.log(share))


def fmt(value, decimals=4):
    """A number as the readouts show it: fixed decimals, ``∞`` for infinity, never ``-0.00``."""
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def valleys_text(valleys):
    """``μ 21.07, σ 8.52: 0.7860 nats; ...`` (a valley on a search bound says so), or ``none``."""
    return "; ".join(f"μ {fmt(v.mean, 2)}, σ {fmt(v.width, 2)}: {fmt(v.divergence)} nats"
                     + (f" {ON_BOUND}" if v.at_bound else "") for v in valleys) or NONE


def readout_texts(state):
    """The text of every readout, exactly as fits.js writes it."""
    f, r = state.forward, state.reverse
    return {
        "forward-kl": f"{fmt(f.divergence)} nats", "forward-mean": fmt(f.mean, 2), "forward-width": fmt(f.width, 2),
        "reverse-kl": f"{fmt(r.divergence)} nats", "reverse-mean": fmt(r.mean, 2), "reverse-width": fmt(r.width, 2),
        "reverse-share": fmt(state.share), "reverse-cost": fmt(state.cost),
        "reverse-valleys": valleys_text(state.valleys),
    }


def slider_widths():
    low = fits.SEARCH["minWidth"]
    high = fits.SEARCH["maxWidthPerPosition"] * N
    return low, high, math.sqrt(low * high)


def bound_messages():
    """What the flag says for each search bound a fit can sit on (fits.js gets the same texts)."""
    low, high, _ = slider_widths()
    return {
        "width-high": (f"σ sits at the largest width searched, {high:g}: P is more spread out than any "
                       "bump of the family can be, so this fit cannot match P’s spread."),
        "width-low": (f"σ sits at the smallest width searched, {low:g}: the best bump may be "
                      "narrower still."),
        "mean-low": ("μ sits at position 0, the edge of the positions: the best bump may lie "
                     "beyond it."),
        "mean-high": (f"μ sits at position {N - 1}, the edge of the positions: the best bump may lie "
                      "beyond it."),
    }


def bound_keys(fit):
    """The keys of :func:`bound_messages` for the bounds `fit` sits on, in a fixed order."""
    keys = []
    if "width" in fit.at_bound:
        keys.append("width-high" if fit.width > slider_widths()[2] else "width-low")
    if "mean" in fit.at_bound:
        keys.append("mean-high" if fit.mean > (N - 1) / 2 else "mean-low")
    return keys


def bound_message(fit):
    """The flag's text for `fit`: empty unless it sits on a search bound."""
    keys = bound_keys(fit)
    if not keys:
        return ""
    messages = bound_messages()
    return f"On a search bound, the {NAMES[fit.direction]} fit: " + " ".join(messages[k] for k in keys)


def y_axis(state):
    """(top, tick step): the lowest of :data:`Y_AXES` that holds P and both fits."""
    tallest = max(float(state.p.max()), float(state.forward.q.max()), float(state.reverse.q.max()))
    return next((axis for axis in Y_AXES if tallest <= axis[0]), Y_AXES[-1])


# -- the html: readouts, flags, chart ------------------------------------------------------------------

def _swatch(direction):
    dash = ' stroke-dasharray="7 4"' if direction == "reverse" else ""
    color = FORWARD_COLOR if direction == "forward" else REVERSE_COLOR
    return (f'<svg class="kl-swatch" viewBox="0 0 32 12" aria-hidden="true"><line x1="1" y1="6" x2="31" y2="6" '
            f'stroke="{color}" stroke-width="3"{dash}></line></svg>')


def _item(key, text, note=""):
    note = f" <small>{note}</small>" if note else ""
    return (f'<div><dt>{escape(READOUTS[key])}</dt> <dd><span data-quantity="{key}">{escape(text)}</span>'
            f"{note}</dd></div>")


def results_html(state):
    """Both fits' readouts and bound flags: the same html in the twin and in the Jupyter widget."""
    texts = readout_texts(state)
    sections = []
    for direction, fit in (("forward", state.forward), ("reverse", state.reverse)):
        items = [_item(f"{direction}-kl", texts[f"{direction}-kl"]),
                 _item(f"{direction}-mean", texts[f"{direction}-mean"], "mean"),
                 _item(f"{direction}-width", texts[f"{direction}-width"], "width")]
        extra = ""
        if direction == "reverse":
            items += [_item("reverse-share", texts["reverse-share"], "P’s share on the fit’s side of the valley"),
                      _item("reverse-cost", texts["reverse-cost"], "nats")]
            extra = (" <p class=\"kl-note\">A fit that keeps to its side of the valley pays at least about −ln w "
                     "for the part of P it leaves out; one that reaches across the valley can pay less. "
                     "Compare −ln w with its D_KL(Q‖P).</p>"
                     ' <p class="kl-valleys">Other valleys of D_KL(Q‖P), where a gradient method could stop: '
                     f'<span data-quantity="reverse-valleys">{escape(texts["reverse-valleys"])}</span></p>')
        what = "covers all of P" if direction == "forward" else "keeps to where P is"
        sections.append(
            f'<div class="kl-fit" data-fit="{direction}" role="group" aria-label="{NAMES[direction]} fit">'
            f'<p class="kl-fit-title">{_swatch(direction)} <strong>{NAMES[direction].capitalize()}</strong> '
            f"<span>fit: min {OBJECTIVES[direction]} over μ and σ, {what}</span></p> "
            f'<dl class="kl-readouts" aria-live="polite">{" ".join(items)}</dl>{extra} '
            f'<p class="kl-bound" role="status" data-bound="{direction}">{escape(bound_message(fit))}</p>'
            "</div>")
    return f'<div class="kl-results">{" ".join(sections)}</div>'


def _num(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text(x, y, text, anchor="middle", extra=""):
    return f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


class _Frame:
    """Where things go on the chart (the same rules as fits.js)."""

    def __init__(self, top):
        g = GEOMETRY
        self.top = top
        self.plot_w = g["width"] - g["left"] - g["right"]
        self.plot_h = g["height"] - g["top"] - g["bottom"]
        self.base = g["top"] + self.plot_h
        self.slot = self.plot_w / N

    def x(self, position):
        return GEOMETRY["left"] + (position + 0.5) * self.slot

    def y(self, value):
        return GEOMETRY["top"] + self.plot_h * (1 - min(value, self.top) / self.top)


def letter_positions(settings, p, frame):
    """(x, y) of the letters A and B: over each peak's tallest bar, apart when the peaks meet."""
    g = GEOMETRY
    places = []
    for name in ("a", "b"):
        center = settings[f"center_{name}"]
        k = int(min(max(math.floor(center + 0.5), 0), N - 1))  # halves up, as fits.js rounds
        height = float(max(p[max(k - 1, 0):k + 2]))
        places.append([frame.x(center), max(frame.y(height) - g["letterLift"], g["font"])])
    (xa, ya), (xb, yb) = places
    if abs(xa - xb) < g["letterGap"]:  # too close to read: side by side, A on its own side
        middle, half = (xa + xb) / 2, g["letterGap"] / 2
        sign = -1 if xa <= xb else 1
        places = [[middle + sign * half, min(ya, yb)], [middle - sign * half, min(ya, yb)]]
    return places


def _y_ticks(frame, step):
    g, parts = GEOMETRY, []
    for i in range(int(math.floor(frame.top / step + 1e-9)) + 1):
        y = frame.y(i * step)
        parts.append(f'<line x1="{g["left"] - 5}" x2="{g["left"]}" y1="{_num(y)}" y2="{_num(y)}" '
                     'stroke="#1a1a1a"></line> ' + _text(g["left"] - 8, y + 6, f"{i * step:g}", anchor="end"))
    return " ".join(parts)


def chart_label(state):
    """The chart's accessible name: what it shows, in words."""
    s, f, r = state.settings, state.forward, state.reverse
    return (f"P over positions 0 to {N - 1}: peak A at {s['center_a']:g}, peak B at {s['center_b']:g}. "
            f"Solid line: forward (inclusive) fit, μ {fmt(f.mean, 2)}, σ {fmt(f.width, 2)}. "
            f"Dashed line: reverse (exclusive) fit, μ {fmt(r.mean, 2)}, σ {fmt(r.width, 2)}.")


def chart_svg(state):
    """The chart for the page's first paint; fits.js moves the same elements by their data- hooks.

    Hooks: ``rect[data-k]`` (P's bars), ``polyline[data-fit="forward"|"reverse"]``,
    ``text[data-peak="A"|"B"]`` and ``g[data-axis="y"]`` (redrawn when the scale changes).
    """
    g = GEOMETRY
    top, step = y_axis(state)
    frame = _Frame(top)
    bar = 0.8 * frame.slot
    parts = [f'<svg class="kl-chart" viewBox="0 0 {g["width"]} {g["height"]}" font-size="{g["font"]}" '
             f'role="img" aria-label="{escape(chart_label(state))}">',
             f'<g data-axis="y">{_y_ticks(frame, step)}</g>', '<g data-layer="bars">']
    for k, value in enumerate(state.p):
        y = frame.y(value)
        parts.append(f'<rect data-k="{k}" x="{_num(frame.x(k) - bar / 2)}" y="{_num(y)}" width="{_num(bar)}" '
                     f'height="{_num(frame.base - y)}" fill="{P_COLOR}" fill-opacity="0.45"></rect>')
    parts.append("</g>")
    for fit, color, dash in ((state.forward, FORWARD_COLOR, ""),
                             (state.reverse, REVERSE_COLOR, ' stroke-dasharray="7 4"')):
        points = " ".join(f"{_num(frame.x(k))},{_num(frame.y(v))}" for k, v in enumerate(fit.q))
        parts.append(f'<polyline data-fit="{fit.direction}" points="{points}" fill="none" stroke="{color}" '
                     f'stroke-width="2.5" stroke-linejoin="round"{dash}></polyline>')
    for name, (x, y) in zip("AB", letter_positions(state.settings, state.p, frame)):
        parts.append(_text(x, y, name, extra=f' data-peak="{name}" font-weight="700" stroke="#fff" '
                                             'stroke-width="4" paint-order="stroke"'))
    for position in range(0, N, g["xTickEvery"]):
        x = frame.x(position)
        parts.append(f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{_num(frame.base)}" y2="{_num(frame.base + 5)}" '
                     'stroke="#1a1a1a"></line> ' + _text(x, frame.base + 22, str(position)))
    middle_y = g["top"] + frame.plot_h / 2
    parts += [
        f'<line x1="{g["left"]}" x2="{g["width"] - g["right"]}" y1="{_num(frame.base)}" y2="{_num(frame.base)}" '
        'stroke="#1a1a1a"></line>',
        f'<line x1="{g["left"]}" x2="{g["left"]}" y1="{g["top"]}" y2="{_num(frame.base)}" stroke="#1a1a1a"></line>',
        _text(g["left"] + frame.plot_w / 2, g["height"] - 5, "position"),
        _text(16, middle_y, "probability", extra=f' transform="rotate(-90 16 {_num(middle_y)})"'),
        "</svg>"]
    return " ".join(parts)


def legend_html():
    return ('<p class="kl-legend"><span><span class="kl-bar-swatch" aria-hidden="true"></span> P, the target '
            f"(two peaks, A and B)</span> <span>{_swatch('forward')} forward (inclusive) fit</span> "
            f"<span>{_swatch('reverse')} reverse (exclusive) fit</span></p>")


HELP = ('<p class="kl-help">Reshape P, the two-peaked target, with the sliders. Each move refits the '
        "one-peaked family both ways: the <strong>forward (inclusive)</strong> fit minimises D_KL(P‖Q), "
        "the <strong>reverse (exclusive)</strong> fit minimises D_KL(Q‖P).</p>")


def controls_html(element_id, settings):
    rows = []
    for name, label, low, high, step in CONTROLS:
        control_id = f"{element_id}-{name}"
        value = settings[name]
        rows.append(
            f'<div class="kl-control"><label for="{control_id}">{escape(label)}</label> '
            f'<input type="range" id="{control_id}" data-param="{name}" min="{low:g}" max="{high:g}" '
            f'step="{step:g}" value="{value:g}"> '
            f'<output for="{control_id}" data-output="{name}">{value:g}</output></div>')
    return f'<div class="kl-controls">{" ".join(rows)}</div>'


