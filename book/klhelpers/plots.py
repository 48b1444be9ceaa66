"""Plotting plumbing, so that chapters read like a story."""

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["P_COLOR", "Q_COLOR", "plot_pq", "plot_contributions"]

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
