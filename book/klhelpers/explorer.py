"""The live Q explorer: move a slider per token, watch Q, the bar chart and the divergences change.

``explore()`` returns one display object with two renderings (see
:mod:`klhelpers.interactive`):

* in Jupyter, ipywidgets sliders whose Python callbacks call klhelpers and
  redraw a matplotlib chart in place;
* on the website, the same controls in plain JavaScript + SVG
  (``explorer.js``, inlined into the page), whose formulas mirror
  :mod:`klhelpers.divergences`; the tests check that both agree.

Sliders set *weights*: Q is ``normalize(weights)`` after every move, so any one
token can be pushed to q = 0. If every weight is 0 there is no Q at all; the
explorer then keeps the last valid Q and says so until a weight is positive again.

The website's markup puts whitespace between every two pieces of text: Sphinx's
search indexer strips tags without leaving a space, and would otherwise index a
readout glued to the next word ("0.1874extra").
"""

import io
import math
import re
import warnings
from pathlib import Path

import numpy as np

from .divergences import (P, Q, VOCAB, as_finite_array, cross_entropy, entropy, kl_contributions,
                          kl_divergence, normalize)
from .interactive import DualView, escape, html_twin
from .plots import P_COLOR, Q_COLOR, label_step, plot_pq

__all__ = ["explore", "QExplorer"]

SCRIPT = Path(__file__).with_name("explorer.js")
WEIGHT_MAX, WEIGHT_STEP = 1.0, 0.01
ALL_ZERO = ("Every weight is 0, so there is no Q to compare: the explorer keeps the last "
            "valid Q until you raise a weight again.")

#: What the readouts show: (hook used by data-quantity, label, meaning).
READOUTS = (
    ("kl_pq", "D(P‖Q)", "extra surprise when Q models data drawn from P"),
    ("kl_qp", "D(Q‖P)", "the other direction: data drawn from Q, modelled by P"),
    ("entropy_p", "H(P)", "entropy of the data, fixed"),
    ("cross_entropy_pq", "H(P, Q)", "cross-entropy = H(P) + D(P‖Q)"),
)

# The look of both renderings, scoped to .kl-explorer (one small file, inlined).
STYLE = f"<style>{Path(__file__).with_name('explorer.css').read_text(encoding='utf-8')}</style>"


#: The chart's possible y-axes, (top, tick step), lowest first. The small ones serve long
#: vocabularies, where every probability is small; the book's example uses 0.5 and 1.15.
Y_AXES = ((0.02, 0.01), (0.05, 0.01), (0.1, 0.02), (0.2, 0.05), (0.5, 0.1), (1.15, 0.2))


def y_axis(p, q):
    """The chart's y-axis (top, tick step): the lowest of Y_AXES every bar fits below, with room for labels.

    A few fixed scales rather than one that follows the tallest bar: the axis does not
    creep while a slider moves, and the website's chart (explorer.js) uses the same rule.
    """
    tallest = 1.15 * max(float(np.max(p)), float(np.max(q)))
    return next((axis for axis in Y_AXES if tallest <= axis[0]), Y_AXES[-1])


def fmt(value):
    """A readout's text: 4 decimals, ``∞`` for infinity (never NaN or blank for klhelpers' values)."""
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if math.isnan(value):
        return "NaN"
    text = f"{value:.4f}"
    return "0.0000" if text == "-0.0000" else text


def measures(p, q):
    """Every number the explorer shows, each computed by klhelpers (in nats)."""
    return {
        "kl_pq": kl_divergence(p, q),
        "kl_qp": kl_divergence(q, p),
        "entropy_p": entropy(p),
        "cross_entropy_pq": cross_entropy(p, q),
        "contrib_pq": kl_contributions(p, q),
        "contrib_qp": kl_contributions(q, p),
    }


def _readouts_html(values, custom=None):
    """The divergence readouts (shared by both renderings); `custom` = (name, text) or None."""
    items = [f'<div><dt>{label}</dt> <dd><span data-quantity="{key}">{fmt(values[key])}</span> '
             f"<small>{meaning}</small></dd></div>" for key, label, meaning in READOUTS]
    if custom is not None:
        items.append(f'<div><dt>{escape(custom[0])}(P, Q)</dt> <dd><span data-quantity="custom">'
                     f"{escape(custom[1])}</span> <small>your function, beside D(P‖Q)</small></dd></div>")
    return f'<dl class="kl-readouts" aria-live="polite">{" ".join(items)}</dl>'


def _contributions_html(vocab, p, values):
    """Each token's term of D(P‖Q) and of D(Q‖P) (shared by both renderings)."""
    rows = "\n".join(
        f'<tr><th scope="row">{escape(token)}</th> <td>{fmt(pk)}</td> '
        f'<td data-quantity="contrib_pq:{escape(token)}">{fmt(c_pq)}</td> '
        f'<td data-quantity="contrib_qp:{escape(token)}">{fmt(c_qp)}</td></tr>'
        for token, pk, c_pq, c_qp in zip(vocab, p, values["contrib_pq"], values["contrib_qp"]))
    return ('<div class="kl-table"><table><caption>Each token\'s term (nats); '
            "the terms add up to the divergence</caption> <thead><tr>"
            '<th scope="col">token</th> <th scope="col">p</th> '
            '<th scope="col">p·log(p/q) in D(P‖Q)</th> <th scope="col">q·log(q/p) in D(Q‖P)</th>'
            f"</tr></thead>\n<tbody>{rows}</tbody></table></div>")


HELP = ('<p class="kl-help">Each slider sets a token\'s <em>weight</em> in Q; Q is the weights '
        "rescaled to sum to 1 (q is shown beside each slider). P, the data, stays fixed.</p>")

# With many tokens the sliders scroll inside a box of their own, so the chart and the
# readouts stay near them (both renderings).
SCROLL_BOX = "max-height:26rem;overflow-y:auto"


def slider_weights(q):
    """The sliders' starting weights for the starting Q: q itself if the sliders can show it.

    A slider moves in steps of WEIGHT_STEP, so a smaller positive q (1/200 each for
    200 tokens) would sit between two steps; the sliders then start at q / max(q),
    the same Q with its largest weight at WEIGHT_MAX.
    """
    if q[q > 0].min() >= WEIGHT_STEP:
        return q.copy()
    return q / q.max() * WEIGHT_MAX


class QExplorer(DualView):
    """The Q explorer returned by :func:`explore`; displays as sliders in Jupyter, as JS on the site.

    Attributes a notebook (or a test) can use: ``sliders`` (one FloatSlider
    per token), ``reset_button``, ``equal_button``, ``q`` (the current Q),
    ``values`` (the current numbers, from klhelpers), ``figure`` / ``ax``
    (the chart) and :meth:`readout` (the text a reader sees).
    """

    def __init__(self, p, q, vocab, divergence=None):
        import ipywidgets as widgets

        self.p, self.vocab, self.divergence = p, tuple(vocab), divergence
        self.start_weights = slider_weights(q)
        self.q = normalize(self.start_weights)
        self.values = measures(p, self.q)
        self.message = ""
        many = label_step(len(self.vocab)) > 1

        self.sliders = [widgets.FloatSlider(
            value=float(w), min=0.0, max=WEIGHT_MAX, step=WEIGHT_STEP, description=str(token),
            continuous_update=True, readout_format=".2f", style={"description_width": "3rem"},
            layout=widgets.Layout(width="17rem")) for token, w in zip(self.vocab, self.start_weights)]
        self._q_labels = [widgets.HTML() for _ in self.vocab]
        self.reset_button = widgets.Button(description="Reset Q", tooltip="back to the starting Q")
        self.equal_button = widgets.Button(description="Set Q = P", tooltip="every divergence drops to 0")
        self._message = widgets.HTML()
        self._readouts = widgets.HTML()
        self._chart = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width="640px"))
        self._build_figure()

        for slider in self.sliders:
            slider.observe(self._on_slider, names="value")
        self.reset_button.on_click(lambda _: self.set_weights(self.start_weights))
        self.equal_button.on_click(lambda _: self.set_weights(self.p))
        self._holding = False
        self._update()

        rows = [widgets.HBox([s, label]) for s, label in zip(self.sliders, self._q_labels)]
        box = widgets.Layout(max_height="26rem", overflow="auto") if many else widgets.Layout()
        widget = widgets.VBox([
            widgets.HTML(STYLE + HELP),
            widgets.HBox([widgets.VBox(rows, layout=box), self._chart],
                         layout=widgets.Layout(flex_flow="row wrap", align_items="center")),
            widgets.HBox([self.reset_button, self.equal_button]),
            self._message, self._readouts,
        ]).add_class("kl-explorer")
        super().__init__(widget, self._twin(), self._text())

    # --- Jupyter: Python callbacks -------------------------------------------------
    def _build_figure(self):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(6.4, 3.3), dpi=100, layout="constrained")
        FigureCanvasAgg(self.figure)  # drawn off-screen; shown as a PNG in an Image widget
        self.ax = plot_pq(self.p, self.q, self.vocab, ax=self.figure.add_subplot())
        self._set_y_axis(y_axis(self.p, self.q))  # before the layout is fixed: it fits these ticks
        self._q_bars = list(self.ax.containers[1])
        # Q's value labels; none when there are too many tokens to label (see plots.label_step).
        self._q_bar_labels = list(self.ax.texts[len(self.vocab):2 * len(self.vocab)])
        self.figure.canvas.draw()
        self.figure.set_layout_engine("none")  # keep that layout: redraws only move bars and labels
        self._axis = None

    def _set_y_axis(self, axis):
        top, step = axis
        self.ax.set_ylim(0, top)
        self.ax.set_yticks(np.arange(0, top + 1e-9, step))

    def _draw_background(self, axis):
        """Draw everything but Q's bars and labels once per y-scale, and keep the pixels."""
        self._axis = axis
        self._set_y_axis(axis)
        for artist in self._q_bars + self._q_bar_labels:
            artist.set_animated(True)  # left out of a full draw, drawn on top by _redraw
        self.figure.canvas.draw()
        self._background = self.figure.canvas.copy_from_bbox(self.figure.bbox)

    def _on_slider(self, change):
        if not self._holding:
            self._update()

    def set_weights(self, weights):
        """Move every slider at once (one redraw), as the Reset and Q = P buttons do."""
        self._holding = True
        try:
            for slider, w in zip(self.sliders, weights):
                slider.value = float(w)
        finally:
            self._holding = False
        self._update()

    def _update(self):
        """Renormalise Q, recompute with klhelpers, update the chart in place and the readouts."""
        try:
            self.q = normalize([s.value for s in self.sliders])
            self.message = ""
        except ValueError:  # every weight is 0: keep the last valid Q
            self.message = ALL_ZERO
        self.values = measures(self.p, self.q)
        for token, label, qk in zip(self.vocab, self._q_labels, self.q):
            label.value = f'q = <span data-quantity="q:{escape(token)}">{fmt(qk)}</span>'
        self._message.value = f'<p class="kl-message" role="status">{escape(self.message)}</p>'
        custom = None if self.divergence is None else (
            getattr(self.divergence, "__name__", "divergence"), self._custom_value())
        self._readouts.value = (_readouts_html(self.values, custom)
                                + _contributions_html(self.vocab, self.p, self.values))
        self._redraw()

    def _redraw(self):
        """Move Q's bars and labels (the same artists every time) and re-render the PNG."""
        for bar, qk in zip(self._q_bars, self.q):
            bar.set_height(qk)
        for label, bar, qk in zip(self._q_bar_labels, self._q_bars, self.q):
            label.xy = (bar.get_x() + bar.get_width() / 2, qk)
            label.set_text(f"{qk:.2f}")
        axis = y_axis(self.p, self.q)
        if axis != self._axis:
            self._draw_background(axis)
        else:
            self.figure.canvas.restore_region(self._background)
        for artist in self._q_bars + self._q_bar_labels:
            self.ax.draw_artist(artist)
        self._chart.value = self.png()

    def png(self):
        """The chart as it was last drawn, as PNG bytes."""
        from PIL import Image

        canvas = self.figure.canvas
        buffer = io.BytesIO()
        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
                         ).convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def _custom_value(self):
        """The student's divergence(P, Q), or the error it raised, as text."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = self.divergence(self.p.copy(), self.q.copy())
                text = fmt(result)
            except Exception as error:  # show it: a student's bug must not break the explorer
                return f"{type(error).__name__}: {error}"
        if caught:
            text += f" ({caught[0].category.__name__}: {caught[0].message})"
        return text

    def readout(self, quantity):
        """The text a reader sees for ``data-quantity="<quantity>"``, e.g. ``"kl_pq"`` or ``"q:cat"``."""
        hook = f'data-quantity="{escape(quantity)}">'
        for html in [label.value for label in self._q_labels] + [self._readouts.value]:
            if hook in html:
                return re.match(r"([^<]*)<", html.split(hook, 1)[1]).group(1)
        raise KeyError(quantity)

    # --- The website: static markup with the starting numbers, then explorer.js ------
    def _twin(self):
        """The html twin, showing the starting Q (whatever the sliders say by now)."""
        weights, q = self.start_weights, normalize(self.start_weights)
        values = measures(self.p, q)
        many = label_step(len(self.vocab)) > 1
        note = ("" if self.divergence is None else
                '<p class="kl-help">Your divergence function runs in Jupyter only; '
                "this page computes klhelpers' formulas in the browser.</p>")

        def markup(element_id):
            sliders = "\n".join(
                f'<div class="kl-slider"><label for="{element_id}-w{k}">'
                f'<span class="kl-hidden">Weight in Q of </span>{escape(token)}</label> '
                f'<input type="range" id="{element_id}-w{k}" min="0" max="{WEIGHT_MAX}" '
                f'step="{WEIGHT_STEP}" value="{w:.2f}" aria-valuetext="weight {w:.2f}, q {fmt(qk)}"> '
                f'<output for="{element_id}-w{k}">q = <span data-quantity="q:{escape(token)}">'
                f"{fmt(qk)}</span></output></div>"
                for k, (token, w, qk) in enumerate(zip(self.vocab, weights, q)))
            scroll = f' style="{SCROLL_BOX}"' if many else ""
            return "\n".join([
                STYLE + HELP,
                '<svg class="kl-chart" viewBox="0 0 520 300" role="img" '
                'aria-label="Bar chart of P and Q for each token"></svg>',
                f'<div class="kl-sliders"{scroll}>\n{sliders}\n</div>',
                '<div class="kl-buttons"><button type="button" data-action="reset">Reset Q</button> '
                '<button type="button" data-action="q-equals-p">Set Q = P</button></div>',
                '<p class="kl-message" role="status"></p>',
                _readouts_html(values),
                note,
                _contributions_html(self.vocab, self.p, values)])

        config = {"tokens": list(self.vocab), "p": self.p.tolist(), "weights": weights.tolist(),
                  "colors": {"p": P_COLOR, "q": Q_COLOR}, "allZero": ALL_ZERO,
                  "labelEvery": label_step(len(self.vocab)), "yAxes": Y_AXES}
        return html_twin("explorer", markup, SCRIPT, config,
                         label="Q explorer: sliders for Q, chart and divergences")

    def _text(self):
        names = ", ".join(self.vocab)
        if label_step(len(self.vocab)) > 1:  # one short line, however many tokens
            names = f"{len(self.vocab)} tokens ({', '.join(self.vocab[:3])}, ..., {self.vocab[-1]})"
        return (f"<Q explorer over {names}: D(P‖Q) = {fmt(self.values['kl_pq'])} "
                f"nats at the starting Q>")


def _distribution(values, name):
    """`values` (probabilities or non-negative weights) as one distribution; errors name `name`."""
    weights = as_finite_array(values, name)
    if weights.ndim != 1:
        raise ValueError(f"{name} must be one distribution (a flat list of numbers), "
                         f"got an array of shape {weights.shape}")
    negative = np.flatnonzero(weights < 0)
    if negative.size:
        k = negative[0]
        raise ValueError(f"{name} has a negative entry at index {k} ({weights[k]:g})")
    if not weights.sum() > 0:
        raise ValueError(f"{name} is all zero: at least one entry must be positive")
    return normalize(weights)


def explore(p=None, q=None, vocab=None, divergence=None):
    """Sliders for Q against a fixed P: the chart and the divergences follow every move.

    Parameters
    ----------
    p, q : array_like, optional
        The data's distribution and the model's starting distribution
        (probabilities, or non-negative weights that :func:`normalize` rescales).
        Default ``p``: the book's running example ``P``. Default ``q``: the running
        example's ``Q`` when ``p`` has its five entries, else the uniform distribution.
    vocab : sequence of str, optional
        One distinct name per token; default ``VOCAB`` (or ``"1"``, ``"2"``, ... when
        ``p`` does not have five entries).
    divergence : callable, optional
        Your own ``divergence(p, q) -> float`` (say, an exercise's KL), shown live
        beside klhelpers' D(P‖Q) in Jupyter; if it raises, the error is shown instead.

    Returns
    -------
    QExplorer
        Displays as ipywidgets in Jupyter and as self-contained HTML + JavaScript
        on the website. All numbers are in nats.

    Raises
    ------
    ValueError
        Naming the argument: ``p`` or ``q`` negative, not finite, all zero or not
        one flat list; ``q`` or ``vocab`` of another length than ``p``; a token
        named twice; ``divergence`` not callable.

    Examples
    --------
    >>> explorer = explore()
    >>> explorer.readout("kl_pq")
    '0.1874'
    >>> explorer.sliders[0].value = 0.0  # "cat" happens in P, but Q now rules it out
    >>> explorer.readout("kl_pq"), explorer.readout("q:cat")
    ('∞', '0.0000')
    >>> explorer.equal_button.click()
    >>> explorer.readout("kl_pq"), explorer.readout("kl_qp")
    ('0.0000', '0.0000')
    >>> explore(p=[1, 2, 3, 4]).readout("q:4")  # no q: the uniform Q over p's four entries
    '0.2500'
    """
    p = _distribution(P if p is None else p, "p")
    if q is None:
        q = Q if len(p) == len(Q) else np.ones(len(p))
    q = _distribution(q, "q")
    if q.shape != p.shape:
        raise ValueError(f"q must have the same length as p: p has {len(p)} entries, q has {len(q)}")
    if vocab is None:
        vocab = VOCAB if len(p) == len(VOCAB) else tuple(str(k + 1) for k in range(len(p)))
    if isinstance(vocab, (str, bytes)):
        raise ValueError(f"vocab must be a list of token names, got the single string {vocab!r}")
    vocab = tuple(str(token) for token in vocab)
    if len(vocab) != len(p):
        raise ValueError(f"vocab has {len(vocab)} tokens but p has {len(p)} entries")
    if len(set(vocab)) != len(vocab):
        duplicate = next(t for k, t in enumerate(vocab) if t in vocab[:k])
        raise ValueError(f"vocab must name each token once; {duplicate!r} appears twice")
    if divergence is not None and not callable(divergence):
        raise ValueError(f"divergence must be a function divergence(p, q), got {divergence!r}")
    return QExplorer(p, q, vocab, divergence)
