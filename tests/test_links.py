"""Every internal link of the built site resolves; chapter pages offer launch and download buttons.

Internal: an href/src that is a relative path or a same-page #anchor, on every page (the
theme's template files under _static/ are not pages). The file must exist
(a folder means its index.html) and the #anchor must be an id (or <a name>) in the target
page. External links are not fetched.
"""

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]-*.ipynb"))
ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src",
              "iframe": "src", "area": "href", "video": "src", "audio": "src", "embed": "src"}


class Pages:
    """Parsed html pages of a site, and the anchors each defines (parsed once each)."""

    def __init__(self, site):
        self.site = Path(site)
        self._soups = {}

    def soup(self, path):
        if path not in self._soups:
            self._soups[path] = BeautifulSoup(path.read_text(errors="replace"), "html.parser")
        return self._soups[path]

    def anchors(self, path):
        soup = self.soup(path)
        return {tag["id"] for tag in soup.find_all(id=True)} | {tag["name"] for tag in soup.find_all("a", attrs={"name": True})}


def internal_links(pages, page):
    """(target, raw) for every internal link on `page`."""
    for tag_name, attribute in ATTRIBUTES.items():
        for tag in pages.soup(page).find_all(tag_name, attrs={attribute: True}):
            raw = tag[attribute].strip()
            parts = urlsplit(raw)
            if parts.scheme or parts.netloc or raw.startswith(("//", "javascript:")) or not raw:
                continue  # another site, mailto:, data:, ...
            yield parts, raw


def broken_links(site):
    """A list of problems, and how many internal links were checked."""
    pages = Pages(site)
    site = pages.site.resolve()
    problems, checked = [], 0
    for page in sorted(site.rglob("*.html")):
        if page.relative_to(site).parts[0] in ("_static", "_sources"):
            continue  # the theme's Jinja templates and copied sources, not pages
        for parts, raw in internal_links(pages, page):
            checked += 1
            where = f"{page.relative_to(site)}: {raw!r}"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if site not in target.parents and target != site:
                problems.append(f"{where} leaves the site")
            elif not target.is_file():
                problems.append(f"{where}: no file {target.relative_to(site) if site in target.parents else target}")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in pages.anchors(target):
                problems.append(f"{where}: no #{unquote(parts.fragment)} in {target.relative_to(site)}")
    return problems, checked


def test_every_internal_link_resolves(site):
    problems, checked = broken_links(site)
    assert checked > 100, f"only {checked} internal links found: is the site built?"
    assert not problems, f"{len(problems)} broken internal links:\n" + "\n".join(problems[:50])


# File names that MyST's linkify turns into links to "hosts" (.md and .py are country domains).
FILE_LIKE_HOST = re.compile(r"\.(md|py|ipynb|txt|yml|yaml|cfg|ini|sh|json)$", re.IGNORECASE)


def file_names_linked_as_hosts(site):
    found = []
    for page in sorted(Path(site).rglob("*.html")):
        if page.relative_to(site).parts[0] in ("_static", "_sources"):
            continue
        for tag in BeautifulSoup(page.read_text(errors="replace"), "html.parser").find_all("a", href=True):
            host = urlsplit(tag["href"]).hostname or ""
            if FILE_LIKE_HOST.search(host):
                found.append(f"{page.relative_to(site)}: {tag['href']!r} (write the file name as `code`)")
    return found


def test_no_file_name_is_linked_as_a_web_address(site, tmp_path):
    (tmp_path / "p.html").write_text('<a href="http://HELPERS.md">HELPERS.md</a><a href="https://example.org/a.md">ok</a>')
    assert len(file_names_linked_as_hosts(tmp_path)) == 1  # the check can fail
    assert file_names_linked_as_hosts(site) == []


def test_the_link_checker_finds_broken_links(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "index.html").write_text('<a href="book/a.html#here">ok</a> <a href="#top">top</a><p id="top"></p>')
    (tmp_path / "book" / "a.html").write_text(
        '<h1 id="here">A</h1><a href="../index.html">up</a><a href="b.html">missing</a>'
        '<a href="../index.html#nowhere">bad anchor</a><img src="../_static/x.png">'
        '<a href="https://example.org/x.html">external</a><a href="mailto:a@b.c">mail</a>'
        '<a href="../../outside.html">out</a><a href="#">top of page</a>')
    problems, checked = broken_links(tmp_path)
    assert checked == 8
    assert [p.split(": ", 1)[0] for p in problems] == ["book/a.html"] * 4
    assert any("no file book/b.html" in p for p in problems)
    assert any("no #nowhere in index.html" in p for p in problems)
    assert any("_static/x.png" in p for p in problems)
    assert any("leaves the site" in p for p in problems)


def test_chapter_pages_offer_launch_and_download_buttons(site):
    """Binder and Colab (and JupyterHub once a hub URL is set) open the chapter; .ipynb downloads."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repository = config["repository"]["url"].removeprefix("https://github.com/")
    launch = config["launch_buttons"]
    assert CHAPTERS
    for chapter in CHAPTERS:
        name = f"book/{chapter.name}"
        page = site / "book" / chapter.with_suffix(".html").name
        soup = BeautifulSoup(page.read_text(), "html.parser")
        hrefs = [a["href"] for a in soup.find_all("a", href=True)]
        assert f"https://mybinder.org/v2/gh/{repository}/main?urlpath=lab/tree/{name}" in hrefs, page.name
        assert f"https://colab.research.google.com/github/{repository}/blob/main/{name}" in hrefs, page.name
        hub = [h for h in hrefs if "/hub/user-redirect/git-pull?" in h]
        assert bool(hub) == bool(launch.get("jupyterhub_url")), page.name
        downloads = [h for h in hrefs if h.endswith(f"_sources/{name}")]
        assert downloads and (page.parent / downloads[0]).resolve().is_file(), f"{page.name}: no .ipynb download"
