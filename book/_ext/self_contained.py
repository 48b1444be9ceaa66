"""Keep every page of the site self-contained and light.

- sphinx-thebe, which Jupyter Book 1 always loads, adds a script that names a CDN
  address for thebe (and adds it twice on some rebuilds, a console error). This
  book runs no code in the browser through a kernel, so those scripts are dropped.
- myst-nb copies a notebook's saved widget state into the page. The site shows the
  interactives' HTML+JS twins, never the widgets, so that state is dead weight
  (chapter 4 went from 230 KB to 52 KB without it).
"""

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _unneeded(script):
    filename = str(getattr(script, "filename", script) or "")
    attributes = getattr(script, "attributes", {})
    return ("thebe" in filename
            or "THEBE_JS_URL" in str(attributes.get("body", ""))
            or attributes.get("type") == WIDGET_STATE)


def _drop_unneeded_scripts(app, pagename, templatename, context, doctree):
    context["script_files"] = [s for s in context.get("script_files", []) if not _unneeded(s)]


def setup(app):
    app.connect("html-page-context", _drop_unneeded_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
