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
            markup=static_markup,         # controls + readouts with their starting values,
                                          # a function of the element id if it holds ids
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

One object may be displayed twice (``e = kl.explore(); display(e); display(e)``).
Two copies with the same ids would be one live copy and one dead one (the
second copy's script finds the first copy's elements), so :class:`DualView`
shows the twin made with the object the first time and, each time after, the
same twin made again under the counter's next id (:meth:`HtmlTwin.renumbered`).
Ids the markup itself holds (``for=`` of a label, say) follow only when
``markup`` is a function of the element id.

Whatever comes from a caller (token names, say) is data, never markup: markup
passes it through :func:`escape`, and the config's JSON escapes ``<``, ``>`` and
``&`` so no string can end, or comment out, the ``<script>`` it sits in.
"""

import html as _html
import itertools
import json
from pathlib import Path

__all__ = ["DualView", "HtmlTwin", "html_twin", "next_id", "escape"]

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


# In a <script> element the HTML parser ends the script at "</script", and "<!--" followed by
# "<script" makes it skip the next "</script>" (so the rest of the page becomes script). JSON
# strings may carry any character as \uXXXX: written that way, none of these reach the parser.
# U+2028 and U+2029 are escaped too, as they end a line in older JavaScript.
_JSON_IN_SCRIPT = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                 "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_for_script(value):
    """`value` as compact JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_JSON_IN_SCRIPT)  # these characters occur only inside JSON strings


class HtmlTwin(str):
    """The website rendering of one interactive: a ``str``, plus how to render it again.

    :func:`html_twin` returns one. :meth:`renumbered` gives the same interactive
    under the counter's next element id, for a second display of the same object.
    """

    def renumbered(self):
        """The same interactive with a fresh id from :func:`next_id` (the markup's own
        ids follow when the markup was given as a function of the id)."""
        return html_twin(**self.recipe)


def html_twin(kind, markup, script, config, label, element_id=None):
    """The website rendering: ``markup`` plus ``script`` and ``config`` inlined into one ``<div>``.

    Parameters
    ----------
    kind : str
        Short name of the interactive; becomes ``data-explorer="<kind>"`` (the
        tests' hook) and part of the element id.
    markup : str or callable
        Static HTML of the controls and readouts, with their starting values;
        or ``markup(element_id) -> str`` when it holds ids of its own (derive
        them from ``element_id``), so a renumbered copy gets ids of its own too.
        Text from callers must go through :func:`escape`.
    script : str or pathlib.Path
        A JavaScript file (read and inlined here, nothing is fetched at run
        time) defining ``function mount(root, config)``.
    config : dict
        JSON-serialisable settings for ``mount``; inlined as
        ``<script type="application/json">`` (see :func:`json_for_script`).
    label : str
        Accessible name of the whole group (``aria-label``).
    element_id : str, optional
        Defaults to :func:`next_id` ``(kind)``.

    Returns
    -------
    HtmlTwin
        ``<div data-explorer=... id=... role="group">markup<script ...config><script>...</div>``
    """
    recipe = {"kind": kind, "markup": markup, "script": script, "config": config, "label": label}
    element_id = element_id or next_id(kind)
    if callable(markup):
        markup = markup(element_id)
    source = Path(script).read_text(encoding="utf-8")
    boot = (
        "(function () {\n"
        f"{_script_safe(source)}\n"
        f'var root = document.getElementById("{element_id}");\n'
        f'mount(root, JSON.parse(document.getElementById("{element_id}-config").textContent));\n'
        "})();"
    )
    twin = HtmlTwin(
        f'<div class="kl-interactive kl-{escape(kind)}" data-explorer="{escape(kind)}" '
        f'id="{element_id}" role="group" aria-label="{escape(label)}">\n'
        f"{markup}\n"
        f'<script type="application/json" id="{element_id}-config">{json_for_script(config)}</script>\n'
        f"<script>{boot}</script>\n"
        "</div>"
    )
    twin.recipe = recipe
    return twin


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
        The website rendering, usually an :class:`HtmlTwin` from :func:`html_twin`:
        the first display shows it, each later display a renumbered copy (a
        plain string is shown as it is every time).
    text : str
        One deterministic line, e.g. ``"<Q explorer: 5 tokens ...>"``.
    """

    def __init__(self, widget, html, text):
        self.widget = widget
        self.html = html
        self.text = text
        self._displayed = False

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {key: value for key, value in self.widget._repr_mimebundle_().items()
                  if key == WIDGET_VIEW}
        html = self.html
        if self._displayed and isinstance(html, HtmlTwin):  # a second copy on the page: new ids
            html = html.renumbered()
        self._displayed = True
        bundle["text/html"] = str(html)
        bundle["text/plain"] = self.text
        return bundle

    def __repr__(self):
        return self.text
