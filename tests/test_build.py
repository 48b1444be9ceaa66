"""The book builds with warnings as errors, and the build executes every chapter."""

from pathlib import Path

from jupyter_cache import get_cache

from conftest import OUTPUT, chapters


def test_book_builds_with_warnings_as_errors(build_result):
    log = build_result.stdout + build_result.stderr
    assert build_result.returncode == 0, log[-4000:]
    assert "build succeeded" in log
    assert "WARNING:" not in log.replace("[IPKernelApp] WARNING", "")


def test_every_chapter_was_executed_by_the_build(site):
    cache = get_cache(OUTPUT / "_build" / ".jupyter_cache")
    executed = {Path(record.uri).resolve() for record in cache.list_cache_records()}
    assert {path.resolve() for path in chapters()} <= executed
    assert not (site / "reports").exists(), "an execution report means a chapter failed to run"


def test_every_chapter_has_a_page(site):
    for notebook in chapters():
        page = site / "book" / (notebook.stem + ".html")
        assert page.exists(), page


def test_the_site_has_no_page_of_a_removed_or_renamed_chapter(site):
    """A renamed chapter's old page would still be served and searched (book/_ext/fresh_reports.py)."""
    book = Path(__file__).resolve().parents[1] / "book"
    documents = {path.stem for path in book.glob("*.ipynb")} | {path.stem for path in book.glob("*.md")}
    pages = {page.stem for page in (site / "book").glob("*.html")}
    assert pages == documents
