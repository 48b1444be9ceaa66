"""A page holding interactive twins and the assets the website serves for them, without a build.

Browser tests of one widget use it: ``open_twins(browser, html, ...)`` puts the
twins' html on a blank page with klmath.js, interactives.js and each kind's script
and style inlined, as the site loads them. It takes milliseconds, where the
whole-site tests need the built book.
"""

import re

from conftest import BOOK, WatchedPage

ASSETS = BOOK / "klhelpers" / "interactives" / "assets"


def page_html(*twins, scripts=()):
    """The whole page: the twins (and any other html), then the scripts as the site loads them.

    ``scripts`` adds inline scripts after the served ones (a test's own kind of twin, say).
    """
    kinds = sorted(set(re.findall(r'data-explorer="([a-z0-9-]+)"', "".join(twins))))
    styles = "".join(f"<style>{(ASSETS / f'{kind}.css').read_text()}</style>"
                     for kind in kinds if (ASSETS / f"{kind}.css").is_file())
    names = ["klmath.js", "interactives.js"] + [f"{kind}.js" for kind in kinds]
    served = "".join(f"<script>{(ASSETS / name).read_text()}</script>"
                     for name in names if (ASSETS / name).is_file())
    own = "".join(f"<script>{script}</script>" for script in scripts)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{styles}</head>'
            f'<body><main>{"".join(twins)}</main>{served}{own}</body></html>')


def open_twins(browser, *twins, viewport=None):
    """A WatchedPage (console errors, outside requests) showing `twins`, each mounted."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    watched = WatchedPage(context.new_page(), "http://127.0.0.1")
    watched.page.set_content(page_html(*twins))
    watched.page.wait_for_function(
        "n => document.querySelectorAll('[data-explorer][data-state]').length === n", arg=len(twins))
    watched.context = context
    return watched
