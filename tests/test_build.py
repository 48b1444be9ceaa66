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
