"""One interactive, two renderings: an ipywidget in Jupyter, HTML + served JavaScript on the website.

A static web page has no kernel, so a slider whose callback is Python cannot
recompute anything there. Each interactive therefore comes in two renderings of
the same idea, carried by one display object, :class:`DualView`:

* **Jupyter** (JupyterLab, Notebook, VS Code, Colab): an ipywidget whose
  callbacks call klhelpers, so a student can pass their own functions in.
* **The website**: a ``text/html`` *twin*. It holds the static markup with the
  starting numbers and the chart, computed here in Python (so the page reads
  right before, or without, JavaScript), and the interactive's own state as a
  small JSON. The behaviour lives in files under ``assets/`` that the book build
  serves from ``_static/`` (``book/_ext/interactives.py``): ``klmath.js`` (every
  formula, mirroring klhelpers), ``interactives.js`` (finds each twin on the
  page and mounts it) and one script per kind of interactive. Editing a script
  therefore changes no notebook output. The book's ``_config.yml`` makes myst-nb
  prefer ``text/html`` in the html build and load no widget manager.

Twins of one page never share state: each lives in its own element,
``<div data-explorer="<kind>" id="kl-<kind>-<n>">``. nbval compares the stored
``text/html`` with a fresh run, so ids come from a per-process counter
(:func:`next_id`), never at random; a second display of the same object gets
ids of its own (the first copy keeps working, and so does the second).
"""

import html as _html
import itertools
import re
from pathlib import Path

__all__ = ["ASSETS", "DualView", "html_twin", "next_id", "escape", "json_for_script"]

#: The scripts and styles the website serves for the interactives, in loading order.
ASSETS = Path(__file__).with_name("assets")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

_counter = itertools.count(1)


def next_id(kind):
    """A page-unique, deterministic element id: ``kl-<kind>-<n>``, n counting up per process."""
    return f"kl-{kind}-{next(_counter)}"


def escape(text):
    """`text` made safe for HTML content and attribute values."""
    return _html.escape(str(text), quote=True)


# In a <script> element the HTML parser ends the script at "</script", and "<!--" followed by
# "<script" makes it skip the next "</script>". JSON strings may carry any character as \uXXXX:
# written that way, none of these reach the parser. U+2028 and U+2029 end a line in old JavaScript.
_JSON_IN_SCRIPT = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                 "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_for_script(value):
    """`value` as compact JSON that is safe inside ``<script type="application/json">``."""
    import json

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_JSON_IN_SCRIPT)  # these characters occur only inside JSON strings


# A closing tag directly followed by another tag, except inside SVG text runs (<tspan>),
# where a space would show.
_TAG_AFTER_TAG = re.compile(r"(</(?!tspan)[a-zA-Z][^>]*>)(?=<)")


def _spaced(markup):
    """`markup` with a line break after each closing tag that another tag follows.

    Sphinx's search indexer drops tags without leaving a space, so ``<text>0</text><text>1</text>``
    (a chart's ticks) or ``<b>0.18</b><span>nats</span>`` would be indexed as one word
    ("01", "0.18nats"). Between block elements and SVG shapes the break shows nothing.

    >>> _spaced("<b>1</b><i>a</i>")
    '<b>1</b>\\n<i>a</i>'
    """
    return _TAG_AFTER_TAG.sub("\\1\n", markup)


def html_twin(kind, element_id, markup, config, label):
    """The website rendering of one interactive: its markup and its JSON state in one ``<div>``.

    Parameters
    ----------
    kind : str
        Short name of the interactive, e.g. ``"explorer"``; becomes ``data-explorer``,
        the hook by which ``interactives.js`` picks the script that mounts it.
    element_id : str
        The element's id, from :func:`next_id`; ids inside `markup` derive from it.
    markup : str
        Static HTML of the controls, readouts and chart, with their starting values.
        Text from callers (token names, say) must go through :func:`escape`.
    config : dict
        JSON-serialisable state for the script (see :func:`json_for_script`).
    label : str
        Accessible name of the whole group (``aria-label``).
    """
    return (
        f'<div class="kl-interactive kl-{escape(kind)}" data-explorer="{escape(kind)}" '
        f'id="{escape(element_id)}" role="group" aria-label="{escape(label)}">\n'
        f"{_spaced(markup)}\n"
        f'<script type="application/json" class="kl-config">{json_for_script(config)}</script>\n'
        "</div>"
    )


class DualView:
    """Display object carrying both renderings of an interactive.

    Its MIME bundle holds the ipywidget's view (Jupyter front ends show it and
    run the Python callbacks), the ``text/html`` twin (the book's html build
    shows it) and a short ``text/plain`` (terminals, and what nbval compares
    besides the html).

    Parameters
    ----------
    widget : ipywidgets.Widget
        The live Jupyter rendering.
    kind : str
        The interactive's kind, for its element ids (see :func:`html_twin`).
    render : callable
        ``render(element_id) -> str``, the twin under that id (from :func:`html_twin`).
    text : str
        One deterministic line, e.g. ``"<Q explorer: 5 tokens ...>"``.
    """

    def __init__(self, widget, kind, render, text):
        self.widget, self.kind, self.text = widget, kind, text
        self._render = render
        self._first_id = next_id(kind)  # taken now, so ids follow the order of the cells
        self._displays = 0

    @property
    def html(self):
        """The twin as its first display shows it."""
        return self._render(self._first_id)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {key: value for key, value in self.widget._repr_mimebundle_().items()
                  if key == WIDGET_VIEW}
        element_id = self._first_id if self._displays == 0 else next_id(self.kind)
        self._displays += 1
        bundle["text/html"] = self._render(element_id)
        bundle["text/plain"] = self.text
        return bundle

    def __repr__(self):
        return self.text
