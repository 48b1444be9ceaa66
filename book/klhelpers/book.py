"""Glue between a chapter and the book build."""

import numpy as np

__all__ = ["glue", "STORED_DIGITS"]

# myst-nb finds glued values by this output format (its `glue` writes the same). Writing
# it here spares every chapter the ~3 s import of myst-nb and Sphinx inside the kernel.
_GLUE_PREFIX = "application/papermill.record/"

#: Significant digits a glued float keeps. The prose shows at most 4 decimals; the last
#: digits of a float depend on the CPU's math kernels, and nbval compares stored outputs
#: with a fresh run on whatever machine runs the tests.
STORED_DIGITS = 10


def glue(name, value):
    """Name a value so the chapter's prose can quote it: {glue:text}`name:.4f`.

    The value is stored, invisibly, in the notebook's outputs; the book build
    (myst-nb) puts exactly what the code computed into the prose. Numpy scalars
    are stored as plain Python numbers so that format specs like ``:.4f`` apply,
    and floats are rounded to :data:`STORED_DIGITS` significant digits, so that
    the stored output is the same on every machine. Outside IPython this does nothing.

    >>> _stored(0.04257686062263907), _stored(np.float64(2.9999999999999996)), _stored(7)
    (0.04257686062, 3.0, 7)
    """
    try:
        from IPython.core.formatters import format_display_data
        from IPython.display import display
    except ImportError:
        return
    bundle, metadata = format_display_data(_stored(value))
    metadata["scrapbook"] = {"name": name, "mime_prefix": _GLUE_PREFIX}
    display({_GLUE_PREFIX + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)


def _stored(value):
    """`value` as glue stores it: plain Python numbers, floats cut to STORED_DIGITS digits."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return float(f"{value:.{STORED_DIGITS}g}")
    return value
