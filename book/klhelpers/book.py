"""Glue between a chapter and the book build."""

__all__ = ["glue"]


def glue(name, value):
    """Name a value so the chapter's prose can quote it: {glue:text}`name:.4f`.

    In the book build (myst-nb) the value is stored with the notebook and the
    prose shows exactly what the code computed. Where myst-nb is not installed
    (Colab, say) this does nothing, and the chapter still runs.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, value, display=False)
