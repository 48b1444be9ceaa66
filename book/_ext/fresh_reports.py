"""A build publishes only its own pages and execution reports.

When a chapter fails to execute, myst-nb writes its traceback to
``_build/html/reports/<chapter>.err.log``. Nothing removes that file once the
chapter is fixed, so a later, successful build would still publish the old
failure. Each build therefore starts without the previous build's reports.

Likewise a chapter that is renamed or removed leaves its old page (and its
``_sources`` copy) in ``_build/html/book/``, reachable and searchable though no
table of contents links it. A successful build removes the pages of documents
the project no longer has.
"""

import shutil
from pathlib import Path


def _forget_previous_reports(app):
    shutil.rmtree(Path(app.outdir) / "reports", ignore_errors=True)


def _forget_removed_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    documents = set(app.env.all_docs)
    for page in (outdir / "book").glob("*.html"):
        docname = page.relative_to(outdir).with_suffix("").as_posix()
        if docname not in documents:
            page.unlink()
            for source in (outdir / "_sources" / "book").glob(page.stem + ".*"):
                source.unlink()


def setup(app):
    app.connect("builder-inited", _forget_previous_reports)
    app.connect("build-finished", _forget_removed_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
