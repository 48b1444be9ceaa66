"""The repository's address, from ``_config.yml`` (``repository: url:``) to the pages that need it.

At ``config-inited`` this extension

- makes ``{{ repository_url }}`` (and ``{{ repository_path }}``, the ``owner/name`` part)
  available to MyST pages: the instructor guide writes the address only through them;
- runs ``tools/repository.py`` on the chapters, so that the Colab setup cell of every
  chapter clones the configured address (a notebook is rewritten only when its address
  differs; normally nothing changes).

A build without an address (the student edition removes it, so that nothing points to the
repository and its solutions) gets a neutral phrase instead, and no notebook is touched.
"""

import importlib.util
from pathlib import Path

NO_ADDRESS = "the book's repository"


def _tool(srcdir):
    path = Path(srcdir) / "tools" / "repository.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("kl_repository_tool", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _configure(app, config):
    url = str(config.html_theme_options.get("repository_url") or "").strip().rstrip("/")
    path = url.split("github.com/", 1)[1] if "github.com/" in url else url
    substitutions = dict(getattr(config, "myst_substitutions", None) or {})
    substitutions.setdefault("repository_url", url or NO_ADDRESS)
    substitutions.setdefault("repository_path", path or NO_ADDRESS)
    config.myst_substitutions = substitutions
    tool = _tool(app.srcdir) if url else None
    if tool is not None and (Path(app.srcdir) / "_config.yml").is_file():
        for changed in tool.sync(app.srcdir):
            print(f"repository_url: {changed.name} now clones {tool.configured_url(app.srcdir)}")


def setup(app):
    app.connect("config-inited", _configure)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
