"""The website twins' charts as SVG, drawn in Python for the page's first paint.

A page shows these before any script runs (and with scripts off, and in print).
The browser scripts then *update* the same elements: they move bars, relabel
ticks and redraw a curve, finding each element by its ``data-`` hook, with the
geometry handed over in the twin's config. So the layout is decided here, once.

Sizes are in SVG units of a 400-wide view box: a phone shows it about 350 px
wide, so a 15-unit font renders at 13 px there.
"""

import math

import numpy as np

from .twin import escape

__all__ = ["BARS", "CURVE", "Y_AXES", "y_axis", "tick_decimals", "bar_chart", "curve_chart", "log_ticks"]

#: The P-vs-Q bar chart: view box and plot margins (shared with explorer.js through the config).
BARS = {"width": 400, "height": 250, "left": 46, "right": 6, "top": 34, "bottom": 42, "font": 15,
        "labelLine": 17}  # labelLine: a value label's height (13.5 px text, explorer.css) and a gap
#: A line chart (the divergence against one token's probability).
CURVE = {"width": 400, "height": 190, "left": 46, "right": 10, "top": 12, "bottom": 40, "font": 15}
#: The bar chart's possible y-axes, (top, tick step), lowest first: the lowest every bar fits
#: under is used, so the axis does not creep while a slider moves. Small ones serve long vocabularies.
Y_AXES = ((0.02, 0.01), (0.05, 0.01), (0.1, 0.02), (0.2, 0.05), (0.5, 0.1), (1.15, 0.2))


def y_axis(*distributions):
    """(top, step) of the bar chart: the lowest of Y_AXES with room above the tallest bar."""
    tallest = 1.15 * max(float(np.max(d)) for d in distributions)
    return next((axis for axis in Y_AXES if tallest <= axis[0]), Y_AXES[-1])


def _num(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text(x, y, text, anchor="middle", size=None, extra=""):
    size = f' font-size="{size}"' if size else ""
    return f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"{size}{extra}>{escape(text)}</text>'


def tick_decimals(step):
    """Decimals that show every multiple of `step`: 0.2 -> 1, 0.05 -> 2, 1 -> 0."""
    return max(0, math.ceil(-math.log10(step) - 1e-9))


def _ticks(g, top, step, y_of):
    """Tick marks and labels of a y-axis from 0 to top (the same rule as the scripts')."""
    parts, count, decimals = [], int(math.floor(top / step + 1e-9)), tick_decimals(step)
    for i in range(count + 1):
        value, y = i * step, y_of(i * step)
        parts.append(f'<line x1="{g["left"] - 5}" x2="{g["left"]}" y1="{_num(y)}" y2="{_num(y)}" stroke="#1a1a1a"></line>'
                     + _text(g["left"] - 8, y + 5, f"{value:.{decimals}f}", anchor="end"))
    return "".join(parts)


def label_ys(y_p, y_q, line=BARS["labelLine"]):
    """Baselines of a token's two value labels, above bars whose tops are at `y_p` and `y_q`.

    Side by side, the two labels overlap when their bars are about as tall: the taller bar's
    label (P's, if equal) is then lifted a line above the other's. explorer.js does the same.

    >>> label_ys(100, 150), label_ys(100, 104), label_ys(104, 100)
    ((96, 146), (83, 100), (100, 83))
    """
    label_p, label_q = y_p - 4, y_q - 4
    if abs(label_p - label_q) < line:
        if y_p <= y_q:
            label_p = label_q - line
        else:
            label_q = label_p - line
    return label_p, label_q


def bar_chart(element_id, vocab, p, q, colors, label_every=1, value_labels=True):
    """Grouped bars of P (solid) and Q (hatched) per token, value labels, a fixed y-axis.

    Hooks for explorer.js: ``rect[data-bar="p"|"q"][data-k]``, ``text[data-label="p"|"q"][data-k]``
    and ``g[data-axis="y"]`` (the ticks, redrawn when the axis changes).
    """
    g, n = BARS, len(vocab)
    plot_w, plot_h = g["width"] - g["left"] - g["right"], g["height"] - g["top"] - g["bottom"]
    top, step = y_axis(p, q)
    slot = plot_w / n
    bar = 0.38 * slot if n <= 12 else 0.45 * slot
    base = g["top"] + plot_h

    def y_of(value):
        return g["top"] + plot_h * (1 - min(value, top) / top)

    hatch = f"{element_id}-hatch"
    parts = [
        f'<svg class="kl-chart" viewBox="0 0 {g["width"]} {g["height"]}" font-size="{g["font"]}" '
        f'role="img" aria-label="Bar chart of P and Q for each token">',
        f'<defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="7" height="7" '
        f'patternTransform="rotate(45)"><rect width="7" height="7" fill="{colors["q"]}"></rect>'
        f'<line x1="0" y1="0" x2="0" y2="7" stroke="#fff" stroke-width="2"></line></pattern></defs>',
        f'<g data-axis="y">{_ticks(g, top, step, y_of)}</g>',
    ]
    for k, token in enumerate(vocab):
        middle = g["left"] + (k + 0.5) * slot
        label_y = dict(zip("pq", label_ys(y_of(p[k]), y_of(q[k]))))
        for which, values, x0, fill in (("p", p, middle - bar, colors["p"]),
                                        ("q", q, middle, f"url(#{hatch})" if n <= 12 else colors["q"])):
            y = y_of(values[k])
            parts.append(f'<rect data-bar="{which}" data-k="{k}" x="{_num(x0)}" y="{_num(y)}" '
                         f'width="{_num(bar)}" height="{_num(base - y)}" fill="{fill}"></rect>')
            if value_labels:
                parts.append(_text(x0 + bar / 2, label_y[which], f"{values[k]:.2f}", size=13,
                                   extra=f' data-label="{which}" data-k="{k}"'))
        if k % label_every == 0:
            parts.append(_text(middle, base + 19, token))
    parts += [
        f'<line x1="{g["left"]}" x2="{g["width"] - g["right"]}" y1="{_num(base)}" y2="{_num(base)}" '
        'stroke="#1a1a1a"></line>',
        f'<line x1="{g["left"]}" x2="{g["left"]}" y1="{g["top"]}" y2="{_num(base)}" stroke="#1a1a1a"></line>',
        _text(g["left"] + plot_w / 2, g["height"] - 4, "next token"),
        _text(14, g["top"] + plot_h / 2, "probability",
              extra=f' transform="rotate(-90 14 {_num(g["top"] + plot_h / 2)})"'),
    ]
    for i, (name, fill) in enumerate((("P (data)", colors["p"]), ("Q (model)", f"url(#{hatch})"))):
        x = g["width"] - g["right"] - 210 + i * 108
        parts.append(f'<rect x="{x}" y="6" width="20" height="14" fill="{fill}"></rect>'
                     + _text(x + 26, 19, name, anchor="start"))
    parts.append("</svg>")
    return " ".join(parts)


def log_ticks(low_exponent, high_exponent):
    """Powers of ten for a log axis, thinned to at most five labels."""
    every = max(1, math.ceil((high_exponent - low_exponent) / 4))
    return list(range(high_exponent, low_exponent - 1, -every))[::-1]


def curve_chart(element_id, title, x_label, y_label, x_range, y_top, points, marker, zero_slot=True):
    """A curve on a log-x axis with a marker at the current point, and an optional slot for x = 0.

    ``x_range`` = (low, high) exponents of ten; ``points`` = [(x, y), ...] with x > 0;
    ``marker`` = (x, y), where x = 0 sits in the slot left of the axis and y = inf at its top.
    Hooks for the scripts: ``path[data-curve]``, ``g[data-marker]`` (a line and a dot),
    ``text[data-marker-label]``.
    """
    g = CURVE
    plot_w, plot_h = g["width"] - g["left"] - g["right"], g["height"] - g["top"] - g["bottom"]
    slot = 26 if zero_slot else 0
    low, high = x_range

    def x_of(x):
        if x <= 0:
            return g["left"] + slot / 2
        return g["left"] + slot + plot_w_log * (math.log10(x) - low) / (high - low)

    plot_w_log = plot_w - slot

    def y_of(y):
        return g["top"] + plot_h * (1 - min(y, y_top) / y_top)

    path = "M" + " L".join(f"{_num(x_of(x))},{_num(y_of(y))}" for x, y in points if x > 0)
    base = g["top"] + plot_h
    ticks = "".join(
        f'<line x1="{_num(x_of(10.0 ** e))}" x2="{_num(x_of(10.0 ** e))}" y1="{_num(base)}" '
        f'y2="{_num(base + 5)}" stroke="#1a1a1a"></line>' + _text(x_of(10.0 ** e), base + 19, f"1e{e}" if e else "1")
        for e in log_ticks(low, high))
    if zero_slot:
        ticks += _text(x_of(0), base + 19, "0")
    y_ticks = _ticks(g, y_top, y_top / 5, y_of)
    mx, my = marker
    dot_y = g["top"] if math.isinf(my) else y_of(my)
    label = "∞" if math.isinf(my) else f"{my:.4f}"
    return " ".join([
        f'<svg class="kl-curve" viewBox="0 0 {g["width"]} {g["height"]}" font-size="{g["font"]}" '
        f'role="img" aria-labelledby="{element_id}-curve-title">',
        f'<title id="{element_id}-curve-title">{escape(title)}</title>',
        f'<g data-axis="y">{y_ticks}</g> <g data-axis="x">{ticks}</g>',
        f'<line x1="{g["left"]}" x2="{g["width"] - g["right"]}" y1="{_num(base)}" y2="{_num(base)}" '
        'stroke="#1a1a1a"></line>',
        f'<path data-curve d="{path}" fill="none" stroke="#0072B2" stroke-width="2.5"></path>',
        f'<g data-marker><line x1="{_num(x_of(mx))}" x2="{_num(x_of(mx))}" y1="{g["top"]}" '
        f'y2="{_num(base)}" stroke="#D55E00" stroke-dasharray="4 3"></line>'
        f'<circle cx="{_num(x_of(mx))}" cy="{_num(dot_y)}" r="5" fill="#D55E00"></circle></g>',
        _text(x_of(mx) + 8, max(dot_y - 8, g["top"] + 12), label, anchor="start",
              extra=' data-marker-label=""'),
        _text(g["left"] + plot_w / 2, g["height"] - 4, x_label),
        _text(14, g["top"] + plot_h / 2, y_label,
              extra=f' transform="rotate(-90 14 {_num(g["top"] + plot_h / 2)})"'),
        "</svg>",
    ])
