"""The Q explorer's website twin on its own page: dragging, the focus curve, and the page without JavaScript.

Each test puts one twin and the served assets on a blank Chromium page
(tests/twin_pages.py), so no build is needed. The exact Q the page holds is read
from the twin's test hook, ``root.__klState()``, since the sliders round it to
their step.
"""

import math
import re

import numpy as np
import pytest

import klhelpers as kl
from twin_pages import open_twins, page_html

EXPLORER = '[data-explorer="explorer"]'
MAT = kl.VOCAB.index("mat")


def state(explorer):
    """The exact Q the page holds, and what it shows."""
    return explorer.evaluate("""root => ({q: root.__klState().q,
        shown: Object.fromEntries([...root.querySelectorAll('[data-quantity]')]
                                  .map(e => [e.getAttribute('data-quantity'), e.textContent]))})""")


def assert_shows_klhelpers(explorer):
    """Every readout on the page equals klhelpers' value for the page's exact Q (4 decimals)."""
    now = state(explorer)
    q, shown = np.array(now["q"]), now["shown"]
    expected = {"entropy_p": kl.entropy(kl.P), "cross_entropy_pq": kl.cross_entropy(kl.P, q),
                "gap": kl.kl_divergence(kl.P, q), "kl_pq": kl.kl_divergence(kl.P, q),
                "kl_qp": kl.kl_divergence(q, kl.P), "total_variation": kl.total_variation(kl.P, q),
                "pinsker_bound": math.sqrt(kl.kl_divergence(kl.P, q) / 2),
                "half_chi_square": kl.chi_square(kl.P, q) / 2,
                # merging "on" and "the" (indices 2 and 3): the only merge these tests use
                "kl_merged": kl.kl_divergence(np.r_[kl.P[:2], kl.P[2] + kl.P[3], kl.P[4:]],
                                              np.r_[q[:2], q[2] + q[3], q[4:]])}
    for k, token in enumerate(kl.VOCAB):
        expected[f"q:{token}"] = q[k]
        expected[f"contrib_pq:{token}"] = kl.kl_contributions(kl.P, q)[k]
        expected[f"contrib_qp:{token}"] = kl.kl_contributions(q, kl.P)[k]
    for name, text in shown.items():
        value = expected[name]
        if math.isinf(value):
            assert text == "∞", (name, text)
        else:
            assert abs(float(text) - value) <= 0.5e-4 + 1e-9, (name, text, value)
    return q, shown


@pytest.fixture
def focus_page(browser):
    watched = open_twins(browser, kl.explore(show=("entropy_p", "cross_entropy_pq", "kl_pq"), focus="mat").html)
    yield watched
    watched.context.close()


def test_the_focus_curve_shows_what_chapter_3_says_as_q_mat_goes_to_zero(focus_page):
    """From q(mat) = 0.1, D_KL(P||Q) first falls (to its lowest near q = p(mat) = 0.05), then climbs
    without bound on the way to 0, and is infinite at 0."""
    explorer = focus_page.page.locator(EXPLORER)
    control = explorer.locator(".kl-focus-control")
    control.focus()
    values = []
    while True:
        q, shown = assert_shows_klhelpers(explorer)
        values.append((q[MAT], float(shown["kl_pq"]) if shown["kl_pq"] != "∞" else math.inf))
        if q[MAT] == 0:
            break
        focus_page.page.keyboard.press("ArrowLeft")  # a quarter of a decade down
    shares, divergences = np.array(values).T
    assert divergences[-1] == math.inf and shares[-1] == 0
    lowest = int(np.argmin(divergences))
    assert 0.03 < shares[lowest] < 0.08              # near p(mat) = 0.05
    assert divergences[lowest] < divergences[0]       # it fell first ...
    assert np.all(np.diff(divergences[lowest:-1]) > 0)  # ... then only climbed ...
    assert divergences[-2] > 4 * divergences[lowest]   # ... far, by q(mat) = 1e-8
    assert focus_page.errors == []


def test_dragging_on_the_focus_curve_sets_q_mat_on_a_log_scale(focus_page):
    page = focus_page.page
    explorer = page.locator(EXPLORER)
    box = explorer.locator(".kl-focus-control svg").bounding_box()
    # The plot spans the view box from x = 46 + 26 (q = 1e-8) to 400 - 10 (q = 1): aim at q = 1e-4.
    scale = box["width"] / 400
    x = box["x"] + scale * (46 + 26 + (400 - 10 - 46 - 26) * 0.5)
    page.mouse.move(x, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.up()
    q, _ = assert_shows_klhelpers(explorer)
    assert q[MAT] == pytest.approx(1e-4, rel=0.05)
    others = np.delete(q, MAT)
    np.testing.assert_allclose(others / others.sum(), kl.normalize(kl.Q[:4]), rtol=1e-12)
    page.mouse.click(box["x"] + scale * 50, box["y"] + box["height"] / 2)  # the "0" slot
    q, shown = assert_shows_klhelpers(explorer)
    assert q[MAT] == 0 and shown["kl_pq"] == "∞"
    assert focus_page.errors == []


@pytest.mark.parametrize("pointer", ["mouse", "touch"])
def test_dragging_a_q_bar_sets_its_q_and_the_readouts_follow(browser, pointer):
    watched = open_twins(browser, kl.explore().html, viewport={"width": 390, "height": 844})
    page, explorer = watched.page, watched.page.locator(EXPLORER)
    bar = explorer.locator('rect[data-bar="q"][data-k="2"]')  # "on"
    box, chart = bar.bounding_box(), explorer.locator("svg.kl-chart").bounding_box()
    x, start = box["x"] + box["width"] / 2, box["y"] + 2
    target = chart["y"] + chart["height"] * 0.75  # lower: a smaller q for "on"
    if pointer == "mouse":
        page.mouse.move(x, start)
        page.mouse.down()
        for step in range(1, 6):
            page.mouse.move(x, start + (target - start) * step / 5)
            assert_shows_klhelpers(explorer)  # readouts follow while dragging
        page.mouse.up()
    else:
        explorer.locator("svg.kl-chart").dispatch_event("pointerdown", {
            "pointerId": 7, "pointerType": "touch", "clientX": x, "clientY": start, "isPrimary": True})
        for step in range(1, 6):
            explorer.locator("svg.kl-chart").dispatch_event("pointermove", {
                "pointerId": 7, "pointerType": "touch", "clientX": x,
                "clientY": start + (target - start) * step / 5, "isPrimary": True})
        explorer.locator("svg.kl-chart").dispatch_event("pointerup", {"pointerId": 7, "pointerType": "touch"})
    q, shown = assert_shows_klhelpers(explorer)
    assert q[2] < kl.Q[2] - 0.05
    others = np.delete(q, 2)
    np.testing.assert_allclose(others / others.sum(), kl.normalize(np.delete(kl.Q, 2)), rtol=1e-12)
    assert watched.errors == []
    watched.context.close()


def test_without_javascript_the_twin_still_shows_its_chart_and_numbers(browser):
    explorer = kl.explore(focus="mat")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_content(page_html(explorer.html))
    heights = page.locator('rect[data-bar="q"]').evaluate_all("rs => rs.map(r => r.getBBox().height)")
    assert len(heights) == 5 and all(h > 0 for h in heights)
    assert page.locator("path[data-curve]").get_attribute("d").count("L") > 50
    assert page.locator('[data-quantity="kl_pq"]').text_content() == "0.1874"
    assert not page.locator("[data-state]").count()  # nothing ran
    context.close()


def test_the_charts_text_is_readable_on_a_phone(browser):
    watched = open_twins(browser, kl.explore(focus="mat").html, viewport={"width": 390, "height": 844})
    sizes = watched.page.locator(f"{EXPLORER} svg text").evaluate_all(
        "ts => ts.filter(t => t.textContent.trim()).map(t => t.getBoundingClientRect().height)")
    assert min(sizes) >= 11, sorted(sizes)[:5]
    assert watched.page.evaluate("document.documentElement.scrollWidth") <= 390
    watched.context.close()


def test_tick_labels_keep_their_decimals_when_the_scale_changes(browser):
    watched = open_twins(browser, kl.explore().html)
    explorer = watched.page.locator(EXPLORER)
    explorer.locator('input[type="range"]').nth(0).fill("1")  # cat towards 0.55: the axis grows
    explorer.locator('input[type="range"]').nth(2).fill("0")
    labels = explorer.locator('svg.kl-chart g[data-axis="y"] text').all_text_contents()
    assert labels and all(re.fullmatch(r"\d\.\d", label) for label in labels), labels
    watched.context.close()


# -- chapter 6: the inequalities' readouts, merging two tokens, the Q bars as keyboard sliders -------------

INEQUALITIES = ("kl_pq", "total_variation", "pinsker_bound", "half_chi_square")


@pytest.fixture
def inequality_page(browser):
    watched = open_twins(browser, kl.explore(show=INEQUALITIES, merge=("on", "the")).html,
                         viewport={"width": 390, "height": 844})
    yield watched
    watched.context.close()


def test_pinsker_and_merging_readouts_follow_random_settings(inequality_page):
    """TV(P, Q) never exceeds sqrt(D/2), and merging on and the never raises D: as the page shows them."""
    explorer = inequality_page.page.locator(EXPLORER)
    sliders = explorer.locator('input[type="range"]')
    rng = np.random.default_rng(6)
    seen = 0
    for _ in range(15):
        sliders.nth(int(rng.integers(5))).fill(str(round(float(rng.uniform(0, 1)), 2)))
        q, shown = assert_shows_klhelpers(explorer)
        assert set(shown) == set(INEQUALITIES) | {"kl_merged"} | {f"q:{t}" for t in kl.VOCAB} | {
            f"contrib_pq:{t}" for t in kl.VOCAB}
        if shown["kl_pq"] != "∞":
            seen += 1
            assert float(shown["total_variation"]) <= float(shown["pinsker_bound"])
            assert float(shown["kl_merged"]) <= float(shown["kl_pq"])
    assert seen >= 10
    assert inequality_page.errors == [] and inequality_page.outside_requests == []


def test_the_merged_readout_is_labelled_with_its_tokens(inequality_page):
    label = inequality_page.page.locator(f'{EXPLORER} dl.kl-readouts div:has([data-quantity="kl_merged"])')
    assert "merging on and the" in label.text_content()


def test_each_q_bar_is_a_keyboard_slider(inequality_page):
    """Issue 14: Tab reaches the Q bars (a handle over each, as tall as the plot); the arrow keys move
    a bar's q as a slider does, the others in proportion, and the handle says its value to assistive
    technology. On a phone each handle is a target a finger can hit."""
    page = inequality_page.page
    explorer = page.locator(EXPLORER)
    bars = explorer.locator("svg.kl-chart rect[data-handle]")  # one handle over each Q bar
    assert bars.count() == 5
    for k, token in enumerate(kl.VOCAB):
        bar = explorer.get_by_role("slider", name=f"Q bar of {token}: its probability q")
        assert bar.count() == 1 and bar.get_attribute("tabindex") == "0"
        assert float(bar.get_attribute("aria-valuenow")) == pytest.approx(kl.Q[k], abs=1e-4)
    for k in range(5):
        box = bars.nth(k).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, box
    bar = bars.nth(2)  # "on"
    bar.focus()
    assert bar.evaluate("e => e === document.activeElement")
    expected = kl.Q.copy()
    for key, step in (("ArrowUp", 0.01), ("ArrowUp", 0.01), ("ArrowRight", 0.01), ("ArrowDown", -0.01),
                      ("PageUp", 0.1), ("PageDown", -0.1), ("ArrowLeft", -0.01)):
        page.keyboard.press(key)
        expected = kl.with_share(expected, 2, min(max(expected[2] + step, 0.0), 1.0))
        q, shown = assert_shows_klhelpers(explorer)
        np.testing.assert_allclose(q, expected, atol=1e-12)
        assert float(bar.get_attribute("aria-valuenow")) == pytest.approx(q[2], abs=1e-4)
        assert bar.evaluate("e => e === document.activeElement")  # focus stays on the bar
    page.keyboard.press("Home")
    q, shown = assert_shows_klhelpers(explorer)
    assert q[2] == 0 and shown["kl_pq"] == "∞" and shown["half_chi_square"] == "∞"
    assert shown["total_variation"] != "∞"  # TV stays finite where D_KL does not
    page.keyboard.press("End")
    q, _ = assert_shows_klhelpers(explorer)
    assert q[2] == 1
    # Tab moves on to the next bar, which works too; the sliders follow the bars.
    page.keyboard.press("Tab")
    assert bars.nth(3).evaluate("e => e === document.activeElement")
    page.keyboard.press("ArrowUp")
    q, _ = assert_shows_klhelpers(explorer)
    assert q[3] == pytest.approx(0.01)
    weights = [float(v) for v in explorer.locator('input[type="range"]').evaluate_all(
        "inputs => inputs.map(i => i.value)")]
    np.testing.assert_allclose(kl.normalize(weights), q, atol=0.01)
    assert inequality_page.errors == []


def test_the_explorer_with_its_new_parts_passes_axe(inequality_page):
    from axe_playwright_python.sync_playwright import Axe

    inequality_page.page.evaluate("document.title = 'Q explorer'")  # the bare test page has none
    inequality_page.page.locator('rect[data-handle="1"]').focus()  # with a handle focused, too
    results = Axe().run(inequality_page.page)
    serious = [(v["id"], v["help"]) for v in results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert serious == []


def test_the_value_labels_are_legible_on_a_phone(inequality_page):
    """Every text of the explorer's charts is at least 11 px at 390 px wide, the bars' value labels too."""
    sizes = inequality_page.page.evaluate("""() => [...document.querySelectorAll('.kl-interactive svg')]
        .flatMap(svg => [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
        .map(t => parseFloat(getComputedStyle(t).fontSize) * svg.getScreenCTM().a))""")
    assert sizes and min(sizes) >= 11, sorted(sizes)[:3]


def overlapping_value_labels(explorer):
    """Tokens whose P and Q value labels overlap or touch on screen ("0.150.16" reads as one)."""
    return explorer.evaluate("""root => {
        const box = (w, k) => root.querySelector(`text[data-label="${w}"][data-k="${k}"]`)
                                  .getBoundingClientRect();
        const gap = 3;  // px of space needed between two labels side by side
        const hit = (a, b) => a.left < b.right + gap && b.left < a.right + gap
                              && a.top < b.bottom && b.top < a.bottom;
        return [...root.querySelectorAll('text[data-label="p"]')]
            .map(t => +t.getAttribute('data-k')).filter(k => hit(box('p', k), box('q', k)));
    }""")


@pytest.mark.parametrize("width", [1100, 390])
def test_value_labels_of_bars_about_as_tall_do_not_overlap(browser, width):
    """The book's P and Q are close for 'the' (0.15, 0.16) and 'mat' (0.05, 0.04): Python's first
    paint lifts one label, and so does the script after a move that makes them equal."""
    watched = open_twins(browser, kl.explore().html, viewport={"width": width, "height": 900})
    explorer = watched.page.locator(EXPLORER)
    assert overlapping_value_labels(explorer) == []
    explorer.locator('input[type="range"]').nth(MAT).fill("0.05")  # weight near p(mat)
    assert overlapping_value_labels(explorer) == []
    explorer.locator('button', has_text="Set Q = P").click()  # every pair equal
    assert overlapping_value_labels(explorer) == []
    assert watched.errors == []
    watched.context.close()
