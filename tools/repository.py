"""The repository's address lives in one place, ``repository: url:`` in ``_config.yml``.

    .venv/bin/python tools/repository.py            # make every chapter's setup cell agree
    .venv/bin/python tools/repository.py --check    # only report the chapters that disagree

The site's repository, issue and launch buttons read that value (Jupyter Book), and the
instructor guide shows it through the substitution ``{{ repository_url }}`` (set by
``book/_ext/repository_url.py``). The one copy that cannot read the configuration is the
Colab setup cell of each chapter, which clones the repository where klhelpers is missing:
this tool rewrites the one line of that cell that holds the address, in every chapter
whose line differs from ``_config.yml``. The build runs it too (``repository_url``, at
``config-inited``), so a fork changes the value in ``_config.yml`` and nothing else.

A notebook is rewritten only when its address differs, and only that line changes: the
file is edited as text, so every other byte (outputs, ids, metadata) stays as it was.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SETUP_FINDS = 'find_spec("klhelpers")'
#: The line of the setup cell that holds the address: `    "https://...", str(book)]`.
URL_LINE = re.compile(r'^(?P<indent>\s*)"(?P<url>[^"]+)", str\(book\)\],?\n?$')


def configured_url(root=ROOT):
    """``repository: url:`` of ``root/_config.yml``, without a trailing slash."""
    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))
    url = ((config or {}).get("repository") or {}).get("url")
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"{Path(root) / '_config.yml'} has no repository: url:")
    return url.strip().rstrip("/")


def chapters(root=ROOT):
    return sorted((Path(root) / "book").glob("[0-9][0-9]-*.ipynb"))


def setup_url_line(notebook_json):
    """(index of the setup cell, index of its URL line, the line) of a notebook's JSON."""
    for index, cell in enumerate(notebook_json.get("cells", [])):
        source = cell.get("source", "")
        lines = source if isinstance(source, list) else source.splitlines(keepends=True)
        if cell.get("cell_type") == "code" and SETUP_FINDS in "".join(lines):
            found = [n for n, line in enumerate(lines) if URL_LINE.match(line)]
            if len(found) != 1:
                raise ValueError(f"the setup cell must have exactly one address line, has {len(found)}")
            return index, found[0], lines[found[0]]
    raise ValueError(f"no setup cell (a code cell with {SETUP_FINDS})")


def setup_url(path):
    """The address the setup cell of the notebook `path` clones."""
    _, _, line = setup_url_line(json.loads(Path(path).read_text(encoding="utf-8")))
    return URL_LINE.match(line)["url"]


def sync_notebook(path, url):
    """Give the setup cell of `path` the address `url`; True if the file changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    _, _, line = setup_url_line(json.loads(text))
    match = URL_LINE.match(line)
    if match["url"] == url:
        return False
    new_line = line.replace(f'"{match["url"]}"', f'"{url}"', 1)
    old, new = json.dumps(line, ensure_ascii=False), json.dumps(new_line, ensure_ascii=False)
    if text.count(old) != 1:
        raise ValueError(f"{path.name}: the address line appears {text.count(old)} times in the file")
    path.write_text(text.replace(old, new), encoding="utf-8")
    return True


def sync(root=ROOT, notebooks=None, check=False):
    """The chapters whose setup cell disagreed with _config.yml (rewritten unless `check`)."""
    url = configured_url(root)
    changed = []
    for path in (chapters(root) if notebooks is None else notebooks):
        if setup_url(path) != url:
            changed.append(Path(path))
            if not check:
                sync_notebook(path, url)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's root (default: this repository)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a chapter disagrees")
    parser.add_argument("notebooks", nargs="*", type=Path, help="only these chapters (default: all)")
    args = parser.parse_args(argv)
    changed = sync(args.root, args.notebooks or None, check=args.check)
    url = configured_url(args.root)
    for path in changed:
        print(f"{path.name}: {'differs from' if args.check else 'now clones'} {url}")
    if args.check and changed:
        sys.exit(1)


if __name__ == "__main__":
    main()
