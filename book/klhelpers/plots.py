"""Plotting plumbing, so that chapters read like a story.

The book's figure style (one text size, phone-sized figures, retina PNG) is
:mod:`klhelpers.figure_style`; every helper here applies it on first use of matplotlib.
"""

import math

import numpy as np

from . import fits
from .figure_style import (DPI, FIGSIZE, FONT_PT, PHONE_WIDTH_PX, STYLE, apply_style,  # noqa: F401
                           install_in_ipython, phone_font_px, styled)
from .divergences import entropy, kl_contributions, surprisal
from .validate import as_distribution

__all__ = ["STYLE", "FONT_PT", "FIGSIZE", "DPI", "PHONE_WIDTH_PX", "apply_style", "phone_font_px",
           "install_in_ipython", "plot_code_space", "code_space_areas", "P_COLOR", "Q_COLOR",
           "REF_COLOR", "plot_pq", "plot_contributions", "plot_surprisal",
           "plot_binary_entropy", "plot_running_average", "plot_directions", "plot_fits",
           "FORWARD_COLOR", "REVERSE_COLOR"]

# Okabe-Ito blue and vermillion: distinguishable with every common colour-vision deficiency.
# Q's bars are hatched as well, so the chart also reads in greyscale.
P_COLOR = "#0072B2"
Q_COLOR = "#D55E00"

#: A bar chart names at most this many tokens. With more it names every k-th one
#: (:func:`label_step`) and leaves out the bars' value labels, which would overlap.
MAX_LABELLED_TOKENS = 12


def _pyplot():
    """matplotlib.pyplot, imported on first use, so that `import klhelpers` stays quick."""
    import matplotlib.pyplot as plt

    if not styled():
        apply_style()
    return plt


def label_step(n_tokens):
    """Name every k-th token of a chart of `n_tokens` bars; k = 1 names all, with value labels.

    >>> label_step(5), label_step(12), label_step(13), label_step(200)
    (1, 1, 2, 17)
    """
    return max(1, math.ceil(n_tokens / MAX_LABELLED_TOKENS))


def _bar_values(values, name):
    """`values` as floats. Infinities are drawn (capped bars marked ∞); NaN has no bar to draw."""
    values = np.asarray(values, dtype=float)
    nan = np.flatnonzero(np.isnan(values))
    if nan.size:
        raise ValueError(f"{name} has a NaN entry at index {nan[0]}: a bar chart cannot draw it")
    return values


def _finite(*arrays):
    """Every finite value of `arrays`, flattened (the axis limits are computed from these only)."""
    values = np.concatenate([np.ravel(a) for a in arrays])
    return values[np.isfinite(values)]


def _draw_bars(ax, x, values, width, limits, fmt, show_values, rotation=0, **style):
    """Bars of `values` on a y-axis spanning `limits`, each labelled with ``fmt % value``.

    No finite height is honest for an infinite value, so its bar is capped at the
    edge of the axis (the top for +inf, the bottom for -inf) and labelled ``∞``
    (``-∞``) just inside the cap. Returns the bar container.
    """
    low, high = limits
    heights = np.where(values == np.inf, high, np.where(values == -np.inf, low, values))
    bars = ax.bar(x, heights, width, **style)
    infinite = np.isinf(values)
    if show_values or infinite.any():
        texts = [("∞" if v > 0 else "-∞") if np.isinf(v) else (fmt % v if show_values else "")
                 for v in values]
        labels = ax.bar_label(bars, labels=texts, padding=2, rotation=rotation)
        for label, value in zip(labels, values):
            if np.isinf(value):  # inside the cap: outside it the label would leave the axes
                label.xyann = (0, -4 if value > 0 else 4)
                label.set_verticalalignment("top" if value > 0 else "bottom")
                label.set_rotation(0)
                label.set_bbox({"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    return bars


def _token_axis(ax, vocab):
    """Name the tokens on the x-axis (every k-th one when there are many)."""
    step = label_step(len(vocab))
    ax.set_xticks(np.arange(len(vocab))[::step], list(vocab)[::step])
    ax.set_xlabel("next token")


def plot_pq(p, q, vocab, ax=None, labels=("P (data)", "Q (model)"), title=None):
    """Grouped bar chart of P against Q over a vocabulary, each bar labelled with its value.

    Returns the Axes; its two bar containers (``ax.containers``) hold P's and Q's
    bars in that order, so an interactive can change their heights in place.
    An infinite value (a cost -p log q with q = 0, say) is a bar capped at the top
    of the axis and labelled ``∞``; the axis fits the finite values. With more than
    :data:`MAX_LABELLED_TOKENS` tokens the bars carry no value labels (only ``∞``).
    """
    p, q = _bar_values(p, "p"), _bar_values(q, "q")
    if ax is None:
        _, ax = _pyplot().subplots(layout="constrained")
    x = np.arange(len(vocab))
    width = 0.38
    finite = _finite(p, q)
    limits = (0.0, max(0.5, 1.3 * float(finite.max(initial=0.0))))
    show_values = label_step(len(vocab)) == 1
    # Many tokens make bars a pixel or two wide: white edges and hatching would hide them.
    edges = {"edgecolor": "white", "linewidth": 0.5} if show_values else {"linewidth": 0}
    for offset, values, label, color, hatch in (
        (-width / 2, p, labels[0], P_COLOR, None),
        (width / 2, q, labels[1], Q_COLOR, "//" if show_values else None),
    ):
        # Two bars side by side leave no room for two labels abreast at the book's font size.
        _draw_bars(ax, x + offset, values, width, limits, "%.2f", show_values, rotation=90,
                   label=label, color=color, hatch=hatch, **edges)
    _token_axis(ax, vocab)
    ax.set_ylabel("probability")
    ax.set_ylim(*limits)
    ax.spines[["top", "right"]].set_visible(False)
    # A capped bar reaches the top of the axis: let the legend find a free corner then.
    infinite = np.isinf(p).any() or np.isinf(q).any()
    ax.legend(frameon=False, loc="best" if infinite else "upper right")
    if title:
        ax.set_title(title)
    return ax


def _contribution_limits(*arrays):
    """y-limits for divergence terms: 0 and every finite term, with room for the labels."""
    finite = _finite(*arrays)
    low, high = min(0.0, float(finite.min(initial=0.0))), max(0.0, float(finite.max(initial=0.0)))
    pad = 0.18 * (high - low or 1.0)
    return low - pad, high + pad


def plot_contributions(contributions, vocab, ax=None, label=None, color=P_COLOR, title=None,
                       ylim=None):
    """Bar chart of each token's term of a divergence; negative terms point down.

    An infinite term (p > 0 where q = 0) is a bar capped at the top of the axis
    and labelled ``∞`` (``-∞`` at the bottom); the axis fits the finite terms,
    or spans ``ylim`` when given.

    >>> from klhelpers.divergences import P, VOCAB, kl_contributions, normalize
    >>> ax = plot_contributions(kl_contributions(P, normalize([0.2, 0.25, 0.3, 0.15, 0.0])), VOCAB)
    >>> [label.get_text() for label in ax.texts][-1]
    '∞'
    >>> _pyplot().close(ax.figure)
    """
    contributions = _bar_values(contributions, "contributions")
    if ax is None:
        _, ax = _pyplot().subplots(layout="constrained")
    limits = _contribution_limits(contributions) if ylim is None else ylim
    _draw_bars(ax, np.arange(len(vocab)), contributions, 0.6, limits, "%+.3f",
               label_step(len(vocab)) == 1, color=color, label=label)
    ax.axhline(0, color="black", linewidth=0.8)
    _token_axis(ax, vocab)
    ax.set_ylabel("contribution (nats)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(*limits)
    if title:
        ax.set_title(title)
    return ax


# -- The code-space picture (chapters 1 and 2) ---------------------------------------------

def code_space_areas(p, lengths, ref_lengths=None):
    """The areas of :func:`plot_code_space`, in bits: ``(total, extra, saved)``.

    ``total`` is the average length sum_k p_k l_k; with `ref_lengths`, ``extra`` and ``saved``
    are the areas where the code's codewords are longer, and shorter, than the reference's,
    so that ``total - reference average = extra - saved``.

    >>> code_space_areas([0.5, 0.5], [1, 1], [2, 0.5])
    (1.0, 0.25, 0.5)
    """
    p, lengths = np.asarray(p, dtype=float), np.asarray(lengths, dtype=float)
    total = float(np.sum(p * lengths))
    if ref_lengths is None:
        return total, 0.0, 0.0
    diff = lengths - np.asarray(ref_lengths, dtype=float)
    return total, float(np.sum(p * np.clip(diff, 0, None))), float(np.sum(p * np.clip(-diff, 0, None)))


def plot_code_space(p, lengths, vocab, ref_lengths=None, ax=None,
                    labels=("code for P", "longer codewords", "shorter codewords"), title=None):
    """Code lengths as areas: token k is a column p_k wide and l_k bits tall.

    A column's area, p_k l_k, is what token k costs on average, so the columns' total area is
    the code's average length. With `ref_lengths` (another code, say the ideal one for P),
    the reference's columns are drawn solid and the difference hatched: where this code's
    codeword is longer (the extra area it pays) and where it is shorter (the area it saves).

    >>> from klhelpers.divergences import P, Q, VOCAB, surprisal
    >>> ax = plot_code_space(P, surprisal(Q, base=2), VOCAB, ref_lengths=surprisal(P, base=2))
    >>> len(ax.patches)
    15
    >>> _pyplot().close(ax.figure)
    """
    p, lengths = np.asarray(p, dtype=float), np.asarray(lengths, dtype=float)
    solid = lengths if ref_lengths is None else np.asarray(ref_lengths, dtype=float)
    if ax is None:
        _, ax = _pyplot().subplots(layout="constrained")
    left = np.concatenate([[0.0], np.cumsum(p)[:-1]])
    ax.bar(left, solid, p, align="edge", color=P_COLOR, alpha=0.55, edgecolor="white",
           linewidth=1.5, label=labels[0])
    if ref_lengths is not None:
        longer, shorter = np.clip(lengths - solid, 0, None), np.clip(solid - lengths, 0, None)
        ax.bar(left, longer, p, bottom=solid, align="edge", color="none", hatch="//",
               edgecolor=Q_COLOR, linewidth=0.8, label=labels[1])
        ax.bar(left, shorter, p, bottom=solid - shorter, align="edge", color="white", hatch="..",
               edgecolor="0.25", linewidth=0.8, label=labels[2])
    ticks = left + p / 2
    ax.set_xticks(ticks, list(vocab))
    for label, width in zip(ax.get_xticklabels(), p):
        if width < 0.12:  # a narrow column: its name stands up
            label.set_rotation(90)
    ax.set_xlim(0, 1)
    top = float(max(np.max(lengths), np.max(solid)))
    ax.set_ylim(0, 1.08 * top)
    ax.set_xlabel("token, as wide as its probability $p_k$")
    ax.tick_params(axis="x", length=0)
    ax.set_ylabel("codeword length (bits)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, loc="best")
    if title:
        ax.set_title(title)
    return ax


# -- Helpers for chapters 1-4 ------------------------------------------------------------
# Same palette (Okabe-Ito), plus its bluish green for reference lines and running averages.
REF_COLOR = "#009E73"


def plot_surprisal(p, vocab, ax=None, base=2, color=P_COLOR, title=None):
    """The surprise curve -log(x) over (0, 1], with each token of `p` marked on it.

    Rare tokens sit high on the curve (very surprising), likely ones low.
    `base=2` (default) draws bits, `base=None` nats.

    >>> from klhelpers.divergences import P, VOCAB
    >>> ax = plot_surprisal(P, VOCAB)
    >>> [label.get_text() for label in ax.texts]
    ['cat', 'sat', 'on', 'the', 'mat']
    >>> _pyplot().close(ax.figure)
    """
    p = np.asarray(p, dtype=float)
    if ax is None:
        _, ax = _pyplot().subplots(layout="constrained")
    scale = 1.0 if base is None else np.log(base)
    x = np.linspace(0.02, 1.0, 300)
    curve = {2: r"$-\log_2 p$", None: r"$-\ln p$"}.get(base, rf"$-\log_{{{base:g}}} p$")
    ax.plot(x, -np.log(x) / scale, color="0.45", linewidth=1.5, label=curve)
    s = surprisal(p, base=base)
    ax.scatter(p, s, s=45, color=color, zorder=3, label="the five tokens")
    for token, x_k, s_k in zip(vocab, p, s):
        ax.annotate(token, (x_k, s_k), textcoords="offset points", xytext=(7, 4))
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, None)
    ax.set_xlabel("probability of the token")
    ax.set_ylabel("surprise (bits)" if base == 2 else ("surprise (nats)" if base is None
                                                        else f"surprise (log base {base:g})"))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, loc="upper right")
    if title:
        ax.set_title(title)
    return ax


def plot_binary_entropy(ax=None, base=2, title=None):
    """Entropy of a two-outcome distribution (a, 1 - a) against a: highest at a = 1/2.

    >>> ax = plot_binary_entropy()
    >>> float(ax.lines[0].get_ydata().max())
    1.0
    >>> _pyplot().close(ax.figure)
    """
    if ax is None:
        _, ax = _pyplot().subplots(layout="constrained")
    a = np.linspace(0.0, 1.0, 401)
    h = entropy(np.stack([a, 1 - a], axis=-1), base=base)
    ax.plot(a, h, color=P_COLOR, linewidth=2)
    top = entropy([0.5, 0.5], base=base)
    ax.axvline(0.5, color=REF_COLOR, linestyle="--", linewidth=1)
    unit = ("bit" if top == 1 else "bits") if base == 2 else "nats"
    ax.annotate(f"uniform, a = 1/2:\n{top:.3g} {unit}", (0.5, top), xytext=(0.5, 0.45 * top),
                textcoords="data", ha="center", va="center",
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "none"})
    ax.set_xlabel("probability of the first outcome, $a$")
    ax.set_ylabel("entropy (bits)" if base == 2 else "entropy (nats)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, top * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def plot_running_average(losses, target, ax=None, target_label="cross-entropy", title=None):
    """Running mean of per-sample losses (log-scaled sample axis) against its expected value.

    >>> ax = plot_running_average([1.0, 3.0, 2.0], 2.0)
    >>> ax.lines[0].get_ydata().tolist()
    [1.0, 2.0, 2.0]
    >>> _pyplot().close(ax.figure)
    """
    losses = np.asarray(losses, dtype=float)
    if ax is None:
        _, ax = _pyplot().subplots(layout="constrained")
    n = np.arange(1, losses.size + 1)
    ax.plot(n, np.cumsum(losses) / n, color=P_COLOR, linewidth=1.5,
            label="average loss over the first n tokens")
    ax.axhline(target, color=REF_COLOR, linestyle="--", linewidth=1.5,
               label=f"{target_label} = {target:.4f}")
    ax.set_xscale("log")
    ax.set_xlabel("number of tokens n")
    ax.set_ylabel("average loss (nats)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, loc="upper right")
    if title:
        ax.set_title(title)
    return ax


def plot_directions(p, q, vocab, names=("P", "Q")):
    """Per-token terms of D_KL(P||Q) (top) and D_KL(Q||P) (below) on one shared scale.

    Returns the figure. Each panel's title gives that direction's total.

    >>> from klhelpers.divergences import P, Q, VOCAB
    >>> fig = plot_directions(P, Q, VOCAB)
    >>> [ax.get_title()[-11:] for ax in fig.axes]
    ['0.1874 nats', '0.2147 nats']
    >>> _pyplot().close(fig)
    """
    forward, reverse = kl_contributions(p, q), kl_contributions(q, p)
    # One above the other: side by side, a phone would shrink both below legibility.
    fig, axes = _pyplot().subplots(2, 1, figsize=(FIGSIZE[0], 2 * FIGSIZE[1]), layout="constrained",
                                   sharex=True)
    limits = _contribution_limits(forward, reverse)  # one scale, so the panels compare
    a, b = names
    for ax, terms, color, label in (
        (axes[0], forward, P_COLOR, rf"$D_{{\mathrm{{KL}}}}({a}\,\|\,{b})$"),
        (axes[1], reverse, Q_COLOR, rf"$D_{{\mathrm{{KL}}}}({b}\,\|\,{a})$"),
    ):
        plot_contributions(terms, vocab, ax=ax, color=color, ylim=limits)
        total = terms.sum()
        ax.set_title(f"{label} = {'∞' if total == np.inf else f'{total:.4f}'} nats")
    axes[0].set_xlabel("")
    return fig


# -- Forward vs reverse fits (chapter 7) ----------------------------------------------------
# Okabe-Ito bluish green and reddish purple, shared with the fits explorer.
FORWARD_COLOR = "#009E73"
REVERSE_COLOR = "#CC79A7"


def plot_fits(p, forward=None, reverse=None, ax=None, title=None):
    """P as bars, the forward fit as a solid line, the reverse fit as a dashed line.

    ``forward`` and ``reverse`` are :class:`klhelpers.fits.Fit` results (computed from ``p`` when
    omitted). Returns the Axes.
    """
    p = as_distribution(p, "p")
    forward = forward if forward is not None else fits.fit_forward(p)
    reverse = reverse if reverse is not None else fits.fit_reverse(p)
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(FIGSIZE[0], 1.25 * FIGSIZE[1]), layout="constrained")
    x = np.arange(p.size)
    ax.bar(x, p, 0.8, color=P_COLOR, alpha=0.45, label="P (two peaks)")
    ax.plot(x, forward.q, color=FORWARD_COLOR, linewidth=2.4, marker="o", markersize=3,
            label=rf"forward fit, min $D_{{\mathrm{{KL}}}}(P\,\|\,Q)$: "
                  f"μ={forward.mean:.1f}, σ={forward.width:.1f}")
    ax.plot(x, reverse.q, color=REVERSE_COLOR, linewidth=2.4, linestyle="--",
            label=rf"reverse fit, min $D_{{\mathrm{{KL}}}}(Q\,\|\,P)$: "
                  f"μ={reverse.mean:.1f}, σ={reverse.width:.1f}")
    ax.set_xlabel("position")
    ax.set_ylabel("probability")
    ax.set_xlim(-1, p.size)
    ax.set_ylim(0, 1.3 * max(p.max(), forward.q.max(), reverse.q.max()))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0))
    if title:
        ax.set_title(title)
    return ax
