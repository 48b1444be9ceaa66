"""One interactive, two renderings: an ipywidget in Jupyter, a self-contained HTML+JS twin on the website.

A static web page has no kernel, so a slider whose callback is Python cannot
recompute anything there. Each interactive of the book therefore comes in two
renderings of the same idea, carried by one display object:

* **Jupyter** (JupyterLab, Notebook, VS Code, Colab): an ipywidget whose
  callbacks call :mod:`klhelpers`, so a student can pass their own functions in.
* **The website**: a ``text/html`` twin, plain JavaScript + inline SVG computed in
  the browser, with nothing fetched from anywhere. The book's ``_config.yml``
  makes myst-nb prefer ``text/html`` in the html build
  (``nb_mime_priority_overrides: [["html", "text/html", 0]]``) and loads no
  widget manager (``nb_ipywidgets_js: {}``).

:class:`DualView` is the display object; :func:`html_twin` builds the twin. To
add an interactive (say ``fits.py`` with ``fits.js``)::

    from .interactive import DualView, html_twin, next_id

    def explore_fits(...):
        widget = ...                      # an ipywidgets container, Python callbacks
        html = html_twin(
            kind="fits",                  # -> <div data-explorer="fits" id="kl-fits-1">
            markup=static_markup,         # controls + readouts with their starting values
            script=Path(__file__).with_name("fits.js"),
            config={"p": [...], ...},     # JSON, handed to the script's mount()
            label="Forward vs reverse KL fit",
        )
        return DualView(widget, html, text="<forward vs reverse KL fit: ...>")

The script file must define a function ``mount(root, config)``; the twin runs
the file inside its own closure and calls ``mount`` with its ``<div>`` and the
config, so several interactives on one page never share state. Anything the
static markup shows must be computed by :mod:`klhelpers` in Python (so the page
reads right before the script runs, and tests can compare it); the script may
re-implement a formula only because no kernel exists there, and must say in a
comment which Python function it mirrors.

nbval compares the ``text/plain`` and ``text/html`` of stored outputs with a
fresh run, so both must be deterministic: :func:`next_id` numbers elements with
a per-process counter (``kl-<kind>-1``, ``kl-<kind>-2``, ...), never randomly.
"""

import html as _html
import itertools
import json
from pathlib import Path

__all__ = ["DualView", "html_twin", "next_id", "escape"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

_counter = itertools.count(1)


def next_id(kind):
    """A page-unique, deterministic element id: ``kl-<kind>-<n>``, n counting up per process.

    A fresh kernel (nbval, the book build) numbers a chapter's interactives
    1, 2, 3 ... in the order its cells run, so stored outputs match a re-run.
    """
    return f"kl-{kind}-{next(_counter)}"


def escape(text):
    """`text` made safe for HTML content and attribute values."""
    return _html.escape(str(text), quote=True)


def _script_safe(source):
    """Text that cannot close the <script> element it sits in."""
    return source.replace("</", "<\\/")


def html_twin(kind, markup, script, config, label, element_id=None):
    """The website rendering: ``markup`` plus ``script`` and ``config`` inlined into one ``<div>``.

    Parameters
    ----------
    kind : str
        Short name of the interactive; becomes ``data-explorer="<kind>"`` (the
        tests' hook) and part of the element id.
    markup : str
        Static HTML of the controls and readouts, with their starting values.
    script : str or pathlib.Path
        A JavaScript file (read and inlined here, nothing is fetched at run
        time) defining ``function mount(root, config)``.
    config : dict
        JSON-serialisable settings for ``mount``; inlined as
        ``<script type="application/json">``.
    label : str
        Accessible name of the whole group (``aria-label``).
    element_id : str, optional
        Defaults to :func:`next_id` ``(kind)``.

    Returns
    -------
    str
        ``<div data-explorer=... id=... role="group">markup<script ...config><script>...</div>``
    """
    element_id = element_id or next_id(kind)
    source = Path(script).read_text(encoding="utf-8")
    config_json = _script_safe(json.dumps(config, ensure_ascii=False, separators=(",", ":"),
                                          allow_nan=False))
    boot = (
        "(function () {\n"
        f"{_script_safe(source)}\n"
        f'var root = document.getElementById("{element_id}");\n'
        f'mount(root, JSON.parse(document.getElementById("{element_id}-config").textContent));\n'
        "})();"
    )
    return (
        f'<div class="kl-interactive kl-{escape(kind)}" data-explorer="{escape(kind)}" '
        f'id="{element_id}" role="group" aria-label="{escape(label)}">\n'
        f"{markup}\n"
        f'<script type="application/json" id="{element_id}-config">{config_json}</script>\n'
        f"<script>{boot}</script>\n"
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
    html : str
        The website rendering, usually from :func:`html_twin`.
    text : str
        One deterministic line, e.g. ``"<Q explorer: 5 tokens ...>"``.
    """

    def __init__(self, widget, html, text):
        self.widget = widget
        self.html = html
        self.text = text

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {key: value for key, value in self.widget._repr_mimebundle_().items()
                  if key == WIDGET_VIEW}
        bundle["text/html"] = self.html
        bundle["text/plain"] = self.text
        return bundle

    def __repr__(self):
        return self.text
