"""The code-space twin (chapter 2) in Chromium: after any move of the sliders, the readouts are
klhelpers' numbers to 4 decimals and the columns are where Python draws them.

Fast: the twin is put on a blank page (tests/twin_pages.py), no build needed.
"""

import re

import numpy as np

import klhelpers as kl
from klhelpers.interactives import codespace
from twin_pages import open_twins


def readouts(root):
    return root.evaluate("""root => Object.fromEntries([...root.querySelectorAll('[data-quantity]')]
        .map(node => [node.dataset.quantity, node.textContent]))""")


def columns(svg_or_root_html):
    """(k, part) -> (y, height) of every column rectangle in an SVG's markup."""
    found = re.findall(r'<rect data-k="(\d)" data-part="(\w+)"[^>]*? y="([\d.-]+)" height="([\d.-]+)"',
                       svg_or_root_html)
    return {(k, part): (float(y), float(h)) for k, part, y, h in found}


def set_weights(root, weights):
    root.evaluate("""(root, weights) => root.querySelectorAll('input[type=range]').forEach((s, k) => {
        s.value = weights[k]; s.dispatchEvent(new Event('input', {bubbles: true})); })""", list(weights))


def test_readouts_and_columns_follow_the_sliders(browser):
    view = codespace.explore_code_space()
    watched = open_twins(browser, view.html, viewport={"width": 390, "height": 844})
    try:
        root = watched.page.locator("[data-explorer=code-space]")
        assert readouts(root) == {key: view.readout(key) for key in codespace.READOUTS}
        rng = np.random.default_rng(11)
        p = np.array(kl.P)
        for _ in range(15):
            weights = np.round(rng.uniform(0.01, 1.0, size=5), 2)
            set_weights(root, weights)
            q = weights / weights.sum()
            shown = readouts(root)
            assert shown["cross_entropy_bits"] == f"{-np.sum(p * np.log2(q)):.4f}"
            assert shown["kl_bits"] == f"{np.sum(p * np.log2(p / q)):.4f}"
            assert shown["entropy_bits"] == f"{-np.sum(p * np.log2(p)):.4f}"
            view.set_weights(weights)
            assert shown == {key: view.readout(key) for key in codespace.READOUTS}
            js = columns(root.inner_html())
            python = columns(view.chart_svg("x", view.q))
            assert js.keys() == python.keys() and len(js) == 15
            for key, (y, h) in python.items():
                assert abs(js[key][0] - y) <= 0.011 and abs(js[key][1] - h) <= 0.011, key
        root.locator("[data-action=equal]").click()
        assert readouts(root)["kl_bits"] == "0.0000"
        root.locator("[data-action=reset]").click()
        assert readouts(root) == {key: codespace.explore_code_space().readout(key) for key in codespace.READOUTS}
        for button in root.locator("button").all():
            box = button.bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24
        assert root.evaluate("root => root.scrollWidth <= root.clientWidth")
        assert not watched.errors and not watched.outside_requests
    finally:
        watched.context.close()


def test_the_jupyter_rendering_follows_its_sliders():
    view = codespace.explore_code_space()
    view.set_weights([0.4, 0.3, 0.1, 0.15, 0.05])
    assert view.readout("kl_bits") == "0.0000"
    assert 'data-quantity="kl_bits">0.0000<' in view._results.value
    view.set_weights([0.01, 1, 1, 1, 1])
    assert float(view.readout("kl_bits")) > 1


def test_passes_axe_on_a_phone_and_chart_text_is_legible(browser):
    from axe_playwright_python.sync_playwright import Axe

    watched = open_twins(browser, codespace.explore_code_space().html, viewport={"width": 390, "height": 844})
    try:
        root = watched.page.locator("[data-explorer=code-space]")
        sizes = root.locator("svg.kl-chart text").evaluate_all(
            "texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a)")
        assert min(sizes) >= 11, sizes
        watched.page.evaluate("document.title = 'Code-space picture'")
        results = Axe().run(watched.page)
        serious = [(v["id"], v["help"]) for v in results.response["violations"]
                   if v.get("impact") in ("serious", "critical")]
        assert serious == []
        assert watched.errors == [] and watched.outside_requests == []
    finally:
        watched.context.close()
