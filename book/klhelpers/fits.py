r"""Forward vs reverse KL: fitting a one-peaked model to a two-peaked distribution.

A model can only be as good as its family. Here the family :math:`Q_\theta` is a
*discretised Gaussian* over ``n`` positions 0, 1, ..., n - 1 with two parameters,
a mean :math:`\mu` and a width :math:`\sigma`:

.. math:: q_\theta(x) = \frac{e^{-(x - \mu)^2 / 2\sigma^2}}{\sum_{x'} e^{-(x' - \mu)^2 / 2\sigma^2}}

It has one peak; the target P (see :func:`two_peaks`) has two. Which one-peaked
compromise is "closest" depends on the direction of the divergence:

* **forward**, :math:`\min_\theta D_{KL}(P \| Q_\theta)`: every position P uses must
  get probability under Q, so the fit spreads over both peaks (mode-covering);
* **reverse**, :math:`\min_\theta D_{KL}(Q_\theta \| P)`: Q is punished for putting
  probability where P has little, so the fit settles on one peak (mode-seeking).

Both are found by :func:`fit_gaussian`, a grid search followed by shrinking local
grids (plain numpy, no scipy needed), and every divergence is computed by
:func:`klhelpers.kl_divergence`. :func:`explore_fits` is the interactive:
sliders reshape P and both fits follow, live in Jupyter and on the website.
"""

import io
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .divergences import kl_divergence
from .validate import as_distribution, as_finite_numbers, bounded_real, count, pair, position

__all__ = [
    "N_POSITIONS",
    "gaussian_family",
    "two_peaks",
    "Fit",
    "fit_objective",
    "fit_gaussian",
    "fit_forward",
    "fit_reverse",
    "plot_fits",
    "explore_fits",
]

#: Number of positions of the book's example (0, 1, ..., 39).
N_POSITIONS = 40
#: The search covers widths from this ...
MIN_WIDTH = 0.5
#: ... to this fraction of the number of positions.
MAX_WIDTH_FRACTION = 0.5
#: Coarse grid: means every half position, this many log-spaced widths.
N_WIDTHS = 48
#: Refinement: 9 x 9 local grids around the best point, 4 times finer each time the best point
#: lies inside the grid, moved along otherwise; until the mean step is below STEP_TOLERANCE.
MAX_ROUNDS = 60
STEP_TOLERANCE = 1e-6
DIRECTIONS = ("forward", "reverse")
#: Probability spread evenly under the two peaks of :func:`two_peaks` (0.1 % in all).
FLOOR = 1e-3

FORWARD_COLOR = "#009E73"   # Okabe-Ito bluish green
REVERSE_COLOR = "#CC79A7"   # Okabe-Ito reddish purple
P_BAR_COLOR = "#0072B2"


def _family(mean, width, n_positions, names):
    """gaussian_family with its arguments checked under the caller's names (mean or means...)."""
    x = np.arange(count(n_positions, "n_positions", minimum=2), dtype=float)  # the positions 0 ... n - 1
    mean = as_finite_numbers(mean, names[0])
    width = as_finite_numbers(width, names[1])
    not_positive = np.flatnonzero(width <= 0)
    if not_positive.size:
        where = f" at index {position(not_positive[0], width.shape)}" if width.ndim else ""
        raise ValueError(f"{names[1]} must be positive, got {width.ravel()[not_positive[0]]:g}{where}")
    try:
        shape = np.broadcast_shapes(mean.shape, width.shape)
    except ValueError:
        raise ValueError(f"{names[0]} and {names[1]} must broadcast against each other, "
                         f"got shapes {mean.shape} and {width.shape}") from None
    mean, width = np.broadcast_to(mean, shape)[..., None], np.broadcast_to(width, shape)[..., None]
    # Measure every squared distance from the nearest position's, (x - mu)^2 - (x* - mu)^2, and
    # factor it as (x - x*)(x + x* - 2 mu): no cancellation, and no overflow for a mean of 1e200
    # (whose square would be inf). Halving the second factor keeps it finite even near 1e308.
    nearest = np.clip(np.round(mean), 0.0, x[-1])
    excess = 2.0 * (x - nearest) * ((x - mean) / 2.0 + (nearest - mean) / 2.0)  # >= 0
    # Divide by sigma twice rather than by sigma^2, which underflows to 0 for sigma = 1e-200.
    weights = np.exp(-(excess / width / width) / 2.0)  # the nearest position gets e^0 = 1
    return weights / weights.sum(axis=-1, keepdims=True)


def gaussian_family(mean, width, n_positions=N_POSITIONS):
    r"""The model family :math:`Q_\theta`: a Gaussian bump discretised on positions 0 ... n - 1.

    .. math:: q_\theta(x) \propto \exp\!\left(-\frac{(x - \mu)^2}{2 \sigma^2}\right)

    normalised over the positions. Each exponent is measured from the nearest
    position's, so the largest is exactly 0: a very narrow bump is exact (far
    positions underflow to 0), and so is a mean far outside the positions (all
    the probability goes to the nearest end).

    Parameters
    ----------
    mean, width : float or array_like
        :math:`\mu` (any finite number) and :math:`\sigma > 0`, in positions.
        Arrays broadcast against each other, giving a batch of distributions.
    n_positions : int, optional
        Size of the vocabulary of positions (default 40).

    Returns
    -------
    ndarray, shape (broadcast(mean, width).shape + (n_positions,))

    Examples
    --------
    >>> gaussian_family(1.0, 1.0, n_positions=3).round(4)
    array([0.2741, 0.4519, 0.2741])
    >>> gaussian_family([0.0, 2.0], 0.01, n_positions=3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    >>> gaussian_family(0.5, 1e-200, n_positions=3)  # halfway between two positions
    array([0.5, 0.5, 0. ])
    """
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        return _family(mean, width, n_positions, ("mean", "width"))


def two_peaks(centers=(11.0, 27.0), widths=(2.0, 3.5), left_weight=0.6,
              n_positions=N_POSITIONS, floor=None):
    r"""A two-peaked target P: a mixture of two discretised Gaussian bumps plus a thin floor.

    .. math:: P = (1 - \varepsilon)\,\big(w\, G_{c_1, s_1} + (1 - w)\, G_{c_2, s_2}\big) + \varepsilon\, U

    with G from :func:`gaussian_family`, U uniform over the positions and
    :math:`\varepsilon` = ``floor``. The floor keeps every position possible: a
    Gaussian Q gives every position some probability, so a P with zeros would
    make :math:`D_{KL}(Q \| P)` infinite for every Q.

    Parameters
    ----------
    centers : pair of float
        Positions of the two peaks, each in [0, n - 1].
    widths : pair of float
        Their widths, each > 0.
    left_weight : float
        Share w of the first peak, in [0, 1].
    n_positions : int
        Number of positions (default 40).
    floor : float, optional
        Default :data:`FLOOR`. Total probability :math:`\varepsilon` spread evenly over all positions, in [0, 1).

    Returns
    -------
    ndarray, shape (n_positions,)

    Examples
    --------
    >>> p = two_peaks()
    >>> round(float(p.sum()), 12), int(p.argmax()), bool(p.min() > 0)
    (1.0, 11, True)
    """
    centers, widths = pair(centers, "centers"), pair(widths, "widths")
    # over and under: the far tails of a very narrow bump are exactly 0.
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        x = np.arange(count(n_positions, "n_positions", minimum=2), dtype=float)
        c = [bounded_real(value, f"centers[{i}]", 0.0, x[-1]) for i, value in enumerate(centers)]
        s = [bounded_real(value, f"widths[{i}]", 0.0, math.inf, low_open=True) for i, value in enumerate(widths)]
        w = bounded_real(left_weight, "left_weight", 0.0, 1.0)
        eps = bounded_real(FLOOR if floor is None else floor, "floor", 0.0, 1.0)
        if eps == 1.0:
            raise ValueError("floor must be below 1, got 1.0")
        bumps = _family(np.array(c), np.array(s), len(x), ("centers", "widths"))
        mixture = w * bumps[0] + (1.0 - w) * bumps[1]
        return (1.0 - eps) * mixture + eps / len(x)


class Fit(NamedTuple):
    """The best member of the family in one direction."""

    direction: str      #: "forward" (D(P || Q)) or "reverse" (D(Q || P))
    mean: float         #: fitted mu, in positions
    width: float        #: fitted sigma, in positions
    q: np.ndarray       #: the fitted distribution Q
    divergence: float   #: the minimised divergence, in nats


def _direction(direction):
    if not isinstance(direction, str) or direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'forward' (D(P||Q)) or 'reverse' (D(Q||P)), got {direction!r}")
    return direction


def _target(p):
    p = as_distribution(p, "p")
    if p.ndim != 1 or p.size < 2:
        raise ValueError(f"p must be one distribution over at least 2 positions, got shape {p.shape}")
    return p


def fit_objective(p, means, widths, direction):
    r"""The divergence between P and :math:`Q_{\mu, \sigma}` for many (mean, width) at once.

    ``forward`` gives :math:`D_{KL}(P \| Q_\theta)`, ``reverse`` gives
    :math:`D_{KL}(Q_\theta \| P)`, both in nats, via :func:`klhelpers.kl_divergence`.

    Parameters
    ----------
    p : array_like, shape (n,)
        The target distribution over positions 0 ... n - 1.
    means, widths : array_like
        Broadcast against each other.
    direction : {"forward", "reverse"}

    Returns
    -------
    ndarray, shape broadcast(means, widths).shape

    Examples
    --------
    >>> p = gaussian_family(5.0, 2.0, n_positions=12)
    >>> fit_objective(p, [4.0, 5.0], 2.0, "forward").round(4)  # near (1/2)(1/2)**2 = 0.125
    array([0.1199, 0.    ])
    """
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        p = _target(p)
        direction = _direction(direction)
        q = _family(means, widths, p.size, ("means", "widths"))
        if q.size == 0:  # an empty batch of (mean, width) pairs
            return np.zeros(q.shape[:-1])
        target = np.broadcast_to(p, q.shape)
        if direction == "forward":
            return np.asarray(kl_divergence(target, q))
        return np.asarray(kl_divergence(q, target))


def fit_gaussian(p, direction):
    r"""Minimise the divergence between P and the family :math:`Q_\theta` in one direction.

    ``forward``: :math:`\hat\theta = \arg\min_\theta D_{KL}(P \| Q_\theta)` (what maximum
    likelihood on samples of P does: mode-covering). ``reverse``:
    :math:`\hat\theta = \arg\min_\theta D_{KL}(Q_\theta \| P)` (mode-seeking).

    The search is deliberately simple and robust: every mean on a half-position
    grid over [0, n - 1] times 48 log-spaced widths in [0.5, n/2]; then
    local 9 x 9 grids around the best point so far, four times finer whenever
    the best point lies inside the last one and moved along with it when it
    lies on the edge, until the steps are below :data:`STEP_TOLERANCE` (at most
    :data:`MAX_ROUNDS` grids). A coarse grid sees every valley, so the reverse fit cannot get
    stuck on the worse of two peaks. Ties go to the smaller mean.

    Parameters
    ----------
    p : array_like, shape (n,)
        The target distribution over positions 0 ... n - 1.
    direction : {"forward", "reverse"}

    Returns
    -------
    Fit
        ``(direction, mean, width, q, divergence)``.

    Examples
    --------
    >>> fit = fit_gaussian(gaussian_family(17.3, 4.2), "reverse")
    >>> round(fit.mean, 3), round(fit.width, 3), round(fit.divergence, 8)
    (17.3, 4.2, 0.0)
    """
    with np.errstate(under="ignore", over="warn", divide="warn", invalid="warn"):
        return _search(_target(p), _direction(direction))


def _search(p, direction):
    """The grid search of :func:`fit_gaussian` on a checked target."""
    n = p.size
    low_w, high_w = math.log(MIN_WIDTH), math.log(MAX_WIDTH_FRACTION * n)
    means = np.arange(2 * n - 1) * 0.5
    log_widths = np.linspace(low_w, high_w, N_WIDTHS)
    values = fit_objective(p, means[:, None], np.exp(log_widths)[None, :], direction)
    i, j = np.unravel_index(np.argmin(values), values.shape)
    best_m, best_lw, best = means[i], log_widths[j], values[i, j]
    step_m, step_lw = 0.5, (high_w - low_w) / (N_WIDTHS - 1)
    offsets = np.linspace(-1.0, 1.0, 9)
    for _ in range(MAX_ROUNDS):
        m = np.clip(best_m + step_m * offsets, 0.0, n - 1.0)
        lw = np.clip(best_lw + step_lw * offsets, low_w, high_w)
        values = fit_objective(p, m[:, None], np.exp(lw)[None, :], direction)
        i, j = np.unravel_index(np.argmin(values), values.shape)
        on_edge = False
        if values[i, j] < best:
            best_m, best_lw, best = m[i], lw[j], values[i, j]
            on_edge = i in (0, 8) or j in (0, 8)
        if not on_edge:  # the best point is inside the local grid: zoom in; else follow it
            step_m, step_lw = step_m / 4.0, step_lw / 4.0
        if step_m < STEP_TOLERANCE:
            break
    width = math.exp(best_lw)
    q = gaussian_family(best_m, width, n)
    return Fit(direction, float(best_m), width, q, float(best))


def fit_forward(p):
    r"""The mode-covering fit: :func:`fit_gaussian` ``(p, "forward")``, minimising :math:`D_{KL}(P \| Q_\theta)`."""
    return fit_gaussian(p, "forward")


def fit_reverse(p):
    r"""The mode-seeking fit: :func:`fit_gaussian` ``(p, "reverse")``, minimising :math:`D_{KL}(Q_\theta \| P)`."""
    return fit_gaussian(p, "reverse")


# -- pictures ------------------------------------------------------------------------------------

def plot_fits(p, forward=None, reverse=None, ax=None, title=None):
    """P as bars, the forward fit as a solid line, the reverse fit as a dashed line.

    ``forward`` and ``reverse`` are :class:`Fit` results (computed from ``p`` when
    omitted). Returns the Axes.
    """
    import matplotlib.pyplot as plt

    p = _target(p)
    forward = forward if forward is not None else fit_forward(p)
    reverse = reverse if reverse is not None else fit_reverse(p)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.6), layout="constrained")
    x = np.arange(p.size)
    ax.bar(x, p, 0.8, color=P_BAR_COLOR, alpha=0.45, label="P (two peaks)")
    ax.plot(x, forward.q, color=FORWARD_COLOR, linewidth=2.4, marker="o", markersize=3,
            label=f"forward fit, min D(P‖Q): μ={forward.mean:.1f}, σ={forward.width:.1f}")
    ax.plot(x, reverse.q, color=REVERSE_COLOR, linewidth=2.4, linestyle="--",
            label=f"reverse fit, min D(Q‖P): μ={reverse.mean:.1f}, σ={reverse.width:.1f}")
    ax.set_xlabel("position")
    ax.set_ylabel("probability")
    ax.set_xlim(-1, p.size)
    ax.set_ylim(0, 1.3 * max(p.max(), forward.q.max(), reverse.q.max()))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, loc="upper right", fontsize=9)
    if title:
        ax.set_title(title)
    return ax


# -- the interactive -----------------------------------------------------------------------------

#: The sliders: (parameter, label, min, max, step). Their order is the order on the page.
CONTROLS = (
    ("left_center", "Left peak: position", 0.0, 39.0, 0.5),
    ("left_width", "Left peak: width", 0.5, 8.0, 0.25),
    ("right_center", "Right peak: position", 0.0, 39.0, 0.5),
    ("right_width", "Right peak: width", 0.5, 8.0, 0.25),
    ("left_weight", "Share of the left peak", 0.05, 0.95, 0.05),
)
#: The readouts: (data-quantity, label).
READOUTS = (
    ("forward-kl", "forward fit: D(P‖Q)"),
    ("forward-mean", "forward fit: mean μ"),
    ("forward-width", "forward fit: width σ"),
    ("reverse-kl", "reverse fit: D(Q‖P)"),
    ("reverse-mean", "reverse fit: mean μ"),
    ("reverse-width", "reverse fit: width σ"),
)
# SVG geometry, shared with fits.js through the config.
_SVG = {"width": 640, "height": 240, "left": 40, "right": 10, "top": 10, "bottom": 28}


def _state(settings):
    p = two_peaks((settings["left_center"], settings["right_center"]),
                  (settings["left_width"], settings["right_width"]), settings["left_weight"])
    return p, fit_forward(p), fit_reverse(p)


def _readouts(forward, reverse):
    """The readout texts, formatted exactly as fits.js formats them."""
    return {
        "forward-kl": f"{forward.divergence:.4f} nats", "forward-mean": f"{forward.mean:.2f}",
        "forward-width": f"{forward.width:.2f}",
        "reverse-kl": f"{reverse.divergence:.4f} nats", "reverse-mean": f"{reverse.mean:.2f}",
        "reverse-width": f"{reverse.width:.2f}",
    }


def _svg(p, forward, reverse, element_id):
    """The chart's SVG for the page's first paint; fits.js redraws the same elements."""
    g = _SVG
    n = p.size
    plot_w = g["width"] - g["left"] - g["right"]
    plot_h = g["height"] - g["top"] - g["bottom"]
    y_max = 1.15 * max(p.max(), forward.q.max(), reverse.q.max())
    slot = plot_w / n

    def xy(i, value):
        return (g["left"] + (i + 0.5) * slot, g["top"] + plot_h * (1 - value / y_max))

    bars = []
    for i, value in enumerate(p):
        x, y = xy(i, value)
        bars.append(f'<rect data-bar="{i}" x="{x - 0.4 * slot:.2f}" y="{y:.2f}" width="{0.8 * slot:.2f}" '
                    f'height="{g["top"] + plot_h - y:.2f}" fill="{P_BAR_COLOR}" fill-opacity="0.45"></rect>')

    def line(fit, color, dash):
        points = " ".join("{:.2f},{:.2f}".format(*xy(i, value)) for i, value in enumerate(fit.q))
        return (f'<polyline data-fit="{fit.direction}" points="{points}" fill="none" stroke="{color}" '
                f'stroke-width="2.5"{dash}></polyline>')

    ticks = "".join(
        f'<text x="{g["left"] + (i + 0.5) * slot:.2f}" y="{g["height"] - 8}" font-size="11" '
        f'text-anchor="middle">{i}</text>' for i in range(0, n, 5))
    base_y = g["top"] + plot_h
    dashed = ' stroke-dasharray="7 5"'
    return (
        f'<svg class="kl-fits-chart" viewBox="0 0 {g["width"]} {g["height"]}" role="img" '
        f'aria-labelledby="{element_id}-svg-title">'
        f'<title id="{element_id}-svg-title">Bars: the two-peaked P over positions 0 to {n - 1}. '
        f'Solid green line: the forward fit. Dashed purple line: the reverse fit.</title>'
        f'<line x1="{g["left"]}" y1="{base_y}" x2="{g["width"] - g["right"]}" y2="{base_y}" stroke="#333"></line>'
        f'<g data-layer="bars">{"".join(bars)}</g>'
        f'{line(forward, FORWARD_COLOR, "")}{line(reverse, REVERSE_COLOR, dashed)}'
        f'{ticks}<text x="{g["left"]}" y="{g["top"] + 2}" font-size="11" dominant-baseline="hanging">'
        f'probability</text></svg>'
    )


# The twin's look, scoped to .kl-fits and drawn for a light background (like the Q explorer's).
_CSS = """
.kl-fits{background:#fff;color:#1a1a1a;border:1px solid #c8c8c8;border-radius:6px;padding:.75rem;
 margin:.5rem 0;max-width:100%;box-sizing:border-box;line-height:1.4}
.kl-fits *{box-sizing:border-box}
.kl-fits .kl-fits-controls{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:.3rem 1.5rem}
.kl-fits .kl-control{display:grid;grid-template-columns:10.5rem minmax(5rem,1fr) 2.5rem;align-items:center;gap:.5rem}
.kl-fits .kl-control label{font-weight:600}
.kl-fits input[type=range]{width:100%;min-width:0;margin:0;accent-color:#0072B2}
.kl-fits input:focus-visible{outline:3px solid #0072B2;outline-offset:2px}
.kl-fits output,.kl-fits dd{font-variant-numeric:tabular-nums;white-space:nowrap}
.kl-fits svg.kl-fits-chart{width:100%;max-width:40rem;height:auto;display:block;margin:.5rem auto 0}
.kl-fits .kl-fits-legend{margin:.2rem 0;font-size:.9em}
.kl-fits dl.kl-fits-readouts{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));
 gap:.4rem .75rem;margin:.5rem 0 0}
.kl-fits dl.kl-fits-readouts div{border-top:2px solid var(--kl-fit-color,#0072B2);padding-top:.15rem}
.kl-fits dl.kl-fits-readouts dt,.kl-fits dl.kl-fits-readouts dd{display:block;float:none;width:auto;margin:0;padding:0}
.kl-fits dl.kl-fits-readouts dt{font-weight:600}
"""


def _markup(settings, p, forward, reverse, element_id):
    from .interactive import escape

    controls = []
    for name, label, low, high, step in CONTROLS:
        control_id = f"{element_id}-{name}"
        value = settings[name]
        controls.append(
            f'<div class="kl-control"><label for="{control_id}">{escape(label)}</label> '
            f'<input type="range" id="{control_id}" data-param="{name}" min="{low:g}" max="{high:g}" '
            f'step="{step:g}" value="{value:g}"> '
            f'<output for="{control_id}" data-value="{name}">{value:g}</output></div>')
    texts = _readouts(forward, reverse)
    readouts = "".join(
        f'<div style="--kl-fit-color:{FORWARD_COLOR if quantity.startswith("forward") else REVERSE_COLOR}">'
        f'<dt>{escape(label)}</dt> <dd data-quantity="{quantity}" aria-live="polite">'
        f'{escape(texts[quantity])}</dd></div>' for quantity, label in READOUTS)
    def swatch(color, dash):
        # The colour is carried by a drawn line, the words stay dark: readable for everyone.
        return (f'<svg width="30" height="10" aria-hidden="true" style="vertical-align:middle">'
                f'<line x1="1" y1="5" x2="29" y2="5" stroke="{color}" stroke-width="3"{dash}></line></svg>')

    dashed = ' stroke-dasharray="6 4"'
    legend = (f'<p class="kl-fits-legend">{swatch(FORWARD_COLOR, "")} forward fit, min D(P‖Q) (mode-covering) '
              f'&nbsp; {swatch(REVERSE_COLOR, dashed)} reverse fit, min D(Q‖P) (mode-seeking)</p>')
    return (
        f'<style>{_CSS.strip()}</style>'
        f'<div class="kl-fits-controls">{"".join(controls)}</div>'
        f'{_svg(p, forward, reverse, element_id)}{legend}'
        f'<dl class="kl-fits-readouts">{readouts}</dl>'
    )


def _widget(settings):
    """The Jupyter rendering: ipywidgets sliders whose callbacks refit with this module."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    sliders = {
        name: widgets.FloatSlider(value=settings[name], min=low, max=high, step=step, description=label,
                                  continuous_update=False, style={"description_width": "170px"},
                                  layout=widgets.Layout(width="420px"))
        for name, label, low, high, step in CONTROLS
    }
    readout = widgets.HTML()
    # The chart is a PNG in an Image widget, not plt.show() inside an Output widget: the picture
    # then lands in the widget wherever the notebook runs, never as a stray cell output.
    image = widgets.Image(format="png", layout=widgets.Layout(max_width="750px"))

    def redraw(_change=None):
        current = {name: slider.value for name, slider in sliders.items()}
        p, forward, reverse = _state(current)
        texts = _readouts(forward, reverse)
        readout.value = "<br>".join(f"{label}: <b>{texts[quantity]}</b>" for quantity, label in READOUTS)
        figure, ax = plt.subplots(figsize=(7.5, 3.6), layout="constrained")
        plot_fits(p, forward, reverse, ax=ax)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=90)
        plt.close(figure)
        image.value = buffer.getvalue()

    for slider in sliders.values():
        slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([*sliders.values(), image, readout])


def explore_fits(centers=(11.0, 27.0), widths=(2.0, 3.5), left_weight=0.6):
    """Reshape the two-peaked P with sliders; the forward and reverse fits follow.

    In Jupyter the sliders call :func:`fit_forward` and :func:`fit_reverse`; on
    the website the same controls run ``fits.js``, a line-by-line mirror of
    this module's :func:`two_peaks`, :func:`gaussian_family`, the
    :func:`klhelpers.kl_divergence` sum and :func:`fit_gaussian`'s search.

    Parameters
    ----------
    centers, widths : pair of float
        Starting positions and widths of the two peaks.
    left_weight : float
        Starting share of the left peak.

    Returns
    -------
    DualView
        Displays as the widget in Jupyter and as the self-contained HTML twin on the site.
    """
    from .interactive import DualView, html_twin, next_id

    centers, widths = pair(centers, "centers"), pair(widths, "widths")
    settings = {"left_center": centers[0], "right_center": centers[1], "left_width": widths[0],
                "right_width": widths[1], "left_weight": left_weight}
    for name, label, low, high, _step in CONTROLS:
        settings[name] = bounded_real(settings[name], name, low, high)
    p, forward, reverse = _state(settings)
    element_id = next_id("fits")
    config = {
        "n": int(p.size), "floor": FLOOR, "minWidth": MIN_WIDTH, "maxWidthFraction": MAX_WIDTH_FRACTION,
        "nWidths": N_WIDTHS, "maxRounds": MAX_ROUNDS,
        "stepTolerance": STEP_TOLERANCE, "svg": _SVG,
    }
    html = html_twin(kind="fits", markup=lambda element_id: _markup(settings, p, forward, reverse, element_id),
                     script=Path(__file__).with_name("fits.js"), config=config,
                     label="Forward vs reverse KL fit of a one-peaked Q to a two-peaked P",
                     element_id=element_id)
    text = (f"<forward vs reverse fit: P peaks at {settings['left_center']:g} and {settings['right_center']:g}; "
            f"forward mean {forward.mean:.2f} width {forward.width:.2f}; "
            f"reverse mean {reverse.mean:.2f} width {reverse.width:.2f}>")
    return DualView(_widget(settings), html, text)
