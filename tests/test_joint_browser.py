"""The joint explorer (chapter 5), both renderings: the Jupyter widget and the website twin in Chromium.

The twin's readouts are compared with klhelpers (computed here) to 4 decimals across random
settings of its sliders; what the chapter's prose tells the reader to try is tried. Most tests
put the twin on a bare page (tests/twin_pages.py, milliseconds); one opens the built chapter.
"""

import math
import re

import numpy as np
import pytest

import klhelpers as kl
from klhelpers.exercises.two_variables import BIGRAM
from klhelpers.interactives.joint import READOUTS, compute, mix_table
from twin_pages import open_twins

JOINT = '[data-explorer="joint"]'
TOLERANCE = 0.5e-4 + 1e-9   # shown with 4 decimals
PHONE = {"width": 390, "height": 844}

READ = """root => ({
    shown: Object.fromEntries([...root.querySelectorAll('[data-quantity]')]
                              .map(e => [e.getAttribute('data-quantity'), e.textContent])),
    cells: [...root.querySelectorAll('g[data-cell] text')].map(t => t.textContent),
    segs: [...root.querySelectorAll('rect[data-seg]')].map(r => [r.getAttribute('data-seg'),
                                                                 parseFloat(r.getAttribute('width'))]),
    message: root.querySelector('.kl-message').textContent,
    outputs: [...root.querySelectorAll('output')].map(o => o.textContent),
})"""


def expected(weights, t):
    """Every readout from klhelpers, for the table the sliders describe."""
    pxy = mix_table(kl.normalize(weights), BIGRAM, t)
    px, py = kl.marginals(pxy)
    return pxy, {"entropy_x": kl.entropy(px), "entropy_y": kl.entropy(py), "joint_entropy": kl.joint_entropy(pxy),
                 "conditional_entropy": kl.conditional_entropy(pxy),
                 "conditional_entropy_xy": kl.conditional_entropy(pxy.T),
                 "mutual_information": kl.mutual_information(pxy)}


def assert_agrees(state, weights, t):
    pxy, want = expected(weights, t)
    assert set(state["shown"]) == set(READOUTS)
    for key, value in want.items():
        assert re.fullmatch(r"\d+\.\d{4}", state["shown"][key]), state["shown"][key]
        assert abs(float(state["shown"][key]) - value) <= TOLERANCE, (key, state["shown"][key], value)
    assert [float(c) for c in state["cells"]] == pytest.approx(pxy.ravel().tolist(), abs=0.5e-3 + 1e-9)


# ---------------------------------------------------------------- Python: the twin's markup and the widget

def test_the_twin_carries_every_readout_and_the_first_paint_is_klhelpers():
    view = kl.explore_joint(kl.P, BIGRAM)
    html = view.html
    assert 'data-explorer="joint"' in html and html.count("<svg") == 2
    shown = dict(re.findall(r'data-quantity="(\w+)">([^<]*)<', html))
    _, want = expected(kl.P, 1.0)
    assert set(shown) == set(READOUTS) >= {"entropy_x", "entropy_y", "joint_entropy", "conditional_entropy",
                                           "mutual_information"}
    for key, value in want.items():
        assert abs(float(shown[key]) - value) <= TOLERANCE
    for key in READOUTS:  # the Jupyter rendering shows the same
        assert view.readout(key) == shown[key]
    labels = re.findall(r'<label for="([^"]+)"', html)
    assert len(labels) == 6 and all(f'id="{label}"' in html for label in labels)


def test_html_is_deterministic_apart_from_the_id():
    a, b = kl.explore_joint(kl.P, BIGRAM).html, kl.explore_joint(kl.P, BIGRAM).html
    strip = re.compile(r"kl-joint-\d+")
    assert a != b and strip.sub("", a) == strip.sub("", b)


def test_moving_a_jupyter_slider_recomputes_with_klhelpers():
    view = kl.explore_joint(kl.P, BIGRAM)
    view.sliders["dependence"].value = 0.3
    view.sliders["w4"].value = 0.6
    weights = list(kl.P)
    weights[4] = 0.6
    _, want = expected(weights, 0.3)
    for key, value in want.items():
        assert abs(float(view.readout(key)) - value) <= TOLERANCE
    view.independent_button.click()
    assert view.readout("mutual_information") == "0.0000"
    for k in range(5):
        view.sliders[f"w{k}"].value = 0.0
    assert "All the weights of X are 0" in view._message.value
    view.reset_button.click()
    start = f"{expected(kl.P, 1.0)[1]['joint_entropy']:.4f}"
    assert view._message.value == "" and view.readout("joint_entropy") == start


@pytest.mark.parametrize("kwargs, message", [
    ({"px": [0.5, 0.5], "conditional": BIGRAM}, "px"),
    ({"px": kl.P, "conditional": BIGRAM[:4]}, "conditional"),
    ({"px": kl.P, "conditional": BIGRAM * 2}, "conditional"),
    ({"px": kl.P, "conditional": BIGRAM, "dependence": 1.5}, "dependence"),
])
def test_explore_joint_names_the_bad_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kl.explore_joint(**kwargs)


def test_compute_and_mix_table_agree_with_the_definitions():
    state = compute([1, 1, 2, 0, 0], 0.4, BIGRAM)
    px = np.array([0.25, 0.25, 0.5, 0, 0])
    np.testing.assert_allclose(state.pxy.sum(1), px, atol=1e-15)
    np.testing.assert_allclose(state.pxy.sum(0), px @ BIGRAM, atol=1e-15)
    assert math.isclose(state.values["joint_entropy"],
                        state.values["entropy_x"] + state.values["conditional_entropy"], rel_tol=1e-12)


# ---------------------------------------------------------------- the website twin, in Chromium

@pytest.fixture
def twin(browser):
    opened = []

    def _open(html, viewport=None):
        watched = open_twins(browser, html, viewport=viewport)
        opened.append(watched)
        return watched, watched.page.locator(JOINT).first

    yield _open
    for watched in opened:
        watched.context.close()


def set_sliders(root, values):
    for name, value in values.items():
        root.locator(f'input[data-param="{name}"]').fill(f"{value:g}")
    return root.evaluate(READ)


def test_the_first_paint_is_pythons_and_the_twin_mounts(twin):
    view = kl.explore_joint(kl.P, BIGRAM)
    watched, root = twin(view.html)
    assert root.get_attribute("data-state") == "ready"
    state = root.evaluate(READ)
    assert state["shown"] == dict(re.findall(r'data-quantity="(\w+)">([^<]*)<', view.html))
    assert_agrees(state, kl.P, 1.0)
    assert watched.errors == [] and watched.outside_requests == []


def test_random_slider_settings_agree_with_klhelpers(twin):
    watched, root = twin(kl.explore_joint(kl.P, BIGRAM).html)
    rng = np.random.default_rng(2026)
    for _ in range(12):
        t = float(rng.integers(0, 101)) / 100
        weights = [float(w) for w in rng.integers(0, 101, size=5) / 100]
        if sum(weights) == 0:
            continue
        values = {"dependence": t, **{f"w{k}": w for k, w in enumerate(weights)}}
        state = set_sliders(root, values)
        assert_agrees(state, weights, t)
        assert state["message"] == ""
        assert state["outputs"] == [f"{v:.2f}" for v in values.values()]
    assert watched.errors == [] and watched.outside_requests == []


def test_what_the_chapter_tells_the_reader_to_try(twin):
    watched, root = twin(kl.explore_joint(kl.P, BIGRAM).html)
    start = root.evaluate(READ)["shown"]
    root.locator('[data-action="independent"]').click()
    state = root.evaluate(READ)
    assert state["shown"]["mutual_information"] == "0.0000"
    assert dict((k, w) for k, w in state["segs"])["i"] == 0
    assert state["shown"]["conditional_entropy"] == state["shown"]["entropy_y"]
    assert abs(float(state["shown"]["joint_entropy"]) - float(state["shown"]["entropy_x"])
               - float(state["shown"]["entropy_y"])) <= 2e-4
    for t in (0.2, 0.5, 0.9):  # the marginals' entropies never move with t
        moved = set_sliders(root, {"dependence": t})
        assert (moved["shown"]["entropy_x"], moved["shown"]["entropy_y"]) == (start["entropy_x"], start["entropy_y"])
    state = set_sliders(root, {"w0": 0, "w1": 0, "w2": 0, "w4": 0, "dependence": 0.8})  # only "the" is left
    assert state["shown"]["entropy_x"] == "0.0000" and state["shown"]["mutual_information"] == "0.0000"
    state = set_sliders(root, {"w3": 0})
    assert "All the weights of X are 0" in state["message"]
    assert state["shown"]["entropy_x"] == "0.0000"  # the last table stays
    root.locator('[data-action="reset"]').click()
    state = root.evaluate(READ)
    assert state["shown"] == start and state["message"] == ""
    assert watched.errors == []


def test_the_diagram_pieces_add_up_to_the_bars(twin):
    _, root = twin(kl.explore_joint(kl.P, BIGRAM).html)
    state = set_sliders(root, {"dependence": 0.6, "w2": 0.9})
    widths = {}
    for key, width in state["segs"]:
        widths.setdefault(key, set()).add(width)
    assert all(len(v) == 1 for v in widths.values())  # a piece has one width in every bar
    _, want = expected([0.4, 0.3, 0.9, 0.15, 0.05], 0.6)
    scale = widths["a"].pop() / want["conditional_entropy_xy"]
    assert widths["i"].pop() == pytest.approx(want["mutual_information"] * scale, abs=0.02)
    assert widths["b"].pop() == pytest.approx(want["conditional_entropy"] * scale, abs=0.02)


def test_fits_a_phone_with_big_enough_targets_and_passes_axe(twin):
    from axe_playwright_python.sync_playwright import Axe

    watched, root = twin(kl.explore_joint(kl.P, BIGRAM).html, viewport=PHONE)
    page = watched.page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for box in root.locator("input[type=range], button").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect()).map(r => [r.width, r.height])"):
        assert box[0] >= 24 and box[1] >= 24, box
    sizes = root.locator("svg.kl-chart").evaluate_all(
        "svgs => svgs.map(s => parseFloat(getComputedStyle(s.querySelector('text')).fontSize) "
        "* s.getBoundingClientRect().width / s.viewBox.baseVal.width)")
    assert min(sizes) >= 14, sizes   # chart text at least 14 CSS px on the phone
    page.evaluate("document.title = 'Joint explorer'")
    results = Axe().run(page)
    serious = [(v["id"], v["help"]) for v in results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert serious == []
    assert watched.errors == [] and watched.outside_requests == []


# ---------------------------------------------------------------- the built chapter

def test_the_chapter_page_shows_one_live_joint_explorer(open_page):
    watched = open_page("book/05-two-variables.html")
    root = watched.page.locator(JOINT)
    assert root.count() == 1 and root.get_attribute("data-state") == "ready"
    assert_agrees(root.evaluate(READ), kl.P, 1.0)
    state = set_sliders(root, {"dependence": 0.35, "w1": 0.8})
    weights = list(kl.P)
    weights[1] = 0.8
    assert_agrees(state, weights, 0.35)
    assert watched.errors == [] and watched.outside_requests == []
