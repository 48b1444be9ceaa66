"""The site's shell, lean: what the theme loads on every page, cut to what this book uses.

A chapter used to cost 3.9 MB (1.3 MB gzipped) in ~43 requests, for 3-4 % of content; now
about 1.1 MB (0.26 MB gzipped) in ~21. Measured with ``benchmarks/page_bytes.py`` (and held
by tests/test_site.py); the pieces, and what became of them:

- ``fontawesome.js`` (1.49 MB): turns the theme's ``<i class="fa-...">`` icons into SVG,
  which the theme's CSS and web fonts already draw (pydata-sphinx-theme PR #2494 drops it).
  The layout (``templates/layout.html``) no longer loads it.
- The icon web fonts (fa-solid 156 KB, fa-brands 118 KB) for about twenty icons: after the
  build, every icon the pages use (their ``fa-*`` classes, the icons the theme's CSS and
  scripts name) is cut out of the theme's fonts into ``_static/icons/*.woff`` (a few KB),
  which ``accessible.css`` declares after the theme, so the browser loads those instead.
- Sphinx's search (``searchindex.js``, ``searchtools.js``, ``language_data.js``): the theme
  loads it on every page for a search-as-you-type this book has off; only the search page
  loads it now (the search button and dialog submit to that page).
- Stylesheets: the theme's and the extensions' are joined into one ``_static/site.css``
  (identical on every page, so cached once), written once the build has written them all;
  ``url()``\\ s are rebased, ``@import`` inlined, and of the theme's ~1,800 rules mapping an
  icon class to its glyph only those for the classes in use are kept (85 -> 65 KB gzipped).
  A page's own (an interactive's CSS, sphinx-design, sphinx-proof) stays separate, and only
  where the page uses it; sphinx-thebe's CSS (no thebe here) goes.
- The favicon (an SVG of 300 bytes) goes into each page as a data: URL.
- MathJax: see ``static_math.py`` (formulas typeset at build time).

The dark-mode toggle goes too (``templates/theme-switcher.html`` is empty) and the page is
always light: the figures, the interactives and the contrast checks are drawn for a light
background, and a reader who once chose dark mode in the toggle would otherwise be stuck in
it (the theme keeps that choice in localStorage).
"""

import posixpath
import re
from pathlib import Path
from urllib.parse import quote

from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
BUNDLE = "_static/site.css"
THEME_CSS = ["_static/styles/theme.css", "_static/styles/pydata-sphinx-theme.css"]
NEVER = ("sphinx-thebe.css",)                       # thebe is off in this book
ONLY_WHERE = {                                      # file name part -> what the page must contain
    "sphinx-design": re.compile(r'class="[^"]*\bsd-'),
    "design-tabs": re.compile(r'class="[^"]*\bsd-'),
    "proof.css": re.compile(r'class="[^"]*\b(proof|prf-)'),
}
# The theme's rules mapping icon classes to glyphs (.fa-bars:before{content:"\f0c9"}), an
# icon class in a page, a glyph named in a stylesheet (a private-use character or its escape).
ICON_RULE = re.compile(r"((?:\.fa-[a-z0-9-]+:(?::)?before,?)+)\{content:\s*\"\\([0-9a-fA-F]+)\"\}")
ICON_CLASS = re.compile(r"\bfa-[a-z0-9-]+")
PRIVATE_USE = re.compile(r"([\ue000-\uf8ff])|\\(f[0-9a-fA-F]{3}|e[0-9a-fA-F]{3})\b")
FONTS = {  # the theme's icon fonts -> the subsets this build writes
    "_static/vendor/fontawesome/webfonts/fa-solid-900.ttf": "_static/icons/fa-solid-900.woff",
    "_static/vendor/fontawesome/webfonts/fa-brands-400.ttf": "_static/icons/fa-brands-400.woff",
}


def _add_templates(app, config):
    config.templates_path.insert(0, str(HERE / "templates"))


# ---------------------------------------------------------------- which files a page loads

def _name(asset):
    return str(getattr(asset, "filename", asset) or "")


def _wanted(asset, body):
    name = _name(asset)
    if any(part in name for part in NEVER):
        return False
    for part, needed in ONLY_WHERE.items():
        if part in name:
            return bool(needed.search(body))
    return True


class _Shell:
    shared = None      # the stylesheets every page had when the first page was written
    bundled = None     # the files joined into BUNDLE, in order


SHELL = _Shell()


def _note_shared_stylesheets(app, pagename, templatename, context, doctree):
    """Runs first: the stylesheets every page gets, before any page adds its own."""
    if SHELL.shared is None and "css_files" in context:
        ordered = sorted(context["css_files"], key=lambda css: getattr(css, "priority", 500))
        SHELL.shared = [_name(css) for css in ordered]  # in the order Sphinx links them


def _trim_and_bundle(app, pagename, templatename, context, doctree):
    if app.builder.format != "html" or "css_files" not in context:
        return
    body = context.get("body") or ""
    if SHELL.bundled is None:
        SHELL.bundled = THEME_CSS + [name for name in SHELL.shared or []
                                     if "://" not in name
                                     and not any(part in name for part in (*NEVER, *ONLY_WHERE))]
    from sphinx.builders.html._assets import _CascadingStyleSheet

    kept = [css for css in context["css_files"]
            if _wanted(css, body) and _name(css) not in SHELL.bundled]
    context["css_files"] = [_CascadingStyleSheet(BUNDLE, priority=100, rel="stylesheet",
                                                 type="text/css")] + kept
    context["script_files"] = [js for js in context.get("script_files", []) if _wanted(js, body)]
    context["lean_shell_bundle"] = True
    icon = _inline_icon(app)
    if icon:
        context["favicon_url"] = icon


def _inline_icon(app):
    """A small SVG favicon goes into the page as a data: URL, one request fewer."""
    favicon = app.config.html_favicon
    if not favicon or "://" in str(favicon) or not str(favicon).endswith(".svg"):
        return None
    source = Path(app.confdir) / favicon
    if not source.is_file() or source.stat().st_size > 2048:
        return None
    svg = " ".join(source.read_text(encoding="utf-8").split()).replace('"', "'")
    return "data:image/svg+xml," + quote(svg, safe=" :/=;,.'-_()#").replace("#", "%23").replace(" ", "%20")


# ---------------------------------------------------------------- one stylesheet

URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)['"]?\s*\)?\s*;""")
SOURCE_MAP = re.compile(r"/\*#\s*sourceMappingURL=[^*]*\*/")


def _rebase(css, source, target_dir):
    """Make the relative url()s of `source` (outdir-relative path) work from `target_dir`."""
    source_dir = posixpath.dirname(source)

    def fix(match):
        mark, url = match.groups()
        if re.match(r"^(data:|[a-z]+:|/|#)", url, re.I):
            return match.group(0)
        moved = posixpath.relpath(posixpath.normpath(posixpath.join(source_dir, url)), target_dir)
        return f"url({mark}{moved}{mark})"

    return URL.sub(fix, css)


def _read_css(outdir, name, target_dir, seen=()):
    if name in seen:
        return ""
    css = (outdir / name).read_text(encoding="utf-8")
    css = SOURCE_MAP.sub("", css).replace('@charset "UTF-8";', "")

    def inline(match):
        imported = posixpath.normpath(posixpath.join(posixpath.dirname(name), match.group(1)))
        return _read_css(outdir, imported, target_dir, (*seen, name))

    return _rebase(IMPORT.sub(inline, css), name, target_dir)


def _start_afresh(app):
    SHELL.shared = SHELL.bundled = None  # a build that writes no page keeps the last bundle


def _bundle_stylesheets(app, exception):
    """After every extension has written its stylesheet (several do so at build-finished, and
    pydata-sphinx-theme rewrites pygments.css then): join them, and give each page's link the
    bundle's checksum, as Sphinx does for the files it links (a new build busts old caches)."""
    if exception is not None or app.builder.format != "html" or not SHELL.bundled:
        return
    from sphinx.builders.html._assets import _file_checksum

    outdir = Path(app.outdir)
    _write_bundle(outdir, SHELL.bundled)
    link = re.compile(re.escape(BUNDLE) + r'(\?v=[0-9a-f]+)?"')
    versioned = f'{BUNDLE}?v={_file_checksum(outdir, BUNDLE)}"'
    for page in outdir.rglob("*.html"):
        if page.parts[len(outdir.parts)] == "_static":
            continue
        text = page.read_text(encoding="utf-8")
        if BUNDLE in text:
            page.write_text(link.sub(versioned, text), encoding="utf-8")


def _drop_unused_icon_rules(css, used):
    """The theme's CSS maps ~1,800 icon classes to glyphs (.fa-x:before{content:"\\f..."});
    keep the rules for the classes the site uses (the fonts hold only those glyphs anyway)."""
    def keep(match):
        names = re.findall(r"\.(fa-[a-z0-9-]+)", match.group(1))
        return match.group(0) if used.intersection(names) else ""

    return ICON_RULE.sub(keep, css)


def _write_bundle(outdir, names):
    used = icon_classes_in_use(outdir)
    target_dir = posixpath.dirname(BUNDLE)
    parts = ["/* The site's stylesheets in one file (book/_ext/lean_shell.py): "
             + ", ".join(names) + ". */"]
    for name in names:
        if (outdir / name).is_file():
            parts.append(f"/* --- {name} --- */\n"
                         + _drop_unused_icon_rules(_read_css(outdir, name, target_dir), used))
        else:
            logger.warning("lean_shell: no %s to bundle", name, type="lean_shell")
    (outdir / BUNDLE).write_text("\n".join(parts) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- icon fonts, cut to the icons used



def icon_classes_in_use(outdir):
    """Every fa-* class the built site's pages carry or its scripts can add."""
    outdir = Path(outdir)
    names = set()
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0] in ("_static", "_sources"):
            continue
        for classes in re.findall(r'class="([^"]*)"', page.read_text(encoding="utf-8")):
            names.update(ICON_CLASS.findall(classes))
    for script in (outdir / "_static").rglob("*.js"):
        if "fontawesome" not in script.name and "mathjax" not in script.parts:
            names.update(ICON_CLASS.findall(script.read_text(encoding="utf-8", errors="ignore")))
    return names


def icons_in_use(outdir):
    """The code points of every icon the built site can draw: the fa-* classes in its pages
    and scripts, mapped by the theme's CSS, and the icons its stylesheets name directly."""
    outdir = Path(outdir)
    theme_css = (outdir / THEME_CSS[1]).read_text(encoding="utf-8")
    by_class = {}
    for selectors, code in ICON_RULE.findall(theme_css):
        for name in re.findall(r"\.(fa-[a-z0-9-]+)", selectors):
            by_class[name] = int(code, 16)
    codes = {by_class[name] for name in icon_classes_in_use(outdir) if name in by_class}
    for sheet in (outdir / "_static").rglob("*.css"):
        if sheet.name == "site.css" or "mathjax" in sheet.parts:
            continue
        text = ICON_RULE.sub("", sheet.read_text(encoding="utf-8", errors="ignore"))
        for char, escaped in PRIVATE_USE.findall(text):
            codes.add(ord(char) if char else int(escaped, 16))
    return codes


def _subset_icon_fonts(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    import logging as std_logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    std_logging.getLogger("fontTools").setLevel(std_logging.WARNING)

    outdir = Path(app.outdir)
    codes = icons_in_use(outdir)
    for source, target in FONTS.items():
        font = TTFont(outdir / source)
        wanted = sorted(codes & set(font.getBestCmap()))
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = []
        options.name_IDs = ["*"]          # keeps the licence (SIL OFL 1.1) in the font
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(font)
        (outdir / target).parent.mkdir(parents=True, exist_ok=True)
        font.flavor = "woff"
        font.save(outdir / target)


def setup(app):
    app.connect("config-inited", _add_templates)
    app.connect("html-page-context", _note_shared_stylesheets, priority=1)
    app.connect("html-page-context", _trim_and_bundle, priority=950)
    app.connect("builder-inited", _start_afresh)
    app.connect("build-finished", _subset_icon_fonts, priority=900)
    app.connect("build-finished", _bundle_stylesheets, priority=910)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
