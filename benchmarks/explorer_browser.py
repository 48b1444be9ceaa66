"""Time per input event of the website's Q explorer (explorer.js) in Chromium.

Serves a built site on 127.0.0.1, opens the explorer's chapter and, inside the page,
sets a slider and dispatches the `input` event many times, timing each with
performance.now(): the handler renormalises Q, recomputes every readout and
moves the SVG bars synchronously, so the time around dispatchEvent is the update.
A second figure adds a forced style/layout pass (reading offsetHeight).

Run: .venv/bin/python benchmarks/explorer_browser.py [SITE_DIR] [events]
     SITE_DIR defaults to $KL_BUILD_OUTPUT/_build/html, else _build/html (build it first: make book).
"""

import functools
import http.server
import os
import statistics
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.environ.get("KL_BUILD_OUTPUT", ROOT)) / "_build" / "html"
EVENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
PAGE = "book/04-asymmetry.html"

TIME_EVENTS = """([events, layout]) => {
    const root = document.querySelector('[data-explorer="explorer"]');
    const sliders = [...root.querySelectorAll('input[type="range"]')];
    const times = [];
    for (let i = 0; i < events; i++) {
        const slider = sliders[i % sliders.length];
        slider.value = ((i * 37) % 101) / 100;       // 0.00 ... 1.00, zeros included
        const start = performance.now();
        slider.dispatchEvent(new Event('input', {bubbles: true}));
        if (layout) root.offsetHeight;                  // force style + layout
        times.push(performance.now() - start);
    }
    return times;
}"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    if not (SITE / PAGE).exists():
        sys.exit(f"no built page at {SITE / PAGE}: build the book first (make book)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/{PAGE}", wait_until="networkidle")
            page.evaluate(TIME_EVENTS, [200, False])  # warm up the JIT
            script = page.evaluate(TIME_EVENTS, [EVENTS, False])
            layout = page.evaluate(TIME_EVENTS, [EVENTS, True])
            browser.close()
    finally:
        server.shutdown()
    if errors:
        sys.exit(f"page errors: {errors}")
    print(f"Website Q explorer, {EVENTS} input events in Chromium ({PAGE})")
    for name, times in (("update (script)", script), ("update + style/layout", layout)):
        print(f"  {name:22s} median {statistics.median(times):.3f} ms   mean {statistics.mean(times):.3f} ms"
              f"   p90 {sorted(times)[int(0.9 * len(times))]:.3f} ms")
    print("  (performance.now() is coarsened to about 0.1 ms on pages without cross-origin isolation)")


if __name__ == "__main__":
    main()
