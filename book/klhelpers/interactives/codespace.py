"""The code-space picture, live (chapter 2): move Q, watch its code's columns rise and sink.

``explore_code_space()`` returns one display object with two renderings (see :mod:`.twin`):
ipywidgets sliders whose callbacks redraw the chart in Python in Jupyter, and on the
website the same sliders run by ``assets/code-space.js``, which asks ``klmath.js`` for every
formula (``KLMath.normalize``, ``surprisal``, ``entropy``, ``crossEntropy``, ``klDivergence``).

The picture is :func:`klhelpers.plots.plot_code_space` as SVG: token k is a column p_k wide;
solid up to P's ideal length -log2 p_k (total area H(P)); hatched where Q's ideal codeword,
-log2 q_k, is longer, dotted where it is shorter. The total area is H(P, Q) and hatched minus
dotted is D_KL(P‖Q), in bits. Sliders set weights (Q is the weights rescaled to sum to 1),
each at least :data:`MIN_WEIGHT`, so no codeword is infinitely long.
"""

import math

import numpy as np

from ..divergences import P, Q, VOCAB, cross_entropy, entropy, kl_divergence, normalize, surprisal
from ..plots import P_COLOR, Q_COLOR
from .twin import ASSETS, DualView, escape, html_twin

__all__ = ["explore_code_space", "CodeSpaceView", "GEOMETRY", "READOUTS", "Y_AXES", "MIN_WEIGHT"]

#: The chart: SVG view box, margins and font size (SVG units; drawn at least 320 px wide).
GEOMETRY = {"width": 400, "height": 250, "left": 46, "right": 8, "top": 12, "bottom": 54, "font": 16}
#: (top, tick step) of the y-axis in bits, lowest first: the lowest that holds every column.
Y_AXES = ((4.0, 1.0), (6.0, 1.0), (8.0, 2.0), (10.0, 2.0), (12.0, 2.0))
#: The smallest weight a slider allows: every q_k stays above 0.
MIN_WEIGHT = 0.01
#: data-quantity hook -> label.
READOUTS = {"entropy_bits": "H(P), bits", "cross_entropy_bits": "H(P, Q), bits",
            "kl_bits": "D_KL(P‖Q), bits"}


def _num(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


def y_axis(heights):
    """The (top, step) of :data:`Y_AXES` for the tallest column."""
    tallest = float(np.max(heights))
    return next((axis for axis in Y_AXES if tallest <= axis[0]), Y_AXES[-1])


class CodeSpaceView(DualView):
    """What :func:`explore_code_space` returns. A notebook or a test can use ``sliders``,
    ``q`` (the current Q), :meth:`set_weights` and :meth:`readout`."""

    def __init__(self, p, q, vocab):
        self.p, self.vocab = p, list(vocab)
        self.start = np.clip(np.round(q, 2), MIN_WEIGHT, 1.0)   # the sliders start at Q itself
        self.q = normalize(self.start)
        widget = self._build_widget()
        text = (f"<code-space picture over {', '.join(self.vocab)}: H(P, Q) = "
                f"{self.readout('cross_entropy_bits')} bits at the starting Q>")
        super().__init__(widget, "code-space", self._twin, text)

    def values(self, q):
        return {"entropy_bits": f"{entropy(self.p, base=2):.4f}",
                "cross_entropy_bits": f"{cross_entropy(self.p, q, base=2):.4f}",
                "kl_bits": f"{kl_divergence(self.p, q, base=2):.4f}"}

    def readout(self, quantity):
        """The text a reader sees for ``data-quantity="<quantity>"`` at the current Q."""
        return self.values(self.q)[quantity]

    def set_weights(self, weights):
        """Move the sliders to `weights` (each in [MIN_WEIGHT, 1])."""
        for slider, w in zip(self.sliders, weights):
            slider.value = float(w)

    def _readouts_html(self, q):
        values = self.values(q)
        items = "".join(f'<div><dt>{escape(label)}</dt> <dd><span data-quantity="{key}">{values[key]}'
                        "</span></dd></div>" for key, label in READOUTS.items())
        return f'<dl class="kl-readouts">{items}</dl>'

    def chart_svg(self, element_id, q):
        """The chart at Q = `q`, with the ids of its hatch patterns derived from `element_id`."""
        g = GEOMETRY
        ideal_p, ideal_q = surprisal(self.p, base=2), surprisal(q, base=2)
        top, step = y_axis(np.concatenate([ideal_p, ideal_q]))
        plot_w, plot_h = g["width"] - g["left"] - g["right"], g["height"] - g["top"] - g["bottom"]
        base = g["top"] + plot_h

        def y(value):
            return g["top"] + plot_h * (1 - min(value, top) / top)

        hatch, dots = f"{element_id}-longer", f"{element_id}-shorter"
        parts = [f'<svg class="kl-chart" viewBox="0 0 {g["width"]} {g["height"]}" font-size="{g["font"]}" '
                 'role="img" aria-label="Code lengths as areas: one column per token, as wide as its '
                 'probability under P, solid up to P&#8217;s ideal length, hatched where Q&#8217;s code is '
                 'longer, dotted where it is shorter">',
                 f'<defs><pattern id="{hatch}" width="8" height="8" patternUnits="userSpaceOnUse" '
                 f'patternTransform="rotate(45)"><rect width="8" height="8" fill="#fff"></rect>'
                 f'<line x1="0" y1="0" x2="0" y2="8" stroke="{Q_COLOR}" stroke-width="3"></line></pattern>'
                 f'<pattern id="{dots}" width="7" height="7" patternUnits="userSpaceOnUse">'
                 '<rect width="7" height="7" fill="#fff"></rect>'
                 '<circle cx="3.5" cy="3.5" r="1.3" fill="#404040"></circle></pattern></defs>',
                 f'<g data-axis="y">{self._ticks(y, top, step)}</g>']
        left = g["left"]
        for k, (pk, hp, hq) in enumerate(zip(self.p, ideal_p, ideal_q)):
            width = plot_w * pk
            x = _num(left)
            parts.append(
                f'<rect data-k="{k}" data-part="ideal" x="{x}" width="{_num(width)}" y="{_num(y(hp))}" '
                f'height="{_num(base - y(hp))}" fill="{P_COLOR}" fill-opacity="0.55" stroke="#fff"></rect>'
                f'<rect data-k="{k}" data-part="longer" x="{x}" width="{_num(width)}" '
                f'y="{_num(y(max(hp, hq)))}" height="{_num(y(hp) - y(max(hp, hq)))}" fill="url(#{hatch})" '
                f'stroke="{Q_COLOR}"></rect>'
                f'<rect data-k="{k}" data-part="shorter" x="{x}" width="{_num(width)}" y="{_num(y(hp))}" '
                f'height="{_num(y(min(hp, hq)) - y(hp))}" fill="url(#{dots})" stroke="#404040"></rect>')
            label_x = left + width / 2
            rotate = f' transform="rotate(-90 {_num(label_x)} {_num(base + 8)})"' if pk < 0.12 else ""
            anchor, dy = ("end", 5) if pk < 0.12 else ("middle", 20)
            parts.append(f'<text x="{_num(label_x)}" y="{_num(base + (8 if pk < 0.12 else dy))}" '
                         f'text-anchor="{anchor}" dominant-baseline="{"middle" if pk < 0.12 else "auto"}"'
                         f"{rotate}>{escape(self.vocab[k])}</text>")
            left += width
        parts.append(f'<line x1="{g["left"]}" x2="{g["width"] - g["right"]}" y1="{_num(base)}" '
                     f'y2="{_num(base)}" stroke="#1a1a1a"></line>')
        parts.append(f'<text x="14" y="{_num(g["top"] + plot_h / 2)}" text-anchor="middle" '
                     f'transform="rotate(-90 14 {_num(g["top"] + plot_h / 2)})">bits</text>')
        parts.append("</svg>")
        return "".join(parts)

    def _ticks(self, y, top, step):
        g, parts = GEOMETRY, []
        for i in range(int(round(top / step)) + 1):
            value = i * step
            parts.append(f'<line x1="{g["left"] - 5}" x2="{g["left"]}" y1="{_num(y(value))}" '
                         f'y2="{_num(y(value))}" stroke="#1a1a1a"></line><text x="{g["left"] - 8}" '
                         f'y="{_num(y(value) + 5)}" text-anchor="end">{value:g}</text>')
        return "".join(parts)

    def _sliders_html(self, element_id):
        rows = []
        for k, (token, w) in enumerate(zip(self.vocab, self.start)):
            slider_id = f"{element_id}-w{k}"
            rows.append(f'<div class="kl-slider"><label for="{slider_id}">{escape(token)}</label> '
                        f'<input type="range" id="{slider_id}" data-k="{k}" min="{MIN_WEIGHT}" max="1" '
                        f'step="0.01" value="{w:.2f}" aria-valuetext="weight {w:.2f}"> '
                        f'<output for="{slider_id}" data-output="{k}">q = {self.q[k]:.2f}</output></div>')
        return f'<div class="kl-sliders">{"".join(rows)}</div>'

    def _twin(self, element_id):
        help_text = ('<p class="kl-help">Each slider sets a token&#8217;s weight in Q (Q is the weights '
                     "rescaled to sum to 1). The columns are as wide as P&#8217;s probabilities; Q&#8217;s "
                     "code raises them (hatched) or lowers them (dotted).</p>")
        legend = ('<figcaption><span class="kl-key kl-solid"></span> ideal code for P &#160; '
                  '<span class="kl-key kl-longer"></span> Q&#8217;s code: longer &#160; '
                  '<span class="kl-key kl-shorter"></span> Q&#8217;s code: shorter</figcaption>')
        markup = " ".join([help_text, self._sliders_html(element_id),
                           '<div class="kl-buttons"><button type="button" data-action="reset">Reset Q'
                           '</button> <button type="button" data-action="equal">Set Q = P</button></div>',
                           f'<figure class="kl-figure">{self.chart_svg(element_id, self.q)} {legend}</figure>',
                           self._readouts_html(self.q)])
        config = {"p": self.p.tolist(), "start": self.start.tolist(), "geometry": GEOMETRY,
                  "yAxes": Y_AXES, "minWeight": MIN_WEIGHT}
        return html_twin("code-space", element_id, markup, config,
                         label="The code-space picture: Q's code against P's, as areas")

    def _build_widget(self):
        import ipywidgets as widgets

        self.sliders = [widgets.FloatSlider(value=float(w), min=MIN_WEIGHT, max=1.0, step=0.01,
                                            description=token, continuous_update=False)
                        for token, w in zip(self.vocab, self.start)]
        self._chart = widgets.HTML()
        self._results = widgets.HTML()

        def update(_change=None):
            self.q = normalize([s.value for s in self.sliders])
            self._chart.value = f'<div class="kl-figure">{self.chart_svg("kl-code-space-jupyter", self.q)}</div>'
            self._results.value = self._readouts_html(self.q)

        for slider in self.sliders:
            slider.observe(update, names="value")
        update()
        style = f"<style>{(ASSETS / 'code-space.css').read_text(encoding='utf-8')}</style>"
        return widgets.VBox([widgets.HTML(style), *self.sliders, self._chart, self._results]).add_class(
            "kl-code-space")


def explore_code_space(p=None, q=None, vocab=None):
    """The code-space picture of Q's code on P's data, with a slider per token for Q.

    Examples
    --------
    >>> view = explore_code_space()
    >>> view.readout("cross_entropy_bits"), view.readout("kl_bits")
    ('2.2791', '0.2704')
    """
    p = np.asarray(P if p is None else p, dtype=float)
    q = np.asarray(Q if q is None else q, dtype=float)
    vocab = list(VOCAB if vocab is None else vocab)
    if not (p.size == q.size == len(vocab)) or np.any(p <= 0) or np.any(q <= 0):
        raise ValueError("p, q and vocab must have the same length, and every p_k and q_k must be > 0")
    if not math.isclose(p.sum(), 1.0, abs_tol=1e-9):
        raise ValueError(f"p must sum to 1, got {p.sum()!r}")
    return CodeSpaceView(p, normalize(q), vocab)
