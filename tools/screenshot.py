"""Retake the README's screenshot (.github/screenshot.png) from the built site.

Opens chapter 4's Q explorer in Debian's Chromium, drags the bar of *mat* down so the
reader sees a moved Q, and captures the explorer with the heading above it.

    make book && .venv/bin/python tools/screenshot.py
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _site import launch_chromium, served_site  # noqa: E402

PAGE = "book/04-asymmetry.html"
TARGET = ROOT / ".github" / "screenshot.png"


def main():
    with served_site(PAGE) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1100, "height": 1400}, device_scale_factor=1)
        page.goto(f"{base}/{PAGE}")
        explorer = page.locator('[data-explorer="explorer"]').first
        explorer.scroll_into_view_if_needed()
        page.wait_for_function("() => document.querySelector('[data-explorer=explorer]').__klState")
        slider = explorer.locator('input[type="range"][id$="-w4"]')  # token 4: mat
        slider.fill("0.04")
        explorer.screenshot(path=str(TARGET))
        browser.close()
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
