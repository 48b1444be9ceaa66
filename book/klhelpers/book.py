"""Glue between a chapter and the book build."""

import numpy as np

__all__ = ["glue"]

# myst-nb finds glued values by this output format (its `glue` writes the same). Writing
# it here spares every chapter the ~3 s import of myst-nb and Sphinx inside the kernel.
_GLUE_PREFIX = "application/papermill.record/"


def glue(name, value):
    """Name a value so the chapter's prose can quote it: {glue:text}`name:.4f`.

    The value is stored, invisibly, in the notebook's outputs; the book build
    (myst-nb) puts exactly what the code computed into the prose. Numpy scalars
    are stored as plain Python numbers so that format specs like ``:.4f`` apply.
    Outside IPython this does nothing.
    """
    try:
        from IPython.core.formatters import format_display_data
        from IPython.display import display
    except ImportError:
        return
    if isinstance(value, np.generic):
        value = value.item()
    bundle, metadata = format_display_data(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": _GLUE_PREFIX}
    display({_GLUE_PREFIX + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)
