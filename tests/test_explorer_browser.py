"""The Q explorer on the built website: real Chromium, no kernel, every readout checked against klhelpers.

The page computes with klmath.js and draws with explorer.js (book/klhelpers/interactives/assets);
these tests move its controls the way a reader does (keyboard, pointer-free
`fill`, buttons) and compare what it shows with klhelpers computed here.
"""

import json
import math
import re

import numpy as np
import pytest

import klhelpers as kl

CHAPTER = "book/04-asymmetry.html"
EXPLORER = '[data-explorer="explorer"]'
# Shown with 4 decimals: within half a unit of the 4th decimal of klhelpers' value.
TOLERANCE = 0.5e-4 + 1e-9

READ_STATE = """root => ({
    config: JSON.parse(root.querySelector('script[type="application/json"]').textContent),
    weights: [...root.querySelectorAll('input[type="range"]')].map(input => parseFloat(input.value)),
    shown: Object.fromEntries([...root.querySelectorAll('[data-quantity]')]
                              .map(e => [e.getAttribute('data-quantity'), e.textContent])),
    message: root.querySelector('.kl-message').textContent,
    svg: root.querySelector('svg').innerHTML,
})"""


def number(text):
    assert re.fullmatch(r"-?\d+\.\d{4,}|∞", text), f"not a readout: {text!r}"
    return math.inf if text == "∞" else float(text)


def expected_values(p, q, merge=None):
    """Every readout the explorer can show, computed by klhelpers (merge: the two merged tokens' indices)."""
    values = {"kl_pq": kl.kl_divergence(p, q), "kl_qp": kl.kl_divergence(q, p), "gap": kl.kl_divergence(p, q),
              "entropy_p": kl.entropy(p), "cross_entropy_pq": kl.cross_entropy(p, q),
              "total_variation": kl.total_variation(p, q), "pinsker_bound": math.sqrt(kl.kl_divergence(p, q) / 2),
              "half_chi_square": kl.chi_square(p, q) / 2}
    if merge is not None:
        i, j = merge
        def merged(d):
            return np.delete(np.where(np.arange(len(d)) == i, d[i] + d[j], d), j)
        values["kl_merged"] = kl.kl_divergence(merged(p), merged(np.asarray(q, dtype=float)))
    return values


def check_against_klhelpers(explorer, q=None):
    """Read the explorer's state and compare every readout with klhelpers; return the state."""
    state = explorer.evaluate(READ_STATE)
    config, shown = state["config"], state["shown"]
    p = np.array(config["p"])
    if q is None:
        q = kl.normalize(state["weights"])
    expected = expected_values(p, q, config.get("merge"))
    for token, qk, c_pq, c_qp in zip(config["tokens"], q, kl.kl_contributions(p, q),
                                     kl.kl_contributions(q, p)):
        expected[f"q:{token}"] = qk
        expected[f"contrib_pq:{token}"] = c_pq
        expected[f"contrib_qp:{token}"] = c_qp
    # What the chapter chose to show is shown, each q is shown, and nothing unknown is.
    required = set(config["show"]) | {f"q:{token}" for token in config["tokens"]}
    required |= {f"{term}:{token}" for term in config["terms"] for token in config["tokens"]}
    required |= {"kl_merged"} if "merge" in config else set()
    assert required <= set(shown) <= set(expected), sorted(set(shown) ^ required)
    for name, value in ((name, expected[name]) for name in shown):
        got = number(shown[name])
        if math.isinf(value):
            assert got == math.inf, (name, shown[name], value)
        else:
            assert abs(got - value) <= TOLERANCE, (name, shown[name], value)
    assert "NaN" not in state["svg"] and "undefined" not in state["svg"]
    return state


def assert_clean(watched):
    assert watched.errors == []
    assert watched.outside_requests == []


@pytest.fixture
def chapter(open_page):
    watched = open_page(CHAPTER)
    assert watched.page.locator(EXPLORER).count() >= 1, f"no Q explorer on {CHAPTER}"
    return watched


def test_starting_numbers_match_klhelpers(chapter):
    for index in range(chapter.page.locator(EXPLORER).count()):
        explorer = chapter.page.locator(EXPLORER).nth(index)
        state = check_against_klhelpers(explorer)
        np.testing.assert_allclose(kl.normalize(state["weights"]), kl.normalize(state["config"]["weights"]),
                                   atol=1e-12)
        # The chart is drawn: two bars per token, with value labels.
        assert explorer.locator("svg rect[height]").count() >= 2 * len(state["config"]["tokens"])
    assert_clean(chapter)


def test_keyboard_moves_a_slider_and_every_readout_follows(chapter):
    explorer = chapter.page.locator(EXPLORER).first
    slider = explorer.locator('input[type="range"]').nth(1)
    slider.focus()
    before = slider.input_value()
    for key in ["ArrowRight", "ArrowRight", "ArrowUp", "PageUp", "ArrowLeft", "End", "PageDown", "Home"]:
        previous = slider.input_value()
        chapter.page.keyboard.press(key)
        assert slider.input_value() != previous, f"{key} did not move the slider"
        check_against_klhelpers(explorer)
    assert slider.input_value() != before  # Home: weight 0
    assert float(slider.input_value()) == 0.0
    # Tab reaches the next slider, and it works too.
    chapter.page.keyboard.press("Tab")
    chapter.page.keyboard.press("ArrowRight")
    assert explorer.locator('input[type="range"]').nth(2).evaluate("e => e === document.activeElement")
    check_against_klhelpers(explorer)
    assert_clean(chapter)


def test_random_slider_settings_agree_with_klhelpers(chapter):
    explorer = chapter.page.locator(EXPLORER).first
    sliders = explorer.locator('input[type="range"]')
    rng = np.random.default_rng(2026)
    for _ in range(12):
        k = int(rng.integers(sliders.count()))
        value = float(rng.choice([0.0, 0.01, 1.0, round(float(rng.uniform(0, 1)), 2)]))
        sliders.nth(k).fill(str(value))
        assert float(sliders.nth(k).input_value()) == value
        state = explorer.evaluate(READ_STATE)
        if sum(state["weights"]) > 0:
            check_against_klhelpers(explorer)
    assert_clean(chapter)


def test_q_zero_where_p_is_positive_shows_infinity_and_the_chart_still_draws(chapter):
    explorer = chapter.page.locator(EXPLORER).first
    config = explorer.evaluate(READ_STATE)["config"]
    k = int(np.argmax(config["p"]))  # a token with p > 0
    token = config["tokens"][k]
    explorer.locator('input[type="range"]').nth(k).fill("0")
    state = check_against_klhelpers(explorer)
    assert state["shown"]["kl_pq"] == "∞"
    assert state["shown"]["cross_entropy_pq"] == "∞"
    assert state["shown"][f"contrib_pq:{token}"] == "∞"
    assert state["shown"][f"q:{token}"] == "0.0000"
    assert state["shown"]["kl_qp"] != "∞"
    heights = explorer.evaluate("root => [...root.querySelectorAll('svg rect[height]')]"
                                ".map(r => parseFloat(r.getAttribute('height')))")
    assert all(math.isfinite(h) and h >= 0 for h in heights)
    assert 0.0 in heights  # the zero bar is drawn flat
    assert_clean(chapter)


def test_all_weights_zero_keeps_the_last_q_and_says_so(chapter):
    explorer = chapter.page.locator(EXPLORER).first
    sliders = explorer.locator('input[type="range"]')
    n = sliders.count()
    for k in range(n - 1):
        sliders.nth(k).fill("0")
    last_q = np.eye(n)[n - 1]
    check_against_klhelpers(explorer, q=last_q)
    message = explorer.locator(".kl-message")
    assert not message.is_visible()
    sliders.nth(n - 1).fill("0")
    state = check_against_klhelpers(explorer, q=last_q)  # the last valid Q, not NaN
    assert "keeps the last valid Q" in state["message"]
    assert message.is_visible()
    sliders.nth(0).fill("0.5")
    check_against_klhelpers(explorer)
    assert not message.is_visible()
    assert_clean(chapter)


def test_reset_and_q_equals_p_buttons(chapter):
    explorer = chapter.page.locator(EXPLORER).first
    start = explorer.evaluate(READ_STATE)
    sliders = explorer.locator('input[type="range"]')
    sliders.nth(0).fill("0")
    sliders.nth(2).fill("0.9")
    explorer.get_by_role("button", name="Set Q = P").click()
    state = check_against_klhelpers(explorer, q=kl.normalize(start["config"]["p"]))
    assert state["shown"]["kl_pq"] == "0.0000" and state["shown"]["kl_qp"] == "0.0000"
    assert state["shown"]["cross_entropy_pq"] == state["shown"]["entropy_p"]
    # Keyboard: the reset button is reachable and works with Enter.
    explorer.get_by_role("button", name="Reset Q").focus()
    chapter.page.keyboard.press("Enter")
    state = check_against_klhelpers(explorer, q=kl.normalize(start["config"]["weights"]))
    assert state["shown"] == start["shown"]
    assert state["weights"] == start["weights"]
    assert_clean(chapter)


def test_sliders_have_accessible_names_and_readouts_are_live(chapter):
    page = chapter.page
    explorer = page.locator(EXPLORER).first
    tokens = explorer.evaluate(READ_STATE)["config"]["tokens"]
    for token in tokens:
        assert explorer.get_by_role("slider", name=re.compile(rf"\b{re.escape(token)}\b")).count() == 2
        assert explorer.get_by_role("slider", name=f"Weight in Q of {token}", exact=True).count() == 1
        assert explorer.get_by_role("slider", name=f"Q bar of {token}: its probability q", exact=True).count() == 1
    live = explorer.locator('[aria-live="polite"] [data-quantity="kl_pq"], [role="status"]')
    assert live.count() >= 1
    assert explorer.locator('[aria-live] [data-quantity="kl_pq"]').count() == 1
    # The chart is labelled; it is a group once the script has put a slider over each Q bar.
    assert explorer.locator("svg.kl-chart[role='group'][aria-label]").count() == 1
    assert_clean(chapter)


def test_fits_a_phone_screen(open_page):
    watched = open_page(CHAPTER, viewport={"width": 375, "height": 740})
    page = watched.page
    for index in range(page.locator(EXPLORER).count()):
        explorer = page.locator(EXPLORER).nth(index)
        explorer.scroll_into_view_if_needed()
        box = explorer.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375 + 0.5
        overflow = explorer.evaluate(
            # The contributions table may scroll sideways inside its own box, which must fit.
            "root => [...root.querySelectorAll('*')]"
            ".filter(e => !(e.parentElement && e.parentElement.closest('.kl-table')))"
            ".filter(e => { const r = e.getBoundingClientRect();"
            " return r.width > 0 && (r.right > 375.5 || r.left < -0.5); }).map(e => e.tagName)")
        assert overflow == []
        assert explorer.evaluate("root => root.scrollWidth <= root.clientWidth")
        svg = explorer.locator("svg").bounding_box()
        assert svg["width"] <= 375
        # Still usable: a tap-free move works at this width.
        explorer.locator('input[type="range"]').first.fill("0.5")
        check_against_klhelpers(explorer)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_clean(watched)


def test_every_page_with_an_explorer_agrees_with_klhelpers(site, open_page):
    pages = sorted(path.relative_to(site).as_posix() for path in site.glob("book/*.html")
                   if 'data-explorer="explorer"' in path.read_text(encoding="utf-8"))
    assert CHAPTER in pages
    for path in pages:
        watched = open_page(path)
        explorers = watched.page.locator(EXPLORER)
        for index in range(explorers.count()):
            explorer = explorers.nth(index)
            check_against_klhelpers(explorer)
            explorer.locator('input[type="range"]').last.fill("0.77")
            check_against_klhelpers(explorer)
        assert_clean(watched)


def test_config_is_the_pythons_numbers(chapter):
    """The page's P is exactly what Python wrote (JSON round-trips doubles)."""
    explorer = chapter.page.locator(EXPLORER).first
    raw = explorer.evaluate("root => root.querySelector('script[type=\"application/json\"]').textContent")
    config = json.loads(raw)
    assert len(config["p"]) == len(config["tokens"]) == len(config["weights"])
    assert abs(sum(config["p"]) - 1) < 1e-9


# Each chapter shows the readouts it has introduced, and no more (chapter 4 introduces the reverse direction).
INTRODUCED = {
    "book/02-cross-entropy.html": {"entropy_p", "cross_entropy_pq", "gap"},
    "book/03-kl-divergence.html": {"entropy_p", "cross_entropy_pq", "kl_pq"},
}


@pytest.mark.parametrize("path", sorted(INTRODUCED))
def test_a_chapter_shows_only_the_readouts_it_has_introduced(open_page, path):
    watched = open_page(path)
    explorer = watched.page.locator(EXPLORER).first
    state = check_against_klhelpers(explorer)
    assert set(state["config"]["show"]) == INTRODUCED[path]
    assert not any(name == "kl_qp" or name.startswith("contrib_qp") for name in state["shown"])
    assert_clean(watched)


def test_chapter_4_shows_both_directions(chapter):
    state = check_against_klhelpers(chapter.page.locator(EXPLORER).first)
    assert {"kl_pq", "kl_qp"} <= set(state["config"]["show"])
    assert_clean(chapter)


def test_chapter_3_follows_q_mat_down_to_zero_as_its_text_says(open_page):
    """Chapter 3: as q(mat) goes to 0 (the others in proportion), D_KL(P||Q) first falls to its lowest
    near q(mat) = p(mat), then climbs without bound, and is infinite at 0."""
    watched = open_page("book/03-kl-divergence.html")
    explorer = watched.page.locator(EXPLORER).first
    control = explorer.locator(".kl-focus-control")
    assert control.count() == 1
    mat = kl.VOCAB.index("mat")
    control.focus()
    seen = []
    while True:
        exact = explorer.evaluate("root => root.__klState().q")
        text = explorer.locator('[data-quantity="kl_pq"]').text_content()
        seen.append((exact[mat], math.inf if text == "∞" else float(text)))
        assert abs(number(text) - kl.kl_divergence(kl.P, exact)) <= TOLERANCE or text == "∞"
        if exact[mat] == 0:
            break
        watched.page.keyboard.press("ArrowLeft")
    shares, values = np.array(seen).T
    lowest = int(np.argmin(values))
    assert 0.03 < shares[lowest] < 0.08 and values[lowest] < values[0]
    assert np.all(np.diff(values[lowest:-1]) > 0) and values[-1] == math.inf
    assert_clean(watched)


def test_each_q_bar_takes_keyboard_focus_and_the_arrow_keys_move_it(chapter):
    """Issue 14: Tab reaches a slider over each Q bar (role, label, aria-valuenow); the arrow keys move
    that token's q by 0.01, the others in proportion, and every readout follows."""
    page = chapter.page
    explorer = page.locator(EXPLORER).first
    handles = explorer.locator("svg.kl-chart rect[data-handle]")
    assert handles.count() == len(kl.VOCAB)
    handles.first.focus()
    for k, token in enumerate(kl.VOCAB):
        handle = explorer.get_by_role("slider", name=f"Q bar of {token}: its probability q")
        assert handle.evaluate("e => e === document.activeElement"), token
        q_before = np.array(explorer.evaluate("root => root.__klState().q"))
        assert float(handle.get_attribute("aria-valuenow")) == pytest.approx(q_before[k], abs=1e-4)
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowDown")
        q = np.array(explorer.evaluate("root => root.__klState().q"))
        np.testing.assert_allclose(q, kl.with_share(q_before, k, q_before[k] + 0.01), atol=1e-12)
        check_against_klhelpers(explorer, q=q)
        assert float(handle.get_attribute("aria-valuenow")) == pytest.approx(q[k], abs=1e-4)
        page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Home")  # mat: q = 0 where p > 0
    state = check_against_klhelpers(explorer, q=np.array(explorer.evaluate("root => root.__klState().q")))
    assert state["shown"]["kl_pq"] == "∞"
    assert_clean(chapter)


def test_chapter_6_shows_the_inequalities_and_the_merge_as_its_text_says(open_page):
    """Chapter 6: TV(P, Q) <= sqrt(D/2) (Pinsker) and D after merging on and the <= D, as Q moves."""
    watched = open_page("book/06-properties.html")
    explorers = watched.page.locator(EXPLORER)
    configs = [json.loads(explorers.nth(i).evaluate(
        "root => root.querySelector('script[type=\"application/json\"]').textContent"))
        for i in range(explorers.count())]
    merging = [i for i, c in enumerate(configs) if "merge" in c]
    pinsker = [i for i, c in enumerate(configs) if "pinsker_bound" in c["show"]]
    assert merging and pinsker
    first = configs[merging[0]]
    assert [first["tokens"][k] for k in first["merge"]] == ["on", "the"]
    rng = np.random.default_rng(6)
    for index in merging + pinsker:
        explorer = explorers.nth(index)
        sliders = explorer.locator('input[type="range"]')
        for _ in range(8):
            sliders.nth(int(rng.integers(sliders.count()))).fill(str(round(float(rng.uniform(0, 1)), 2)))
            shown = check_against_klhelpers(explorer)["shown"]
            if shown["kl_pq"] == "∞":
                continue
            if "kl_merged" in shown:
                assert number(shown["kl_merged"]) <= number(shown["kl_pq"])
            if "pinsker_bound" in shown:
                assert number(shown["total_variation"]) <= number(shown["pinsker_bound"])
    assert_clean(watched)
