"""Serve the interactives' scripts and styles, on the pages that show an interactive.

A chapter's stored outputs hold each interactive's *twin*: static markup and a
small JSON state (``klhelpers/interactives/twin.py``). The behaviour lives in
``klhelpers/interactives/assets/``, which this extension serves from ``_static/``
and loads, deferred, on every page with a twin: ``klmath.js`` (the formulas),
``interactives.js`` (mounts each twin), and ``<kind>.js`` for each kind of
interactive on the page. The styles of every kind travel in one small file,
``interactives.css`` (the ``<kind>.css`` files joined at the end of the build, about
6 kB gzipped): a chapter with three kinds of interactive then costs one stylesheet
request, not three. Pages without an interactive load none of it.
"""

import re
from pathlib import Path

STYLES = "interactives.css"

ASSETS = Path(__file__).resolve().parents[1] / "klhelpers" / "interactives" / "assets"
KIND = re.compile(r'data-explorer="([a-z0-9-]+)"')


def _serve(app, config):
    config.html_static_path.append(str(ASSETS))


def _load_on_pages_with_twins(app, pagename, templatename, context, doctree):
    kinds = sorted(set(KIND.findall(context.get("body") or "")))
    if not kinds:
        return
    app.add_css_file(STYLES)
    for script in ["klmath.js", "interactives.js"] + [f"{kind}.js" for kind in kinds]:
        app.add_js_file(script, loading_method="defer")


def _join_styles(app, exception):
    if exception is None and app.builder.format == "html":
        joined = "\n".join(f"/* {path.name} */\n{path.read_text()}" for path in sorted(ASSETS.glob("*.css")))
        (Path(app.outdir) / "_static" / STYLES).write_text(joined)


def setup(app):
    app.connect("config-inited", _serve)
    app.connect("build-finished", _join_styles)
    app.connect("html-page-context", _load_on_pages_with_twins)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
