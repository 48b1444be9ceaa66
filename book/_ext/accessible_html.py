"""Small fixes to the HTML that Sphinx and docutils write, so every page passes axe-core.

docutils' HTML5 writer wraps a bibliography in ``<div role="list">`` but gives
each entry ``role="doc-biblioentry"``, a DPUB-ARIA role that is deprecated and
not a list item, so assistive technology sees a list without items (axe-core:
``aria-required-children``, critical; ``aria-deprecated-role``). Each entry is
made a plain ``listitem``: the list and its order read as intended.
"""


def _fix_body(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    app.connect("html-page-context", _fix_body)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
