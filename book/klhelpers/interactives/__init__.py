"""The book's interactives, each live twice: ipywidgets in Jupyter, HTML + JavaScript on the website.

==================  =============================================================
twin                the pattern: DualView, html_twin, ids, safe JSON
charts              the twins' SVG charts, drawn here for the page's first paint
explorer            ``explore()``: the Q explorer (chapters 2-4)
explorer_widget     its Jupyter rendering
fits                ``explore_fits()``: forward vs reverse fits (chapter 7)
joint               ``explore_joint()``: the table of two tokens, its entropies and I(X;Y) (chapter 5)
gaussian            ``explore_gaussians()``, ``explore_elbo()``: two Gaussians, bins, the ELBO (chapter 8)
codespace           ``explore_code_space()``: code lengths as areas, Q on sliders (chapter 2)
sampling            ``explore_sampling()``: the running average of the loss, played (chapter 2)
rlkl                ``explore_rl_kl()``: train a five-token policy with a KL penalty, played (chapter 10)
assets/             what the website serves: klmath.js (the formulas), interactives.js
                    (mounts every twin on a page), one script and style per kind
==================  =============================================================
"""

from .explorer import explore
from .fits import explore_fits
from .joint import explore_joint
from .gaussian import explore_elbo, explore_gaussians
from .codespace import explore_code_space
from .sampling import explore_sampling
from .rlkl import explore_rl_kl
from .estimator_samples import explore_estimator_samples

__all__ = ["explore", "explore_fits", "explore_joint", "explore_gaussians", "explore_elbo", "explore_sampling", "explore_code_space",
           "explore_rl_kl",
           "explore_estimator_samples"]
