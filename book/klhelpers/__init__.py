"""klhelpers: the math, the figures and the interactives of *KL divergence, interactively*.

Chapters narrate; this package computes and draws. The formulas live in
:mod:`klhelpers.divergences` and nowhere else; everything else builds on them.

>>> import klhelpers as kl
>>> round(kl.kl_divergence(kl.P, kl.Q), 4)
0.1874
"""

from .divergences import (P, Q, VOCAB, cross_entropy, entropy, kl_contributions,
                          kl_divergence, normalize, surprisal)
from .plots import plot_contributions, plot_pq
from .explorer import explore
from .exercises import check
from .book import glue

__all__ = [
    "VOCAB", "P", "Q",
    "normalize", "surprisal", "entropy", "cross_entropy", "kl_contributions", "kl_divergence",
    "plot_pq", "plot_contributions",
    "explore",
    "check",
    "glue",
]
