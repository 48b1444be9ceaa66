"""Plotting plumbing, so that chapters read like a story."""

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["P_COLOR", "Q_COLOR", "REF_COLOR", "plot_pq", "plot_contributions", "plot_surprisal",
           "plot_binary_entropy", "plot_running_average", "plot_directions"]

# Okabe-Ito blue and vermillion: distinguishable with every common colour-vision deficiency.
# Q's bars are hatched as well, so the chart also reads in greyscale.
P_COLOR = "#0072B2"
Q_COLOR = "#D55E00"


def plot_pq(p, q, vocab, ax=None, labels=("P (data)", "Q (model)"), title=None):
    """Grouped bar chart of P against Q over a vocabulary, each bar labelled with its value.

    Returns the Axes; its two bar containers (``ax.containers``) hold P's and Q's
    bars in that order, so an interactive can change their heights in place.
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    x = np.arange(len(vocab))
    width = 0.38
    for offset, values, label, color, hatch in (
        (-width / 2, p, labels[0], P_COLOR, None),
        (width / 2, q, labels[1], Q_COLOR, "//"),
    ):
        bars = ax.bar(x + offset, values, width, label=label, color=color,
                      hatch=hatch, edgecolor="white", linewidth=0.5)
        ax.bar_label(bars, fmt="%.2f", padding=2, fontsize=9)
    ax.set_xticks(x, vocab)
    ax.set_xlabel("next token")
    ax.set_ylabel("probability")
    ax.set_ylim(0, max(0.5, 1.15 * float(max(p.max(), q.max()))))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, loc="upper right")
    if title:
        ax.set_title(title)
    return ax


def plot_contributions(contributions, vocab, ax=None, label=None, color=P_COLOR, title=None):
    """Bar chart of each token's term of a divergence; negative terms point down."""
    contributions = np.asarray(contributions, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
    bars = ax.bar(np.arange(len(vocab)), contributions, 0.6, color=color, label=label)
    ax.bar_label(bars, fmt="%+.3f", padding=2, fontsize=9)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(np.arange(len(vocab)), vocab)
    ax.set_xlabel("next token")
    ax.set_ylabel("contribution (nats)")
    ax.spines[["top", "right"]].set_visible(False)
    low, high = min(0.0, contributions.min()), max(0.0, contributions.max())
    pad = 0.18 * (high - low or 1.0)
    ax.set_ylim(low - pad, high + pad)
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
    >>> plt.close(ax.figure)
    """
    from .divergences import surprisal
    p = np.asarray(p, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    scale = 1.0 if base is None else np.log(base)
    x = np.linspace(0.02, 1.0, 300)
    ax.plot(x, -np.log(x) / scale, color="0.45", linewidth=1.5, label=r"$-\log p$")
    s = surprisal(p, base=base)
    ax.scatter(p, s, s=45, color=color, zorder=3, label="the five tokens")
    for token, x_k, s_k in zip(vocab, p, s):
        ax.annotate(token, (x_k, s_k), textcoords="offset points", xytext=(7, 4), fontsize=9)
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
    >>> plt.close(ax.figure)
    """
    from .divergences import entropy
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.4), layout="constrained")
    a = np.linspace(0.0, 1.0, 401)
    h = entropy(np.stack([a, 1 - a], axis=-1), base=base)
    ax.plot(a, h, color=P_COLOR, linewidth=2)
    top = entropy([0.5, 0.5], base=base)
    ax.axvline(0.5, color=REF_COLOR, linestyle="--", linewidth=1)
    unit = ("bit" if top == 1 else "bits") if base == 2 else "nats"
    ax.annotate(f"uniform, a = 1/2:\n{top:.3g} {unit}", (0.5, top), textcoords="offset points",
                xytext=(0, -44), ha="center", fontsize=9,
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
    >>> plt.close(ax.figure)
    """
    losses = np.asarray(losses, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
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
    """Per-token terms of D(P||Q) (left) and D(Q||P) (right) on one shared scale.

    Returns the figure. Each panel's title gives that direction's total.

    >>> from klhelpers.divergences import P, Q, VOCAB
    >>> fig = plot_directions(P, Q, VOCAB)
    >>> [ax.get_title()[-11:] for ax in fig.axes]
    ['0.1874 nats', '0.2147 nats']
    >>> plt.close(fig)
    """
    from .divergences import kl_contributions
    forward, reverse = kl_contributions(p, q), kl_contributions(q, p)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained", sharey=True)
    a, b = names
    for ax, terms, color, label in (
        (axes[0], forward, P_COLOR, rf"$D_{{\mathrm{{KL}}}}({a}\,\|\,{b})$"),
        (axes[1], reverse, Q_COLOR, rf"$D_{{\mathrm{{KL}}}}({b}\,\|\,{a})$"),
    ):
        plot_contributions(terms, vocab, ax=ax, color=color)
        ax.set_title(f"{label} = {terms.sum():.4f} nats")
    low = min(0.0, forward.min(), reverse.min())
    high = max(0.0, forward.max(), reverse.max())
    pad = 0.18 * (high - low or 1.0)
    axes[0].set_ylim(low - pad, high + pad)
    axes[1].set_ylabel("")
    return fig
