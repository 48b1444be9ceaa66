"""The figures and interactives under awkward input: infinite terms, hostile token names,
one object displayed twice, long vocabularies, bad arguments, and the search index.

Browser tests here load a widget's html with Playwright's ``page.set_content``
(no built site needed); tests/test_explorer_browser.py covers the built site.
"""

import json
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

import klhelpers as kl
from conftest import BOOK
from klhelpers import plots
from klhelpers.interactives.explorer_markup import fmt
from klhelpers.interactives.twin import DualView, html_twin, json_for_script
from test_explorer_browser import READ_STATE, check_against_klhelpers
from test_explorer_kernel import assert_matches_klhelpers
from twin_pages import page_html

matplotlib.use("Agg")

EXPLORER = '[data-explorer="explorer"]'
# The book's central example: Q rules out "mat" (q = 0) although P gives it 0.05.
Q_NO_MAT = kl.normalize(np.append(kl.Q[:4], 0.0))
MAT = kl.VOCAB.index("mat")


def element_ids(html):
    return re.findall(r'\bid="([^"]+)"', html)


@pytest.fixture
def blank_page(browser):
    """A fresh page for ``set_content``, recording console errors and uncaught exceptions."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.errors.append(f"pageerror: {e}"))
    yield page
    context.close()


def show(page, *htmls, scripts=()):
    """Put `htmls` on one page with the served assets, followed by a paragraph that must survive them."""
    page.set_content(page_html(*htmls, '<p id="after">after the interactives</p>', scripts=scripts))


# -- 1. Infinite terms in the figures --------------------------------------------------------------

def infinity_labels(ax):
    return [t for t in ax.texts if t.get_text() in ("∞", "-∞")]


def test_plot_contributions_caps_the_infinite_term_of_the_books_q_zero_example():
    terms = kl.kl_contributions(kl.P, Q_NO_MAT)
    assert np.isinf(terms[MAT])
    ax = kl.plot_contributions(terms, kl.VOCAB)
    ax.figure.canvas.draw()
    low, high = ax.get_ylim()
    finite = np.delete(terms, MAT)
    assert high < 1 and low < finite.min() and high > finite.max()  # limits from the finite terms
    bars = list(ax.containers[0])
    assert bars[MAT].get_height() == pytest.approx(high)  # capped at the top of the axis
    np.testing.assert_allclose([b.get_height() for k, b in enumerate(bars) if k != MAT], finite)
    [label] = infinity_labels(ax)
    assert label.get_text() == "∞"
    assert label.xy[0] == pytest.approx(bars[MAT].get_x() + bars[MAT].get_width() / 2)
    assert [t.get_text() for t in ax.texts][:MAT] == [f"{c:+.3f}" for c in finite]
    matplotlib.pyplot.close(ax.figure)


def test_plot_pq_caps_an_infinite_cost_and_labels_it():
    with np.errstate(divide="ignore"):
        cost_q = -np.log2(Q_NO_MAT)  # bits per token under Q: infinite for "mat"
    ax = kl.plot_pq(kl.P, kl.P * cost_q, kl.VOCAB)
    ax.figure.canvas.draw()
    top = ax.get_ylim()[1]
    finite = np.delete(kl.P * cost_q, MAT)
    assert top == pytest.approx(max(0.5, 1.3 * finite.max()))  # headroom for the upright labels
    q_bars = list(ax.containers[1])
    assert q_bars[MAT].get_height() == pytest.approx(top)
    [label] = infinity_labels(ax)
    assert label.get_text() == "∞"
    assert label.xy[0] == pytest.approx(q_bars[MAT].get_x() + q_bars[MAT].get_width() / 2)
    np.testing.assert_allclose([b.get_height() for b in ax.containers[0]], kl.P)
    matplotlib.pyplot.close(ax.figure)


def test_minus_infinity_is_capped_at_the_bottom():
    ax = kl.plot_contributions([0.1, -np.inf, 0.2], ["a", "b", "c"])
    ax.figure.canvas.draw()
    assert ax.containers[0][1].get_height() == pytest.approx(ax.get_ylim()[0])
    assert [t.get_text() for t in infinity_labels(ax)] == ["-∞"]
    matplotlib.pyplot.close(ax.figure)


def test_plot_directions_shares_one_scale_and_caps_on_it():
    fig = plots.plot_directions(kl.P, Q_NO_MAT, kl.VOCAB)
    fig.canvas.draw()
    forward, reverse = fig.axes
    assert forward.get_ylim() == reverse.get_ylim()
    assert forward.containers[0][MAT].get_height() == pytest.approx(forward.get_ylim()[1])
    assert forward.get_title().endswith("= ∞ nats")
    assert [t.get_text() for t in infinity_labels(forward)] == ["∞"]
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("draw, name", [
    (lambda: kl.plot_contributions([0.1, np.nan, 0.2], "abc"), "contributions has a NaN entry at index 1"),
    (lambda: kl.plot_pq([0.5, np.nan], [0.5, 0.5], "ab"), "p has a NaN entry at index 1"),
    (lambda: kl.plot_pq([0.5, 0.5], [np.nan, 0.5], "ab"), "q has a NaN entry at index 0"),
])
def test_nan_raises_a_value_error_naming_the_argument(draw, name):
    with pytest.raises(ValueError, match=name):
        draw()
    matplotlib.pyplot.close("all")


# -- 2. Hostile token names ------------------------------------------------------------------------

HOSTILE = ["<!--<script>", "</script><b>x", "\"'&<>", "&amp;", "a\u2028b"]


def test_config_json_cannot_end_or_comment_out_its_script():
    explorer = kl.explore(vocab=HOSTILE)
    config = re.search(r'<script type="application/json" class="kl-config">(.*?)</script>', explorer.html,
                       re.DOTALL).group(1)
    assert not set(config) & set("<>&\u2028\u2029")
    assert json.loads(config)["tokens"] == HOSTILE
    assert json_for_script({"s": "</script>"}) == '{"s":"\\u003c/script\\u003e"}'
    # In markup every name is escaped: no raw "<" from a name anywhere outside the config.
    assert "<!--" not in explorer.html and "<b>" not in explorer.html


def test_hostile_token_names_show_literally_and_break_nothing(blank_page):
    page = blank_page
    show(page, kl.explore(vocab=HOSTILE).html, kl.explore().html)
    explorers = page.locator(EXPLORER)
    assert explorers.count() == 2
    assert page.locator("#after").is_visible()  # the page after the explorers survived
    for index, tokens in [(0, HOSTILE), (1, list(kl.VOCAB))]:
        explorer = explorers.nth(index)
        assert explorer.locator("svg rect[height]").count() >= 2 * len(tokens)  # mounted: chart drawn
        start = explorer.evaluate(READ_STATE)["shown"]["kl_pq"]
        explorer.locator('input[type="range"]').nth(1).fill("0.9")
        state = check_against_klhelpers(explorer)
        assert state["shown"]["kl_pq"] != start  # the readouts follow the slider
        labels = explorer.locator(".kl-slider label").all_text_contents()
        assert labels == [f"Weight in Q of {token}" for token in tokens]
        rows = explorer.locator("tbody th").all_text_contents()
        assert rows == tokens
        chart_text = explorer.locator("svg text").all_text_contents()
        assert all(token in chart_text for token in tokens)
        assert explorer.locator("b").count() == 0  # "<b>" stayed text
    assert page.errors == []


# -- 3. One object displayed twice -----------------------------------------------------------------

def test_each_display_of_one_explorer_gets_its_own_ids():
    explorer = kl.explore()
    first = explorer._repr_mimebundle_()["text/html"]
    second = explorer._repr_mimebundle_()["text/html"]
    assert first == explorer.html  # the first display is the twin made with the object
    assert not set(element_ids(first)) & set(element_ids(second))
    root_ids = [re.search(r'id="(kl-explorer-\d+)"', html).group(1) for html in (first, second)]
    assert root_ids[0] != root_ids[1]
    assert first.replace(root_ids[0], "ID") == second.replace(root_ids[1], "ID")


def test_display_ids_are_deterministic_in_a_fresh_process():
    """Stored notebook outputs must match a re-run: the ids follow the per-process counter."""
    script = ("import hashlib, re, klhelpers as kl\n"
              "e = kl.explore()\n"
              "for _ in range(2):\n"
              "    html = e._repr_mimebundle_()['text/html']\n"
              "    print(re.search(r'id=\"(kl-explorer-\\d+)\"', html).group(1),\n"
              "          hashlib.sha256(html.encode()).hexdigest())\n")
    runs = [subprocess.run([sys.executable, "-c", script], cwd=BOOK, capture_output=True, text=True,
                           env={**os.environ, "MPLBACKEND": "Agg"}, check=True).stdout
            for _ in range(2)]
    assert runs[0] == runs[1]  # the same html, ids included
    assert [line.split()[0] for line in runs[0].splitlines()] == ["kl-explorer-1", "kl-explorer-2"]


def test_both_displays_of_one_explorer_work_in_the_browser(blank_page):
    page = blank_page
    explorer = kl.explore()
    show(page, explorer._repr_mimebundle_()["text/html"], explorer._repr_mimebundle_()["text/html"])
    copies = page.locator(EXPLORER)
    assert copies.count() == 2
    ids = page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids))
    for moved, still in [(1, 0), (0, 1)]:
        copies.nth(moved).locator('input[type="range"]').first.fill("0")  # q(cat) = 0
        assert check_against_klhelpers(copies.nth(moved))["shown"]["kl_pq"] == "∞"
        assert check_against_klhelpers(copies.nth(still))["shown"]["kl_pq"] != "∞"
        copies.nth(moved).get_by_role("button", name="Reset Q").click()
        # Each copy's labels name its own sliders.
        label_for = copies.nth(moved).locator(".kl-slider label").first.get_attribute("for")
        assert copies.nth(moved).locator(f'[id="{label_for}"]').count() == 1
    assert page.errors == []


TOY_SCRIPT = "KLInteractives.register('toy', (root, config) => { root.querySelector('output').textContent = config.word; });"


def toy_view():
    """A DualView of a toy interactive whose markup holds ids of its own."""
    import ipywidgets

    def render(element_id):
        markup = f'<label for="{element_id}-x">x</label> <input id="{element_id}-x"> <output></output>'
        return html_twin("toy", element_id, markup, {"word": "mounted"}, label="toy")

    return DualView(ipywidgets.HTML(), "toy", render, "<toy>")


def test_every_display_renders_the_twin_again_under_new_ids(blank_page):
    view = toy_view()
    htmls = [view._repr_mimebundle_()["text/html"] for _ in range(3)]
    assert htmls[0] == view.html  # the first display is the one the object was made with
    roots = [re.search(r'id="(kl-toy-\d+)"', html).group(1) for html in htmls]
    assert len(set(roots)) == 3
    for root, html in zip(roots, htmls):
        assert f'for="{root}-x"' in html and f'id="{root}-x"' in html
    show(blank_page, *htmls, scripts=[TOY_SCRIPT])
    assert blank_page.locator("output").all_text_contents() == ["mounted"] * 3
    assert blank_page.errors == []


def test_a_twin_carries_markup_and_state_but_no_code():
    """The behaviour is served from the site's _static: editing a script changes no notebook output."""
    html = kl.explore().html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts == [' type="application/json" class="kl-config"']
    assert "function" not in html and "KLMath" not in html


# -- 4. Long vocabularies and bad arguments ---------------------------------------------------------

LONG = 200


def test_a_long_p_without_q_starts_from_the_uniform_q():
    p = kl.normalize(np.arange(1, LONG + 1))
    explorer = kl.explore(p=p)
    np.testing.assert_allclose(explorer.q, np.full(LONG, 1 / LONG), rtol=0, atol=1e-15)
    assert explorer.vocab == tuple(str(k) for k in range(1, LONG + 1))
    # q = 0.005 lies between two slider steps, so the sliders start at the same Q scaled up.
    assert [s.value for s in explorer.sliders] == [1.0] * LONG
    assert_matches_klhelpers(explorer, [1.0] * LONG)
    assert explorer.readout("kl_pq") == fmt(kl.kl_divergence(p, np.full(LONG, 1 / LONG)))
    assert len(explorer.text) < 120  # one short line, not 200 names
    explorer.sliders[7].value = 0.25
    weights = [1.0] * LONG
    weights[7] = 0.25
    assert_matches_klhelpers(explorer, weights)  # the chart's bars follow, although unlabelled


def test_a_five_entry_p_keeps_the_running_examples_q():
    assert kl.explore(p=[1, 1, 1, 1, 1]).q.tolist() == pytest.approx(kl.Q.tolist())


def test_a_long_vocabulary_keeps_the_charts_labels_readable():
    explorer = kl.explore(p=np.ones(LONG))
    ticks = [t.get_text() for t in explorer.ax.get_xticklabels()]
    assert 1 < len(ticks) <= plots.MAX_LABELLED_TOKENS and ticks[0] == "1"
    assert len(explorer.ax.texts) == 0  # 400 value labels would be one black smear
    assert explorer.ax.get_ylim() == (0, 0.02)  # q = 0.005 each: an axis on which the bars show
    named = re.findall(r'<text x="[^"]+" y="[^"]+" text-anchor="middle">(\d+)</text>', explorer.html)
    assert 1 < len(named) <= plots.MAX_LABELLED_TOKENS  # the website's chart names every k-th token too
    assert "data-label=" not in explorer.html


def test_a_long_vocabulary_in_the_browser(blank_page):
    page = blank_page
    p = kl.normalize(np.arange(1, LONG + 1))
    show(page, kl.explore(p=p).html)
    explorer = page.locator(EXPLORER)
    tokens = explorer.evaluate(READ_STATE)["config"]["tokens"]
    check_against_klhelpers(explorer)
    explorer.locator('input[type="range"]').nth(150).fill("0")
    check_against_klhelpers(explorer)
    named = [text for text in explorer.locator("svg text").all_text_contents() if text in tokens]
    assert 1 < len(named) <= plots.MAX_LABELLED_TOKENS
    # Outside the y-axis ticks, the chart's only texts: the named tokens, two axis titles, two legend
    # entries (no value labels on the bars).
    texts = [text for text in explorer.locator("svg > text").all_text_contents() if text]
    assert len(texts) == len(named) + 4
    assert explorer.locator('svg g[data-axis="y"] text').all_text_contents() == ["0.00", "0.01", "0.02"]
    sliders = explorer.locator(".kl-sliders")
    assert sliders.evaluate("box => box.scrollHeight > box.clientHeight")  # scrolls in its own box
    assert sliders.bounding_box()["height"] < 500
    assert page.errors == []


@pytest.mark.parametrize("kwargs, words", [
    ({"p": [0.5, -0.1, 0.6]}, "p has a negative entry at index 1"),
    ({"p": [[0.5, 0.5], [0.5, 0.5]]}, "p must be one distribution"),
    ({"q": [0.2, -0.2, 0.3, 0.3, 0.4]}, "q has a negative entry at index 1"),
    ({"q": [0, 0, 0, 0, 0]}, "q is all zero"),
    ({"p": [0.5, 0.5], "q": [0.2, 0.3, 0.5]}, "q must have the same length as p: p has 2 entries, q has 3"),
    ({"vocab": ["a", "b"]}, "vocab has 2 tokens but p has 5 entries"),
    ({"vocab": ["a", "b", "a", "c", "d"]}, "vocab must name each token once; 'a' appears twice"),
    ({"vocab": "abcde"}, "vocab must be a list of token names"),
    ({"divergence": "kl"}, "divergence must be a function"),
])
def test_bad_arguments_raise_value_errors_naming_the_argument(kwargs, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        kl.explore(**kwargs)


# -- 5. What the site's search indexes -------------------------------------------------------------

def indexed_words(html):
    """The words Sphinx's search indexer takes from a raw html output (sphinx.search, Sphinx 7).

    It strips <style> and <script> elements and then every tag, leaving no space where a tag was,
    and splits what remains into \\w+ words.
    """
    from docutils import nodes
    from sphinx.search import IndexBuilder
    from sphinx.search.en import SearchEnglish

    builder = SimpleNamespace(lang=SearchEnglish({}))
    return IndexBuilder._word_collector(builder, nodes.raw("", html, format="html")).words


@pytest.mark.parametrize("explorer", [
    lambda: kl.explore(),
    lambda: kl.explore(p=[3, 1, 1, 2], q=[1, 2, 0, 1]),
    lambda: kl.explore(divergence=kl.kl_divergence),
], ids=["default", "numbered-tokens", "own-divergence"])
def test_the_search_index_gets_no_number_glued_to_a_word(explorer):
    words = indexed_words(explorer().html)
    assert "1874" in words or "0000" in words  # the readouts are indexed, as numbers
    glued = [w for w in words if re.search(r"\d", w) and re.search(r"[^\W\d_]", w)]
    assert glued == []
