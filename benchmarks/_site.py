"""The built site on 127.0.0.1 and Debian's Chromium, for the browser benchmarks."""

import contextlib
import functools
import http.server
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The site to measure: the first argument, else $KL_BUILD_OUTPUT/_build/html, else _build/html.
SITE = (Path(sys.argv[1]) if len(sys.argv) > 1
        else Path(os.environ.get("KL_BUILD_OUTPUT", ROOT)) / "_build" / "html")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def served_site(page):
    """Serve SITE on a free port of 127.0.0.1; yields the base URL. Exits if `page` is not built."""
    if not (SITE / page).exists():
        sys.exit(f"no built page at {SITE / page}: build the book first (make book)")
    handler = functools.partial(_Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                      args=["--no-sandbox", "--disable-gpu"])
