"""Typeset every formula when the book is built, as SVG: no MathJax script ships with the site.

The site used to load MathJax in the browser (tex-chtml.js, 1.16 MB, and its web fonts) to
typeset formulas that never change. This extension runs the same MathJax (3.2.2, the copy
that sphinx-mathjax-offline installs with the Python packages) under Node at build time,
through ``static_math.js``, and writes its SVG output into the pages: the same TeX input
jax, the same macros (``mathjax3_config["tex"]`` in ``_config.yml``), the same glyphs, plus
the hidden MathML MathJax adds for screen readers. A page's formulas share one hidden set
of glyph paths, so a glyph is sent once per page; a formula rendered after its page was
closed (a title in another page's navigation) carries its own glyphs.

A TeX error (an unknown macro, a missing brace) is a build warning with the file and line,
so ``-W`` stops the build instead of the site showing red text.

Node: the ``node`` on PATH, else the one Playwright ships inside its Python package
(``playwright/driver/node``, pinned in requirements.txt), so a clean clone needs nothing more.
Select it with ``html_math_renderer: svg_at_build``.
"""

import atexit
import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

from docutils import nodes
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

NAME = "svg_at_build"
SCRIPT = Path(__file__).with_name("static_math.js")
STYLESHEET = "mathjax-svg.css"


def _mathjax_folder():
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    folder = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" if spec else None
    if folder is None or not (folder / "node-main.js").is_file():
        raise RuntimeError("static_math: MathJax's node-main.js not found; "
                           "install requirements.txt (sphinx-mathjax-offline)")
    return folder


def _node(configured):
    if configured:
        return configured
    found = shutil.which("node")
    if found:
        return found
    spec = importlib.util.find_spec("playwright")
    if spec and spec.origin:
        bundled = Path(spec.origin).parent / "driver" / "node"
        if bundled.is_file():
            return str(bundled)
    raise RuntimeError("static_math: no Node found (neither `node` on PATH nor Playwright's); "
                       "install requirements.txt, or set static_math_node")


class Typesetter:
    """One Node process for the whole build; requests and answers are JSON lines."""

    def __init__(self, node, tex_options):
        self.process = subprocess.Popen(
            [node, str(SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, encoding="utf-8", bufsize=1)
        atexit.register(self.close)
        ready = self._ask({"mathjax": str(_mathjax_folder()), "tex": tex_options})
        self.css = ready["css"]

    def _ask(self, request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("static_math: the Node typesetter stopped")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError("static_math: " + answer["error"])
        return answer

    def render(self, tex, display, cache):
        return self._ask({"tex": tex, "display": display, "cache": cache})

    def defs(self):
        return self._ask({"defs": True})["html"]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class _State:
    typesetter = None
    page = None        # the page whose formulas share glyphs now
    closed = set()     # pages whose shared glyphs were already written


STATE = _State()


def _typeset(translator, node, tex, display):
    docname = getattr(translator.builder, "current_docname", None)
    if docname != STATE.page and docname not in STATE.closed:
        STATE.page = docname
    cache = "page" if docname == STATE.page and docname not in STATE.closed else "own"
    answer = STATE.typesetter.render(tex, display, cache)
    for message in answer["errors"]:
        logger.warning("TeX error in %r: %s", tex, message, location=node,
                       type="static_math", subtype="tex")
    return answer["html"]


def visit_math(self, node):
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_typeset(self, node, node.astext(), display=False) + "</span>")
    raise nodes.SkipNode


def _display_tex(node):
    """The TeX sphinx.ext.mathjax hands to MathJax for a block, without its delimiters."""
    text = node.astext()
    if node.get("nowrap"):
        stripped = text.strip()
        for left, right in (("\\[", "\\]"), ("$$", "$$")):
            if stripped.startswith(left) and stripped.endswith(right) and len(stripped) > 3:
                return stripped[len(left):-len(right)]
        return text
    parts = [part for part in text.split("\n\n") if part.strip()]
    tex = [r" \begin{align}\begin{aligned}"] if len(parts) > 1 else []
    for i, part in enumerate(parts):
        tex.append(r"\begin{split}" + part + r"\end{split}" if r"\\" in part else part)
        if i < len(parts) - 1:
            tex.append(r"\\")
    if len(parts) > 1:
        tex.append(r"\end{aligned}\end{align} ")
    return "".join(tex)


def visit_displaymath(self, node):
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node.get("number") and not node.get("nowrap"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_typeset(self, node, _display_tex(node), display=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def _start(app):
    if getattr(app.builder, "math_renderer_name", None) != NAME:
        return
    tex = dict((app.config.mathjax3_config or {}).get("tex", {}))
    STATE.typesetter = Typesetter(_node(app.config.static_math_node), tex)
    STATE.page, STATE.closed = None, set()
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / STYLESHEET).write_text(
        "/* MathJax's own stylesheet for its SVG output (book/_ext/static_math.py). */\n"
        + STATE.typesetter.css, encoding="utf-8")
    app.add_css_file(STYLESHEET)


def _write_shared_glyphs(app, pagename, templatename, context, doctree):
    """Close the page: its formulas' shared glyphs go at the end of its body."""
    if STATE.typesetter is None or pagename in STATE.closed:
        return
    STATE.closed.add(pagename)  # with or without formulas: later ones carry their own glyphs
    if pagename == STATE.page:
        glyphs = STATE.typesetter.defs()
        if glyphs and "body" in context:
            context["body"] += glyphs


def _stop(app, exception):
    if STATE.typesetter is not None:
        STATE.typesetter.close()
        STATE.typesetter = None


def setup(app):
    app.add_config_value("static_math_node", None, "env")
    app.add_html_math_renderer(NAME, (visit_math, None), (visit_displaymath, None))
    app.connect("builder-inited", _start)
    app.connect("html-page-context", _write_shared_glyphs, priority=100)
    app.connect("build-finished", _stop)
    # One Node process and one page at a time: parallel writers would share its pipes.
    return {"parallel_read_safe": True, "parallel_write_safe": False}
