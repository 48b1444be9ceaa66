"""A build publishes only its own execution reports.

When a chapter fails to execute, myst-nb writes its traceback to
``_build/html/reports/<chapter>.err.log``. Nothing removes that file once the
chapter is fixed, so a later, successful build would still publish the old
failure. Each build therefore starts without the previous build's reports.
"""

import shutil
from pathlib import Path


def _forget_previous_reports(app):
    shutil.rmtree(Path(app.outdir) / "reports", ignore_errors=True)


def setup(app):
    app.connect("builder-inited", _forget_previous_reports)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
