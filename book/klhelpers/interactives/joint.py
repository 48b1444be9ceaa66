"""The joint explorer (chapter 5): reshape a table of two tokens, watch H(X), H(Y), H(X,Y), H(Y|X), I(X;Y).

``explore_joint(px, conditional)`` returns one display object with two renderings
(see :mod:`.twin`): ipywidgets sliders whose Python callbacks recompute with
:mod:`klhelpers.joint` in Jupyter, and on the website the same controls run by
``assets/joint.js``, which asks ``klmath.js`` (``KLMath.normalize``, ``jointEntropy``,
``conditionalEntropy``, ``mutualInformation``, ...) for every number.

The table the reader shapes (rows index the first token X, columns the second, Y):

* the weights of the five tokens as X, rescaled into :math:`P_X`;
* a *dependence* :math:`t \\in [0, 1]` that mixes the independent table with the
  dependent one, cell by cell,

  .. math:: P_{XY}^{(t)} = (1 - t)\\, P_X \\otimes P_Y + t\\, P_X\\, P_{Y \\mid X},

  where :math:`P_{Y|X}` is a fixed table of conditional rows (the chapter's bigrams) and
  :math:`P_Y = \\sum_x p(x)\\, P_{Y|X=x}`. Both marginals stay :math:`P_X` and :math:`P_Y` for
  every t; at t = 0 the two tokens are independent and :math:`I(X;Y) = 0`.

What is shown, in both renderings: the table as a grid of shaded cells with their
probabilities, the information diagram as three bars on one scale (MacKay 2003, figure 8.1:
H(X,Y) split into H(X|Y), I(X;Y) and H(Y|X); H(X) and H(Y) beneath it), and the readouts
``entropy_x``, ``entropy_y``, ``joint_entropy``, ``conditional_entropy`` (H(Y|X)),
``conditional_entropy_xy`` (H(X|Y)) and ``mutual_information``, in nats.
"""

import html as _html
import math
from typing import NamedTuple

import numpy as np

from ..divergences import VOCAB, entropy, normalize
from ..joint import conditional_entropy, joint_entropy, mutual_information
from ..validate import as_distribution, bounded_real
from .twin import ASSETS, DualView, escape, html_twin

__all__ = ["explore_joint", "JointExplorer", "compute", "mix_table", "READOUTS", "GEOMETRY", "SEGMENTS"]

#: Every readout: data-quantity hook -> (label, note). Labels use the prose's notation.
READOUTS = {
    "entropy_x": ("H(X)", "first token"),
    "entropy_y": ("H(Y)", "second token"),
    "joint_entropy": ("H(X,Y)", "the pair"),
    "conditional_entropy": ("H(Y|X)", "Y once X is known"),
    "conditional_entropy_xy": ("H(X|Y)", "X once Y is known"),
    "mutual_information": ("I(X;Y)", "what X tells about Y"),
}
#: The diagram's three segments, left to right: hook, colour (Okabe-Ito), name.
SEGMENTS = (("a", "#0072B2", "H(X|Y)"), ("i", "#009E73", "I(X;Y)"), ("b", "#E69F00", "H(Y|X)"))
#: The SVG charts' view boxes. An 18-unit font renders at 15 px or more wherever a chart is
#: at least 330 px wide (a 390 px phone leaves about 340). The diagram's scale is fixed at
#: ln 25 nats, the largest joint entropy of a 5 x 5 table, so the bars never rescale.
GEOMETRY = {"width": 400, "font": 18,
            "table": {"left": 64, "top": 50, "cell": 66, "row": 38},
            "bars": {"left": 92, "right": 12, "top": 8, "row": 44, "bar": 30, "max": math.log(25), "ticks": 4}}
ROWS = (("joint", "H(X,Y)", ("a", "i", "b")), ("x", "H(X)", ("a", "i")), ("y", "H(Y)", ("i", "b")))
#: Slider for the dependence and for each token's weight as X: (min, max, step).
DEPENDENCE = (0.0, 1.0, 0.01)
WEIGHT = (0.0, 1.0, 0.01)
ALL_ZERO = "All the weights of X are 0: set one above 0. The table keeps its last shape."


class State(NamedTuple):
    """Everything one setting of the controls shows, computed by klhelpers."""

    weights: tuple        #: the five sliders' weights of X
    dependence: float     #: t
    pxy: np.ndarray       #: the joint table, rows X
    values: dict          #: readout hook -> value in nats


def mix_table(px, conditional, dependence):
    """The reader's table, :math:`(1 - t)\\, P_X \\otimes P_Y + t\\, P_X P_{Y|X}` (joint.js repeats it)."""
    px = np.asarray(px, dtype=float)
    dependent = px[:, None] * np.asarray(conditional, dtype=float)
    py = dependent.sum(axis=0)
    return (1 - dependence) * np.outer(px, py) + dependence * dependent


def compute(weights, dependence, conditional):
    """Recompute for one setting: the table and every readout (in nats), all from klhelpers."""
    px = normalize(np.asarray(weights, dtype=float))
    pxy = mix_table(px, conditional, dependence)
    hx, hy = entropy(pxy.sum(axis=1)), entropy(pxy.sum(axis=0))
    values = {"entropy_x": hx, "entropy_y": hy, "joint_entropy": joint_entropy(pxy),
              "conditional_entropy": conditional_entropy(pxy),
              "conditional_entropy_xy": conditional_entropy(pxy.T),
              "mutual_information": mutual_information(pxy)}
    return State(tuple(float(w) for w in weights), float(dependence), pxy, {k: float(v) for k, v in values.items()})


def fmt(value, decimals=4):
    """A readout: fixed decimals, never ``-0.0000``."""
    text = f"{float(value):.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def _num(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


def segments(values):
    """(start, width) in nats of the diagram's segments a = H(X|Y), i = I(X;Y), b = H(Y|X)."""
    a = max(values["conditional_entropy_xy"], 0.0)
    i = max(values["mutual_information"], 0.0)
    b = max(values["conditional_entropy"], 0.0)
    return {"a": (0.0, a), "i": (a, i), "b": (a + i, b)}


# -- the html -------------------------------------------------------------------------------------

def table_label(state, vocab):
    biggest = np.unravel_index(int(np.argmax(state.pxy)), state.pxy.shape)
    return (f"The joint table of the first token X (rows) and the second Y (columns), dependence t = "
            f"{state.dependence:g}. Its largest cell is X = {vocab[biggest[0]]}, Y = {vocab[biggest[1]]}, "
            f"probability {state.pxy[biggest]:.3f}.")


def table_svg(state, vocab):
    """The table as shaded cells with their probabilities; joint.js updates ``g[data-cell]`` by its hook."""
    g, t = GEOMETRY, GEOMETRY["table"]
    size = len(vocab)
    height = t["top"] + size * t["row"] + 4
    top_value = float(state.pxy.max())
    parts = [f'<svg class="kl-chart kl-table" viewBox="0 0 {g["width"]} {height}" font-size="{g["font"]}" '
             f'role="img" aria-label="{escape(table_label(state, vocab))}">',
             f'<text x="{t["left"]}" y="18" font-weight="600">Y, the second token →</text>',
             '<text x="4" y="18" font-weight="600">X ↓</text>']
    for j, token in enumerate(vocab):
        x = t["left"] + (j + 0.5) * t["cell"]
        parts.append(f'<text x="{_num(x)}" y="{t["top"] - 8}" text-anchor="middle">{escape(token)}</text>')
    for i, token in enumerate(vocab):
        y = t["top"] + i * t["row"]
        parts.append(f'<text x="{t["left"] - 6}" y="{_num(y + t["row"] / 2 + 6)}" text-anchor="end">'
                     f'{escape(token)}</text>')
        for j in range(size):
            value = float(state.pxy[i, j])
            x = t["left"] + j * t["cell"]
            shade = value / top_value if top_value > 0 else 0.0
            ink = "#fff" if shade > 0.55 else "#1a1a1a"
            parts.append(
                f'<g data-cell="{i}-{j}"><rect x="{_num(x + 1)}" y="{_num(y + 1)}" width="{t["cell"] - 2}" '
                f'height="{t["row"] - 2}" fill="#0072B2" fill-opacity="{_num(0.05 + 0.9 * shade)}"></rect>'
                f'<text x="{_num(x + t["cell"] / 2)}" y="{_num(y + t["row"] / 2 + 6)}" text-anchor="middle" '
                f'fill="{ink}">{value:.3f}</text></g>')
    parts.append("</svg>")
    return " ".join(parts)


def bars_label(values):
    return ("Information diagram: the bar H(X,Y) = " + fmt(values["joint_entropy"]) + " nats is split into "
            "H(X|Y) = " + fmt(values["conditional_entropy_xy"]) + ", I(X;Y) = " + fmt(values["mutual_information"])
            + " and H(Y|X) = " + fmt(values["conditional_entropy"]) + "; H(X) = " + fmt(values["entropy_x"])
            + " covers the first two, H(Y) = " + fmt(values["entropy_y"]) + " the last two.")


def bars_svg(state):
    """The information diagram: three bars on one scale; joint.js moves ``rect[data-seg]``."""
    g, b = GEOMETRY, GEOMETRY["bars"]
    plot = g["width"] - b["left"] - b["right"]
    scale = plot / b["max"]
    base = b["top"] + len(ROWS) * b["row"]
    height = base + 48
    parts = [f'<svg class="kl-chart kl-bars" viewBox="0 0 {g["width"]} {height}" font-size="{g["font"]}" '
             f'role="img" aria-label="{escape(bars_label(state.values))}">']
    spans = segments(state.values)
    colours = {key: colour for key, colour, _ in SEGMENTS}
    for row, (name, label, keys) in enumerate(ROWS):
        y = b["top"] + row * b["row"]
        parts.append(f'<text x="{b["left"] - 8}" y="{_num(y + b["bar"] / 2 + 6)}" text-anchor="end">'
                     f'{escape(label)}</text>')
        for key in keys:
            start, width = spans[key]
            parts.append(f'<rect data-seg="{key}" data-row="{name}" x="{_num(b["left"] + start * scale)}" '
                         f'y="{y}" width="{_num(width * scale)}" height="{b["bar"]}" fill="{colours[key]}" '
                         'stroke="#fff" stroke-width="1"></rect>')
    for tick in range(b["ticks"]):
        x = b["left"] + tick * scale
        parts.append(f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{base - 4}" y2="{base + 2}" stroke="#1a1a1a"></line> '
                     f'<text x="{_num(x)}" y="{base + 20}" text-anchor="middle">{tick}</text>')
    parts += [f'<line x1="{b["left"]}" x2="{_num(b["left"] + plot)}" y1="{base - 4}" y2="{base - 4}" '
              'stroke="#1a1a1a"></line>',
              f'<text x="{_num(b["left"] + plot / 2)}" y="{base + 42}" text-anchor="middle">nats</text>', "</svg>"]
    return " ".join(parts)


def legend_html():
    items = " ".join(f'<span><span class="kl-seg-swatch" style="background:{colour}" aria-hidden="true"></span> '
                     f"{escape(name)}</span>" for _, colour, name in SEGMENTS)
    return f'<p class="kl-legend">{items}</p>'


def results_html(state):
    items = []
    for key, (label, note) in READOUTS.items():
        items.append(f'<div data-readout="{key}"><dt>{escape(label)}</dt> <dd><span data-quantity="{key}">'
                     f'{fmt(state.values[key])}</span> nats<small>{escape(note)}</small></dd></div>')
    return f'<dl class="kl-readouts" aria-live="polite">{" ".join(items)}</dl>'


HELP = ('<p class="kl-help">Shape the table of the next two tokens. <strong>Dependence</strong> mixes the '
        "independent table P<sub>X</sub> P<sub>Y</sub> (at 0) with the bigram table (at 1), keeping both "
        "marginals; the five weights set P<sub>X</sub>, the distribution of the first token.</p>")


def _slider(element_id, param, label, value, limits):
    low, high, step = limits
    control_id = f"{element_id}-{param}"
    return (f'<div class="kl-control"><label for="{control_id}">{escape(label)}</label> '
            f'<input type="range" id="{control_id}" data-param="{param}" min="{low:g}" max="{high:g}" '
            f'step="{step:g}" value="{value:g}"> '
            f'<output for="{control_id}" data-output="{param}">{value:.2f}</output></div>')


def controls_html(element_id, weights, dependence, vocab):
    rows = [_slider(element_id, "dependence", "Dependence t", dependence, DEPENDENCE)]
    rows += [_slider(element_id, f"w{k}", f"Weight of {token} as X", w, WEIGHT)
             for k, (token, w) in enumerate(zip(vocab, weights))]
    return f'<div class="kl-controls">{" ".join(rows)}</div>'


# -- the display object ------------------------------------------------------------------------------

class JointExplorer(DualView):
    """What :func:`explore_joint` returns: sliders in Jupyter, served JavaScript on the website.

    A notebook (or a test) can use ``sliders`` (``"dependence"``, ``"w0"`` ... ``"w4"`` ->
    FloatSlider), ``reset_button``, ``independent_button``, ``state`` and :meth:`readout`.
    """

    def __init__(self, weights, conditional, dependence, vocab):
        self.vocab, self.conditional = tuple(vocab), np.array(conditional, dtype=float)
        self.start = {"weights": tuple(float(w) for w in weights), "dependence": float(dependence)}
        self.state = compute(self.start["weights"], self.start["dependence"], self.conditional)
        self._start_state = self.state
        widget = _build_widget(self)
        v = self.state.values
        text = (f"<joint explorer: {len(vocab)} x {len(vocab)} table, dependence {dependence:g}; "
                f"H(X,Y) {fmt(v['joint_entropy'])} nats, I(X;Y) {fmt(v['mutual_information'])} nats>")
        super().__init__(widget, "joint", self._twin, text)

    def readout(self, quantity):
        """The text a reader sees for ``data-quantity="<quantity>"`` in Jupyter."""
        hook = f'data-quantity="{escape(quantity)}">'
        html = self._results.value
        if hook not in html:
            raise KeyError(quantity)
        return _html.unescape(html.split(hook, 1)[1].split("<", 1)[0])

    def _twin(self, element_id):
        state = self._start_state
        markup = " ".join([
            HELP, controls_html(element_id, self.start["weights"], self.start["dependence"], self.vocab),
            '<div class="kl-buttons"><button type="button" data-action="independent">Make independent (t = 0)'
            '</button> <button type="button" data-action="reset">Reset</button></div>',
            '<p class="kl-message" role="status"></p>',
            f'<div class="kl-panels"><figure class="kl-figure">{table_svg(state, self.vocab)}</figure> '
            f'<figure class="kl-figure">{bars_svg(state)} <figcaption>{legend_html()}</figcaption></figure></div>',
            results_html(state)])
        config = {"vocab": list(self.vocab), "conditional": self.conditional.tolist(), "start": self.start,
                  "geometry": GEOMETRY, "allZero": ALL_ZERO}
        return html_twin("joint", element_id, markup, config,
                         label="Joint explorer: the table of two tokens and its entropies")


# -- the Jupyter rendering ---------------------------------------------------------------------------

def _style():
    return f"<style>{(ASSETS / 'joint.css').read_text(encoding='utf-8')}</style>"


def _build_widget(explorer):
    """Give `explorer` its sliders, buttons and html views; return the ipywidget to display."""
    import ipywidgets as widgets

    e = explorer
    layout = widgets.Layout(width="24rem", max_width="100%", margin="0 1.5rem 0 0")
    style = {"description_width": "10rem"}
    e.sliders = {"dependence": widgets.FloatSlider(
        value=e.start["dependence"], min=DEPENDENCE[0], max=DEPENDENCE[1], step=DEPENDENCE[2],
        description="Dependence t", continuous_update=False, readout_format=".2f", style=style, layout=layout)}
    for k, (token, w) in enumerate(zip(e.vocab, e.start["weights"])):
        e.sliders[f"w{k}"] = widgets.FloatSlider(
            value=w, min=WEIGHT[0], max=WEIGHT[1], step=WEIGHT[2], description=f"Weight of {token} as X",
            continuous_update=False, readout_format=".2f", style=style, layout=layout)
    e.reset_button = widgets.Button(description="Reset", tooltip="back to the starting table")
    e.independent_button = widgets.Button(description="Make independent (t = 0)",
                                          layout=widgets.Layout(width="auto"))
    e._message = widgets.HTML()
    e._charts = widgets.HTML()
    e._results = widgets.HTML()
    holding = [False]

    def show(state):
        e._charts.value = (f'<div class="kl-joint"><div class="kl-panels"><figure class="kl-figure">'
                           f'{table_svg(state, e.vocab)}</figure><figure class="kl-figure">{bars_svg(state)}'
                           f"<figcaption>{legend_html()}</figcaption></figure></div></div>")
        e._results.value = f'<div class="kl-joint">{results_html(state)}</div>'

    def update(_change=None):
        if holding[0]:
            return
        weights = [float(e.sliders[f"w{k}"].value) for k in range(len(e.vocab))]
        if sum(weights) <= 0:
            e._message.value = f'<p class="kl-message">{escape(ALL_ZERO)}</p>'
            return
        e._message.value = ""
        e.state = compute(weights, float(e.sliders["dependence"].value), e.conditional)
        show(e.state)

    def reset(_button):
        holding[0] = True
        try:
            e.sliders["dependence"].value = e.start["dependence"]
            for k, w in enumerate(e.start["weights"]):
                e.sliders[f"w{k}"].value = w
        finally:
            holding[0] = False
        update()

    def independent(_button):
        e.sliders["dependence"].value = 0.0
        update()

    for slider in e.sliders.values():
        slider.observe(update, names="value")
    e.reset_button.on_click(reset)
    e.independent_button.on_click(independent)
    show(e.state)
    rows = widgets.Box(list(e.sliders.values()), layout=widgets.Layout(display="flex", flex_flow="row wrap"))
    buttons = widgets.HBox([e.independent_button, e.reset_button])
    return widgets.VBox([widgets.HTML(_style() + f'<div class="kl-joint">{HELP}</div>'), rows, buttons,
                         e._message, e._charts, e._results])


def _conditional(table, size):
    rows = as_distribution(table, "conditional")
    if rows.shape != (size, size):
        raise ValueError(f"conditional must be a {size} x {size} table of rows (one per value of X), "
                         f"got shape {rows.shape}")
    return rows


def explore_joint(px, conditional, dependence=1.0, vocab=VOCAB):
    """Sliders reshape the joint table of two tokens; the entropies and I(X;Y) follow every move.

    Parameters
    ----------
    px : array_like, shape (K,)
        The starting weights of the first token X (rescaled into :math:`P_X`).
    conditional : array_like, shape (K, K)
        :math:`P_{Y|X}`: row x is the distribution of the second token after x.
    dependence : float
        The starting t in [0, 1]: 0 is the independent table, 1 the table :math:`P_X P_{Y|X}`.
    vocab : sequence of str
        The K token names.
    """
    vocab = tuple(str(token) for token in vocab)
    weights = as_distribution(px, "px")
    if weights.shape != (len(vocab),):
        raise ValueError(f"px must hold one weight per token ({len(vocab)}), got shape {weights.shape}")
    rows = _conditional(conditional, len(vocab))
    t = bounded_real(dependence, "dependence", 0.0, 1.0)
    return JointExplorer(weights, rows, t, vocab)
