"""Every page of the built site on a phone: 390 x 844 CSS px (an iPhone 12 to 15) in Chromium.

On every page: nothing wider than the screen; every display equation fits or scrolls in its
own box with a visible cue at the cut edge; every slider (its thumb too) and button at least
24 x 24 px (WCAG 2.2, 2.5.8); no console error and no request to another host; every formula
typeset; every icon drawn, by the site's own cut-down icon fonts (the theme's full ones never
load). And, on wide screens,
body text of about 70 characters a line.
"""

import pytest

from conftest import WatchedPage
from test_site import math_problems

PHONE = {"width": 390, "height": 844}
MIN_TARGET = 24  # px, WCAG 2.2 success criterion 2.5.8 (AA)


@pytest.fixture(scope="module")
def phone_pages(site, browser, base_url):
    """Every page of the site, opened once at 390 x 844 (the front door leads to the first chapter)."""
    paths = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html")
                   if not path.relative_to(site).parts[0].startswith("_"))
    assert paths
    context = browser.new_context(viewport=PHONE, has_touch=True)
    opened = {}
    for path in paths:
        watched = WatchedPage(context.new_page(), base_url)
        watched.page.goto(f"{base_url}/{path}", wait_until="networkidle")
        watched.page.evaluate("""() => {  // open every solution and hidden cell: all of it must fit
          document.querySelectorAll('.toggle-hidden button.toggle-button').forEach(button => button.click());
          document.querySelectorAll('details').forEach(details => details.open = true);
          return document.fonts.ready.then(() => true);
        }""")
        watched.page.wait_for_timeout(400)  # the toggles' 0.3 s transition
        opened[path] = watched
    yield opened
    context.close()


def report(problems):
    return "\n".join(f"{path}:\n  " + "\n  ".join(found) for path, found in problems.items())


# ------------------------------------------------------------------ nothing wider than the screen

WIDER_THAN_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  if (document.documentElement.scrollWidth > width)
    found.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + [...e.classList].slice(0, 3).map(c => '.' + c).join('');
  for (const element of document.body.querySelectorAll('*')) {
    if (!element.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height || (box.left >= -0.5 && box.right <= width + 0.5)) continue;
    let holder = element.parentElement, held = false;
    for (; holder && holder !== document.body && !held; holder = holder.parentElement) {
      if (getComputedStyle(holder).overflowX !== 'visible') {  // a box that scrolls or clips, and fits
        const outer = holder.getBoundingClientRect();
        held = outer.left >= -0.5 && outer.right <= width + 0.5;
      }
    }
    if (!held) found.push(`${name(element)} spans ${Math.round(box.left)}..${Math.round(box.right)} px`);
  }
  return found.slice(0, 8);
}"""


def test_no_page_is_wider_than_a_phone(phone_pages):
    problems = {path: found for path, watched in phone_pages.items()
                if (found := watched.page.evaluate(WIDER_THAN_SCREEN))}
    assert not problems, report(problems)


# ------------------------------------------------------------------ formulas that fit or scroll, with a cue

MATH_BOXES = """() => [...document.querySelectorAll('div.math > mjx-container[display], span.math')]
  .filter(box => box.checkVisibility({visibilityProperty: true, opacityProperty: true}))
  .map((box, index) => {
    box.dataset.klBox = index;
    const style = getComputedStyle(box);
    return {index, display: box.tagName === 'MJX-CONTAINER', scrollWidth: box.scrollWidth,
            clientWidth: box.clientWidth, overflowX: style.overflowX,
            text: (box.querySelector('mjx-assistive-mml') || box).textContent.slice(0, 50)};
  })"""

NO_CUE = """[data-kl-no-cue], [data-kl-no-cue]::before, [data-kl-no-cue]::after {
  background: none !important; box-shadow: none !important; mask: none !important;
  -webkit-mask: none !important; border-color: transparent !important; }"""


def edge_pixels(page, box, side):
    """A screenshot of the strip at one edge of a box (the formula scrolled to its start)."""
    rect = box.bounding_box()
    strip = 12
    x = rect["x"] + rect["width"] - strip if side == "right" else rect["x"]
    return page.screenshot(clip={"x": x, "y": rect["y"], "width": strip, "height": rect["height"]})


def has_visible_cue(page, box):
    """Whether the box shows, at its cut (right) edge, something that goes when every
    background, shadow and mask of it and its pseudo-elements is taken away."""
    if not page.evaluate("() => !!document.getElementById('kl-no-cue')"):
        page.add_style_tag(content=NO_CUE).evaluate("style => style.id = 'kl-no-cue'")
    box.evaluate("box => { box.scrollLeft = 0; box.scrollIntoView({block: 'center'}); }")
    with_cue = edge_pixels(page, box, "right")
    box.evaluate("box => box.setAttribute('data-kl-no-cue', '')")
    without_cue = edge_pixels(page, box, "right")
    box.evaluate("box => box.removeAttribute('data-kl-no-cue')")
    return with_cue != without_cue


def formula_problems(page):
    found = []
    for box in page.evaluate(MATH_BOXES):
        if box["scrollWidth"] <= box["clientWidth"]:
            continue  # fits
        what = f"{'display' if box['display'] else 'inline'} formula {box['text']!r}"
        if box["overflowX"] not in ("auto", "scroll"):
            found.append(f"{what} is cut off: {box['scrollWidth']} px in a {box['clientWidth']} px box")
        elif box["display"] and not has_visible_cue(page, page.locator(f"[data-kl-box='{box['index']}']")):
            found.append(f"{what} scrolls ({box['scrollWidth']} px in {box['clientWidth']}) with no visible cue")
    return found


def test_every_formula_is_typeset_and_fits_or_scrolls_with_a_cue(phone_pages):
    problems = {}
    for path, watched in phone_pages.items():
        found = math_problems(watched.page) + formula_problems(watched.page)
        if found:
            problems[path] = found
    assert not problems, report(problems)


def test_the_cue_check_sees_a_missing_cue(phone_pages):
    """A display equation made wider than the screen is found to scroll with its cue; with the
    site's cue taken away (its background), the same check reports it."""
    page = phone_pages["book/notation.html"].page
    assert page.evaluate("""() => {
      const box = document.querySelector('div.math > mjx-container[display]');
      const wide = box.parentElement.cloneNode(true);
      const svg = wide.querySelector('mjx-container > svg');
      if (!svg) return false;  // not typeset as SVG
      svg.setAttribute('width', '1500px');
      wide.id = 'kl-wide';
      box.parentElement.after(wide);
      return true;
    }""")
    wide = page.locator("#kl-wide > mjx-container")
    assert wide.evaluate("box => box.scrollWidth > box.clientWidth")
    assert has_visible_cue(page, wide)
    wide.evaluate("box => box.style.setProperty('background', 'none', 'important')")
    assert not has_visible_cue(page, wide)
    page.evaluate("() => document.getElementById('kl-wide').remove()")


# ------------------------------------------------------------------ targets a finger can hit

TARGETS = """() => [...document.querySelectorAll(
    'button, .btn, [role=button], [role=slider], input[type=range], input[type=button], input[type=submit], summary')]
  .filter(e => e.checkVisibility({visibilityProperty: true}))
  .map(e => { const r = e.getBoundingClientRect();
    return {what: e.tagName.toLowerCase() + [...e.classList].slice(0, 2).map(c => '.' + c).join('')
                  + (e.getAttribute('aria-label') ? ` "${e.getAttribute('aria-label')}"` : '')
                  + (e.id ? '#' + e.id : ''),
            width: r.width, height: r.height}; })"""


def slider_thumbs(page):
    """(input id, thumb width, thumb height) for every range input, read from Chromium's own
    shadow tree (the thumb is not in the page's DOM), through the DevTools protocol."""
    session = page.context.new_cdp_session(page)
    root = session.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    thumbs = []

    def attributes(node):
        values = node.get("attributes", [])
        return dict(zip(values[::2], values[1::2]))

    def find_thumb(node):
        for child in node.get("shadowRoots", []) + node.get("children", []):
            if attributes(child).get("id") == "thumb" or attributes(child).get("pseudo") == "-webkit-slider-thumb":
                return child
            found = find_thumb(child)
            if found:
                return found
        return None

    def walk(node):
        if node.get("nodeName") == "INPUT" and attributes(node).get("type") == "range":
            thumb = find_thumb(node)
            if thumb is not None:
                try:
                    box = session.send("DOM.getBoxModel", {"backendNodeId": thumb["backendNodeId"]})["model"]
                    thumbs.append((attributes(node).get("id", "?"), box["width"], box["height"]))
                except Exception:  # not rendered (a hidden slider)
                    pass
        for child in node.get("children", []) + node.get("shadowRoots", []):
            walk(child)
        if node.get("contentDocument"):
            walk(node["contentDocument"])

    walk(root)
    session.detach()
    return thumbs


def test_every_slider_and_button_is_at_least_24_px(phone_pages):
    problems = {}
    for path, watched in phone_pages.items():
        found = [f"{t['what']} is {t['width']:.1f} x {t['height']:.1f} px"
                 for t in watched.page.evaluate(TARGETS)
                 if t["width"] < MIN_TARGET or t["height"] < MIN_TARGET]
        found += [f"the thumb of slider #{name} is {width} x {height} px"
                  for name, width, height in slider_thumbs(watched.page)
                  if width < MIN_TARGET or height < MIN_TARGET]
        if found:
            problems[path] = found[:8]
    assert not problems, report(problems)


def test_pages_with_an_interactive_have_thumbs_to_measure(phone_pages):
    """The thumb measurement finds the sliders it should (so the test above can fail)."""
    page = phone_pages["book/04-asymmetry.html"].page
    assert len(slider_thumbs(page)) == page.locator("input[type=range]").count() > 0


# ------------------------------------------------------------------ clean loads

def test_every_page_loads_cleanly_and_offline_on_a_phone(phone_pages):
    problems = {path: watched.errors + [f"outside request: {url}" for url in watched.outside_requests]
                for path, watched in phone_pages.items()}
    problems = {path: found for path, found in problems.items() if found}
    assert not problems, report(problems)


# ------------------------------------------------------------------ icons

ICONS = """async () => {
  await document.fonts.ready;
  const found = [], checked = new Map();
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 48;
  const ink = (text, font) => {
    const context = canvas.getContext('2d', {willReadFrequently: true});
    context.clearRect(0, 0, 48, 48);
    context.font = font;
    context.fillText(text, 6, 36);
    return context.getImageData(0, 0, 48, 48).data.join();
  };
  // Drawn by its own font: a glyph that font lacks falls back to the next font, as it would without it.
  const drawn = (glyph, family, weight) => {
    const key = glyph + family + weight;
    if (!checked.has(key)) {
      const own = ink(glyph, `${weight} 32px ${family}, monospace`);
      checked.set(key, own !== ink(glyph, `${weight} 32px monospace`) && /[1-9]/.test(own));
    }
    return checked.get(key);
  };
  const name = e => e.tagName.toLowerCase() + [...e.classList].filter(c => c.startsWith('fa') || c.includes('btn')).map(c => '.' + c).join('');
  let icons = 0;
  for (const element of document.querySelectorAll('*')) {
    if (element instanceof SVGElement) continue;  // no ::before on an SVG (fontawesome.js's icons: below)
    for (const pseudo of ['::before', '::after']) {
      const style = getComputedStyle(element, pseudo);
      const glyph = (style.content.match(/^"([\\ue000-\\uf8ff])"$/) || [])[1];
      if (!glyph) continue;
      icons += 1;
      const family = style.fontFamily, weight = style.fontWeight;
      const faces = [...document.fonts].filter(f => family.includes(f.family.replace(/"/g, '')));
      const visible = element.checkVisibility({visibilityProperty: true});
      const box = element.getBoundingClientRect();
      if (visible && !(box.width > 0 && box.height > 0))
        found.push(`${name(element)}${pseudo}: no size`);
      else if (!faces.some(f => f.status === 'loaded') && visible)
        found.push(`${name(element)}${pseudo}: its font ${family} is not loaded`);
      else if (!drawn(glyph, family, weight))
        found.push(`${name(element)}${pseudo}: U+${glyph.codePointAt(0).toString(16)} is not in ${family} ${weight}`);
    }
  }
  for (const svg of document.querySelectorAll('svg.svg-inline--fa')) {  // fontawesome.js's SVG icons
    icons += 1;
    const box = svg.getBoundingClientRect();
    if (svg.checkVisibility() && !(box.width > 0 && box.height > 0 && svg.querySelector('path[d]')))
      found.push(`${name(svg)}: an empty SVG icon`);
  }
  // The site's cut-down icon fonts hold every icon: a missing one would fall back to the theme's full font.
  for (const entry of performance.getEntriesByType('resource'))
    if (entry.name.includes('/vendor/fontawesome/')) found.push(`the theme's full icon font was loaded: ${entry.name}`);
  const toolbar = [...document.querySelectorAll('.bd-header-article .btn, .bd-header .btn, .article-header-buttons .btn')]
    .filter(b => b.checkVisibility({visibilityProperty: true}));
  for (const button of toolbar)
    if (!button.querySelector('i, span[class*=fa-], svg, img') && !button.textContent.trim())
      found.push(`${name(button)}: a toolbar button with no icon or text`);
  return {found, icons};
}"""


def icon_problems(page):
    result = page.evaluate(ICONS)
    return result["found"] + ([] if result["icons"] else ["no icon at all on the page"])


def test_every_icon_is_drawn_on_a_phone(phone_pages):
    problems = {path: found for path, watched in phone_pages.items()
                if (found := icon_problems(watched.page))}
    assert not problems, report(problems)


def test_every_icon_is_drawn_on_a_desktop(site, open_page):
    paths = ["book/04-asymmetry.html", "book/notation.html", "search.html", "genindex.html"]
    problems = {}
    for path in paths:
        watched = open_page(path)
        found = icon_problems(watched.page)
        if found:
            problems[path] = found
    assert not problems, report(problems)


# ------------------------------------------------------------------ line length on wide screens

LINE_LENGTHS = """() => {
  const counts = [];
  for (const paragraph of document.querySelectorAll('article.bd-article section > p')) {
    if (paragraph.querySelector('.math, code, img')) continue;  // plain prose only
    const lines = new Map();
    const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(text, i);
        range.setEnd(text, i + 1);
        const box = range.getBoundingClientRect();
        if (box.height) lines.set(Math.round(box.bottom), (lines.get(Math.round(box.bottom)) || 0) + 1);
      }
    }
    const full = [...lines.entries()].sort((a, b) => a[0] - b[0]).map(entry => entry[1]);
    full.pop();  // a paragraph's last line is short
    counts.push(...full);
  }
  return counts.sort((a, b) => a - b);
}"""


@pytest.mark.parametrize("width", [1280, 1920])
def test_body_text_is_about_70_characters_a_line_on_wide_screens(open_page, width):
    counts = []
    for path in ["book/01-entropy.html", "book/04-asymmetry.html", "book/instructor-guide.html"]:
        counts += open_page(path, viewport={"width": width, "height": 900}).page.evaluate(LINE_LENGTHS)
    assert len(counts) >= 10
    median = counts[len(counts) // 2]
    assert 62 <= median <= 78, f"median {median} characters a line at {width} px"


# ------------------------------------------------------------------ figure text a phone can read

MIN_FIGURE_TEXT = 11  # CSS px: the smallest figure text we accept on a 390 px phone

FIGURES = """() => [...document.querySelectorAll('.cell_output img, div.output img')]
  .filter(img => img.checkVisibility({visibilityProperty: true}) && img.naturalWidth)
  .map(img => ({src: img.currentSrc || img.src, rendered: img.getBoundingClientRect().width,
                natural: img.naturalWidth, alt: (img.alt || '').slice(0, 40)}))"""

SVG_TEXT = """() => [...document.querySelectorAll('.kl-interactive svg')]
  .filter(svg => svg.checkVisibility({visibilityProperty: true}) && svg.getScreenCTM())
  .flatMap(svg => [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(text => ({
     chart: svg.closest('[data-explorer]').id, text: text.textContent.slice(0, 20),
     px: parseFloat(getComputedStyle(text).fontSize) * svg.getScreenCTM().a})))"""


def png_dpi(data):
    """The dots per inch a PNG records (its pHYs chunk, which matplotlib writes), or None."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        dpi = image.info.get("dpi")
    return round(float(dpi[0])) if dpi else None


def figure_text_px(font_pt, dpi, natural_px, rendered_px):
    """The size, in CSS px, at which `font_pt` text of a figure drawn at `dpi` appears when the
    image, `natural_px` pixels wide, is shown `rendered_px` CSS px wide."""
    return font_pt * dpi / 72 * rendered_px / natural_px


def figure_problems(watched, site):
    from klhelpers.plots import FONT_PT

    found = []
    for figure in watched.page.evaluate(FIGURES):
        path = site / figure["src"].split("/", 3)[3]  # http://host:port/<path in the site>
        if path.suffix.lower() != ".png":
            continue
        dpi = png_dpi(path.read_bytes())
        if dpi is None:
            found.append(f"{path.name} ({figure['alt']}): no dpi recorded")
            continue
        px = figure_text_px(FONT_PT, dpi, figure["natural"], figure["rendered"])
        if px < MIN_FIGURE_TEXT:
            found.append(f"{path.name} ({figure['alt']}...): {FONT_PT} pt text at {dpi} dpi, "
                         f"{figure['natural']} px shown {figure['rendered']:.0f} px wide: {px:.1f} px")
    for text in watched.page.evaluate(SVG_TEXT):
        if text["px"] < MIN_FIGURE_TEXT:
            found.append(f"#{text['chart']} text {text['text']!r}: {text['px']:.1f} px")
    return found


def test_figure_text_is_legible_on_a_phone(phone_pages, site):
    """Every figure's text, at the book's style's size (klhelpers.plots.FONT_PT), renders at
    11 px or more on a 390 px phone, measured from the image's recorded dpi, its pixel width
    and the width the page shows it at; and so does the text of every interactive's chart."""
    problems = {path: found for path, watched in phone_pages.items()
                if (found := figure_problems(watched, site))}
    assert not problems, report(problems)


def test_the_figure_measure_sees_a_shrunken_figure():
    """A 9-inch figure at 100 dpi with the style's text, shrunk to a phone's column, fails; the
    style's default figure passes."""
    from klhelpers.plots import DPI, FIGSIZE, FONT_PT, PHONE_WIDTH_PX

    assert figure_text_px(FONT_PT, 100, 900, PHONE_WIDTH_PX) < MIN_FIGURE_TEXT
    natural = FIGSIZE[0] * 2 * DPI   # stored at twice the display resolution
    assert figure_text_px(FONT_PT, 2 * DPI, natural, PHONE_WIDTH_PX) >= MIN_FIGURE_TEXT
