"""Chapter hygiene that nbval does not see: every chapter starts with the same setup cell,
every glued name used in the prose is defined, and the post's wrong formula is not repeated."""

import json
import re

import pytest

from conftest import chapters


def cells(notebook):
    return json.loads(notebook.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("notebook", chapters(), ids=lambda p: p.stem)
def test_chapter_starts_with_the_setup_cell(notebook):
    code = [c for c in cells(notebook) if c["cell_type"] == "code"]
    assert code, "a chapter without code"
    first = source(code[0])
    assert "import klhelpers as kl" in first and "find_spec(\"klhelpers\")" in first
    assert "hide-input" in code[0]["metadata"].get("tags", [])


@pytest.mark.parametrize("notebook", chapters(), ids=lambda p: p.stem)
def test_every_number_in_the_prose_is_glued_by_the_chapters_code(notebook):
    prose = "".join(source(c) for c in cells(notebook) if c["cell_type"] == "markdown")
    used = set(re.findall(r"\{glue(?::\w+)?\}`([A-Za-z0-9_]+)", prose))
    glued = {output["metadata"]["scrapbook"]["name"]
             for cell in cells(notebook) for output in cell.get("outputs", [])
             if "scrapbook" in output.get("metadata", {})}
    assert used <= glued, f"prose quotes values no code glues: {sorted(used - glued)}"
    assert used, "a chapter whose prose quotes no computed number"


@pytest.mark.parametrize("notebook", chapters(), ids=lambda p: p.stem)
def test_no_chapter_repeats_the_posts_misplaced_log(notebook):
    text = "".join(source(c) for c in cells(notebook))
    # The seed post wrote sum_k log p_k (p_k / q_k); the log belongs around the ratio.
    assert not re.search(r"\\sum_k\s*\\(?:operatorname\{log\}|log)\s*p_k\s*\\frac", text)


@pytest.mark.parametrize("notebook", [nb for nb in chapters() if not nb.stem.startswith("00")],
                         ids=lambda p: p.stem)
def test_every_chapter_page_links_the_notation_page(site, notebook):
    """On the built page, a reader finds a working link to the notation page (where every symbol is defined)."""
    page = (site / "book" / f"{notebook.stem}.html").read_text()
    in_text = re.findall(r'<a class="reference internal" href="(notation\.html[^"]*)"', page)
    assert in_text, f"{notebook.stem} never links the notation page from its text"
    assert (site / "book" / "notation.html").is_file()


MAX_CODE_COLUMNS = 88  # a code line on a phone: the page's code block scrolls beyond this


def long_code_lines(notebook):
    """(cell number, line number, length) of every code line over MAX_CODE_COLUMNS characters,
    the setup cell's included."""
    code = [(i, c) for i, c in enumerate(cells(notebook)) if c["cell_type"] == "code"]
    return [(i, j, len(line)) for i, c in code
            for j, line in enumerate(source(c).splitlines(), 1) if len(line) > MAX_CODE_COLUMNS]


@pytest.mark.parametrize("notebook", chapters(), ids=lambda p: p.stem)
def test_every_code_line_fits_88_columns(notebook):
    found = long_code_lines(notebook)
    assert not found, "\n".join(f"cell {i}, line {j}: {n} characters" for i, j, n in found)


def test_the_column_check_finds_a_long_line(tmp_path):
    notebook = tmp_path / "99-x.ipynb"
    setup = {"cell_type": "code", "source": ["x = 1\n"], "metadata": {}}
    long = {"cell_type": "code", "source": ["ok = 1\n", "y = " + "1 + " * 30 + "1\n"], "metadata": {}}
    notebook.write_text(json.dumps({"cells": [setup, long]}))
    assert long_code_lines(notebook) == [(1, 2, 4 + 4 * 30 + 1)]


@pytest.mark.parametrize("notebook", chapters(), ids=lambda p: p.stem)
def test_no_chapter_shrinks_figure_text_below_the_style(notebook):
    """Figures take their text size from klhelpers.plots.STYLE; a chapter may not ask for
    smaller text, nor for a figure so wide that the style's text shrinks below 11 px on a phone."""
    from klhelpers.plots import FONT_PT, phone_font_px

    code = "\n".join(source(c) for c in cells(notebook) if c["cell_type"] == "code")
    small = [size for size in re.findall(r"fontsize=(\d+(?:\.\d+)?)", code) if float(size) < FONT_PT]
    wide = [width for width in re.findall(r"figsize=\((\d+(?:\.\d+)?),", code)
            if phone_font_px(float(width)) < 11]
    assert not small, f"font sizes below {FONT_PT} pt: {small}"
    assert not wide, f"figures too wide for a phone (inches): {wide}"
