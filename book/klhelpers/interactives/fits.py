"""Forward vs reverse fits (chapter 7): reshape the two-peaked P, watch both one-peaked fits follow.

``explore_fits()`` returns one display object with two renderings (see :mod:`.twin`):
ipywidgets sliders whose Python callbacks refit with :mod:`klhelpers.fits` in
Jupyter, and on the website the same controls run by ``assets/fits.js``, which
asks ``klmath.js`` (``KLMath.twoPeaks``, ``localFits``, ``shareKept``) for every
number. The search settings (:data:`klhelpers.fits.SEARCH`), the floor and the
number of positions travel in the twin's config, so the script holds no formula
and no constant of the search.

The peaks are called A and B, never left and right: they can cross.

What is shown, in both renderings:

* the chart: P as bars, the forward (inclusive) fit, min D_KL(P‖Q), as a solid
  line, the reverse (exclusive) fit, min D_KL(Q‖P), dashed, the letters A and B
  over the peaks, and a y-axis whose top comes from a short fixed list (:data:`Y_AXES`);
* each fit's D, μ and σ; for the reverse fit also w, the share of P on its side of
  the valley (:func:`klhelpers.fits.share_kept`), and −ln w, about what it pays for
  the part of P it leaves out, and the other valleys of its objective
  (:func:`klhelpers.fits.local_fits`);
* a flag, in words, when a fit sits on a bound of the search (``Fit.at_bound``).
"""

import html as _html
import math

import numpy as np

from .. import fits
from ..validate import bounded_real, pair
from .fits_markup import (CONTROLS, GEOMETRY, HELP, N, NAMES, NONE, ON_BOUND, Y_AXES, bound_messages, chart_svg,
                          compute, controls_html, fmt, legend_html, results_html, slider_widths,
                          y_axis)
from .twin import ASSETS, DualView, escape, html_twin

__all__ = ["explore_fits", "FitsExplorer"]


# -- the display object ------------------------------------------------------------------------------

class FitsExplorer(DualView):
    """What :func:`explore_fits` returns: sliders in Jupyter, served JavaScript on the website.

    A notebook (or a test) can use ``sliders`` (parameter -> FloatSlider, in the order of
    :data:`CONTROLS`), ``reset_button``, ``state`` (the current :class:`State`),
    ``figure`` and ``ax`` (the chart) and :meth:`readout` (the text a reader sees).
    """

    def __init__(self, settings):
        self.start = dict(settings)
        self.state = compute(self.start)
        self._start_state = self.state
        widget = _build_widget(self)
        s, f, r = self.start, self.state.forward, self.state.reverse
        text = (f"<forward vs reverse fit: P peaks A at {s['center_a']:g} and B at {s['center_b']:g}; "
                f"forward μ {fmt(f.mean, 2)}, σ {fmt(f.width, 2)}; "
                f"reverse μ {fmt(r.mean, 2)}, σ {fmt(r.width, 2)}>")
        super().__init__(widget, "fits", self._twin, text)

    def readout(self, quantity):
        """The text a reader sees for ``data-quantity="<quantity>"`` in Jupyter, e.g. ``"reverse-kl"``."""
        hook = f'data-quantity="{escape(quantity)}">'
        html = self._results.value
        if hook not in html:
            raise KeyError(quantity)
        return _html.unescape(html.split(hook, 1)[1].split("<", 1)[0])

    def bound_flags(self):
        """The Jupyter rendering's bound flags: direction -> text ('' when none)."""
        html = self._results.value
        return {d: _html.unescape(html.split(f'data-bound="{d}">', 1)[1].split("<", 1)[0])
                for d in fits.DIRECTIONS}

    def _twin(self, element_id):
        state = self._start_state
        middle = slider_widths()[2]
        markup = " ".join([
            HELP, controls_html(element_id, self.start),
            '<div class="kl-buttons"><button type="button" data-action="reset">Reset P</button></div>',
            f'<figure class="kl-figure">{chart_svg(state)} <figcaption>{legend_html()}</figcaption></figure>',
            results_html(state)])
        config = {"n": N, "floor": fits.FLOOR, "search": fits.SEARCH, "start": self.start,
                  "params": [c[0] for c in CONTROLS], "geometry": GEOMETRY, "yAxes": Y_AXES,
                  "widthMiddle": middle, "meanMiddle": (N - 1) / 2, "bounds": bound_messages(),
                  "names": NAMES, "none": NONE, "onBound": ON_BOUND}
        return html_twin("fits", element_id, markup, config,
                         label="Forward and reverse fits of a one-peaked Q to a two-peaked P")


# -- the Jupyter rendering ---------------------------------------------------------------------------

STYLE = f"<style>{(ASSETS / 'fits.css').read_text(encoding='utf-8')}</style>"


def _build_widget(explorer):
    """Give `explorer` its sliders, chart and readouts; return the ipywidget to display."""
    import ipywidgets as widgets
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    e = explorer
    e.sliders = {name: widgets.FloatSlider(
        value=e.start[name], min=low, max=high, step=step, description=label, continuous_update=False,
        readout_format=".2f" if step < 0.5 else ".1f", style={"description_width": "9rem"},
        layout=widgets.Layout(width="24rem", max_width="100%", margin="0 1.5rem 0 0"))
        for name, label, low, high, step in CONTROLS}
    e.reset_button = widgets.Button(description="Reset P", tooltip="back to the starting P")
    e._results = widgets.HTML()
    e._chart = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width="720px"))
    e.figure = Figure(figsize=(7.5, 4.0), dpi=96, layout="constrained")
    FigureCanvasAgg(e.figure)
    e.ax = e.figure.add_subplot()
    holding = [False]

    def update(_change=None):
        if holding[0]:
            return
        e.state = compute({name: float(slider.value) for name, slider in e.sliders.items()})
        e._results.value = results_html(e.state)
        _draw(e)

    def reset(_button):
        holding[0] = True
        try:
            for name, slider in e.sliders.items():
                slider.value = e.start[name]
        finally:
            holding[0] = False
        update()

    for slider in e.sliders.values():
        slider.observe(update, names="value")
    e.reset_button.on_click(reset)
    e._results.value = results_html(e.state)
    _draw(e)
    rows = widgets.Box(list(e.sliders.values()), layout=widgets.Layout(display="flex", flex_flow="row wrap"))
    return widgets.VBox([widgets.HTML(STYLE + HELP), rows, e.reset_button, e._chart, e._results]
                        ).add_class("kl-fits")


def _draw(explorer):
    """Redraw the Jupyter chart: klhelpers.plots.plot_fits, with the twin's axis, letters and legend."""
    import io

    from matplotlib.patheffects import withStroke

    from ..plots import plot_fits

    e, state = explorer, explorer.state
    ax = e.ax
    ax.clear()
    plot_fits(state.p, state.forward, state.reverse, ax=ax)
    top, step = y_axis(state)
    ax.set_ylim(0, top * 1.12)
    ax.set_yticks(np.arange(0, top + 1e-9, step))
    ax.set_xticks(range(0, N, GEOMETRY["xTickEvery"]))
    # plot_fits' own legend, reworded in the prose's notation (its entries start "P", "forward", "reverse").
    by_start = {label.split()[0]: handle for handle, label in zip(*ax.get_legend_handles_labels())}
    f, r = state.forward, state.reverse
    ax.legend([by_start["P"], by_start["forward"], by_start["reverse"]],
              ["P, the target (peaks A and B)",
               f"forward (inclusive), min $D_{{KL}}(P\\,\\|\\,Q)$: μ {fmt(f.mean, 2)}, σ {fmt(f.width, 2)}",
               f"reverse (exclusive), min $D_{{KL}}(Q\\,\\|\\,P)$: μ {fmt(r.mean, 2)}, σ {fmt(r.width, 2)}"],
              loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, fontsize=9)
    s = state.settings
    apart = abs(s["center_a"] - s["center_b"]) < 1.5  # too close to read: side by side, A on its side
    for name, sign in (("a", -1), ("b", 1)):
        center = s[f"center_{name}"]
        k = int(min(max(math.floor(center + 0.5), 0), N - 1))
        height = float(max(state.p[max(k - 1, 0):k + 2]))
        shift = 6 * sign * (1 if s["center_a"] <= s["center_b"] else -1) if apart else 0
        ax.annotate(name.upper(), (center, min(height, top)), xytext=(shift, 3), textcoords="offset points",
                    ha="center", va="bottom", fontweight="bold", annotation_clip=False,
                    path_effects=[withStroke(linewidth=3, foreground="white")])
    e.figure.canvas.draw()
    buffer = io.BytesIO()
    e.figure.savefig(buffer, format="png")
    e._chart.value = buffer.getvalue()


def _on_step(value, name, low, high, step):
    """`value` checked to be a position of its slider: in [low, high] and a multiple of `step`."""
    number = bounded_real(value, name, low, high)
    steps = (number - low) / step
    if abs(steps - round(steps)) > 1e-9:
        raise ValueError(f"{name} must be a multiple of {step:g} (a position of its slider), got {value!r}")
    return number


def explore_fits(centers=(11.0, 27.0), widths=(2.0, 3.5), share_a=0.6):
    """Sliders reshape the two-peaked P; the forward and the reverse fit follow every move.

    P is :func:`klhelpers.two_peaks` ``(centers, widths, share_a)``; each move refits
    :func:`klhelpers.fit_gaussian` both ways and :func:`klhelpers.local_fits` for the
    reverse objective's other valleys. In Jupyter the sliders call klhelpers; on the
    website the same controls run ``fits.js`` with ``klmath.js``.

    Parameters
    ----------
    centers : pair of float
        Starting positions of peaks A and B, each in [0, 39], in steps of 0.5.
    widths : pair of float
        Their starting widths, each in [0.5, 8], in steps of 0.25.
    share_a : float
        Starting share of peak A, in [0.05, 0.95], in steps of 0.05.

    Returns
    -------
    FitsExplorer
        Displays as ipywidgets in Jupyter and as HTML + JavaScript on the website.

    Examples
    --------
    >>> view = explore_fits()
    >>> view.readout("reverse-mean"), view.readout("reverse-share")
    ('11.02', '0.6062')
    >>> view.sliders["share_a"].value = 0.3   # peak B is now the heavier one
    >>> view.readout("reverse-mean"), view.bound_flags()["forward"]
    ('26.93', '')
    """
    centers, widths = pair(centers, "centers"), pair(widths, "widths")
    limits = {c[0]: c[2:] for c in CONTROLS}
    settings = {
        "center_a": _on_step(centers[0], "centers[0]", *limits["center_a"]),
        "width_a": _on_step(widths[0], "widths[0]", *limits["width_a"]),
        "center_b": _on_step(centers[1], "centers[1]", *limits["center_b"]),
        "width_b": _on_step(widths[1], "widths[1]", *limits["width_b"]),
        "share_a": _on_step(share_a, "share_a", *limits["share_a"]),
    }
    return FitsExplorer(settings)
