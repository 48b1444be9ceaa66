"""The Q explorer in Jupyter: ipywidgets whose Python callbacks recompute with klhelpers.

The chart is a matplotlib figure drawn off-screen and shown as a PNG in an Image
widget (it then lands in the widget wherever the notebook runs). A slider move
redraws only what moves, Q's bars and labels and the focus curve's marker, over
a saved background (blitting): about a tenth of the cost of a new figure.
"""

import io
import re
import warnings

import numpy as np

from ..divergences import normalize, with_share
from ..plots import label_step, plot_pq
from . import charts
from .explorer_markup import (ALL_ZERO, FOCUS_RANGE, STYLE, WEIGHT_MAX, WEIGHT_STEP, curve_top, fmt,
                              focus_curve, measures, readouts_html, table_html)
from .twin import escape

__all__ = ["build_widget", "png"]

HELP = ('<p class="kl-help">Each slider sets a token\'s <em>weight</em> in Q; Q is the weights '
        "rescaled to sum to 1 (q is shown beside each slider). P, the data, stays fixed.</p>")


def build_widget(explorer):
    """Give `explorer` its sliders, buttons, chart and readouts; return the widget to display."""
    import ipywidgets as widgets

    e = explorer
    e.sliders = [widgets.FloatSlider(
        value=float(w), min=0.0, max=WEIGHT_MAX, step=WEIGHT_STEP, description=str(token),
        continuous_update=True, readout_format=".2f", style={"description_width": "3rem"},
        layout=widgets.Layout(width="17rem")) for token, w in zip(e.vocab, e.start_weights)]
    e.focus_slider = None
    if e.focus is not None:
        k = e.vocab.index(e.focus)
        e.focus_slider = widgets.FloatLogSlider(
            value=max(float(e.q[k]), 10.0 ** FOCUS_RANGE[0]), base=10, min=FOCUS_RANGE[0], max=-1e-3,
            step=0.05, description=f"q({e.focus})", readout_format=".1e", continuous_update=True,
            style={"description_width": "5rem"}, layout=widgets.Layout(width="26rem"))
    e._q_labels = [widgets.HTML() for _ in e.vocab]
    e.reset_button = widgets.Button(description="Reset Q", tooltip="back to the starting Q")
    e.equal_button = widgets.Button(description="Set Q = P", tooltip="every divergence drops to 0")
    e._message, e._readouts = widgets.HTML(), widgets.HTML()
    e._chart = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width="640px"))
    view = _View(e)

    for slider in e.sliders:
        slider.observe(lambda change: view.holding or view.update(), names="value")
    if e.focus_slider is not None:
        e.focus_slider.observe(lambda change: view.holding or view.set_focus(change["new"]), names="value")
    e.reset_button.on_click(lambda _: view.set_weights(e.start_weights))
    e.equal_button.on_click(lambda _: view.set_weights(e.p))
    e.set_weights = view.set_weights
    e._readout = view.readout
    view.update()

    rows = [widgets.HBox([s, label]) for s, label in zip(e.sliders, e._q_labels)]
    many = label_step(len(e.vocab)) > 1
    box = widgets.Layout(max_height="26rem", overflow="auto") if many else widgets.Layout()
    return widgets.VBox([
        widgets.HTML(STYLE + HELP),
        widgets.HBox([widgets.VBox(rows, layout=box), e._chart],
                     layout=widgets.Layout(flex_flow="row wrap", align_items="center")),
        *([e.focus_slider] if e.focus_slider is not None else []),
        widgets.HBox([e.reset_button, e.equal_button]),
        e._message, e._readouts,
    ]).add_class("kl-explorer")


class _View:
    """The callbacks and the figure of one explorer's Jupyter rendering."""

    def __init__(self, explorer):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        e = self.e = explorer
        self.holding = False
        focus = e.focus is not None
        e.figure = Figure(figsize=(6.4, 5.6 if focus else 3.3), dpi=100, layout="constrained")
        FigureCanvasAgg(e.figure)  # drawn off-screen; shown as a PNG in an Image widget
        axes = e.figure.subplots(2, 1, height_ratios=(3, 2)) if focus else [e.figure.add_subplot()]
        e.ax = plot_pq(e.p, e.q, e.vocab, ax=axes[0])
        e.ax.set_ylim(0, charts.y_axis(e.p, e.q)[0])
        self.moving = list(e.ax.containers[1])  # Q's bars ...
        self.labels = list(e.ax.texts[len(e.vocab):2 * len(e.vocab)])  # ... and value labels, if any
        if focus:
            self.k = e.vocab.index(e.focus)
            self.inset = axes[1]
            self.inset.set_xscale("log")
            self.inset.set_xlim(10.0 ** FOCUS_RANGE[0], 1)
            self.inset.set_xlabel(f"q({e.focus}), log scale")
            self.inset.set_ylabel("$D_{KL}(P\\,\\|\\,Q)$ (nats)")
            self.inset.spines[["top", "right"]].set_visible(False)
            (self.curve,) = self.inset.plot([], [], color="#0072B2", linewidth=2)
            (self.marker,) = self.inset.plot([], [], "o", color="#D55E00")
            self.moving += [self.curve, self.marker]
        e.figure.canvas.draw()
        e.figure.set_layout_engine("none")  # keep that layout: redraws only move what moves
        self.scales = None

    def set_weights(self, weights):
        """Move every slider at once (one redraw), as the Reset and Q = P buttons do."""
        self.holding = True
        try:
            for slider, w in zip(self.e.sliders, weights):
                slider.value = float(w)
        finally:
            self.holding = False
        self.update()

    def set_focus(self, share):
        """q(focus) = share, the other tokens in proportion (the weights then follow)."""
        q = with_share(self.e.q, self.k, share)
        self.set_weights(q / q.max() * WEIGHT_MAX)
        self.e.q = q  # exactly, not as rounded by the sliders' steps

    def update(self):
        """Renormalise Q, recompute with klhelpers, redraw what moved and rewrite the readouts."""
        e = self.e
        try:
            e.q = normalize([s.value for s in e.sliders])
            e.message = ""
        except ValueError:  # every weight is 0: keep the last valid Q
            e.message = ALL_ZERO
        e.values = measures(e.p, e.q, e.merge)
        for token, label, qk in zip(e.vocab, e._q_labels, e.q):
            label.value = f'q = <span data-quantity="q:{escape(token)}">{fmt(qk)}</span>'
        e._message.value = f'<p class="kl-message" role="status">{escape(e.message)}</p>'
        custom = ""
        if e.divergence is not None:
            name = escape(getattr(e.divergence, "__name__", "divergence"))
            custom = (f'<dl class="kl-readouts"><div><dt>{name}(P, Q)</dt> <dd><span data-quantity="custom">'
                      f"{escape(self._custom_value())}</span> <small>your function, beside D_KL(P‖Q)</small>"
                      "</dd></div></dl>")
        e._readouts.value = (readouts_html(e.show, e.values, e.merge_names) + custom
                             + table_html(e.show, e.vocab, e.p, e.values))
        self.redraw()

    def redraw(self):
        e = self.e
        for bar, qk in zip(self.moving[:len(e.vocab)], e.q):
            bar.set_height(qk)
        for label, bar, qk in zip(self.labels, self.moving, e.q):
            label.xy = (bar.get_x() + bar.get_width() / 2, qk)
            label.set_text(f"{qk:.2f}")
        scales = (charts.y_axis(e.p, e.q),)
        if e.focus is not None:
            points = focus_curve(e.p, e.q, self.k)
            self.curve.set_data(*zip(*points))
            share = max(e.q[self.k], 10.0 ** FOCUS_RANGE[0])
            self.marker.set_data([share], [min(e.values["kl_pq"], curve_top(points))])
            scales += (curve_top(points),)
        canvas = e.figure.canvas
        if scales != self.scales:  # a new scale: draw everything else once, and keep the pixels
            self.scales = scales
            top, step = scales[0]
            e.ax.set_ylim(0, top)
            e.ax.set_yticks(np.arange(0, top + 1e-9, step))
            if e.focus is not None:
                self.inset.set_ylim(0, scales[1])
            for artist in self.moving + self.labels:
                artist.set_animated(True)
            canvas.draw()
            self.background = canvas.copy_from_bbox(e.figure.bbox)
        else:
            canvas.restore_region(self.background)
        for artist in self.moving + self.labels:
            artist.axes.draw_artist(artist)
        e._chart.value = png(e.figure)

    def _custom_value(self):
        """The student's divergence(P, Q), or the error it raised, as text."""
        e = self.e
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                text = fmt(e.divergence(e.p.copy(), e.q.copy()))
            except Exception as error:  # show it: a student's bug must not break the explorer
                return f"{type(error).__name__}: {error}"
        if caught:
            text += f" ({caught[0].category.__name__}: {caught[0].message})"
        return text

    def readout(self, quantity):
        """The text a reader sees for ``data-quantity="<quantity>"``."""
        hook = f'data-quantity="{escape(quantity)}">'
        for html in [label.value for label in self.e._q_labels] + [self.e._readouts.value]:
            if hook in html:
                return re.match(r"([^<]*)<", html.split(hook, 1)[1]).group(1)
        raise KeyError(quantity)


def png(figure):
    """The figure as it was last drawn, as PNG bytes."""
    from PIL import Image

    canvas = figure.canvas
    buffer = io.BytesIO()
    Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
                     ).convert("RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()

