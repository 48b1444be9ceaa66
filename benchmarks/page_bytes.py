"""What a reader downloads to open a page cold: raw and gzipped bytes, requests, largest files.

Serves a built site on 127.0.0.1 and loads each page in a fresh Chromium context (empty
cache, 1280 x 900) until the network is idle. For every finished request it takes the
response body: its raw size, and its size gzipped (level 6, what web servers commonly use)
when a server would compress it (HTML, CSS, JS, JSON, SVG, text; images and fonts are sent
as they are). Headers are left out: they depend on the server. Then compares each page with
the target of the page-weight issue: a cold load of at most 0.6 MB gzipped in at most 25
requests.

Run: .venv/bin/python benchmarks/page_bytes.py [SITE_DIR] [PAGE ...]
     SITE_DIR defaults to $KL_BUILD_OUTPUT/_build/html, else _build/html; the pages to
     a chapter with the Q explorer, chapter 6 (the fits widget), the notation page and the
     site's front door (index.html, which sends the reader on to the first chapter).
"""

import collections
import gzip
import sys
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

from _site import SITE, launch_chromium, served_site

PAGES = sys.argv[2:] or [
    "book/04-asymmetry.html",         # a chapter with the Q explorer
    "book/07-forward-reverse.html",   # the forward/reverse fits widget
    "book/notation.html",             # the notation page: the most formulas
    "index.html",                     # the front door, and the first chapter it leads to
]
TARGET_GZIPPED = 600_000
TARGET_REQUESTS = 25
COMPRESSIBLE = ("text/", "javascript", "json", "xml", "svg", "css")


def gzipped_size(body, content_type):
    if any(kind in content_type for kind in COMPRESSIBLE):
        return len(gzip.compress(body, compresslevel=6, mtime=0))
    return len(body)


def cold_load(browser, base_url, page_path):
    """[(path, resource type, raw bytes, gzipped bytes)] for every request of one cold load."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    rows, failed = [], []
    host = urlparse(base_url).netloc

    def received(response):  # read the body now: the front door's refresh navigates away
        request = response.request
        parsed = urlparse(request.url)
        try:
            body = response.body()
        except Exception:  # a page left before its body was read: the file it was served from
            body = (SITE / parsed.path.lstrip("/")).read_bytes()
        content_type = response.headers.get("content-type", "").lower()
        where = parsed.path if parsed.netloc == host else request.url
        rows.append((where, request.resource_type, len(body), gzipped_size(body, content_type)))

    page.on("response", received)
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{base_url}/{page_path}", wait_until="networkidle")
    page.wait_for_load_state("networkidle")
    context.close()
    return rows, failed


def report(page_path, rows, failed):
    raw = sum(row[2] for row in rows)
    packed = sum(row[3] for row in rows)
    met = packed <= TARGET_GZIPPED and len(rows) <= TARGET_REQUESTS
    print(f"{page_path}: {raw:,} bytes raw, {packed:,} gzipped, {len(rows)} requests"
          f"  [target <= {TARGET_GZIPPED:,} gzipped in <= {TARGET_REQUESTS} requests: "
          f"{'met' if met else 'NOT MET'}]")
    by_type = collections.defaultdict(lambda: [0, 0, 0])
    for _, kind, size, zipped in rows:
        by_type[kind][0] += 1
        by_type[kind][1] += size
        by_type[kind][2] += zipped
    for kind, (count, size, zipped) in sorted(by_type.items(), key=lambda item: -item[1][2]):
        print(f"  {kind:11s} {size:>10,} raw {zipped:>9,} gzipped  ({count} requests)")
    largest = sorted(rows, key=lambda row: -row[3])[:5]
    print("  largest (gzipped): " + ", ".join(f"{path} {zipped:,}" for path, _, _, zipped in largest))
    outside = [path for path, *_ in rows if "://" in path]
    print(f"  requests to other hosts: {len(outside)}; failed requests: {len(failed)}")
    return raw, packed, len(rows), met


def main():
    results = []
    with served_site(PAGES[0]) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for page_path in PAGES:
            rows, failed = cold_load(browser, base_url, page_path)
            results.append((page_path, *report(page_path, rows, failed)))
        browser.close()
    print()
    print(f"{'page':32s} {'raw bytes':>12s} {'gzipped':>10s} {'requests':>9s}  target")
    for page_path, raw, packed, count, met in results:
        print(f"{page_path:32s} {raw:>12,} {packed:>10,} {count:>9}  {'met' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
