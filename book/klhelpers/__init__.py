"""klhelpers: the math, the figures and the interactives of *KL divergence, interactively*.

Chapters narrate; this package computes and draws. Its modules, by job (each
imports only from modules above it in this list):

==============  ==================================================================
validate        every input check, with errors that name the argument and the value
numerics        floating-point building blocks that keep every digit
divergences     entropy, cross-entropy, KL divergence: each formula written once
coding          Huffman code lengths, the coding story of chapters 1-3
joint           two variables: joint and conditional entropy, mutual information
bounds          total variation and chi-square, and how they bound KL
gaussians       KL and entropy of Gaussians in closed form; the ELBO of a small model
logits          softmax, log-softmax, KL between two sets of logits
estimators      Schulman's sampled estimators k1, k2, k3
rlhf            the KL-regularised RLHF objective and its optimum
policy_gradients  the expected gradients of the KL estimators, in the loss or in the reward
sequences       a small autoregressive model as tables; KL over whole sequences
fits            a one-peaked family fitted to a two-peaked P, both directions
figure_style    the figures' style: one text size, phone-sized, retina PNG
plots           the chapters' matplotlib figures
interactives    the explorers: ipywidgets in Jupyter, HTML + JavaScript on the site
exercises       ``check`` and its registry of exercise checks
book            ``glue``: numbers from the chapters' code into their prose
==============  ==================================================================

``plots`` and ``interactives`` load matplotlib and ipywidgets, so they are
imported on first use: ``import klhelpers`` stays quick.

>>> import klhelpers as kl
>>> round(kl.kl_divergence(kl.P, kl.Q), 4)
0.1874
"""

import importlib

from .divergences import (P, Q, VOCAB, cross_entropy, entropy, kl_contributions, kl_divergence,
                          normalize, smooth, surprisal, with_share)
from .coding import huffman_lengths, shannon_lengths
from .joint import conditional_entropy, conditional_kl, independent_joint, joint_entropy, marginals, mutual_information
from .bounds import chi_square, total_variation
from .gaussians import (bin_centers, binned_kl_gaussian, discretize_gaussian, elbo, gaussian_entropy,
                        kl_gaussian, kl_gaussian_mv, log_evidence, posterior)
from .logits import kl_from_logits, log_softmax, softmax
from .estimators import kl_estimator_moments, kl_estimator_values, sample_kl_estimators
from .rlhf import optimal_policy, rlhf_objective
from .policy_gradients import (estimator_gradient, estimator_values_by_token, kl_gradient,
                               sampled_estimator_gradients, train_policy)
from .sequences import per_step_kl, sequence_kl, sequence_kl_gradient, sequence_probabilities
from .fits import (fit_forward, fit_gaussian, fit_objective, fit_reverse, gaussian_family, local_fits,
                   share_kept, two_peaks)
from .exercises import check, student, variant
from .book import glue

if "IPython" in __import__("sys").modules:  # a notebook: the book's figure style (figure_style)
    from .figure_style import install_in_ipython as _install_figure_style

    _install_figure_style()

# Public names whose module is imported when first asked for.
_LAZY = {"plot_pq": "plots", "plot_contributions": "plots", "plot_fits": "plots",
         "explore": "interactives", "explore_fits": "interactives", "explore_joint": "interactives",
         "explore_gaussians": "interactives", "explore_elbo": "interactives", "explore_rl_kl": "interactives",
         "explore_estimator_samples": "interactives"}
_SUBMODULES = {"plots", "interactives"}

__all__ = [
    "VOCAB", "P", "Q",
    "normalize", "smooth", "with_share", "surprisal", "entropy", "cross_entropy", "kl_contributions", "kl_divergence",
    "huffman_lengths", "shannon_lengths",
    "marginals", "joint_entropy", "conditional_entropy", "mutual_information", "independent_joint", "conditional_kl",
    "total_variation", "chi_square",
    "kl_gaussian", "kl_gaussian_mv", "gaussian_entropy", "posterior", "log_evidence", "elbo",
    "discretize_gaussian", "bin_centers", "binned_kl_gaussian",
    "softmax", "log_softmax", "kl_from_logits",
    "kl_estimator_values", "sample_kl_estimators", "kl_estimator_moments",
    "optimal_policy", "rlhf_objective",
    "estimator_gradient", "estimator_values_by_token", "kl_gradient", "train_policy", "sampled_estimator_gradients",
    "sequence_probabilities", "sequence_kl", "per_step_kl", "sequence_kl_gradient",
    "gaussian_family", "two_peaks", "fit_objective", "local_fits", "fit_gaussian", "fit_forward",
    "fit_reverse", "share_kept",
    "plot_pq", "plot_contributions", "plot_fits",
    "explore", "explore_fits", "explore_joint", "explore_gaussians", "explore_elbo", "explore_rl_kl",
    "explore_estimator_samples",
    "check",
    "student",
    "variant",
    "glue",
]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'klhelpers' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
