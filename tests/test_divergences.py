"""klhelpers' core math against scipy (an independent implementation), by example and by property."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special, stats

import klhelpers as kl


# -- the running example --------------------------------------------------------------

def test_example_figures_from_the_post():
    assert round(kl.kl_divergence(kl.P, kl.Q), 4) == 0.1874
    assert round(kl.kl_divergence(kl.Q, kl.P), 4) == 0.2147


def test_example_matches_scipy_to_the_last_digit():
    assert kl.entropy(kl.P) == pytest.approx(stats.entropy(kl.P), rel=1e-15)
    assert kl.kl_divergence(kl.P, kl.Q) == pytest.approx(stats.entropy(kl.P, kl.Q), rel=1e-14)
    assert kl.kl_divergence(kl.Q, kl.P) == pytest.approx(stats.entropy(kl.Q, kl.P), rel=1e-14)
    assert kl.cross_entropy(kl.P, kl.Q) == pytest.approx(-np.sum(special.xlogy(kl.P, kl.Q)), rel=1e-15)


def test_example_is_read_only():
    with pytest.raises(ValueError):
        kl.P[0] = 0.5


def test_results_are_plain_floats_for_one_distribution():
    for value in (kl.entropy(kl.P), kl.cross_entropy(kl.P, kl.Q), kl.kl_divergence(kl.P, kl.Q)):
        assert type(value) is float


def test_contributions_add_up_to_the_divergence():
    terms = kl.kl_contributions(kl.P, kl.Q)
    assert terms.shape == (5,)
    assert terms.sum() == pytest.approx(kl.kl_divergence(kl.P, kl.Q), rel=1e-15)
    np.testing.assert_allclose(terms, special.rel_entr(kl.P, kl.Q), rtol=1e-14)
    assert terms[3] == 0.0  # "the" has p = q = 0.15


# -- zeros ------------------------------------------------------------------------------

def test_terms_with_p_zero_contribute_nothing():
    p, q = [0.5, 0.5, 0.0], [0.25, 0.25, 0.5]
    assert kl.kl_divergence(p, q) == pytest.approx(math.log(2))
    assert kl.entropy(p) == pytest.approx(math.log(2))
    assert kl.cross_entropy(p, q) == pytest.approx(math.log(4))


def test_q_zero_where_p_positive_is_infinite_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kl.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
        assert kl.cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
        assert kl.kl_contributions([0.5, 0.5], [1.0, 0.0])[1] == math.inf
        assert kl.surprisal([1.0, 0.0])[1] == math.inf
        # a zero in q where p is also zero is harmless
        assert kl.kl_divergence([1.0, 0.0], [1.0, 0.0]) == 0.0


def test_point_mass_has_zero_entropy_printed_without_a_sign():
    assert kl.entropy([0.0, 1.0, 0.0]) == 0.0
    assert f"{kl.entropy([0.0, 1.0, 0.0]):.4f}" == "0.0000"
    assert f"{kl.cross_entropy([1.0, 0.0], [1.0, 0.0]):.4f}" == "0.0000"


def test_divergence_of_a_distribution_from_itself_is_exactly_zero():
    rng = np.random.default_rng(0)
    for _ in range(100):
        p = rng.dirichlet(np.ones(50))
        assert kl.kl_divergence(p, p) == 0.0


# -- units and batches -----------------------------------------------------------------

def test_bits_are_nats_divided_by_ln_2():
    assert kl.entropy([0.5, 0.5], base=2) == 1.0
    assert kl.entropy([0.25] * 4, base=2) == pytest.approx(2.0)
    assert kl.kl_divergence(kl.P, kl.Q, base=2) == pytest.approx(kl.kl_divergence(kl.P, kl.Q) / math.log(2))
    assert kl.entropy(kl.P, base=10) == pytest.approx(stats.entropy(kl.P, base=10))


def test_batches_reduce_over_the_last_axis():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(7), size=(3, 4))
    q = rng.dirichlet(np.ones(7), size=(3, 4))
    result = kl.kl_divergence(p, q)
    assert result.shape == (3, 4)
    np.testing.assert_allclose(result, stats.entropy(p, q, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(kl.entropy(p), stats.entropy(p, axis=-1), rtol=1e-12)
    assert kl.kl_contributions(p, q).shape == (3, 4, 7)


def test_normalize_rescales_weights():
    np.testing.assert_allclose(kl.normalize([2, 1, 1]), [0.5, 0.25, 0.25])
    np.testing.assert_allclose(kl.normalize([[1, 3], [0, 2]]), [[0.25, 0.75], [0, 1]])


# -- properties, on random distributions -----------------------------------------------

def distributions(size):
    """Probability vectors of a given size, including ones with exact zeros."""
    weights = arrays(np.float64, size, elements=st.one_of(st.just(0.0), st.floats(1e-6, 1e3)))
    return weights.filter(lambda w: w.sum() > 0).map(lambda w: w / w.sum())


pairs = st.integers(1, 12).flatmap(lambda k: st.tuples(distributions(k), distributions(k)))


@given(pairs)
@settings(max_examples=300, deadline=None)
def test_agrees_with_scipy(pq):
    p, q = pq
    expected = stats.entropy(p, q)  # scipy gives inf where q misses p's support
    assert kl.kl_divergence(p, q) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert kl.entropy(p) == pytest.approx(stats.entropy(p), rel=1e-9, abs=1e-12)


@given(pairs)
@settings(max_examples=300, deadline=None)
def test_never_negative_and_cross_entropy_is_entropy_plus_divergence(pq):
    p, q = pq
    divergence = kl.kl_divergence(p, q)
    assert divergence >= 0.0
    ce = kl.cross_entropy(p, q)
    if math.isinf(divergence):
        assert math.isinf(ce)
    else:
        assert ce == pytest.approx(kl.entropy(p) + divergence, rel=1e-9, abs=1e-12)
        assert ce >= kl.entropy(p) - 1e-12


@given(pairs)
@settings(max_examples=300, deadline=None)
def test_zero_if_and_only_if_equal(pq):
    p, q = pq
    assume(np.max(np.abs(p - q)) > 1e-3)
    assert kl.kl_divergence(p, q) > 0.0
    assert kl.kl_divergence(p, p) == 0.0


@given(st.integers(1, 30))
def test_uniform_distribution_has_the_largest_entropy(k):
    uniform = np.full(k, 1.0 / k)
    assert kl.entropy(uniform) == pytest.approx(math.log(k), abs=1e-12)
    assert kl.entropy(uniform, base=2) == pytest.approx(math.log2(k), abs=1e-12)


# -- bad input: a ValueError that names the problem ------------------------------------

@pytest.mark.parametrize("q, message", [
    ([0.5, -0.1, 0.6], r"q has a negative entry at index 1 \(-0.1\)"),
    ([0.5, float("nan"), 0.5], r"q has a NaN entry at index 1"),
    ([0.5, float("inf"), 0.5], r"q has an infinite entry at index 1"),
    ([0.5, "x", 0.5], r"q has a non-numeric entry at index 1 \('x'\)"),
    ([0.5, None, 0.5], r"q has a non-numeric entry at index 1 \(None\)"),
    ("abc", r"q must be a sequence of numbers"),
    ([], r"q is empty"),
    (0.5, r"single number"),
    ([0.5, 0.6, 0.1], r"q sums to 1.2, not 1 .*normalize"),
    ([[0.5, 0.5, 0.0], [0.2, 0.2, 0.2]], r"q sums to 0.6 in row 1"),
    ([0.5, 0.5], r"p and q must have the same shape, got \(3,\) and \(2,\)"),
    ([[0.5, 0.5], [0.5]], r"rows have different lengths"),
    ([True, False, False], r"booleans"),
])
def test_bad_q_names_the_problem(q, message):
    with pytest.raises(ValueError, match=message):
        kl.kl_divergence([0.2, 0.3, 0.5], q)


def test_batch_error_names_the_row_and_index():
    with pytest.raises(ValueError, match=r"p has a negative entry at index \(1, 0\) \(-0.5\)"):
        kl.entropy([[0.5, 0.5], [-0.5, 1.5]])
    with pytest.raises(ValueError, match=r"p sums to 0.9 in row 1"):
        kl.entropy([[0.5, 0.5], [0.4, 0.5]])


@pytest.mark.parametrize("base", [0, -2, 1, 1.0, float("nan"), float("inf"), "2", True])
def test_bad_base(base):
    with pytest.raises(ValueError, match="base must be"):
        kl.entropy(kl.P, base=base)


def test_tolerance_of_the_sum_is_one_in_a_million():
    kl.entropy([0.5, 0.5 + 9e-7])
    with pytest.raises(ValueError, match="sums to"):
        kl.entropy([0.5, 0.5 + 2e-6])


def test_normalize_rejects_what_cannot_be_rescaled():
    with pytest.raises(ValueError, match="weights are all zero"):
        kl.normalize([0, 0, 0])
    with pytest.raises(ValueError, match=r"weights are all zero in row 1"):
        kl.normalize([[1, 0], [0, 0]])
    with pytest.raises(ValueError, match=r"weights has a negative entry at index 0 \(-1\)"):
        kl.normalize([-1, 2])
