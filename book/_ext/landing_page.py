"""The site's front door: ``index.html`` with a title and a visible link.

Jupyter Book's root page is a chapter, so the site root needs a page that sends
readers on. sphinx-external-toc writes a bare ``<meta refresh>`` there: no title
for a tab or a bookmark, no link for a reader whose browser does not follow the
refresh. It only writes its own when the file is missing, so this one is written
first. The page declares an empty icon: the refresh leaves it at once, so an icon's
request would be cut off, and with no icon at all the browser asks for
``/favicon.ico``, a 404.
"""

import html
from pathlib import Path

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<meta http-equiv="refresh" content="0; url={first}">
</head>
<body>
<p><a href="{first}">{title}: start reading</a></p>
</body>
</html>
"""


def _write_landing_page(app, exception):
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    page = PAGE.format(title=html.escape(app.config.html_title or app.config.project),
                       first=html.escape(app.builder.get_target_uri(app.config.root_doc)))
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf-8")


def setup(app):
    app.connect("build-finished", _write_landing_page, priority=400)  # before sphinx-external-toc
    return {"parallel_read_safe": True, "parallel_write_safe": True}
