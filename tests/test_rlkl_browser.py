"""The rl-kl twin (chapter 10) in Chromium: every readout equals klhelpers to 4 decimals.

The browser recomputes each run with klmath.js; these tests set random rewards, beta,
estimator and placement the way a reader does (the range inputs and the menus), move to
random steps, and compare the readouts with klhelpers.train_policy, kl_divergence,
total_variation and optimal_policy, computed here. Fast: the twin is put on a blank page
(tests/twin_pages.py), no build needed. The chapter page itself is checked when a built
site is available (KL_BUILD_OUTPUT), like the other site tests.
"""

import numpy as np
import pytest

import klhelpers as kl
from klhelpers.interactives import rlkl
from twin_pages import open_twins

TOLERANCE = 0.5e-4 + 1e-9


def readouts(root):
    return root.evaluate("""root => Object.fromEntries([...root.querySelectorAll('[data-quantity]')]
        .map(node => [node.dataset.quantity, node.textContent]))""")


def expected(reward, beta, estimator, placement, t):
    policies, diverged = rlkl.run(kl.P, np.asarray(reward, float), beta, estimator, placement)
    t = min(t, len(policies) - 1)
    pi, star = policies[t], kl.optimal_policy(kl.P, reward, beta)
    return t, len(policies) - 1, diverged, {"kl_pi_ref": kl.kl_divergence(pi, kl.P),
                                            "kl_ref_pi": kl.kl_divergence(kl.P, pi),
                                            "distance_to_optimum": kl.total_variation(pi, star)}


def set_controls(root, reward, beta, estimator, placement):
    root.evaluate("""(root, s) => {
        const fire = (node, kind) => node.dispatchEvent(new Event(kind, {bubbles: true}));
        root.querySelectorAll('input[data-reward]').forEach((input, k) => {
            input.value = String(s.reward[k]); fire(input, 'input'); });
        const beta = root.querySelector('input[data-param=beta]');
        beta.value = String(s.beta); fire(beta, 'input');
        root.querySelector('select[data-param=estimator]').value = s.estimator;
        fire(root.querySelector('select[data-param=estimator]'), 'change');
        root.querySelector('select[data-param=placement]').value = s.placement;
        fire(root.querySelector('select[data-param=placement]'), 'change');
    }""", {"reward": list(reward), "beta": beta, "estimator": estimator, "placement": placement})


@pytest.fixture
def twin(browser):
    view = kl.explore_rl_kl()
    watched = open_twins(browser, view.html, viewport={"width": 390, "height": 844})
    yield view, watched, watched.page.locator("[data-explorer=rl-kl]")
    watched.context.close()


def test_first_paint_and_mounted_twin_agree_and_the_hooks_are_there(twin):
    view, watched, root = twin
    assert readouts(root) == {key: view.readout(key) for key in rlkl.READOUTS}
    assert set(readouts(root)) >= {"kl_pi_ref", "kl_ref_pi", "distance_to_optimum"}
    for control in root.locator("input, select").all():  # every control has a label
        assert root.locator(f'label[for="{control.get_attribute("id")}"]').count() == 1
    for button in root.locator("button").all():
        box = button.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
    assert root.bounding_box()["width"] <= 390
    assert not watched.errors and not watched.outside_requests


def test_readouts_match_klhelpers_over_random_settings(twin):
    view, watched, root = twin
    rng = np.random.default_rng(2026)
    low, high, step = rlkl.REWARD_RANGE
    rewards = np.arange(low, high + step / 2, step)
    b_low, b_high, b_step = rlkl.BETA_RANGE
    betas = np.round(np.arange(b_low, b_high + b_step / 2, b_step), 2)
    for trial in range(12):
        reward = [float(r) for r in rng.choice(rewards, size=5)]
        beta = float(rng.choice(betas))
        estimator = str(rng.choice(["k1", "k2", "k3"]))
        placement = str(rng.choice(["loss", "reward"])) if trial else "reward"
        set_controls(root, reward, beta, estimator, placement)
        for t in (0, int(rng.integers(1, rlkl.STEPS)), rlkl.STEPS):
            shown_t = root.evaluate(f"root => root.__klShow({t})")
            want_t, last, diverged, values = expected(reward, beta, estimator, placement, t)
            state = root.evaluate("root => root.__klState()")
            assert (shown_t, state["steps"], state["diverged"]) == (want_t, last, diverged)
            shown = readouts(root)
            assert shown["step"] == str(want_t)
            for name, value in values.items():
                assert abs(float(shown[name]) - value) <= TOLERANCE, (reward, beta, estimator, placement, t, name)
    assert not watched.errors and not watched.outside_requests


def test_the_chapters_claims_on_the_page(twin):
    """k2 in the loss and k1 in the reward reach pi*; k1 in the loss ignores the penalty; k3 goes elsewhere."""
    view, watched, root = twin
    reward, beta = [0.0, 0.0, 0.5, 0.0, 1.0], 0.5
    distance = {}
    for estimator, placement in (("k2", "loss"), ("k1", "reward"), ("k1", "loss"), ("k3", "loss")):
        set_controls(root, reward, beta, estimator, placement)
        root.evaluate(f"root => root.__klShow({rlkl.STEPS})")
        distance[estimator, placement] = float(readouts(root)["distance_to_optimum"])
    assert distance["k2", "loss"] == 0.0 and distance["k1", "reward"] == 0.0
    assert distance["k1", "loss"] > 0.7 and 0.25 < distance["k3", "loss"] < 0.27
    assert not watched.errors


def test_play_pause_reset(twin):
    view, watched, root = twin
    page = watched.page
    root.locator("[data-action=reset]").click()
    assert readouts(root)["step"] == "0"
    root.locator("[data-action=play]").click()
    page.wait_for_function("root => root.__klState().t >= 40", arg=root.element_handle())
    root.locator("[data-action=pause]").click()
    paused = root.evaluate("root => root.__klState()")
    assert not paused["playing"] and 0 < paused["t"] < rlkl.STEPS
    root.locator("[data-action=play]").click()
    page.wait_for_function("root => !root.__klState().playing", arg=root.element_handle(), timeout=20_000)
    assert readouts(root) == {key: view.readout(key) for key in rlkl.READOUTS}  # the end of the run
    assert not watched.errors


def test_a_diverging_run_stops_and_says_so(twin):
    view, watched, root = twin
    reward, beta = [-0.25, 1.0, 1.25, 0.0, 0.25], 2.0
    set_controls(root, reward, beta, "k3", "reward")
    state = root.evaluate("root => root.__klState()")
    policies, diverged = rlkl.run(kl.P, np.array(reward), beta, "k3", "reward")
    assert diverged and state["diverged"] and state["steps"] == len(policies) - 1 < rlkl.STEPS
    assert "diverged" in root.locator(".kl-message").text_content()
    assert not watched.errors


def test_passes_axe(twin):
    from axe_playwright_python.sync_playwright import Axe

    view, watched, root = twin
    watched.page.evaluate("document.title = 'rl-kl'")
    results = Axe().run(watched.page)
    serious = [(v["id"], v["help"]) for v in results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert serious == []


def test_the_jupyter_rendering_follows_its_controls():
    view = kl.explore_rl_kl()
    view.estimator_menu.value = "k1"
    assert view.t == 0 and view.readout("step") == "0"
    view.play.value = rlkl.STEPS
    final = kl.train_policy(np.log(kl.P), kl.P, [0, 0, 0.5, 0, 1], 0.5, "k1", "loss", steps=400, learning_rate=1.0)[-1]
    star = kl.optimal_policy(kl.P, [0, 0, 0.5, 0, 1], 0.5)
    assert view.readout("distance_to_optimum") == f"{kl.total_variation(final, star):.4f}"
    view.placement_menu.value = "reward"
    view.play.value = rlkl.STEPS
    assert view.readout("distance_to_optimum") == "0.0000"


def test_the_chapter_page_mounts_the_twin_on_a_phone(open_page):
    watched = open_page("book/10-llm-practice.html", viewport={"width": 390, "height": 844})
    page = watched.page
    page.wait_for_function("() => document.querySelector('[data-explorer=rl-kl]')"
                           ".getAttribute('data-state') === 'ready'")
    root = page.locator("[data-explorer=rl-kl]")
    view = kl.explore_rl_kl()
    assert readouts(root) == {key: view.readout(key) for key in rlkl.READOUTS}
    set_controls(root, [0.0, 0.0, 0.5, 0.0, 1.0], 0.5, "k3", "loss")
    root.evaluate(f"root => root.__klShow({rlkl.STEPS})")
    assert readouts(root)["distance_to_optimum"] == "0.2564"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert watched.errors == [] and not watched.outside_requests


# -- the estimator-samples twin (chapter 9) ------------------------------------------------------

@pytest.fixture
def samples_twin(browser):
    from klhelpers.interactives import estimator_samples
    view = estimator_samples.explore_estimator_samples()
    watched = open_twins(browser, view.html, viewport={"width": 390, "height": 844})
    yield view, watched, watched.page.locator("[data-explorer=estimator-samples]")
    watched.context.close()


def test_estimator_samples_draw_pythons_replies_and_show_their_means(samples_twin):
    view, watched, root = samples_twin
    state = root.evaluate("root => root.__klState()")
    assert state["tokens"] == view.tokens.tolist()          # the same stream, draw for draw
    assert readouts(root) == {key: view.readout(key) for key in view.values(view.n_max)}
    # each mean is the mean of the drawn replies' values, from the definitions
    rho = kl.P[view.tokens] / kl.Q[view.tokens]
    means = {"k1": -np.log(rho).mean(), "k2": (0.5 * np.log(rho) ** 2).mean(), "k3": (rho - 1 - np.log(rho)).mean()}
    for name, value in means.items():
        assert abs(state["means"][name] - value) < 1e-12
    exact = kl.kl_divergence(kl.Q, kl.P)
    assert abs(means["k1"] - exact) < 0.03 and abs(means["k3"] - exact) < 0.01 and means["k2"] - exact > 0.03
    assert not watched.errors and not watched.outside_requests


def test_estimator_samples_play_pause_reset(samples_twin):
    view, watched, root = samples_twin
    root.locator("[data-action=reset]").click()
    assert readouts(root)["n"] == "0" and readouts(root)["k1"] == "–"
    root.locator("[data-action=play]").click()
    watched.page.wait_for_function("root => root.__klState().n >= 30", arg=root.element_handle())
    root.locator("[data-action=pause]").click()
    state = root.evaluate("root => root.__klState()")
    assert not state["playing"] and 30 <= state["n"] < view.n_max
    rho = kl.P[view.tokens[:state["n"]]] / kl.Q[view.tokens[:state["n"]]]
    assert float(readouts(root)["k3"]) == pytest.approx((rho - 1 - np.log(rho)).mean(), abs=0.5e-4)
    for button in root.locator("button").all():
        box = button.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
    assert not watched.errors
