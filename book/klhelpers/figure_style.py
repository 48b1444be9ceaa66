"""The book's figure style: one text size, phone-sized figures, retina PNG.

Every figure of the book is read on phones too. A chapter page there is about 342 CSS px
wide, and a figure shrinks to fit it, its text with it. So the style (:data:`STYLE`) pairs
a narrow default figure, :data:`FIGSIZE` inches, with one text size for everything,
:data:`FONT_PT` points: shrunk to 342 px, that text is still :func:`phone_font_px` >= 11 px
(``tests/test_phone.py`` measures it on every page of the built site). Figures are stored
as PNG at twice their display resolution ("retina"), crisp on phone screens.

The plotting helpers (:mod:`klhelpers.plots`) apply it on first use of matplotlib; in a
notebook, :func:`install_in_ipython` (called when ``klhelpers`` is imported in IPython)
applies it as soon as the chapter has imported matplotlib, so a chapter's own
``plt.subplots()`` gets it too. Nothing here imports matplotlib until it is applied.
"""

import sys

__all__ = ["STYLE", "FONT_PT", "FIGSIZE", "DPI", "PHONE_WIDTH_PX", "apply_style", "phone_font_px",
           "install_in_ipython", "styled"]

#: The one text size of every figure, in points (ticks, labels, legends, annotations).
FONT_PT = 14
#: The default figure size, inches: narrow enough that FONT_PT survives a phone's width.
FIGSIZE = (5.2, 3.2)
#: Dots per inch of the figure as displayed (the stored PNG has twice as many: retina).
DPI = 80
#: The width, in CSS px, of a chapter's column on a 390 px phone (measured on the built site).
PHONE_WIDTH_PX = 342

STYLE = {
    "figure.figsize": FIGSIZE,
    "figure.dpi": DPI,
    "savefig.dpi": 2 * DPI,
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT,
    "axes.labelsize": FONT_PT,
    "xtick.labelsize": FONT_PT,
    "ytick.labelsize": FONT_PT,
    "legend.fontsize": FONT_PT,
    "legend.title_fontsize": FONT_PT,
    "figure.titlesize": FONT_PT,
    "mathtext.fontset": "dejavusans",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def phone_font_px(width_in, font_pt=FONT_PT, column_px=PHONE_WIDTH_PX):
    """The rendered size, in CSS px, of `font_pt` text in a figure `width_in` inches wide
    shrunk to a phone's column: the size at which a reader sees it.

    >>> round(phone_font_px(FIGSIZE[0]), 1)      # the default figure: above 11 px
    12.8
    >>> round(phone_font_px(9.0, font_pt=10), 1)   # a wide figure with small text: too small
    5.3
    """
    return font_pt / 72 * column_px / width_in


_styled = {"done": False}


def styled():
    """Whether the style has been applied in this process (with retina PNG, in IPython)."""
    return _styled["done"]


def apply_style():
    """Set :data:`STYLE` in matplotlib's rcParams and, in IPython, store figures as retina PNG."""
    import matplotlib

    matplotlib.rcParams.update(STYLE)
    shell = _ipython()
    if shell is not None and "matplotlib.pyplot" in sys.modules:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
        _styled["done"] = True


def _ipython():
    """The running IPython shell, or None (without importing IPython)."""
    if "IPython" not in sys.modules:
        return None
    return sys.modules["IPython"].get_ipython()


def install_in_ipython():
    """In a notebook: apply the style as soon as the chapter has imported matplotlib.pyplot.

    The setup cell imports klhelpers before pyplot, and importing pyplot configures the
    inline backend (its figure formats), so the style goes in after each cell until it took.
    """
    shell = _ipython()
    if shell is None:
        return

    def after_cell(*_args):
        if not _styled["done"] and "matplotlib.pyplot" in sys.modules:
            apply_style()

    shell.events.register("post_run_cell", after_cell)
