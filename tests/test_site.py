"""Every page of the built site: loads cleanly, offline, with its math typeset and no serious accessibility faults.

The set of pages is whatever the build produced (globbed, not listed): the chapters,
the search and index pages, so a new chapter is checked as soon as it is in the table of contents.
"""

import pytest

SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def pages(site):
    found = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html")
                   if not path.relative_to(site).parts[0].startswith("_"))  # not theme templates
    assert found, f"no pages under {site / 'book'}"
    return found


def wait_for_mathjax(page):
    """Resolve once the site's own MathJax has typeset the page; return the number of math nodes."""
    math_nodes = page.locator(".math").count()
    if math_nodes:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=20000)
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
    return math_nodes


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
                    for node in v["nodes"][:5])
        for v in results.response["violations"] if v.get("impact") in SERIOUS
    ]


def test_every_toc_chapter_was_built(pages):
    from conftest import chapters

    built = set(pages)
    missing = [nb.stem for nb in chapters() if f"book/{nb.stem}.html" not in built]
    assert missing == []


def test_every_page_loads_offline_typesets_math_and_passes_axe(pages, open_page):
    problems = {}
    for path in pages:
        watched = open_page(path)
        page = watched.page
        found = []
        math_nodes = wait_for_mathjax(page)
        if math_nodes:
            untypeset = page.evaluate(
                "() => [...document.querySelectorAll('.math')]"
                ".filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60))")
            if untypeset:
                found.append(f"math not typeset by MathJax: {untypeset[:3]}")
            if page.locator("mjx-container").count() == 0:
                found.append("no mjx-container although the page has math")
            mathjax_src = page.evaluate(
                "() => [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s))")
            if not mathjax_src or not all(src.startswith(watched.page.url.split('/book/')[0])
                                          for src in mathjax_src):
                found.append(f"MathJax not served by the site: {mathjax_src}")
        # The page's own errors and requests, taken before axe runs: axe re-reads stylesheets
        # itself, and what its own fetches do says nothing about the page.
        found += watched.errors
        found += [f"outside request: {url}" for url in watched.outside_requests]
        found += serious_violations(page)
        if found:
            problems[path] = found
    assert not problems, "\n".join(f"{path}:\n  " + "\n  ".join(found) for path, found in problems.items())


def test_the_site_root_has_a_title_an_icon_and_a_visible_link(site):
    from bs4 import BeautifulSoup

    page = BeautifulSoup((site / "index.html").read_text(), "html.parser")
    assert page.title.string == "KL divergence, interactively"
    assert page.find("link", rel="icon")["href"] == "data:,"  # no request the redirect would cut off
    assert page.find("a")["href"] == "book/00-introduction.html"
