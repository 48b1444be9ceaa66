"""The Gaussians interactive (chapter 8) in real Chromium: every readout equals klhelpers.

The twins are put on a bare page with the served scripts (tests/twin_pages.py): no build
needed. Sliders are moved the way a reader moves them (fill + input event, keyboard), and
what the page shows is compared with klhelpers computed here, to 4 decimals.
"""

import math
import re

import numpy as np
import pytest

import klhelpers as kl
from klhelpers.interactives import gaussian_markup as markup

from twin_pages import open_twins

TWIN = '[data-explorer="gaussian"]'
TOLERANCE = 0.5e-4 + 1e-9
READ = """root => Object.fromEntries([...root.querySelectorAll('[data-quantity]')]
                                 .map(e => [e.getAttribute('data-quantity'), e.textContent]))"""


def expected(mode, settings, config):
    """Every readout from klhelpers, computed here without the widget's code."""
    s = settings
    if mode == "divergence":
        width = markup.WIDTHS[int(s["bin"])]
        p = kl.discretize_gaussian(s["mu_p"], s["sigma_p"], width)
        c = -30.0 + (np.arange(round(60 / width)) + 0.5) * width
        return {"kl_pq": kl.kl_gaussian(s["mu_p"], s["sigma_p"], s["mu_q"], s["sigma_q"]),
                "kl_qp": kl.kl_gaussian(s["mu_q"], s["sigma_q"], s["mu_p"], s["sigma_p"]),
                "kl_pq_binned": kl.kl_from_logits(-0.5 * ((c - s["mu_p"]) / s["sigma_p"]) ** 2,
                                                   -0.5 * ((c - s["mu_q"]) / s["sigma_q"]) ** 2), "entropy_p_binned": kl.entropy(p),
                "minus_log_width": -math.log(width), "entropy_p_shifted": kl.entropy(p) + math.log(width),
                "h_p": kl.gaussian_entropy(s["sigma_p"])}
    post = kl.posterior(config["x"], config["noise"])
    bound = kl.elbo(config["x"], config["noise"], s["q_mean"], s["q_std"])
    return {"log_evidence": kl.log_evidence(config["x"], config["noise"]), "elbo": bound,
            "gap": kl.log_evidence(config["x"], config["noise"]) - bound,
            "kl_q_posterior": kl.kl_gaussian(s["q_mean"], s["q_std"], *post)}


def assert_matches(twin, mode, settings, config):
    shown = twin.evaluate(READ)
    want = expected(mode, settings, config)
    assert set(shown) == set(want)
    for key, value in want.items():
        assert re.fullmatch(r"-?\d+\.\d{4}", shown[key]), (key, shown[key])
        assert abs(float(shown[key]) - value) <= TOLERANCE, (key, shown[key], value, settings)
    svg = twin.locator("svg.kl-chart").inner_html()
    assert "NaN" not in svg and "undefined" not in svg and "Infinity" not in svg


def set_slider(twin, name, value):
    twin.locator(f'input[data-param="{name}"]').fill(f"{value:g}")


def positions(rng, low, high, step):
    return low + step * rng.integers(0, int(round((high - low) / step)) + 1)


@pytest.fixture(scope="module")
def pages(browser):
    watched = open_twins(browser, kl.explore_gaussians().html, kl.explore_elbo().html,
                         viewport={"width": 390, "height": 844})
    yield watched
    watched.context.close()


def test_first_paint_is_klhelpers_and_every_control_is_labelled(pages):
    divergence, elbo = pages.page.locator(TWIN).nth(0), pages.page.locator(TWIN).nth(1)
    assert_matches(divergence, "divergence", kl.explore_gaussians().start, {})
    assert_matches(elbo, "elbo", kl.explore_elbo().start, kl.explore_elbo().config)
    for label in ("μ of P", "σ of P", "μ of Q", "σ of Q", "bin width Δ", "μ of q", "σ of q"):
        assert pages.page.get_by_label(label, exact=True).count() == 1, label
    thumbs = pages.page.locator('input[type="range"]')
    for i in range(thumbs.count()):
        box = thumbs.nth(i).bounding_box()
        assert box["height"] >= 24 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert pages.errors == [] and pages.outside_requests == []


def test_random_settings_of_p_q_and_the_bin_width(pages):
    twin, rng = pages.page.locator(TWIN).nth(0), np.random.default_rng(8)
    limits = {c[0]: c[2:] for c in markup.CONTROLS["divergence"]}
    for _ in range(12):
        settings = {name: float(round(positions(rng, *limits[name]), 4)) for name in limits}
        for name, value in settings.items():
            set_slider(twin, name, value)
        twin.evaluate("root => root.__klRefit()")
        assert_matches(twin, "divergence", settings, {})
        assert twin.locator('output[data-output="bin"]').text_content() == f"{markup.WIDTHS[int(settings['bin'])]:g}"
    assert pages.errors == [] and pages.outside_requests == []


def test_the_binned_divergence_settles_while_the_binned_entropy_runs_away(pages):
    twin = pages.page.locator(TWIN).nth(0)
    twin.locator('[data-action="reset"]').click()
    entropies = []
    for index in range(len(markup.WIDTHS)):
        twin.locator('input[data-param="bin"]').focus()
        set_slider(twin, "bin", index)
        twin.evaluate("root => root.__klRefit()")
        shown = twin.evaluate(READ)
        entropies.append(float(shown["entropy_p_binned"]))
        if markup.WIDTHS[index] <= 0.5:
            assert shown["kl_pq_binned"] == shown["kl_pq"]
    assert all(b > a for a, b in zip(entropies, entropies[1:]))
    assert pages.errors == []


def test_elbo_gap_is_the_divergence_at_random_q(pages):
    twin, rng = pages.page.locator(TWIN).nth(1), np.random.default_rng(3)
    config = kl.explore_elbo().config
    limits = {c[0]: c[2:] for c in markup.CONTROLS["elbo"]}
    for _ in range(10):
        settings = {name: float(round(positions(rng, *limits[name]), 4)) for name in limits}
        for name, value in settings.items():
            set_slider(twin, name, value)
        twin.evaluate("root => root.__klRefit()")
        assert_matches(twin, "elbo", settings, config)
        shown = twin.evaluate(READ)
        assert abs(float(shown["gap"]) - float(shown["kl_q_posterior"])) <= 1e-4
    assert pages.errors == []


def test_keyboard_moves_a_slider_and_the_page_follows(pages):
    page, twin = pages.page, pages.page.locator(TWIN).nth(0)
    twin.locator('[data-action="reset"]').click()
    twin.locator('input[data-param="mu_q"]').focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("r => !r.hasAttribute('data-busy')", arg=twin.element_handle())
    settings = dict(kl.explore_gaussians().start, mu_q=1.1)
    assert_matches(twin, "divergence", settings, {})
    assert pages.errors == []


def test_passes_axe(pages):
    from axe_playwright_python.sync_playwright import Axe

    pages.page.evaluate("document.title = 'Gaussians'")
    results = Axe().run(pages.page)
    serious = [(v["id"], v["help"]) for v in results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert serious == []


def test_the_chapter_page_mounts_both_twins_and_they_follow_the_reader(open_page):
    watched = open_page("book/08-continuous.html", viewport={"width": 390, "height": 844})
    twins = watched.page.locator(TWIN)
    assert twins.count() == 2
    watched.page.wait_for_function("() => [...document.querySelectorAll('[data-explorer=gaussian]')]"
                                   ".every(e => e.getAttribute('data-state') === 'ready')")
    divergence, elbo = twins.nth(0), twins.nth(1)
    set_slider(divergence, "sigma_p", 0.2)
    set_slider(divergence, "bin", 0)
    divergence.evaluate("root => root.__klRefit()")
    assert_matches(divergence, "divergence", dict(kl.explore_gaussians().start, sigma_p=0.2, bin=0.0), {})
    set_slider(elbo, "q_mean", 1.0)
    set_slider(elbo, "q_std", 0.7)
    elbo.evaluate("root => root.__klRefit()")
    assert_matches(elbo, "elbo", {"q_mean": 1.0, "q_std": 0.7}, kl.explore_elbo().config)
    assert watched.errors == [] and watched.outside_requests == []
