"""Every page of the built site: loads cleanly, offline, with its math typeset and no serious accessibility faults.

The set of pages is whatever the build produced (globbed, not listed): the chapters,
the search and index pages, so a new chapter is checked as soon as it is in the table of contents.
Formulas are typeset when the book is built (book/_ext/static_math.py: MathJax's SVG output in
the page), so no page loads MathJax; the shell is lean (book/_ext/lean_shell.py): the tests at
the end hold the page-weight target, the search page, and what the theme no longer loads.
"""

import pytest

SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def pages(site):
    found = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html")
                   if not path.relative_to(site).parts[0].startswith("_"))  # not theme templates
    assert found, f"no pages under {site / 'book'}"
    return found


MATH_CHECK = """() => {
  const problems = [];
  const math = [...document.querySelectorAll('.math')];
  const bare = math.filter(e => !e.querySelector(':scope > mjx-container > svg'));
  if (bare.length) problems.push('math not typeset: ' + bare.slice(0, 3).map(e => e.textContent.slice(0, 60)).join(' | '));
  const errors = [...document.querySelectorAll('.math [data-mjx-error]')].map(e => e.getAttribute('data-mjx-error'));
  if (errors.length) problems.push('TeX errors: ' + errors.slice(0, 3).join(' | '));
  const missing = new Set();
  for (const use of document.querySelectorAll('.math use')) {
    const ref = use.getAttribute('xlink:href') || use.getAttribute('href') || '';
    if (!ref.startsWith('#') || !document.getElementById(ref.slice(1))) missing.add(ref);
  }
  if (missing.size) problems.push('glyphs missing from the page: ' + [...missing].slice(0, 5).join(' '));
  const empty = math.filter(e => e.checkVisibility() && e.querySelector('mjx-container > svg'))
    .filter(e => { const r = e.querySelector('mjx-container > svg').getBoundingClientRect(); return !(r.width > 0 && r.height > 0); });
  if (empty.length) problems.push(`${empty.length} formulas drawn with no size`);
  if (math.length && !math.some(e => e.querySelector('mjx-assistive-mml math')))
    problems.push('no MathML for screen readers beside the formulas');
  const scripts = [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s));
  if (scripts.length) problems.push('a MathJax script is loaded: ' + scripts.join(' '));
  return problems;
}"""


def math_problems(page):
    """What is wrong with the page's formulas: every .math holds MathJax's SVG, made at build time,
    with every glyph it uses defined in the page, no TeX error, hidden MathML beside it, no MathJax script."""
    return page.evaluate(MATH_CHECK)


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
        found = math_problems(page)
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


def test_the_search_index_has_no_number_glued_to_a_word(site):
    """Sphinx strips tags without adding a space: a readout glued to the next word ("1874extra")
    or an escaped quote ("x27") would be a search term. Every twin and feedback line avoids it.
    An incremental build keeps terms of old pages with no page left ([]); they find nothing."""
    import json
    import re

    text = (site / "searchindex.js").read_text()
    terms = json.loads(text[len("Search.setIndex("):text.rstrip().rindex(")")])["terms"]
    glued = sorted(term for term, pages in terms.items()
                   if pages != [] and re.fullmatch(r"\d{3,}[a-z]{2,}\w*|x27", term))
    assert glued == []


# ------------------------------------------------------------------ the lean shell (book/_ext/lean_shell.py)

def test_the_search_page_finds_entropy(open_page):
    watched = open_page("search.html?q=entropy")
    page = watched.page
    page.wait_for_function("() => /Search finished/.test(document.querySelector('#search-results')?.textContent)",
                           timeout=20000)
    hits = page.eval_on_selector_all("#search-results ul.search li a", "links => links.map(a => a.href)")
    assert any(link.split("?")[0].endswith("book/01-entropy.html") for link in hits), hits
    assert watched.errors == [] and watched.outside_requests == []


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def test_the_search_button_reaches_the_search_page(open_page, viewport):
    """The theme's search button opens its dialog on any page; the dialog submits to search.html."""
    watched = open_page("book/04-asymmetry.html", viewport=viewport)
    page = watched.page
    page.locator("button.search-button__button:visible").first.click()
    field = page.locator("#pst-search-dialog input[name=q]")
    field.fill("entropy")
    field.press("Enter")
    page.wait_for_url("**/search.html?q=entropy*")
    page.wait_for_selector("#search-results ul.search li", timeout=20000)
    assert watched.errors == [] and watched.outside_requests == []


def test_pages_load_only_what_they_use(site):
    """No fontawesome.js (the theme's CSS and fonts draw its icons), no MathJax (formulas are
    typeset at build time), the search index and scripts on the search page only, and one
    stylesheet for the theme on every page."""
    from bs4 import BeautifulSoup

    search_only = ("searchindex.js", "searchtools.js", "language_data.js")
    problems = []
    for path in sorted(site.rglob("*.html")):
        where = path.relative_to(site).as_posix()
        if where.startswith("_") or where == "index.html":  # theme templates; the front door redirects
            continue
        soup = BeautifulSoup(path.read_text(), "html.parser")
        scripts = [tag["src"].split("?")[0] for tag in soup.find_all("script", src=True)]
        preloads = [tag["href"].split("?")[0] for tag in soup.find_all("link", rel="preload")]
        sheets = [tag["href"].split("?")[0] for tag in soup.find_all("link", rel="stylesheet")]
        for src in scripts + preloads:
            name = src.rsplit("/", 1)[-1]
            if name == "fontawesome.js" or "mathjax" in src.lower():
                problems.append(f"{where} loads {src}")
            if name in search_only and where != "search.html":
                problems.append(f"{where} loads {src} (only search.html searches)")
        if where == "search.html" and not all(any(s.endswith(n) for s in scripts) for n in search_only):
            problems.append(f"search.html lacks the search scripts: {scripts}")
        if not any(s.endswith("_static/site.css") for s in sheets):
            problems.append(f"{where} does not link the joined stylesheet: {sheets}")
        if any(s.endswith(("pydata-sphinx-theme.css", "sphinx-thebe.css")) for s in sheets):
            problems.append(f"{where} links a stylesheet the joined one holds, or thebe's: {sheets}")
    assert problems == []


TARGET_GZIPPED = 600_000   # bytes, every response body gzipped as a server would send it
TARGET_REQUESTS = 25
COMPRESSIBLE = ("text/", "javascript", "json", "xml", "svg", "css")


def cold_load(browser, base_url, path):
    """(requests, raw bytes, gzipped bytes) to open a page in a fresh context, until the network is idle.

    Bytes are the response bodies; a body a server would compress (HTML, CSS, JS, SVG...) counts
    gzipped (level 6), images and fonts as they are. Deterministic: no timings.
    """
    import gzip

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    bodies = []

    def received(response):
        kind = response.headers.get("content-type", "").lower()
        body = response.body()
        zipped = len(gzip.compress(body, compresslevel=6, mtime=0)) if any(k in kind for k in COMPRESSIBLE) else len(body)
        bodies.append((response.url, len(body), zipped))

    page.on("response", received)
    page.goto(f"{base_url}/{path}", wait_until="networkidle")
    context.close()
    return bodies


def test_a_cold_chapter_load_meets_the_page_weight_target(browser, base_url):
    """The issue's target: at most 0.6 MB gzipped in at most 25 requests (it was 1.3 MB in ~43)."""
    from conftest import chapters

    over = {}
    for chapter in chapters():
        bodies = cold_load(browser, base_url, f"book/{chapter.stem}.html")
        zipped = sum(size for _, _, size in bodies)
        if zipped > TARGET_GZIPPED or len(bodies) > TARGET_REQUESTS:
            largest = sorted(bodies, key=lambda row: -row[2])[:4]
            over[chapter.stem] = (f"{zipped:,} bytes gzipped in {len(bodies)} requests; largest: "
                                  + ", ".join(f"{url.rsplit('/', 1)[-1]} {size:,}" for url, _, size in largest))
    assert over == {}, "\n".join(f"{name}: {text}" for name, text in over.items())


PRINTED = """() => {
  const shown = e => e.checkVisibility({visibilityProperty: true, opacityProperty: true})
                     && e.getBoundingClientRect().height > 0;
  return {
    solutions: [...document.querySelectorAll('.solution.dropdown')]
      .map(s => [...s.querySelectorAll(':scope > .admonition-title ~ *')].every(shown)),
    controls: [...document.querySelectorAll('.kl-interactive :is(input, button, .kl-help)')].filter(shown).length,
    charts: [...document.querySelectorAll('.kl-interactive svg.kl-chart')].map(shown),
    readouts: [...document.querySelectorAll('.kl-interactive .kl-readouts')].map(shown),
  };
}"""


@pytest.mark.parametrize("path", ["book/04-asymmetry.html", "book/07-forward-reverse.html"])
def test_print_keeps_charts_and_solutions_and_drops_the_controls(open_page, path):
    """On paper: each interactive's chart and readouts at the values on screen, no sliders or
    buttons; every solution open (this is the full edition; the student one has none)."""
    page = open_page(path).page
    on_screen = page.evaluate(PRINTED)
    assert on_screen["controls"] > 0 and on_screen["solutions"] and not any(on_screen["solutions"])
    page.emulate_media(media="print")  # no `beforeprint` event: the stylesheet alone must open them
    printed = page.evaluate(PRINTED)
    assert printed["controls"] == 0
    assert printed["charts"] and all(printed["charts"]) and all(printed["readouts"])
    assert all(printed["solutions"])


def test_the_site_is_light_whatever_the_reader_chose_before(browser, base_url):
    """No dark-mode toggle (the figures and interactives are drawn for a light page), and a
    dark mode a reader picked in the old toggle (kept in localStorage) no longer applies."""
    context = browser.new_context()
    context.add_init_script("localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');")
    page = context.new_page()
    page.goto(f"{base_url}/book/04-asymmetry.html", wait_until="networkidle")
    assert page.evaluate("() => document.documentElement.dataset.theme") == "light"
    assert page.locator(".theme-switch-button").count() == 0
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    context.close()
    assert background == "rgb(255, 255, 255)"


def test_pages_with_interactives_load_one_stylesheet_with_every_kinds_styles(site):
    """book/_ext/interactives.py joins the kinds' styles: one request, whatever the page shows."""
    import re

    from conftest import ROOT

    assets = ROOT / "book" / "klhelpers" / "interactives" / "assets"
    joined = (site / "_static" / "interactives.css").read_text()
    for style in assets.glob("*.css"):
        assert style.read_text() in joined, style.name
    for page in (site / "book").glob("*.html"):
        html = page.read_text()
        kinds = set(re.findall(r'data-explorer="([a-z0-9-]+)"', html))
        sheets = re.findall(r'href="[^"]*_static/([a-z0-9-]+)\.css', html)
        assert ("interactives" in sheets) == bool(kinds), page.name
        assert not {sheet for sheet in sheets if (assets / f"{sheet}.css").is_file()}, page.name
