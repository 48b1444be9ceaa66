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
from .llm import (kl_estimator_moments, kl_estimator_values, kl_from_logits, kl_regularized_policy,
                  log_softmax, rlhf_objective, sample_kl_estimators, smooth, softmax)
from .fits import (explore_fits, fit_forward, fit_gaussian, fit_objective, fit_reverse,
                   gaussian_family, plot_fits, two_peaks)
from .explorer import explore
from .exercises import check
from .book import glue

__all__ = [
    "VOCAB", "P", "Q",
    "normalize", "surprisal", "entropy", "cross_entropy", "kl_contributions", "kl_divergence",
    "plot_pq", "plot_contributions",
    "softmax", "log_softmax", "smooth", "kl_from_logits", "kl_estimator_values", "sample_kl_estimators",
    "kl_estimator_moments", "kl_regularized_policy", "rlhf_objective",
    "gaussian_family", "two_peaks", "fit_objective", "fit_gaussian", "fit_forward", "fit_reverse",
    "plot_fits", "explore_fits",
    "explore",
    "check",
    "glue",
]
