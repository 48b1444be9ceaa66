"""klhelpers.fits: the family, the two-peaked target, both fits, and the interactive in both renderings."""

import json
import math
import re

import numpy as np
import pytest
import scipy.optimize
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

import klhelpers as kl
from klhelpers import fits

X = np.arange(fits.N_POSITIONS)


def moments(p):
    mean = float(p @ X)
    return mean, math.sqrt(float(p @ (X - mean) ** 2))


def scipy_objective(p, mean, width, direction):
    """Independent objective: scipy's normal pdf, normalised, and rel_entr."""
    q = scipy.stats.norm.pdf(np.arange(p.size), loc=mean, scale=width)
    q = q / q.sum()
    return scipy.special.rel_entr(p, q).sum() if direction == "forward" else scipy.special.rel_entr(q, p).sum()


# -- family and target ------------------------------------------------------------------------------

@given(st.floats(-5, 45), st.floats(0.6, 25))
def test_gaussian_family_matches_scipy_normal(mean, width):
    q = kl.gaussian_family(mean, width)
    want = scipy.stats.norm.pdf(X, loc=mean, scale=width)
    np.testing.assert_allclose(q, want / want.sum(), rtol=1e-9, atol=1e-300)
    assert q.sum() == pytest.approx(1.0, abs=1e-12)


def test_gaussian_family_broadcasts_and_handles_narrow_bumps():
    q = kl.gaussian_family(np.array([[3.0], [7.5]]), np.array([1.0, 2.0, 3.0]))
    assert q.shape == (2, 3, fits.N_POSITIONS)
    np.testing.assert_allclose(q.sum(axis=-1), 1.0)
    np.testing.assert_array_equal(kl.gaussian_family(39.0, 1e-3), np.eye(40)[39])


def test_two_peaks_is_the_stated_mixture():
    p = kl.two_peaks((8.0, 30.0), (2.0, 3.0), 0.3)
    g1 = scipy.stats.norm.pdf(X, 8, 2)
    g2 = scipy.stats.norm.pdf(X, 30, 3)
    want = (1 - fits.FLOOR) * (0.3 * g1 / g1.sum() + 0.7 * g2 / g2.sum()) + fits.FLOOR / 40
    np.testing.assert_allclose(p, want, rtol=1e-12)
    assert p.min() >= fits.FLOOR / 40


@pytest.mark.parametrize("call, name", [
    (lambda: kl.two_peaks((-1.0, 20.0)), r"centers\[0\]"),
    (lambda: kl.two_peaks((10.0, 40.0)), r"centers\[1\]"),
    (lambda: kl.two_peaks((10.0, 20.0), (0.0, 2.0)), r"widths\[0\]"),
    (lambda: kl.two_peaks((10.0, 20.0), (1.0, float("nan"))), r"widths\[1\]"),
    (lambda: kl.two_peaks((10.0, 20.0), (1.0, 2.0), 1.5), "left_weight"),
    (lambda: kl.two_peaks((10.0, 20.0), (1.0, 2.0), "half"), "left_weight"),
    (lambda: kl.two_peaks((10.0, 20.0), (1.0, 2.0), 0.5, floor=1.0), "floor"),
    (lambda: kl.two_peaks((10.0,)), r"centers must be a pair of numbers"),
    (lambda: kl.two_peaks((10.0, 20.0), None), r"widths must be a pair of numbers"),
    (lambda: kl.two_peaks((10.0, 20.0), n_positions=1), "n_positions"),
    (lambda: kl.gaussian_family(1.0, -2.0), "width"),
    (lambda: kl.gaussian_family(np.nan, 2.0), "mean"),
    (lambda: kl.fit_gaussian(kl.two_peaks(), "sideways"), "direction"),
    (lambda: kl.fit_gaussian([0.5, 0.6], "forward"), "p sums"),
    (lambda: kl.fit_gaussian(np.full((2, 40), 1 / 40), "forward"), "one distribution"),
    (lambda: kl.fit_forward("cat"), "p must be"),
    (lambda: kl.fit_objective(kl.two_peaks(), 3.0, 0.0, "forward"), "width"),
    (lambda: kl.explore_fits(centers=(50.0, 20.0)), "left_center"),
])
def test_bad_input_raises(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_fit_objective_agrees_with_scipy():
    p = kl.two_peaks()
    for direction in fits.DIRECTIONS:
        for mean, width in ((5.0, 1.5), (17.3, 8.0), (30.0, 3.3)):
            got = float(kl.fit_objective(p, mean, width, direction))
            assert got == pytest.approx(scipy_objective(p, mean, width, direction), rel=1e-9)


# -- the fits -------------------------------------------------------------------------------------------

def test_forward_covers_both_peaks_and_reverse_sits_on_one():
    p = kl.two_peaks()  # peaks at 11 (share 0.6, width 2) and 27 (width 3.5)
    forward, reverse = kl.fit_forward(p), kl.fit_reverse(p)
    assert forward.width > 2 * reverse.width
    assert 11 < forward.mean < 27                     # between the peaks
    assert forward.q[11] > 0.01 and forward.q[27] > 0.01
    assert reverse.mean == pytest.approx(11, abs=0.5)  # on the heavier, narrower peak
    assert reverse.width == pytest.approx(2, rel=0.2)
    assert reverse.q[27] < 1e-6                        # and ignores the other one
    # each is the better fit in its own direction only
    assert forward.divergence < float(kl.fit_objective(p, reverse.mean, reverse.width, "forward"))
    assert reverse.divergence < float(kl.fit_objective(p, forward.mean, forward.width, "reverse"))


def test_reverse_fit_follows_the_heavier_peak():
    right_heavy = kl.fit_reverse(kl.two_peaks((11.0, 27.0), (2.5, 2.5), 0.3))
    assert right_heavy.mean == pytest.approx(27, abs=0.5)


def test_forward_fit_matches_the_moments_of_p():
    # The family is exponential in (x, x^2), so the forward optimum matches P's mean and variance.
    for p in (kl.two_peaks(), kl.two_peaks((5.0, 20.0), (1.0, 4.0), 0.25)):
        forward = kl.fit_forward(p)
        np.testing.assert_allclose(moments(forward.q), moments(p), rtol=1e-5)


@settings(max_examples=15, deadline=None)
@given(st.floats(3, 36), st.floats(0.8, 12))
def test_a_member_of_the_family_is_recovered(mean, width):
    q = kl.gaussian_family(mean, width)
    for direction in fits.DIRECTIONS:
        fit = kl.fit_gaussian(q, direction)
        assert fit.divergence < 1e-9
        assert fit.mean == pytest.approx(mean, abs=1e-3) and fit.width == pytest.approx(width, rel=1e-3)


@pytest.mark.parametrize("direction", fits.DIRECTIONS)
@pytest.mark.parametrize("shape", [((11.0, 27.0), (2.0, 3.5), 0.6), ((6.0, 33.0), (1.0, 1.0), 0.5),
                                   ((15.0, 21.0), (2.0, 2.0), 0.45), ((2.0, 37.0), (6.0, 0.7), 0.8)])
def test_each_optimum_is_no_worse_than_a_grid_of_alternatives(direction, shape):
    p = kl.two_peaks(*shape)
    fit = kl.fit_gaussian(p, direction)
    assert fit.divergence == pytest.approx(float(kl.fit_objective(p, fit.mean, fit.width, direction)), rel=1e-12)
    rng = np.random.default_rng(42)
    means = np.concatenate([np.linspace(0, 39, 157), rng.uniform(0, 39, 300)])
    widths = np.concatenate([np.geomspace(0.5, 20, 120), rng.uniform(0.5, 20, 300)])
    grid = kl.fit_objective(p, means[:, None], widths[None, :], direction)
    assert fit.divergence <= grid.min() + 1e-12
    # and no worse than scipy's Nelder-Mead started from the best grid point
    i, j = np.unravel_index(np.argmin(grid), grid.shape)
    result = scipy.optimize.minimize(
        lambda t: scipy_objective(p, t[0], math.exp(t[1]), direction),
        x0=[means[i], math.log(widths[j])], method="Nelder-Mead",
        bounds=[(0, 39), (math.log(0.5), math.log(20))], options={"xatol": 1e-9, "fatol": 1e-13})
    assert fit.divergence <= result.fun + 1e-9


# -- the interactive ---------------------------------------------------------------------------------------

def readouts(html):
    return dict(re.findall(r'data-quantity="([a-z-]+)"[^>]*>([^<]*)<', html))


def test_explore_fits_carries_both_renderings():
    view = kl.explore_fits()
    bundle = view._repr_mimebundle_()
    assert {"text/html", "text/plain", "application/vnd.jupyter.widget-view+json"} <= set(bundle)
    html = bundle["text/html"]
    assert 'data-explorer="fits"' in html
    ranges = re.findall(r'<input type="range" id="([^"]+)" data-param="([a-z_]+)"', html)
    assert [name for _, name in ranges] == [c[0] for c in fits.CONTROLS]
    for control_id, _ in ranges:
        assert f'<label for="{control_id}"' in html
    p = kl.two_peaks((11.0, 27.0), (2.0, 3.5), 0.6)
    forward, reverse = kl.fit_forward(p), kl.fit_reverse(p)
    assert readouts(html) == {
        "forward-kl": f"{forward.divergence:.4f} nats", "forward-mean": f"{forward.mean:.2f}",
        "forward-width": f"{forward.width:.2f}", "reverse-kl": f"{reverse.divergence:.4f} nats",
        "reverse-mean": f"{reverse.mean:.2f}", "reverse-width": f"{reverse.width:.2f}"}
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    config = json.loads(re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', html).group(1))
    assert config["n"] == 40 and config["maxRounds"] == fits.MAX_ROUNDS and config["floor"] == fits.FLOOR
    assert bundle["text/plain"].startswith("<forward vs reverse fit")


def test_explore_fits_html_is_deterministic_apart_from_its_id():
    first, second = kl.explore_fits().html, kl.explore_fits().html
    strip = lambda h: re.sub(r"kl-fits-\d+", "kl-fits-N", h)  # noqa: E731
    assert first != second and strip(first) == strip(second)


def test_jupyter_widget_refits_on_slider_change():
    view = kl.explore_fits()
    sliders = view.widget.children[:5]
    readout = view.widget.children[-1]
    sliders[4].value = 0.3  # left_weight: the right peak is now the heavier one
    p = kl.two_peaks((11.0, 27.0), (2.0, 3.5), 0.3)
    assert f"{kl.fit_reverse(p).mean:.2f}" in readout.value
    assert f"{kl.fit_forward(p).divergence:.4f} nats" in readout.value


@pytest.mark.parametrize("moves", [
    {"left_weight": 0.3},
    {"left_center": 16.0, "right_center": 22.0, "left_width": 3.0},
    {"right_width": 1.0, "left_center": 4.5},
])
def test_web_twin_in_chromium_agrees_with_python(browser, moves):
    """The page's JavaScript refits after each slider move and shows what klhelpers computes."""
    html = kl.explore_fits().html
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.set_content(f"<!doctype html><html><body>{html}</body></html>")
    settings_now = {"left_center": 11.0, "right_center": 27.0, "left_width": 2.0, "right_width": 3.5,
                    "left_weight": 0.6}
    assert page.locator('[data-explorer="fits"]').get_attribute("data-state") == "ready"
    before = page.locator("polyline[data-fit=reverse]").get_attribute("points")
    for name, value in moves.items():
        page.locator(f'input[data-param="{name}"]').fill(str(value))  # fires "input"
        settings_now[name] = value
    shown = {q: page.locator(f'[data-quantity="{q}"]').text_content() for q in readouts(html)}
    p = kl.two_peaks((settings_now["left_center"], settings_now["right_center"]),
                     (settings_now["left_width"], settings_now["right_width"]), settings_now["left_weight"])
    expected = readouts(fits._markup(settings_now, p, kl.fit_forward(p), kl.fit_reverse(p), "x"))
    assert shown == expected
    assert page.locator(f'output[data-value="{name}"]').text_content() == f"{value:g}"
    assert page.locator("polyline[data-fit=reverse]").get_attribute("points") != before
    assert errors == []
    page.close()
