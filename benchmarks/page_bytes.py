"""Bytes transferred to load the explorer's chapter page cold, by resource type.

Serves a built site on 127.0.0.1 and loads the page in a fresh Chromium context
(empty cache) until the network is idle; sums, per Playwright resource type, the
response body and header sizes of every finished request.

Run: .venv/bin/python benchmarks/page_bytes.py [SITE_DIR] [PAGE]
     SITE_DIR defaults to $KL_BUILD_OUTPUT/_build/html, else _build/html; PAGE to book/04-asymmetry.html.
"""

import collections
import sys
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

from _site import launch_chromium, served_site

PAGE = sys.argv[2] if len(sys.argv) > 2 else "book/04-asymmetry.html"


def main():
    by_type, counts, outside, biggest = collections.Counter(), collections.Counter(), [], []
    with served_site(PAGE) as base_url, sync_playwright() as playwright:
        host = urlparse(base_url).netloc
        browser = launch_chromium(playwright)
        page = browser.new_context().new_page()  # fresh profile: nothing cached
        finished = []
        page.on("requestfinished", lambda request: finished.append(request))
        page.goto(f"{base_url}/{PAGE}", wait_until="networkidle")
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
