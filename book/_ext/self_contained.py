"""Keep every page of the site self-contained.

sphinx-thebe, which Jupyter Book 1 always loads, adds a script that names a CDN
address for thebe (and adds it twice on some rebuilds, a console error). This
book runs no code in the browser through a kernel, so those scripts are dropped.
"""


def _drop_thebe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files", [])
    context["script_files"] = [
        script for script in scripts
        if "thebe" not in str(getattr(script, "filename", script) or "")
        and "THEBE_JS_URL" not in str(getattr(script, "attributes", {}).get("body", ""))
    ]


def setup(app):
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
