"""The sampling twin (chapter 2) in Chromium: Play draws the same tokens as Python, and every
readout is the mean of the sample actually drawn (recomputed here from the tokens, with numpy).

Fast: the twins are put on a blank page (tests/twin_pages.py), no build needed.
"""

import numpy as np
import pytest

import klhelpers as kl
from klhelpers.interactives import sampling
from twin_pages import open_twins


def mean_loss(q, tokens):
    """The average of -ln q_x over the drawn tokens, from first principles."""
    return float(np.mean(-np.log(np.asarray(q, dtype=float)[np.asarray(tokens, dtype=int)])))


def readouts(root):
    return root.evaluate("""root => Object.fromEntries([...root.querySelectorAll('[data-quantity]')]
        .map(node => [node.dataset.quantity, node.textContent]))""")


def state(root):
    return root.evaluate("root => root.__klState()")


def finished(page, root_id):
    page.wait_for_function(f"() => !document.getElementById('{root_id}').hasAttribute('data-playing')"
                           f" && document.getElementById('{root_id}').__klState().n > 0", timeout=20_000)


@pytest.fixture
def chapter_twin(browser):
    view = sampling.explore_sampling()
    watched = open_twins(browser, view.html, viewport={"width": 390, "height": 844})
    yield view, watched, watched.page.locator("[data-explorer=sampling]")
    watched.context.close()


def test_the_browser_draws_the_same_tokens_as_python(chapter_twin):
    view, watched, root = chapter_twin
    s = state(root)
    stream = sampling.mulberry32(view.seed)
    assert s["uniforms"] == [next(stream) for _ in range(20)]  # bit for bit
    assert s["n"] == view.n_max and s["tokens"] == view.tokens.tolist()
    # the first paint (Python) and the mounted twin (JavaScript) show the same numbers
    assert readouts(root) == {key: view.readout(key) for key in sampling.READOUTS}
    assert not watched.errors and not watched.outside_requests


def test_play_pause_and_the_readout_is_the_mean_of_the_drawn_sample(chapter_twin):
    view, watched, root = chapter_twin
    page = watched.page
    root.locator("[data-action=reset]").click()
    assert state(root)["n"] == 0
    assert readouts(root)["average_loss"] == sampling.NONE and readouts(root)["n"] == "0"
    root.locator("[data-action=play]").click()
    page.wait_for_function("root => root.__klState().n >= 50", arg=root.element_handle())
    root.locator("[data-action=pause]").click()
    s = state(root)
    assert not s["playing"] and 50 <= s["n"] < view.n_max
    assert s["n"] in view.steps  # it stopped at the end of a step
    assert s["tokens"] == view.tokens[:s["n"]].tolist()
    shown = readouts(root)
    assert shown["n"] == f"{s['n']:,}"
    assert shown["average_loss"] == f"{mean_loss(kl.Q, s['tokens']):.4f}"
    assert shown["cross_entropy"] == f"{kl.cross_entropy(kl.P, kl.Q):.4f}"
    assert float(shown["difference"]) == pytest.approx(float(shown["average_loss"]) - float(shown["cross_entropy"]),
                                                       abs=1.5e-4)
    # paused means paused
    page.wait_for_timeout(200)
    assert state(root)["n"] == s["n"]
    # play on to the end: the whole run, the readout the Python first paint showed
    root.locator("[data-action=play]").click()
    finished(page, root.get_attribute("id"))
    s = state(root)
    assert s["n"] == view.n_max
    assert readouts(root)["average_loss"] == f"{mean_loss(kl.Q, s['tokens']):.4f}" == view.readout("average_loss")
    assert root.locator("[data-action=play]").is_enabled() and root.locator("[data-action=pause]").is_disabled()
    assert not watched.errors and not watched.outside_requests


def test_the_curve_has_one_point_per_step_drawn(chapter_twin):
    view, watched, root = chapter_twin
    points = root.locator("polyline[data-running]")
    assert len(points.get_attribute("points").split()) == len(view.steps)
    root.locator("[data-action=reset]").click()
    assert points.get_attribute("points") == ""
    root.locator("[data-action=play]").click()
    watched.page.wait_for_function("root => root.__klState().n >= 20", arg=root.element_handle())
    root.locator("[data-action=pause]").click()
    n = state(root)["n"]
    assert len(points.get_attribute("points").split()) == sum(1 for m in view.steps if m <= n)


def test_controls_are_labelled_and_big_enough_on_a_phone(chapter_twin):
    _, _, root = chapter_twin
    for action, name in (("play", "Play"), ("pause", "Pause"), ("reset", "Reset")):
        button = root.locator(f"[data-action={action}]")
        assert button.inner_text() == name
        box = button.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
    assert root.evaluate("root => root.scrollWidth <= root.clientWidth")


def test_random_settings_agree_with_python(browser):
    rng = np.random.default_rng(14)
    views = []
    for _ in range(3):
        size = int(rng.integers(2, 8))
        p, q = rng.dirichlet(np.ones(size)), rng.dirichlet(np.ones(size))
        views.append(sampling.explore_sampling(p, q, [f"t{k}" for k in range(size)],
                                               n_max=int(rng.integers(10, 3000)),
                                               seed=int(rng.integers(0, 2 ** 32))))
    watched = open_twins(browser, *[v.html for v in views])
    try:
        roots = watched.page.locator("[data-explorer=sampling]")
        for i, view in enumerate(views):
            root = roots.nth(i)
            s = state(root)
            assert s["tokens"] == view.tokens.tolist()
            assert readouts(root)["average_loss"] == f"{mean_loss(view.q, s['tokens']):.4f}"
            assert readouts(root) == {key: view.readout(key) for key in sampling.READOUTS}
        assert not watched.errors and not watched.outside_requests
    finally:
        watched.context.close()


def test_the_jupyter_player_steps_through_the_same_run():
    """The ipywidgets rendering: the Play control's value is a step; the readouts follow it."""
    view = sampling.explore_sampling()
    assert view.play.value == len(view.steps) and view.readout("n") == "10,000"
    view.play.value = 30
    n = view.steps[29]
    assert view.n == n and view.readout("n") == f"{n:,}"
    assert view.readout("average_loss") == f"{mean_loss(kl.Q, view.tokens[:n]):.4f}"
    assert f'data-quantity="average_loss">{view.readout("average_loss")}<' in view._results.value
    view.reset_button.click()
    assert view.n == 0 and view.readout("average_loss") == sampling.NONE
    with pytest.raises(ValueError, match="q\\[1\\] is 0"):
        sampling.explore_sampling([0.5, 0.5], [1.0, 0.0], ["a", "b"])
    with pytest.raises(ValueError, match="seed"):
        sampling.explore_sampling(seed=-1)


def axe_serious(page, title):
    from axe_playwright_python.sync_playwright import Axe

    page.evaluate(f"document.title = {title!r}")
    results = Axe().run(page)
    return [(v["id"], v["help"]) for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")]


def test_passes_axe_on_a_phone_and_chart_text_is_legible(chapter_twin):
    _, watched, root = chapter_twin
    sizes = root.locator("svg.kl-chart text").evaluate_all(
        "texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a)")
    assert min(sizes) >= 11, sizes
    root.locator("[data-action=reset]").click()   # the state with a disabled Pause, too
    assert axe_serious(watched.page, "Sampling player") == []
    root.locator("[data-action=play]").click()
    assert axe_serious(watched.page, "Sampling player") == []
    assert watched.errors == [] and watched.outside_requests == []


def test_the_chapter_page_mounts_its_player_and_code_space_picture(open_page):
    watched = open_page("book/02-cross-entropy.html", viewport={"width": 390, "height": 844})
    page = watched.page
    for kind in ("sampling", "code-space"):
        assert page.locator(f"[data-explorer={kind}]").count() == 1
        assert page.locator(f"[data-explorer={kind}]").get_attribute("data-state") == "ready"
    root = page.locator("[data-explorer=sampling]")
    root.locator("[data-action=reset]").click()
    root.locator("[data-action=play]").click()
    finished(page, root.get_attribute("id"))
    s = state(root)
    assert s["n"] == 10_000 and readouts(root)["average_loss"] == f"{mean_loss(kl.Q, s['tokens']):.4f}"
    assert watched.errors == [] and watched.outside_requests == []
