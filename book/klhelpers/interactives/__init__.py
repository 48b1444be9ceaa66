"""The book's interactives, each live twice: ipywidgets in Jupyter, HTML + JavaScript on the website.

==================  =============================================================
twin                the pattern: DualView, html_twin, ids, safe JSON
charts              the twins' SVG charts, drawn here for the page's first paint
explorer            ``explore()``: the Q explorer (chapters 2-4)
explorer_widget     its Jupyter rendering
fits                ``explore_fits()``: forward vs reverse fits (chapter 7)
assets/             what the website serves: klmath.js (the formulas), interactives.js
                    (mounts every twin on a page), one script and style per kind
==================  =============================================================
"""

from .explorer import explore
from .fits import explore_fits

__all__ = ["explore", "explore_fits"]
