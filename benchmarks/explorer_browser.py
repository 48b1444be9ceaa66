"""Time per input event of the website's Q explorer (explorer.js) in Chromium.

Serves a built site on 127.0.0.1, opens the explorer's chapter and, inside the page,
sets a slider and dispatches the `input` event many times, timing each with
performance.now(): the handler renormalises Q, recomputes every readout and
moves the SVG bars synchronously, so the time around dispatchEvent is the update.
A second figure adds a forced style/layout pass (reading offsetHeight).

Run: .venv/bin/python benchmarks/explorer_browser.py [SITE_DIR] [events]
     SITE_DIR defaults to $KL_BUILD_OUTPUT/_build/html, else _build/html (build it first: make book).
"""

import statistics
import sys

from playwright.sync_api import sync_playwright

from _site import launch_chromium, served_site

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


def main():
    with served_site(PAGE) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base_url}/{PAGE}", wait_until="networkidle")
        page.evaluate(TIME_EVENTS, [200, False])  # warm up the JIT
        script = page.evaluate(TIME_EVENTS, [EVENTS, False])
        layout = page.evaluate(TIME_EVENTS, [EVENTS, True])
        browser.close()
    if errors:
        sys.exit(f"page errors: {errors}")
    print(f"Website Q explorer, {EVENTS} input events in Chromium ({PAGE})")
    for name, times in (("update (script)", script), ("update + style/layout", layout)):
        print(f"  {name:22s} median {statistics.median(times):.3f} ms   mean {statistics.mean(times):.3f} ms"
              f"   p90 {sorted(times)[int(0.9 * len(times))]:.3f} ms")
    print("  (performance.now() is coarsened to about 0.1 ms on pages without cross-origin isolation)")


if __name__ == "__main__":
    main()
