"""Bytes transferred to load the explorer's chapter page cold, by resource type.

Serves a built site on 127.0.0.1 and loads the page in a fresh Chromium context
(empty cache) until the network is idle; sums, per Playwright resource type, the
response body and header sizes of every finished request.

Run: .venv/bin/python benchmarks/page_bytes.py [SITE_DIR] [PAGE]
     SITE_DIR defaults to $KL_BUILD_OUTPUT/_build/html, else _build/html; PAGE to book/04-asymmetry.html.
"""

import collections
import functools
import http.server
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.environ.get("KL_BUILD_OUTPUT", ROOT)) / "_build" / "html"
PAGE = sys.argv[2] if len(sys.argv) > 2 else "book/04-asymmetry.html"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    if not (SITE / PAGE).exists():
        sys.exit(f"no built page at {SITE / PAGE}: build the book first (make book)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{server.server_address[1]}"
    by_type, counts, outside, biggest = collections.Counter(), collections.Counter(), [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context()  # fresh profile: nothing cached
            page = context.new_page()
            finished = []
            page.on("requestfinished", lambda request: finished.append(request))
            page.goto(f"http://{host}/{PAGE}", wait_until="networkidle")
            twins = page.evaluate("() => [...document.querySelectorAll('[data-explorer]')]"
                                  ".map(e => new TextEncoder().encode(e.outerHTML).length)")
            for request in finished:
                sizes = request.sizes()
                size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
                by_type[request.resource_type] += size
                counts[request.resource_type] += 1
                biggest.append((size, urlparse(request.url).path))
                if urlparse(request.url).netloc != host:
                    outside.append(request.url)
            browser.close()
    finally:
        server.shutdown()
    total = sum(by_type.values())
    print(f"Cold load of {PAGE}: {total:,} bytes in {sum(counts.values())} requests")
    for kind, size in by_type.most_common():
        print(f"  {kind:12s} {size:>10,} bytes  ({counts[kind]} requests)")
    print("  largest:", ", ".join(f"{path} {size:,}" for size, path in sorted(biggest, reverse=True)[:4]))
    print(f"  interactives inline in the document: {len(twins)}, {sum(twins):,} bytes "
          f"(markup + CSS + JS, each {', '.join(f'{t:,}' for t in twins)})")
    print(f"  requests to other hosts: {len(outside)}")


if __name__ == "__main__":
    main()
