"""Shared fixtures: the built site, a server for it on 127.0.0.1, and Chromium driven by Playwright."""

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
# KL_BUILD_OUTPUT lets parallel work build elsewhere (jupyter-book's --path-output); default: the repo.
OUTPUT = Path(os.environ.get("KL_BUILD_OUTPUT", ROOT))
SITE = OUTPUT / "_build" / "html"
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chapters():
    """Every chapter notebook, in file order."""
    return sorted(BOOK.glob("[0-9][0-9]-*.ipynb"))


@pytest.fixture(scope="session")
def build_result():
    """Build the book as `make book` does: warnings are errors, every notebook executes.

    A stale execution report from an earlier, failed build is planted first: the
    build must not publish it (test_build.py checks that no report survives).
    """
    stale = SITE / "reports" / "book" / "00-introduction.err.log"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("a failure from an earlier build\n")
    completed = subprocess.run(
        [str(BIN / "jupyter-book"), "build", str(ROOT), "-W", "-n", "--keep-going",
         "--path-output", str(OUTPUT)],
        cwd=ROOT, capture_output=True, text=True,
    )
    return completed


@pytest.fixture(scope="session")
def site(build_result):
    """The built site's folder; fails every test that needs it if the build failed."""
    if build_result.returncode != 0:
        pytest.fail("the book did not build:\n" + build_result.stdout[-4000:] + build_result.stderr[-4000:])
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url(site):
    """The built site served on 127.0.0.1 (a free port), for as long as the session runs."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class WatchedPage:
    """A page that records console errors, page errors, failed loads and requests to other hosts."""

    def __init__(self, page, base_url):
        self.page = page
        self.host = urlparse(base_url).netloc
        self.errors = []
        self.outside_requests = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        page.on("request", self._on_request)

    def _on_request(self, request):
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.netloc != self.host:
            self.outside_requests.append(request.url)


@pytest.fixture
def open_page(browser, base_url):
    """open_page("book/04-asymmetry.html") -> WatchedPage, loaded until the network is idle."""
    contexts = []

    def _open(path, viewport=None):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        contexts.append(context)
        watched = WatchedPage(context.new_page(), base_url)
        watched.page.goto(f"{base_url}/{path}", wait_until="networkidle")
        return watched

    yield _open
    for context in contexts:
        context.close()


KLMATH_JS = BOOK / "klhelpers" / "interactives" / "assets" / "klmath.js"


@pytest.fixture
def klmath_page(browser):
    """A blank Chromium page with klmath.js loaded (the global KLMath), in a context of its own."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<html></html>")
    page.add_script_tag(content=KLMATH_JS.read_text())
    yield page
    context.close()
