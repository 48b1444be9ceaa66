"""The Q explorer's Jupyter rendering: sliders driven from Python, every number checked against klhelpers."""

import math
import re

import numpy as np
import pytest

import klhelpers as kl
from klhelpers.interactives.explorer_markup import ALL_ZERO, fmt, focus_curve
from klhelpers.interactives.explorer_widget import png
from klhelpers.interactives.twin import WIDGET_VIEW

READOUTS = ("kl_pq", "kl_qp", "entropy_p", "cross_entropy_pq")


def expected(p, q):
    """What each readout must say, computed here from klhelpers."""
    return {"kl_pq": kl.kl_divergence(p, q), "kl_qp": kl.kl_divergence(q, p),
            "entropy_p": kl.entropy(p), "cross_entropy_pq": kl.cross_entropy(p, q)}


def shown(text):
    return math.inf if text == "∞" else float(text)


def assert_matches_klhelpers(explorer, weights):
    q = kl.normalize(weights)
    np.testing.assert_allclose(explorer.q, q, rtol=0, atol=1e-15)
    for name, value in expected(explorer.p, q).items():
        text = explorer.readout(name)
        assert re.fullmatch(r"-?\d+\.\d{4,}|∞", text), (name, text)
        assert shown(text) == pytest.approx(value, abs=5e-5), name
    for token, qk, c_pq, c_qp in zip(explorer.vocab, q, kl.kl_contributions(explorer.p, q),
                                     kl.kl_contributions(q, explorer.p)):
        assert shown(explorer.readout(f"q:{token}")) == pytest.approx(qk, abs=5e-5)
        assert shown(explorer.readout(f"contrib_pq:{token}")) == pytest.approx(c_pq, abs=5e-5)
        assert shown(explorer.readout(f"contrib_qp:{token}")) == pytest.approx(c_qp, abs=5e-5)
    # The chart: Q's bars carry the normalised q.
    heights = [bar.get_height() for bar in explorer.ax.containers[1]]
    np.testing.assert_allclose(heights, q, rtol=0, atol=1e-15)


def test_starting_state_is_the_books_example():
    explorer = kl.explore()
    assert explorer.vocab == kl.VOCAB
    np.testing.assert_allclose([s.value for s in explorer.sliders], kl.Q)
    assert_matches_klhelpers(explorer, kl.Q)
    assert explorer.readout("kl_pq") == "0.1874"
    assert explorer.message == ""


def test_moving_sliders_updates_readouts_and_bars_in_place():
    explorer = kl.explore()
    bars_before = list(explorer.ax.containers[1])
    png_before = png(explorer.figure)
    weights = [s.value for s in explorer.sliders]
    for k, value in [(0, 0.55), (2, 0.05), (4, 0.9), (1, 0.33), (3, 0.0)]:
        explorer.sliders[k].value = value
        weights[k] = value
        assert_matches_klhelpers(explorer, weights)
    assert list(explorer.ax.containers[1]) == bars_before  # the same Rectangle objects
    assert all(a is b for a, b in zip(explorer.ax.containers[1], bars_before))
    assert len(explorer.figure.axes) == 1
    assert png(explorer.figure) != png_before  # the picture did change
    labels = [t.get_text() for t in explorer.ax.texts[len(kl.VOCAB):]]
    assert labels == [f"{qk:.2f}" for qk in kl.normalize(weights)]


def test_chart_image_widget_holds_the_redrawn_png():
    explorer = kl.explore()
    explorer.sliders[0].value = 0.9  # taller than 0.5 / 1.15: the y-scale switches, still in place
    assert explorer.ax.get_ylim()[1] == pytest.approx(1.15)
    assert explorer._chart.value == png(explorer.figure)
    assert explorer._chart.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_reset_and_q_equals_p_buttons():
    explorer = kl.explore()
    explorer.sliders[0].value = 0.0
    explorer.sliders[3].value = 0.7
    explorer.equal_button.click()
    np.testing.assert_allclose(explorer.q, kl.P, atol=1e-12)
    for name in ("kl_pq", "kl_qp"):
        assert explorer.readout(name) == "0.0000"
    assert explorer.readout("cross_entropy_pq") == explorer.readout("entropy_p")
    for token in kl.VOCAB:
        assert explorer.readout(f"contrib_pq:{token}") == "0.0000"
    explorer.reset_button.click()
    assert_matches_klhelpers(explorer, kl.Q)
    assert explorer.readout("kl_pq") == "0.1874"


def test_q_zero_where_p_positive_shows_infinity_and_still_draws():
    explorer = kl.explore()
    explorer.sliders[kl.VOCAB.index("cat")].value = 0.0
    assert explorer.readout("kl_pq") == "∞"
    assert explorer.readout("cross_entropy_pq") == "∞"
    assert explorer.readout("contrib_pq:cat") == "∞"
    assert explorer.readout("q:cat") == "0.0000"
    assert explorer.readout("kl_qp") != "∞"  # q = 0 costs nothing in the other direction
    assert shown(explorer.readout("kl_qp")) == pytest.approx(
        kl.kl_divergence(explorer.q, kl.P), abs=5e-5)
    assert explorer.ax.containers[1][0].get_height() == 0.0
    assert explorer._chart.value[:4] == b"\x89PNG"


def test_p_zero_where_q_positive_makes_the_reverse_direction_infinite():
    explorer = kl.explore(p=[0.5, 0.5, 0.0], q=[1, 1, 1])
    assert explorer.vocab == ("1", "2", "3")
    assert explorer.readout("kl_pq") != "∞"
    assert explorer.readout("kl_qp") == "∞"
    assert explorer.readout("contrib_pq:3") == "0.0000"  # p = 0 terms contribute 0
    explorer.sliders[2].value = 0.0
    assert explorer.readout("kl_qp") == "0.0000"


def test_all_weights_zero_keeps_the_last_valid_q_and_says_so():
    explorer = kl.explore()
    for slider in explorer.sliders[:-1]:
        slider.value = 0.0
    last = explorer.q.copy()
    np.testing.assert_allclose(last, [0, 0, 0, 0, 1])
    explorer.sliders[-1].value = 0.0
    assert explorer.message == ALL_ZERO
    assert ALL_ZERO in explorer._message.value
    np.testing.assert_array_equal(explorer.q, last)
    assert explorer.readout("kl_pq") == "∞"
    assert not any("nan" in explorer.readout(name).lower() for name in READOUTS)
    explorer.sliders[1].value = 0.2
    assert explorer.message == ""
    assert_matches_klhelpers(explorer, [0, 0.2, 0, 0, 0])


def test_a_students_divergence_is_shown_beside_klhelpers():
    def my_kl(p, q):
        return float(np.sum(np.where(p > 0, p * np.log(p / q), 0.0)))

    explorer = kl.explore(divergence=my_kl)
    assert explorer.readout("custom") == explorer.readout("kl_pq") == "0.1874"
    explorer.sliders[2].value = 0.6
    assert explorer.readout("custom") == explorer.readout("kl_pq")
    assert "my_kl(P, Q)" in explorer._readouts.value
    explorer.sliders[0].value = 0.0  # log(p / 0): the student's function meets a zero
    assert explorer.readout("custom").startswith("∞")


def test_a_students_divergence_that_raises_is_shown_not_fatal():
    def unfinished(p, q):
        raise NotImplementedError("your code here")

    explorer = kl.explore(divergence=unfinished)
    assert explorer.readout("custom") == "NotImplementedError: your code here"
    explorer.sliders[1].value = 0.8  # callbacks keep working
    assert explorer.readout("custom") == "NotImplementedError: your code here"
    assert_matches_klhelpers(explorer, [0.2, 0.8, 0.3, 0.15, 0.1])


def test_mime_bundle_carries_widget_html_twin_and_plain_text():
    explorer = kl.explore()
    bundle = explorer._repr_mimebundle_()
    assert set(bundle) == {WIDGET_VIEW, "text/html", "text/plain"}
    assert bundle[WIDGET_VIEW]["model_id"] == explorer.widget.model_id
    assert bundle["text/plain"] == "<Q explorer over cat, sat, on, the, mat: D_KL(P‖Q) = 0.1874 nats at the starting Q>"
    html = bundle["text/html"]
    assert 'data-explorer="explorer"' in html and '<script type="application/json" class="kl-config">' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched from elsewhere
    assert html.count('<input type="range"') == len(kl.VOCAB)


def test_html_twin_embeds_the_starting_numbers_from_klhelpers():
    p, q = kl.normalize([3, 1, 1, 2]), kl.normalize([1, 2, 0, 1])
    explorer = kl.explore(p=p, q=q, vocab=["a", "b", "c", "d"])
    hooks = dict(re.findall(r'data-quantity="([^"]+)">([^<]*)<', explorer.html))
    for name, value in expected(p, q).items():
        assert hooks[name] == fmt(value)
    assert hooks["kl_pq"] == "∞"  # c has p > 0 and q = 0
    for token, qk, c_pq, c_qp in zip("abcd", q, kl.kl_contributions(p, q), kl.kl_contributions(q, p)):
        assert hooks[f"q:{token}"] == fmt(qk)
        assert hooks[f"contrib_pq:{token}"] == fmt(c_pq)
        assert hooks[f"contrib_qp:{token}"] == fmt(c_qp)
    config = re.search(r'<script type="application/json" class="kl-config">(.*?)</script>', explorer.html).group(1)
    assert '"tokens":["a","b","c","d"]' in config


def test_html_and_text_are_deterministic_apart_from_the_element_counter():
    first, second = kl.explore(), kl.explore()
    ids = [re.search(r'id="(kl-explorer-\d+)"', e.html).group(1) for e in (first, second)]
    assert ids[0] != ids[1]
    assert first.html.replace(ids[0], "ID") == second.html.replace(ids[1], "ID")
    assert first.text == second.text
    assert not re.search(r"\b[0-9a-f]{32}\b", first.html)  # no random model ids in the twin


def test_accessible_markup_names_each_slider_by_its_token():
    explorer = kl.explore()
    for k, token in enumerate(kl.VOCAB):
        label = re.search(rf'<label for="[^"]+-w{k}">(.*?)</label>', explorer.html).group(1)
        assert token in re.sub("<[^>]+>", "", label)
    assert 'aria-live="polite"' in explorer.html
    assert 'role="img"' in explorer.html and "viewBox=" in explorer.html


@pytest.mark.parametrize("kwargs, words", [
    ({"p": [0.5, 0.5], "q": [0.2, 0.3, 0.5]}, "same length"),
    ({"vocab": ["a", "b"]}, "vocab has 2 tokens"),
    ({"vocab": ["a", "b", "a", "c", "d"]}, "'a' appears twice"),
    ({"q": [0, 0, 0, 0, 0]}, "all zero"),
    ({"p": [0.5, -0.1, 0.6]}, "negative entry at index 1"),
    ({"divergence": "kl"}, "divergence must be a function"),
])
def test_bad_arguments_raise_value_error(kwargs, words):
    with pytest.raises(ValueError, match=words):
        kl.explore(**kwargs)


def test_a_chapter_shows_only_the_readouts_it_has_introduced():
    explorer = kl.explore(show=("entropy_p", "cross_entropy_pq", "gap"))
    assert shown(explorer.readout("gap")) == pytest.approx(
        kl.cross_entropy(kl.P, kl.Q) - kl.entropy(kl.P), abs=5e-5)
    for hidden in ("kl_pq", "kl_qp", "contrib_pq:cat"):
        with pytest.raises(KeyError):
            explorer.readout(hidden)
        assert f'data-quantity="{hidden}"' not in explorer.html
    assert "<table" not in explorer.html  # no divergence shown: no table of its terms
    forward_only = kl.explore(show=("kl_pq",))
    assert "contrib_pq:cat" in forward_only.html and "contrib_qp:cat" not in forward_only.html


def test_the_focus_slider_follows_one_token_down_to_tiny_probabilities():
    explorer = kl.explore(focus="mat")
    k = kl.VOCAB.index("mat")
    before = [shown(explorer.readout("kl_pq"))]
    for share in (1e-2, 1e-4, 1e-8):
        explorer.focus_slider.value = share
        q = explorer.q
        assert q[k] == pytest.approx(share, rel=1e-9)
        others = np.delete(q, k)
        np.testing.assert_allclose(others / others.sum(), kl.normalize(kl.Q[:4]), rtol=1e-9)
        assert shown(explorer.readout("kl_pq")) == pytest.approx(kl.kl_divergence(kl.P, q), abs=5e-5)
        before.append(shown(explorer.readout("kl_pq")))
    assert before[1] < before[2] < before[3]  # below q = p(mat) the divergence grows without bound


def test_the_focus_curve_falls_to_its_lowest_at_q_equal_p_then_climbs_as_q_goes_to_zero():
    """What chapter 3 tells the reader about q(mat) -> 0, on the curve the explorer draws."""
    points = np.array(focus_curve(kl.P, kl.Q, kl.VOCAB.index("mat")))
    lowest = points[np.argmin(points[:, 1]), 0]
    assert lowest == pytest.approx(kl.P[kl.VOCAB.index("mat")], rel=0.2)
    left = points[points[:, 0] < lowest, 1]
    assert np.all(np.diff(left) < 0)  # from q(mat) = 1e-8 up to the minimum, it only falls
    assert left[0] > 4 * points[:, 1].min()


def test_the_twins_chart_is_drawn_in_python_for_the_first_paint():
    """Before any script runs, the page shows P's and Q's bars at their heights."""
    explorer = kl.explore()
    heights = {(which, int(k)): float(h) for which, k, h in re.findall(
        r'<rect data-bar="(p|q)" data-k="(\d)" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"', explorer.html)}
    assert len(heights) == 2 * len(kl.VOCAB)
    scale = heights[("p", 0)] / kl.P[0]
    for k in range(len(kl.VOCAB)):
        assert heights[("p", k)] == pytest.approx(scale * kl.P[k], abs=0.01)
        assert heights[("q", k)] == pytest.approx(scale * kl.Q[k], abs=0.01)


# -- chapter 6: total variation, Pinsker's bound, half the chi-square, and merging two tokens ------------

INEQUALITIES = ("kl_pq", "total_variation", "pinsker_bound", "half_chi_square")


def merged_on_the(d):
    d = np.asarray(d, dtype=float)
    return np.r_[d[:2], d[2] + d[3], d[4:]]


def test_the_inequality_readouts_and_the_merge_follow_the_sliders_in_jupyter():
    explorer = kl.explore(show=INEQUALITIES, merge=("the", "on"))  # either order names the same merge
    rng = np.random.default_rng(61)
    for _ in range(20):
        explorer.sliders[int(rng.integers(5))].value = round(float(rng.uniform(0, 1)), 2)
        q = kl.normalize([s.value for s in explorer.sliders])
        want = {"kl_pq": kl.kl_divergence(kl.P, q), "total_variation": kl.total_variation(kl.P, q),
                "pinsker_bound": math.sqrt(kl.kl_divergence(kl.P, q) / 2),
                "half_chi_square": kl.chi_square(kl.P, q) / 2,
                "kl_merged": kl.kl_divergence(merged_on_the(kl.P), merged_on_the(q))}
        for name, value in want.items():
            assert shown(explorer.readout(name)) == pytest.approx(value, abs=5e-5), name
        assert want["total_variation"] <= want["pinsker_bound"]
        assert want["kl_merged"] <= want["kl_pq"] + 1e-12
    assert "after merging on and the into one token" in explorer._readouts.value
    assert "after merging on and the" in explorer.html


def test_without_merge_nothing_changes_for_the_earlier_chapters():
    explorer = kl.explore()
    assert "kl_merged" not in explorer.html and '"merge"' not in explorer.html
    with pytest.raises(KeyError):
        explorer.readout("kl_merged")


@pytest.mark.parametrize("merge", ["on", ("on",), ("on", "on"), ("on", "dog"), ("on", "the", "mat")])
def test_a_bad_merge_is_refused(merge):
    with pytest.raises(ValueError, match="merge must be two different tokens"):
        kl.explore(merge=merge)
