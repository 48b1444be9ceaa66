"""The law of large numbers, live (chapter 2): draw tokens from P, score each with Q, watch the average.

``explore_sampling()`` returns one display object with two renderings (see :mod:`.twin`):
in Jupyter an ipywidgets ``Play`` control steps through the draws and Python redraws the
chart; on the website ``assets/sampling.js`` does the same with **Play**, **Pause** and
**Reset** buttons, asking ``klmath.js`` for every formula (``KLMath.surprisal``,
``KLMath.crossEntropy``).

Both runtimes draw the *same* tokens: a small seeded generator, mulberry32 (32-bit state,
one uniform number per token), is written once per runtime, :func:`mulberry32` here and
``KLMath.mulberry32`` in ``klmath.js``, and a token is the first k with u < p_1 + ... + p_k.
``tests/test_sampling_browser.py`` holds the two to the same sequence.

Tokens arrive in steps that grow with the sample (:func:`schedule`: one at a time at
first, then about 4% more per step), so a run of 10,000 tokens takes a few seconds and
spreads evenly over the chart's logarithmic axis. The chart shows the running average at
the end of every step, the dashed line the cross-entropy H(P, Q) it settles on.
"""

import math

import numpy as np

from ..divergences import P, Q, VOCAB, cross_entropy, surprisal
from ..plots import P_COLOR, REF_COLOR
from ..validate import as_distribution
from .twin import ASSETS, DualView, escape, html_twin

__all__ = ["explore_sampling", "SamplingView", "mulberry32", "draw_tokens", "schedule", "GEOMETRY",
           "GROWTH", "READOUTS"]

#: Each step draws max(1, ceil(GROWTH * n)) more tokens, n the number drawn so far.
GROWTH = 0.04
#: The chart: SVG view box, margins and font (SVG units; the chart is drawn 340 px wide or more).
GEOMETRY = {"width": 400, "height": 230, "left": 50, "right": 12, "top": 14, "bottom": 46, "font": 16}
#: data-quantity hook -> label, in the prose's notation.
READOUTS = {"n": "tokens drawn, n", "average_loss": "average loss, nats",
            "cross_entropy": "H(P, Q), nats", "difference": "average − H(P, Q)"}
NONE = "–"


def mulberry32(seed):
    """An endless stream of uniform numbers in [0, 1) from a 32-bit seed (mulberry32).

    >>> stream = mulberry32(2026)
    >>> [round(next(stream), 6) for _ in range(3)]
    [0.455408, 0.308496, 0.661157]
    """
    state = int(seed) & 0xFFFFFFFF
    mask = 0xFFFFFFFF

    def imul(a, b):  # JavaScript's Math.imul: the low 32 bits of the product
        return (a * b) & mask

    while True:
        state = (state + 0x6D2B79F5) & mask
        t = imul(state ^ (state >> 15), state | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & mask
        yield ((t ^ (t >> 14)) & mask) / 4294967296


def draw_tokens(p, n, seed):
    """`n` token indices drawn from `p` with :func:`mulberry32` (`seed`): k is the first index
    with u < p_0 + ... + p_k, the last index if rounding leaves u above the total."""
    cumulative, total = [], 0.0
    for pk in p:
        total += float(pk)  # left to right, as sampling.js adds them
        cumulative.append(total)
    stream, tokens = mulberry32(seed), np.empty(n, dtype=int)
    for i in range(n):
        u = next(stream)
        tokens[i] = next((k for k, c in enumerate(cumulative) if u < c), len(cumulative) - 1)
    return tokens


def schedule(n_max):
    """The sample sizes at the end of each step: 1, 2, ..., growing by about GROWTH, up to n_max.

    >>> schedule(40)[:5], schedule(40)[-3:]
    ([1, 2, 3, 4, 5], [36, 38, 40])
    """
    sizes, n = [], 0
    while n < n_max:
        n = min(n_max, n + max(1, math.ceil(GROWTH * n)))
        sizes.append(n)
    return sizes


def fmt(value):
    return NONE if value is None else f"{value:.4f}"


def _num(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


class SamplingView(DualView):
    """What :func:`explore_sampling` returns. A notebook or a test can use ``tokens`` (the whole
    run), ``losses`` (−ln q of each), ``n`` (how many are shown), :meth:`show` (move to n),
    ``play`` and ``reset_button`` (the Jupyter controls) and :meth:`readout`."""

    def __init__(self, p, q, vocab, n_max, seed):
        self.p, self.q, self.vocab, self.n_max, self.seed = p, q, list(vocab), n_max, seed
        self.tokens = draw_tokens(p, n_max, seed)
        self.losses = surprisal(q)[self.tokens]
        self.running = np.cumsum(self.losses) / np.arange(1, n_max + 1)
        self.target = float(cross_entropy(p, q))
        self.steps = schedule(n_max)
        self.top = max(0.5, math.ceil(2 * float(np.max(surprisal(q)[p > 0]))) / 2)
        self.n = n_max
        widget = self._build_widget()
        text = (f"<sampling: {n_max:,} tokens drawn from P (seed {seed}); average loss "
                f"{self.values(n_max)['average_loss']} nats, H(P, Q) = {fmt(self.target)} nats>")
        super().__init__(widget, "sampling", self._twin, text)

    # -- what both renderings show ---------------------------------------------------------------

    def values(self, n):
        mean = float(self.running[n - 1]) if n else None
        return {"n": f"{n:,}", "average_loss": fmt(mean), "cross_entropy": fmt(self.target),
                "difference": NONE if mean is None else f"{mean - self.target:+.4f}"}

    def readout(self, quantity):
        """The text a reader sees for ``data-quantity="<quantity>"`` at the current n."""
        return self.values(self.n)[quantity]

    def show(self, n):
        """Show the first `n` tokens of the run (0 <= n <= n_max)."""
        self.n = int(n)
        self._refresh()

    def _readouts_html(self, n):
        values = self.values(n)
        items = "".join(f'<div><dt>{escape(label)}</dt> <dd><span data-quantity="{key}">'
                        f"{escape(values[key])}</span></dd></div>" for key, label in READOUTS.items())
        return f'<dl class="kl-readouts">{items}</dl>'

    def _x(self, n):
        g = GEOMETRY
        return g["left"] + (g["width"] - g["left"] - g["right"]) * math.log10(n) / math.log10(self.n_max)

    def _y(self, value):
        g = GEOMETRY
        plot_h = g["height"] - g["top"] - g["bottom"]
        return g["top"] + plot_h * (1 - min(max(value, 0.0), self.top) / self.top)

    def _points(self, n):
        return " ".join(f"{_num(self._x(m))},{_num(self._y(self.running[m - 1]))}"
                        for m in self.steps if m <= n)

    def _chart_svg(self, n):
        g = GEOMETRY
        right, base = g["width"] - g["right"], g["height"] - g["bottom"]
        parts = [f'<svg class="kl-chart" viewBox="0 0 {g["width"]} {g["height"]}" font-size="{g["font"]}" '
                 'role="img" aria-label="The average loss against the number of tokens drawn, '
                 'on a logarithmic axis, and the cross-entropy as a dashed line">',
                 f'<line x1="{g["left"]}" x2="{right}" y1="{base}" y2="{base}" stroke="#1a1a1a"></line>',
                 f'<line x1="{g["left"]}" x2="{g["left"]}" y1="{g["top"]}" y2="{base}" stroke="#1a1a1a"></line>']
        decade = 1
        while decade <= self.n_max:
            x = _num(self._x(decade))
            parts.append(f'<line x1="{x}" x2="{x}" y1="{base}" y2="{base + 5}" stroke="#1a1a1a"></line>'
                         f'<text x="{x}" y="{base + 20}" text-anchor="middle">{decade:,}</text>')
            decade *= 10
        step = 0.5 if self.top <= 3 else 1.0
        for i in range(int(round(self.top / step)) + 1):
            y = _num(self._y(i * step))
            parts.append(f'<line x1="{g["left"] - 5}" x2="{g["left"]}" y1="{y}" y2="{y}" stroke="#1a1a1a">'
                         f'</line><text x="{g["left"] - 8}" y="{_num(self._y(i * step) + 5)}" '
                         f'text-anchor="end">{i * step:.1f}</text>')
        parts.append(f'<text x="{_num((g["left"] + right) / 2)}" y="{g["height"] - 4}" '
                     'text-anchor="middle">tokens drawn, n (log scale)</text>')
        y = _num(self._y(self.target))
        parts.append(f'<line data-target="" x1="{g["left"]}" x2="{right}" y1="{y}" y2="{y}" '
                     f'stroke="{REF_COLOR}" stroke-width="2" stroke-dasharray="6 4"></line>')
        parts.append(f'<polyline data-running="" fill="none" stroke="{P_COLOR}" stroke-width="2" '
                     f'points="{self._points(n)}"></polyline>')
        parts.append("</svg>")
        return "".join(parts)

    def _twin(self, element_id):
        help_text = ('<p class="kl-help">Press <strong>Play</strong>: tokens are drawn from P, each '
                     "scored with the model&#8217;s loss −ln q<sub>x</sub>, and the line follows their "
                     "average as the sample grows. The dashed line is H(P, Q).</p>")
        buttons = ('<div class="kl-buttons">'
                   '<button type="button" data-action="play">Play</button> '
                   '<button type="button" data-action="pause" disabled>Pause</button> '
                   '<button type="button" data-action="reset">Reset</button></div>')
        legend = (f'<figcaption><span class="kl-key" style="border-color:{P_COLOR}"></span> average '
                  f'loss over the first n tokens &#160; <span class="kl-key kl-dashed" '
                  f'style="border-color:{REF_COLOR}"></span> H(P, Q)</figcaption>')
        markup = " ".join([help_text, buttons,
                           f'<figure class="kl-figure">{self._chart_svg(self.n_max)} {legend}</figure>',
                           self._readouts_html(self.n_max)])
        config = {"p": self.p.tolist(), "q": self.q.tolist(), "seed": self.seed, "nMax": self.n_max,
                  "growth": GROWTH, "top": self.top, "geometry": GEOMETRY, "none": NONE}
        return html_twin("sampling", element_id, markup, config,
                         label="Drawing tokens from P: the average loss under Q against H(P, Q)")

    # -- the Jupyter rendering -------------------------------------------------------------------

    def _build_widget(self):
        import ipywidgets as widgets

        self.play = widgets.Play(value=len(self.steps), min=0, max=len(self.steps), step=1, interval=80,
                                 description="Play", show_repeat=False)
        self.reset_button = widgets.Button(description="Reset", tooltip="back to no tokens drawn")
        self._results = widgets.HTML()
        self._chart = widgets.HTML()

        def on_step(change):
            i = int(change["new"])
            self.n = self.steps[i - 1] if i else 0
            self._refresh()

        def on_reset(_button):
            self.play.playing = False
            self.play.value = 0

        self.play.observe(on_step, names="value")
        self.reset_button.on_click(on_reset)
        self._refresh()
        style = f"<style>{(ASSETS / 'sampling.css').read_text(encoding='utf-8')}</style>"
        controls = widgets.HBox([self.play, self.reset_button])
        return widgets.VBox([widgets.HTML(style), controls, self._chart, self._results]).add_class(
            "kl-sampling")

    def _refresh(self):
        if hasattr(self, "_results"):
            self._results.value = self._readouts_html(self.n)
            self._chart.value = f'<div class="kl-figure">{self._chart_svg(self.n)}</div>'


def explore_sampling(p=None, q=None, vocab=None, n_max=10_000, seed=2026):
    """Draw up to `n_max` tokens from `p`, score each with −ln q, and watch the running average.

    Parameters
    ----------
    p, q : array_like, optional
        The data's distribution and the model's (default: ``kl.P`` and ``kl.Q``).
    vocab : sequence of str, optional
        The tokens' names (default: ``kl.VOCAB``).
    n_max : int
        The size of the whole run, at least 10.
    seed : int
        The generator's seed, 0 <= seed < 2**32: the same seed draws the same tokens.

    Examples
    --------
    >>> view = explore_sampling()
    >>> view.readout("n"), view.readout("cross_entropy")
    ('10,000', '1.5798')
    >>> view.show(10); view.readout("n")
    '10'
    """
    p = as_distribution(P if p is None else p, "p")
    q = as_distribution(Q if q is None else q, "q")
    vocab = list(VOCAB if vocab is None else vocab)
    if not (p.size == q.size == len(vocab)):
        raise ValueError(f"p, q and vocab must have the same length, got {p.size}, {q.size}, {len(vocab)}")
    if np.any((p > 0) & (q == 0)):
        k = int(np.flatnonzero((p > 0) & (q == 0))[0])
        raise ValueError(f"q[{k}] is 0 where p[{k}] > 0: the loss there is infinite")
    if isinstance(n_max, bool) or not isinstance(n_max, (int, np.integer)) or not 10 <= n_max <= 100_000:
        raise ValueError(f"n_max must be a whole number from 10 to 100,000, got {n_max!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2 ** 32:
        raise ValueError(f"seed must be a whole number from 0 to 2**32 - 1, got {seed!r}")
    return SamplingView(p, q, vocab, int(n_max), int(seed))

