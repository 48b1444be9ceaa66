"""Forward vs reverse fits: the math (klhelpers.fits) and the interactive (explore_fits) in both renderings.

The math is checked against scipy; the interactive against klhelpers itself: the
Jupyter widget's readouts, and the website twin's in Chromium (the page's JavaScript
computes with klmath.js, these tests recompute in Python and compare), on a blank page
holding the twin and its served assets (tests/twin_pages.py).
"""

import io
import json
import math
import re
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.optimize
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

import klhelpers as kl
from klhelpers import fits
from klhelpers.interactives import fits_markup as widget
from klhelpers.interactives.twin import WIDGET_VIEW
from twin_pages import open_twins

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


def test_peak_a_may_be_the_right_one():
    np.testing.assert_allclose(kl.two_peaks((30.0, 8.0), (3.0, 2.0), 0.7), kl.two_peaks((8.0, 30.0), (2.0, 3.0), 0.3),
                               rtol=1e-15)


@pytest.mark.parametrize("call, name", [
    (lambda: kl.two_peaks((-1.0, 20.0)), r"centers\[0\]"),
    (lambda: kl.two_peaks((10.0, 40.0)), r"centers\[1\]"),
    (lambda: kl.two_peaks((10.0, 20.0), (0.0, 2.0)), r"widths\[0\]"),
    (lambda: kl.two_peaks((10.0, 20.0), (1.0, float("nan"))), r"widths\[1\]"),
    (lambda: kl.two_peaks((10.0, 20.0), (1.0, 2.0), 1.5), "share_a"),
    (lambda: kl.two_peaks((10.0, 20.0), (1.0, 2.0), "half"), "share_a"),
    (lambda: kl.two_peaks((10.0, 20.0), (1.0, 2.0), 0.5, floor=1.0), "floor"),
    (lambda: kl.two_peaks((10.0,)), r"centers must be a pair of numbers"),
    (lambda: kl.two_peaks((10.0, 20.0), None), r"widths must be a pair of numbers"),
    (lambda: kl.two_peaks((10.0, 20.0), n_positions=1), "n_positions"),
    (lambda: kl.gaussian_family(1.0, -2.0), "width"),
    (lambda: kl.gaussian_family(np.nan, 2.0), "mean"),
    (lambda: kl.fit_gaussian(kl.two_peaks(), "sideways"), "direction"),
    (lambda: kl.local_fits(kl.two_peaks(), "both"), "direction"),
    (lambda: kl.fit_gaussian([0.5, 0.6], "forward"), "p sums"),
    (lambda: kl.fit_gaussian(np.full((2, 40), 1 / 40), "forward"), "one distribution"),
    (lambda: kl.fit_forward("cat"), "p must be"),
    (lambda: kl.fit_objective(kl.two_peaks(), 3.0, 0.0, "forward"), "width"),
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
    p = kl.two_peaks()  # peak A at 11 (share 0.6, width 2), peak B at 27 (width 3.5)
    forward, reverse = kl.fit_forward(p), kl.fit_reverse(p)
    assert forward.width > 2 * reverse.width
    assert 11 < forward.mean < 27                     # between the peaks
    assert forward.q[11] > 0.01 and forward.q[27] > 0.01
    assert reverse.mean == pytest.approx(11, abs=0.5)  # on the heavier, narrower peak
    assert reverse.width == pytest.approx(2, rel=0.2)
    assert reverse.q[27] < 1e-6                        # and ignores the other one
    assert forward.at_bound == () and reverse.at_bound == ()
    # each is the better fit in its own direction only
    assert forward.divergence < float(kl.fit_objective(p, reverse.mean, reverse.width, "forward"))
    assert reverse.divergence < float(kl.fit_objective(p, forward.mean, forward.width, "reverse"))


def test_reverse_fit_follows_the_heavier_peak():
    right_heavy = kl.fit_reverse(kl.two_peaks((11.0, 27.0), (2.5, 2.5), 0.3))
    assert right_heavy.mean == pytest.approx(27, abs=0.5)


def test_reverse_objective_has_a_valley_at_each_peak():
    valleys = kl.local_fits(kl.two_peaks(), "reverse")
    assert len(valleys) >= 2
    assert [v.divergence for v in valleys] == sorted(v.divergence for v in valleys)
    best = kl.fit_reverse(kl.two_peaks())
    assert (valleys[0].mean, valleys[0].width, valleys[0].divergence) == (best.mean, best.width, best.divergence)
    assert any(abs(v.mean - 27) < 1 for v in valleys[1:])  # the worse valley, at peak B


def test_forward_fit_matches_the_moments_of_p():
    # The family is exponential in (x, x^2), so the forward optimum matches P's mean and variance.
    for p in (kl.two_peaks(), kl.two_peaks((5.0, 20.0), (1.0, 4.0), 0.25)):
        forward = kl.fit_forward(p)
        np.testing.assert_allclose(moments(forward.q), moments(p), rtol=1e-5)


def test_a_p_wider_than_any_bump_puts_the_forward_fit_on_the_width_bound():
    p = kl.two_peaks((1.0, 38.0), (0.5, 0.5), 0.5)  # spread wider than the flattest bump, the uniform
    assert moments(p)[1] > moments(np.full(40, 1 / 40))[1]
    forward = kl.fit_forward(p)
    assert forward.at_bound == ("width",)
    assert forward.width == pytest.approx(fits.SEARCH["maxWidthPerPosition"] * 40)


def test_share_kept_is_p_on_the_fits_side_of_the_midpoint():
    p = kl.two_peaks()
    assert kl.share_kept(p, (11.0, 27.0), 11.0) == pytest.approx(p[:20].sum(), rel=1e-15)
    assert kl.share_kept(p, (27.0, 11.0), 26.0) == pytest.approx(p[20:].sum(), rel=1e-15)
    assert kl.share_kept(p, (11.0, 27.0), 11.0) + kl.share_kept(p, (11.0, 27.0), 27.0) == pytest.approx(1.0)


@settings(max_examples=15, deadline=None)
@given(st.floats(3, 36), st.floats(0.8, 12))
def test_a_member_of_the_family_is_recovered(mean, width):
    q = kl.gaussian_family(mean, width)
    for direction in fits.DIRECTIONS:
        fit = kl.fit_gaussian(q, direction)
        assert fit.divergence < 1e-9
        assert fit.mean == pytest.approx(mean, abs=1e-3) and fit.width == pytest.approx(width, rel=1e-3)
        assert fit.at_bound == ()


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


# -- the interactive: what it must show, computed here from klhelpers -------------------------------------

START = {"center_a": 11.0, "width_a": 2.0, "center_b": 27.0, "width_b": 3.5, "share_a": 0.6}
#: Two narrow peaks at the ends: P is more spread out than any bump, the forward fit's width on its bound.
SPREAD = {"center_a": 1.0, "width_a": 0.5, "center_b": 38.0, "width_b": 0.5, "share_a": 0.5}
DECIMALS = {"forward-kl": 4, "forward-mean": 2, "forward-width": 2, "reverse-kl": 4, "reverse-mean": 2,
            "reverse-width": 2, "reverse-share": 4, "reverse-cost": 4}
VALLEY = re.compile(r"μ (\S+), σ (\S+): (\S+) nats( \(on a search bound\))?")


def expected(s):
    """Every number the interactive shows for slider settings `s`, from klhelpers' public functions."""
    centers = (s["center_a"], s["center_b"])
    p = kl.two_peaks(centers, (s["width_a"], s["width_b"]), s["share_a"])
    forward = kl.fit_gaussian(p, "forward")
    reverse, *valleys = kl.local_fits(p, "reverse")
    w = kl.share_kept(p, centers, reverse.mean)
    values = {"forward-kl": forward.divergence, "forward-mean": forward.mean, "forward-width": forward.width,
              "reverse-kl": reverse.divergence, "reverse-mean": reverse.mean, "reverse-width": reverse.width,
              "reverse-share": w, "reverse-cost": -math.log(w)}
    return SimpleNamespace(p=p, forward=forward, reverse=reverse, valleys=valleys, values=values)


def number(text, decimals):
    assert re.fullmatch(rf"-?\d+\.\d{{{decimals}}}", text), f"not a {decimals}-decimal number: {text!r}"
    return float(text)


def assert_shows(shown, want, where=""):
    """`shown` (data-quantity -> text) says what klhelpers computes, to the readout's decimals."""
    for key, decimals in DECIMALS.items():
        text = shown[key]
        if key.endswith("-kl"):
            assert text.endswith(" nats"), (where, key, text)
            text = text[:-len(" nats")]
        assert abs(number(text, decimals) - want.values[key]) <= 0.5 * 10.0 ** -decimals + 1e-9, \
            (where, key, shown[key], want.values[key])
    if not want.valleys:
        assert shown["reverse-valleys"] == "none", where
        return
    parts = shown["reverse-valleys"].split("; ")
    assert len(parts) == len(want.valleys), (where, shown["reverse-valleys"], want.valleys)
    for part, valley in zip(parts, want.valleys):
        mean, width, divergence, bound = VALLEY.fullmatch(part).groups()
        assert abs(number(mean, 2) - valley.mean) <= 0.005 + 1e-9, (where, part)
        assert abs(number(width, 2) - valley.width) <= 0.005 + 1e-9, (where, part)
        assert abs(number(divergence, 4) - valley.divergence) <= 0.00005 + 1e-9, (where, part)
        assert bool(bound) == bool(valley.at_bound), (where, part)


def readouts(html):
    return dict(re.findall(r'data-quantity="([a-z-]+)"[^>]*>([^<]*)<', html))


def indexed_words(html):
    """The words Sphinx's search indexer takes from a raw html output (as in test_interactive_robustness).

    It strips <style> and <script> elements and then every tag, leaving no space where a tag was.
    """
    from docutils import nodes
    from sphinx.search import IndexBuilder
    from sphinx.search.en import SearchEnglish

    builder = SimpleNamespace(lang=SearchEnglish({}))
    return IndexBuilder._word_collector(builder, nodes.raw("", html, format="html")).words


def explore(s):
    return kl.explore_fits(centers=(s["center_a"], s["center_b"]), widths=(s["width_a"], s["width_b"]),
                           share_a=s["share_a"])


# -- the interactive in the kernel -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def start_view():
    return kl.explore_fits()


def test_explore_fits_carries_both_renderings(start_view):
    bundle = start_view._repr_mimebundle_()
    assert {"text/html", "text/plain", WIDGET_VIEW} <= set(bundle)
    html = bundle["text/html"]
    assert html.count('data-explorer="fits"') == 1
    ranges = re.findall(r'<input type="range" id="([^"]+)" data-param="([a-z_]+)" min="([^"]+)" max="([^"]+)" '
                        r'step="([^"]+)" value="([^"]+)"', html)
    assert [r[1] for r in ranges] == ["center_a", "width_a", "center_b", "width_b", "share_a"]
    assert [tuple(map(float, r[2:5])) for r in ranges] == [
        (0, 39, 0.5), (0.5, 8, 0.25), (0, 39, 0.5), (0.5, 8, 0.25), (0.05, 0.95, 0.05)]
    assert [float(r[5]) for r in ranges] == list(START.values())
    for control_id, *_ in ranges:
        assert html.count(f'<label for="{control_id}">') == 1
    labels = re.findall(r'<label for="[^"]+">([^<]+)</label>', html)
    assert labels == ["Peak A: position", "Peak A: width", "Peak B: position", "Peak B: width", "Share of peak A"]
    assert_shows(readouts(html), expected(START))
    assert readouts(html)["forward-kl"] == f"{kl.fit_forward(kl.two_peaks()).divergence:.4f} nats"
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    config = json.loads(re.search(r'<script type="application/json" class="kl-config">(.*?)</script>',
                                  html).group(1))
    assert config["n"] == fits.N_POSITIONS and config["floor"] == fits.FLOOR and config["search"] == fits.SEARCH
    assert config["start"] == START
    # the notation of the prose
    for words in ("D_KL(P‖Q)", "D_KL(Q‖P)", "forward (inclusive)", "reverse (exclusive)", "μ", "σ", "−ln w"):
        assert words in html, words
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", html, flags=re.S))
    assert not re.search(r"\b(left|right)\b", visible, re.I)  # the peaks are A and B: they can cross


def test_the_chart_draws_p_both_fits_the_letters_and_a_fixed_axis(start_view):
    html = start_view.html
    svg = re.search(r'<svg class="kl-chart".*?</svg>', html, re.S).group(0)
    assert len(re.findall(r"<rect data-k=", svg)) == fits.N_POSITIONS
    forward = re.search(r'<polyline data-fit="forward"([^>]*)>', svg).group(1)
    reverse = re.search(r'<polyline data-fit="reverse"([^>]*)>', svg).group(1)
    assert "stroke-dasharray" not in forward and "stroke-dasharray" in reverse  # solid and dashed
    assert len(re.search(r'points="([^"]*)"', forward).group(1).split()) == fits.N_POSITIONS
    assert re.findall(r'data-peak="([AB])"', svg) == ["A", "B"]
    ticks = re.search(r'<g data-axis="y">(.*?)</g>', svg, re.S).group(1)
    assert re.findall(r">([\d.]+)</text>", ticks) == ["0", "0.05", "0.1", "0.15", "0.2"]
    x_labels = re.findall(r'text-anchor="middle">(\d+)</text>', svg)
    assert x_labels == [str(x) for x in range(0, 40, 5)]
    assert int(re.search(r'viewBox="0 0 400 \d+" font-size="(\d+)"', svg).group(1)) >= 16


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 78), st.integers(0, 30), st.integers(0, 78), st.integers(0, 30), st.integers(0, 18))
def test_the_y_axis_top_comes_from_the_fixed_list_and_holds_everything(ca, wa, cb, wb, share):
    s = {"center_a": ca / 2, "width_a": 0.5 + wa / 4, "center_b": cb / 2, "width_b": 0.5 + wb / 4,
         "share_a": round(0.05 + share * 0.05, 2)}
    p = kl.two_peaks((s["center_a"], s["center_b"]), (s["width_a"], s["width_b"]), s["share_a"])
    state = SimpleNamespace(p=p, forward=SimpleNamespace(q=p), reverse=SimpleNamespace(q=p))  # P alone
    top, step = widget.y_axis(state)
    assert (top, step) in widget.Y_AXES and top in (0.05, 0.1, 0.2, 0.4, 0.8, 1.0)
    assert p.max() <= top
    lower = [axis[0] for axis in widget.Y_AXES if axis[0] < top]
    assert all(p.max() > t for t in lower)  # the lowest that holds it: it moves only at the list's steps


def test_html_and_plain_text_are_deterministic_apart_from_the_id():
    first, second = kl.explore_fits(), kl.explore_fits()
    strip = lambda h: re.sub(r"kl-fits-\d+", "kl-fits-N", h)  # noqa: E731
    assert first.html != second.html and strip(first.html) == strip(second.html)
    assert repr(first) == repr(second) == first._repr_mimebundle_()["text/plain"]
    assert repr(first) == "<forward vs reverse fit: P peaks A at 11 and B at 27; forward μ 16.97, σ 9.15; " \
                          "reverse μ 11.02, σ 2.03>"


def test_jupyter_readouts_equal_klhelpers_at_the_start(start_view):
    want = expected(START)
    shown = {key: start_view.readout(key) for key in widget.READOUTS}
    assert_shows(shown, want)
    assert shown == readouts(start_view.html)  # the same texts as the website's first paint
    assert start_view.bound_flags() == {"forward": "", "reverse": ""}
    assert start_view._chart.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_moving_a_jupyter_slider_refits():
    view = kl.explore_fits()
    png = view._chart.value
    view.sliders["share_a"].value = 0.3  # peak B is now the heavier one
    now = dict(START, share_a=0.3)
    want = expected(now)
    assert_shows({key: view.readout(key) for key in widget.READOUTS}, want)
    assert view.readout("reverse-mean") == f"{want.reverse.mean:.2f}" and want.reverse.mean > 20
    assert view._chart.value != png
    assert [t.get_text() for t in view.ax.texts] == ["A", "B"]
    assert view.ax.get_yticks()[-1] == pytest.approx(widget.y_axis(view.state)[0])
    for name, value in (("center_a", 30.0), ("center_b", 8.5), ("width_b", 1.25)):  # the peaks cross
        view.sliders[name].value = value
        now[name] = value
    assert_shows({key: view.readout(key) for key in widget.READOUTS}, expected(now))
    view.reset_button.click()
    assert {key: view.readout(key) for key in widget.READOUTS} == readouts(view.html)


def test_jupyter_flags_a_fit_on_a_search_bound():
    view = explore(SPREAD)
    want = expected(SPREAD)
    assert want.forward.at_bound == ("width",) and want.reverse.at_bound == ()
    flags = view.bound_flags()
    assert "more spread out than any bump of the family can be" in flags["forward"]
    assert "cannot match P’s spread" in flags["forward"] and flags["reverse"] == ""
    assert 'role="status"' in view._results.value
    for name, value in (("width_a", 4.0), ("center_a", 12.0), ("center_b", 27.0)):
        view.sliders[name].value = value
    assert expected(dict(SPREAD, width_a=4.0, center_a=12.0, center_b=27.0)).forward.at_bound == ()
    assert view.bound_flags() == {"forward": "", "reverse": ""}


@pytest.mark.parametrize("kwargs, message", [
    ({"centers": (50.0, 20.0)}, r"centers\[0\] must lie in \[0, 39\]"),
    ({"centers": (11.0, -1.0)}, r"centers\[1\] must lie in \[0, 39\]"),
    ({"centers": (11.0, "27")}, r"centers\[1\] must be a finite number"),
    ({"centers": (11.3, 27.0)}, r"centers\[0\] must be a multiple of 0.5"),
    ({"centers": (11.0,)}, r"centers must be a pair of numbers"),
    ({"centers": None}, r"centers must be a pair of numbers"),
    ({"widths": (0.25, 3.5)}, r"widths\[0\] must lie in \[0.5, 8\]"),
    ({"widths": (2.0, 9.0)}, r"widths\[1\] must lie in \[0.5, 8\]"),
    ({"widths": (2.0, float("nan"))}, r"widths\[1\] must be a finite number"),
    ({"widths": (2.0, 3.5, 1.0)}, r"widths must be a pair of numbers"),
    ({"share_a": 1.0}, r"share_a must lie in \[0.05, 0.95\]"),
    ({"share_a": 0.33}, r"share_a must be a multiple of 0.05"),
    ({"share_a": None}, r"share_a must be a finite number"),
    ({"share_a": True}, r"share_a must be a finite number"),
])
def test_explore_fits_names_the_bad_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kl.explore_fits(**kwargs)


@pytest.mark.parametrize("settings_", [START, SPREAD], ids=["start", "spread"])
def test_the_search_index_gets_no_number_glued_to_a_word(settings_):
    words = indexed_words(explore(settings_).html)
    assert "0000" in words or "5034" in words or "6940" in words  # the readouts are indexed, as numbers
    glued = [w for w in words if re.search(r"\d", w) and re.search(r"[^\W\d_]", w)]
    assert glued == []


# -- the website twin in Chromium -----------------------------------------------------------------------

FITS = '[data-explorer="fits"]'
READ = """root => ({
    shown: Object.fromEntries([...root.querySelectorAll('[data-quantity]')]
                              .map(e => [e.getAttribute('data-quantity'), e.textContent])),
    flags: Object.fromEntries([...root.querySelectorAll('[data-bound]')]
                              .map(e => [e.getAttribute('data-bound'), e.textContent])),
    visible: Object.fromEntries([...root.querySelectorAll('[data-bound]')]
                                .map(e => [e.getAttribute('data-bound'), e.getBoundingClientRect().height > 0])),
    outputs: Object.fromEntries([...root.querySelectorAll('output[data-output]')]
                                .map(e => [e.getAttribute('data-output'), e.textContent])),
    svg: root.querySelector('svg.kl-chart').outerHTML,
})"""


@pytest.fixture
def twin(browser):
    """open(html, viewport=None) -> (WatchedPage, the twin's locator); closed after the test."""
    opened = []

    def _open(html, viewport=None):
        watched = open_twins(browser, html, viewport=viewport)
        opened.append(watched)
        return watched, watched.page.locator(FITS).first

    yield _open
    for watched in opened:
        watched.context.close()


def set_sliders(root, values):
    """Move sliders the way a reader's input does (each fill fires "input"), then wait for the refit."""
    for name, value in values.items():
        root.locator(f'input[data-param="{name}"]').fill(f"{value:g}")
    root.page.wait_for_function("root => !root.hasAttribute('data-busy')", arg=root.element_handle())
    return root.evaluate(READ)


def assert_flags(state, want, where=""):
    for direction, fit in (("forward", want.forward), ("reverse", want.reverse)):
        text, visible = state["flags"][direction], state["visible"][direction]
        assert bool(text) == bool(fit.at_bound) == visible, (where, direction, text, fit.at_bound)
        if "width" in fit.at_bound and fit.width > 1:
            assert "more spread out than any bump of the family can be" in text


def test_the_first_paint_is_pythons_and_the_twin_mounts(twin):
    view = kl.explore_fits()
    watched, root = twin(view.html)
    assert root.get_attribute("data-state") == "ready"
    state = root.evaluate(READ)
    assert state["shown"] == readouts(view.html)  # mounting recomputes nothing
    assert state["outputs"] == {"center_a": "11", "width_a": "2", "center_b": "27", "width_b": "3.5", "share_a": "0.6"}
    assert watched.errors == [] and watched.outside_requests == []


def test_random_slider_settings_agree_with_klhelpers(twin):
    watched, root = twin(kl.explore_fits().html)
    rng = np.random.default_rng(2026)
    grids = {name: np.arange(low, high + 1e-9, step) for name, _, low, high, step in widget.CONTROLS}
    times = []
    for trial in range(22):
        values = {name: round(float(rng.choice(grid)), 2) for name, grid in grids.items()}
        state = set_sliders(root, values)
        want = expected(values)
        assert_shows(state["shown"], want, where=values)
        assert_flags(state, want, where=values)
        assert state["outputs"] == {name: f"{value:g}" for name, value in values.items()}
        assert "NaN" not in state["svg"] and "undefined" not in state["svg"] and "Infinity" not in state["svg"]
        times.append(root.evaluate("root => root.__klState().milliseconds"))
    print(f"\nrefit after a slider move: median {np.median(times):.0f} ms, max {max(times):.0f} ms "
          f"({len(times)} settings)")
    assert watched.errors == []


def test_the_chart_follows_as_python_draws_it(twin):
    """After a move, the script's chart is the one Python draws for that setting (ticks, letters, lines)."""
    watched, root = twin(kl.explore_fits().html)
    for values in ({"share_a": 0.3, "center_a": 20.0, "center_b": 21.0},  # peaks meet: letters side by side
                   SPREAD):  # tall narrow peaks: a higher y-axis
        set_sliders(root, values)
        now = {**START, **values} if values is not SPREAD else SPREAD
        python_svg = widget.chart_svg(widget.compute(now))
        js = root.evaluate("""root => { const svg = root.querySelector('svg.kl-chart');
            return {ticks: [...svg.querySelectorAll('g[data-axis="y"] text')].map(t => t.textContent),
                    letters: [...svg.querySelectorAll('text[data-peak]')]
                        .map(t => [+t.getAttribute('x'), +t.getAttribute('y')]),
                    lines: Object.fromEntries([...svg.querySelectorAll('polyline')].map(l => [
                        l.getAttribute('data-fit'),
                        l.getAttribute('points').split(' ').map(p => p.split(',').map(Number))])),
                    bars: [...svg.querySelectorAll('rect[data-k]')].map(r => +r.getAttribute('height')),
                    label: svg.getAttribute('aria-label')}; }""")
        ticks = re.search(r'<g data-axis="y">(.*?)</g>', python_svg, re.S).group(1)
        assert js["ticks"] == re.findall(r">([\d.]+)</text>", ticks)
        letters = [(float(x), float(y))
                   for x, y in re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*data-peak', python_svg)]
        np.testing.assert_allclose(js["letters"], letters, atol=0.011)
        for direction in fits.DIRECTIONS:
            points = re.search(rf'<polyline data-fit="{direction}" points="([^"]+)"', python_svg).group(1)
            np.testing.assert_allclose(js["lines"][direction], [list(map(float, p.split(","))) for p in points.split()],
                                       atol=0.011)
        heights = [float(h) for h in re.findall(r'<rect data-k="\d+" [^>]*height="([\d.]+)"', python_svg)]
        np.testing.assert_allclose(js["bars"], heights, atol=0.011)
        assert js["label"] == widget.chart_label(widget.compute(now))
    assert js["letters"][0][0] < js["letters"][1][0]  # A left of B at 1 and 38
    assert watched.errors == []


def test_the_bound_flag_appears_exactly_when_a_fit_is_on_a_search_bound(twin):
    watched, root = twin(kl.explore_fits().html)
    state = root.evaluate(READ)
    assert state["flags"] == {"forward": "", "reverse": ""} and not any(state["visible"].values())
    state = set_sliders(root, SPREAD)
    want = expected(SPREAD)
    assert want.forward.at_bound == ("width",)
    assert_shows(state["shown"], want)
    assert_flags(state, want)
    flag = root.locator('[data-bound="forward"]')
    assert flag.get_attribute("role") == "status" and flag.is_visible()
    assert "more spread out than any bump of the family can be" in flag.text_content()
    assert "cannot match P’s spread" in flag.text_content()
    assert flag.text_content() == explore(SPREAD).bound_flags()["forward"]  # the same words in Jupyter
    root.get_by_role("button", name="Reset P").click()
    root.page.wait_for_function("root => !root.hasAttribute('data-busy')", arg=root.element_handle())
    state = root.evaluate(READ)
    assert not flag.is_visible() and state["flags"]["forward"] == ""
    assert state["shown"] == readouts(kl.explore_fits().html)
    assert watched.errors == []


def test_keyboard_moves_a_slider_and_the_fits_follow(twin):
    watched, root = twin(kl.explore_fits().html)
    slider = root.get_by_role("slider", name="Share of peak A")
    slider.focus()
    for _ in range(7):  # 0.6 -> 0.25: peak B becomes the heavier one
        root.page.keyboard.press("ArrowLeft")
    root.page.wait_for_function("root => !root.hasAttribute('data-busy')", arg=root.element_handle())
    state = root.evaluate(READ)
    assert state["outputs"]["share_a"] == "0.25"
    want = expected(dict(START, share_a=0.25))
    assert_shows(state["shown"], want)
    assert want.reverse.mean > 20
    assert watched.errors == []


def test_two_twins_on_a_page_keep_their_own_state(browser):
    first, second = kl.explore_fits(), explore(SPREAD)
    watched = open_twins(browser, first.html, second.html)
    try:
        roots = watched.page.locator(FITS)
        set_sliders(roots.nth(0), {"share_a": 0.3})
        assert roots.nth(1).evaluate(READ)["shown"] == readouts(second.html)
        assert roots.nth(0).evaluate(READ)["shown"]["reverse-mean"] != readouts(first.html)["reverse-mean"]
        assert watched.errors == []
    finally:
        watched.context.close()


PHONE = {"width": 390, "height": 844}


def test_a_phone_shows_it_all_readably_and_without_overflow(twin):
    watched, root = twin(explore(SPREAD).html, viewport=PHONE)  # the long texts: three valleys and a flag
    page = watched.page
    for values in ({}, START):
        if values:
            set_sliders(root, values)
        sizes = root.evaluate("""root => { const svg = root.querySelector('svg.kl-chart');
            const scale = svg.getScreenCTM().a;
            return [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale); }""")
        assert len(sizes) >= 15 and min(sizes) >= 14, sizes
        wide = root.evaluate("""root => [root, ...root.querySelectorAll('*')].filter(e => {
            const r = e.getBoundingClientRect(); return r.width > 0 && (r.right > 390.5 || r.left < -0.5); })
            .map(e => e.tagName + '.' + e.className)""")
        assert wide == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert root.evaluate("root => root.scrollWidth <= root.clientWidth")
    # sliders stacked, each the full width of the card
    boxes = [root.locator(f'input[data-param="{name}"]').bounding_box() for name in START]
    card = root.bounding_box()
    assert all(b["width"] > 0.7 * card["width"] for b in boxes)
    assert all(a["y"] + a["height"] <= b["y"] for a, b in zip(boxes, boxes[1:]))
    assert all(b["height"] >= 24 for b in boxes)
    assert root.get_by_role("button", name="Reset P").bounding_box()["height"] >= 24
    # the thumb as drawn: at least 24 px across
    from PIL import Image
    shot = np.asarray(Image.open(io.BytesIO(root.locator('input[data-param="share_a"]').screenshot())).convert("RGB"),
                      dtype=int)
    blue = (shot[..., 2] - shot[..., 0] > 60)  # the thumb (#0072B2 and its ring), not the grey track
    columns, rows = np.flatnonzero(blue.any(axis=0)), np.flatnonzero(blue.any(axis=1))
    assert columns.size and columns[-1] - columns[0] + 1 >= 24 and rows[-1] - rows[0] + 1 >= 24
    assert watched.errors == []


def test_refit_time_in_the_browser(twin):
    """Prints how long one refit takes in Chromium (performance.now() around the script's refit)."""
    watched, root = twin(kl.explore_fits().html)
    timings = {}
    for name, values in (("start", START), ("peaks close", {"center_a": 18.0, "center_b": 21.0}),
                         ("spread", SPREAD)):
        set_sliders(root, values)
        timings[name] = [root.evaluate("root => root.__klRefit()") for _ in range(3)]
    print("\nrefit in Chromium (ms, 3 runs each): "
          + "; ".join(f"{name} {', '.join(f'{t:.0f}' for t in runs)}" for name, runs in timings.items()))
    assert all(math.isfinite(t) for runs in timings.values() for t in runs)
    assert watched.errors == []
