"""klhelpers under hostile input: one validator module, bases, NaN and overflow routes, precision
near zero divergence, numpy's error state, and a broad probe of bad arguments.

High-precision references come from mpmath (50 digits) evaluated on the float inputs exactly as given.
"""

import ast
import decimal
import math
import re
import warnings
from pathlib import Path

import mpmath
import numpy as np
import pytest
import scipy.special
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import klhelpers as kl
from klhelpers import (bounds, coding, divergences, estimators, fits, gaussians, joint, logits,
                       policy_gradients, rlhf, sequences, validate)

MATH_MODULES = (divergences, coding, joint, bounds, gaussians, logits, estimators, rlhf, policy_gradients,
                sequences, fits)

PACKAGE = Path(kl.__file__).parent
mpmath.mp.dps = 50
EPS = np.finfo(float).eps
P2 = [0.5, 0.5]


# -- references --------------------------------------------------------------------------------------

def mp_kl(p, q):
    """sum_k p_k log(p_k / q_k) over p_k > 0, in 50 digits, on the floats as given."""
    total = mpmath.mpf(0)
    for a, b in zip(np.ravel(p), np.ravel(q)):
        if a > 0:
            if b == 0:
                return mpmath.inf
            total += mpmath.mpf(float(a)) * mpmath.log(mpmath.mpf(float(a)) / mpmath.mpf(float(b)))
    return total


def mp_kl_logits(a, b, temperature=1.0):
    a = [mpmath.mpf(float(x)) / temperature for x in a]
    b = [mpmath.mpf(float(x)) / temperature for x in b]
    log_za = mpmath.log(mpmath.fsum(mpmath.exp(x) for x in a))
    log_zb = mpmath.log(mpmath.fsum(mpmath.exp(x) for x in b))
    return mpmath.fsum(mpmath.exp(x - log_za) * ((x - log_za) - (y - log_zb)) for x, y in zip(a, b))


def relative_error(got, want):
    return float(abs((mpmath.mpf(float(got)) - want) / want))


def shifted_pair(p, size, rng, moves=3):
    """q: p with `moves` transfers of mass between two entries, each a multiple of both entries' ulps.

    Every q_k is then exactly p_k + e, and q sums to exactly what p sums to, so the divergence of
    the floats as given is as small as the transfers make it (down to 1e-20 and below).
    """
    q = p.copy()
    for _ in range(moves):
        i, j = rng.choice(p.size, 2, replace=False)
        unit = max(np.spacing(q[i]), np.spacing(q[j]))
        e = np.round(size * min(q[i], q[j]) * rng.uniform(0.2, 1.0) / unit) * unit
        q[i] += e
        q[j] -= e
    return q


# -- 0. one validator module -------------------------------------------------------------------------

def imported_private_names(path):
    """(module, name) for every `from .module import _name` (relative imports) in a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [(node.module, alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.level > 0 for alias in node.names if alias.name.startswith("_")]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_private_name_from_another(path):
    assert imported_private_names(path) == []


def test_the_math_modules_take_their_checks_from_validate():
    for module in MATH_MODULES:
        source = Path(module.__file__).read_text()
        assert "from .validate import" in source
        for old in ("def _as_array", "def _as_distribution", "def _pair", "def _log_of_base", "def _positive",
                    "def _count", "def _real(", "def _generator", "def _two_distributions", "isinstance(value, bool)"):
            assert old not in source, f"{module.__name__} still defines its own check: {old}"
    for name in validate.__all__:
        assert getattr(validate, name).__doc__ or name == "SUM_TOLERANCE"


# -- 1. bases ----------------------------------------------------------------------------------------

WITH_BASE = {
    "surprisal": lambda base: kl.surprisal(kl.P, base=base),
    "entropy": lambda base: kl.entropy(kl.P, base=base),
    "cross_entropy": lambda base: kl.cross_entropy(kl.P, kl.Q, base=base),
    "kl_contributions": lambda base: kl.kl_contributions(kl.P, kl.Q, base=base),
    "kl_divergence": lambda base: kl.kl_divergence(kl.P, kl.Q, base=base),
    "kl_divergence_inf": lambda base: kl.kl_divergence(P2, [1.0, 0.0], base=base),
    "kl_from_logits": lambda base: kl.kl_from_logits(np.log(kl.P), np.log(kl.Q), base=base),
}


@pytest.mark.parametrize("function", WITH_BASE.values(), ids=WITH_BASE.keys())
@pytest.mark.parametrize("base", [0.5, 0.999, 1, 1.0, 0, -2, math.inf, math.nan, "2", True, [2], 10**400, 2j])
def test_every_base_must_be_a_number_greater_than_1(function, base):
    with pytest.raises(ValueError, match="base"):
        function(base)


def test_base_below_1_is_refused_rather_than_clamped():
    # It used to return 0.0 for an infinite divergence (clamped at 0 before converting).
    with pytest.raises(ValueError, match=r"base must be a number greater than 1 .*got 0\.5"):
        kl.kl_divergence(P2, [1.0, 0.0], base=0.5)


@pytest.mark.parametrize("function", WITH_BASE.values(), ids=WITH_BASE.keys())
@pytest.mark.parametrize("base", [2, 10, math.e, 1.5, np.float64(2.0), np.array(2.0)])
def test_every_base_converts_nats_the_same_way(function, base):
    with np.errstate(invalid="ignore"):  # inf / ln(base) compared with inf
        np.testing.assert_allclose(function(base), np.asarray(function(None)) / math.log(float(base)), rtol=1e-15)


# -- 2. no NaN from finite input ---------------------------------------------------------------------------

def test_kl_from_logits_of_equal_logits_near_the_float_limit_is_zero():
    assert kl.kl_from_logits([-1e308, 1e308], [-1e308, 1e308]) == 0.0
    assert kl.kl_from_logits([-1e308, 1e308], [1e308, -1e308]) == math.inf  # 2e308 nats: beyond the floats
    assert kl.kl_from_logits([0.0, 0.0], [-1e308, 1e308]) == pytest.approx(1e308 - math.log(2), rel=1e-15)


def test_a_tiny_temperature_picks_the_largest_logit():
    np.testing.assert_array_equal(kl.softmax([0, 1], temperature=1e-309), [0.0, 1.0])
    np.testing.assert_array_equal(kl.log_softmax([0, 1], temperature=1e-309), [-np.inf, 0.0])
    assert kl.kl_from_logits([0, 1], [0, 1], temperature=1e-309) == 0.0
    assert kl.kl_from_logits([0, 1], [1, 0], temperature=1e-309) == math.inf  # 1e309 nats


def test_logits_spanning_more_than_the_float_range_with_a_large_temperature():
    # (1e308 - (-1e308)) overflows; divided by T = 1.7e308 it is 1.18: P = softmax([-0.59, 0.59]).
    t = 1.7e308
    want = scipy.special.softmax(np.array([-1e308, 1e308]) / t)
    np.testing.assert_allclose(kl.softmax([-1e308, 1e308], t), want, rtol=1e-15)
    np.testing.assert_allclose(kl.log_softmax([-1e308, 1e308], t), np.log(want), rtol=1e-14)
    assert kl.kl_from_logits([-1e308, 1e308], [0.0, 0.0], t) == pytest.approx(
        float(np.sum(want * np.log(2 * want))), rel=1e-14)


@pytest.mark.parametrize("mean, width, want", [
    (0.5, 1e-200, [0.5, 0.5, 0.0]),   # sigma^2 underflows to 0
    (1e200, 1.0, [0.0, 0.0, 1.0]),    # (x - mu)^2 overflows
    (-1e308, 1.0, [1.0, 0.0, 0.0]),
    (1.0, 1e-320, [0.0, 1.0, 0.0]),
    (1.0, 1.7e308, [1 / 3, 1 / 3, 1 / 3]),
])
def test_gaussian_family_at_extreme_means_and_widths(mean, width, want):
    np.testing.assert_allclose(kl.gaussian_family(mean, width, 3), want, rtol=1e-15)


def test_two_peaks_and_fits_with_extreme_widths():
    p = kl.two_peaks((11.0, 27.0), (1e-200, 1e-200), 0.5, floor=0.0)
    np.testing.assert_array_equal(p, np.eye(40)[11] / 2 + np.eye(40)[27] / 2)
    target = kl.two_peaks()
    # Q is a point mass at position 39 in floating point: D(Q || P) = -log p_39. Its other
    # probabilities underflow, but they are not 0: D(P || Q) is finite, computed from log q,
    # sum_x p(x) (log p(x) + (x - 39)(x + 39 - 2 mu) / 2 + ...), about 1e200 (39 - the mean of P).
    assert float(kl.fit_objective(target, 1e200, 1.0, "reverse")) == pytest.approx(-math.log(target[39]), rel=1e-14)
    mean = float(target @ np.arange(40))
    assert float(kl.fit_objective(target, 1e200, 1.0, "forward")) == pytest.approx(1e200 * (39 - mean), rel=1e-12)
    fit = kl.fit_reverse(kl.two_peaks((11.0, 27.0), (1e-300, 1e-300), 0.5))
    assert math.isfinite(fit.divergence) and not np.isnan(fit.q).any()


def mp_moments_k3(q, p):
    """Mean and standard deviation of k3 = r - 1 - log r under Q, in 50 digits."""
    q = [mpmath.mpf(float(x)) for x in q]
    p = [mpmath.mpf(float(x)) for x in p]
    k3 = [b / a - 1 - mpmath.log(b / a) for a, b in zip(q, p)]
    mean = mpmath.fsum(a * k for a, k in zip(q, k3))
    return mean, mpmath.sqrt(mpmath.fsum(a * (k - mean) ** 2 for a, k in zip(q, k3)))


@pytest.mark.parametrize("q", [[1 - 1e-300, 1e-300], [1 - 5e-324, 5e-324], [0.5, 0.5 - 1e-310, 1e-310]])
def test_estimator_std_is_scaled_before_squaring(q):
    p = np.full(len(q), 1 / len(q))
    moments = kl.kl_estimator_moments(q, p)
    mean, std = mp_moments_k3(q, p)
    assert relative_error(moments["k3"].std, std) < 1e-12      # about 5e149 for the first q, not inf
    assert relative_error(moments["k3"].mean, mean) < 1e-12
    assert all(math.isfinite(value) for m in moments.values() for value in m)


def test_estimator_moments_when_p_rules_out_a_draw_are_infinite_not_nan():
    for m in kl.kl_estimator_moments(P2, [1.0, 0.0]).values():
        assert m == (math.inf, 0.0, math.inf)


def test_rlhf_objective_with_rewards_at_the_float_limit():
    top = float(np.finfo(float).max)
    # E[r] overflows when the policy sums to 1 + 4e-7; the penalty is infinite: -inf, not inf - inf.
    assert kl.rlhf_objective([0.5 + 4e-7, 0.5], [1.0, 0.0], [top, top], 1.0) == -math.inf
    assert kl.rlhf_objective(P2, P2, [top, top], 1.0) == top
    assert kl.rlhf_objective(P2, P2, [top, -top], 1e300) == 0.0


def test_regularized_policy_with_reward_gaps_beyond_the_float_range():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the gap 1e308 - (-1e308) overflows: handled, not warned about
        np.testing.assert_array_equal(kl.optimal_policy(P2, [1e308, -1e308], 1.0), [1.0, 0.0])
        np.testing.assert_array_equal(kl.optimal_policy(P2, [0.0, 1.0], 1e-320), [0.0, 1.0])


def test_sampled_estimators_of_a_subnormal_probability_are_finite():
    draws = kl.sample_kl_estimators([1 - 5e-324, 5e-324], P2, 1000, rng=0)
    assert np.isfinite(draws.k1).all() and np.isfinite(draws.k2).all() and (draws.k3 >= 0).all()


def test_normalize_weights_near_the_float_limit():
    np.testing.assert_array_equal(kl.normalize([1e308, 1e308, 0.0]), [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(kl.normalize([5e-324, 5e-324]), [0.5, 0.5])


# -- 3. precision when Q is close to P ------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("size", [1e-2, 1e-5, 1e-8, 1e-10, 1e-12])
def test_kl_divergence_of_near_equal_pairs_matches_mpmath(seed, size):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(rng.integers(2, 30)))
    q = shifted_pair(p, size, rng)
    want = mp_kl(p, q)
    assert want > 0
    assert relative_error(kl.kl_divergence(p, q), want) <= 1e-12
    assert relative_error(kl.kl_divergence(q, p), mp_kl(q, p)) <= 1e-12
    # the batch route gives the same numbers
    np.testing.assert_array_equal(kl.kl_divergence(np.stack([p, q]), np.stack([q, p])),
                                  [kl.kl_divergence(p, q), kl.kl_divergence(q, p)])


@pytest.mark.parametrize("e", [2.0 ** -20, 2.0 ** -30, 2.0 ** -35, 1e-3, 1e-7, 3e-9, 1e-10])
def test_kl_divergence_of_half_and_half_against_a_hair_more(e):
    p = np.array([0.5, 0.5])
    q = np.array([0.5 + e, 0.0])
    q[1] = 1.0 - q[0]  # exact (Sterbenz): q sums to exactly 1, so D ~ 2 e^2 down to ~2e-20
    want = mp_kl(p, q)
    assert relative_error(kl.kl_divergence(p, q), want) <= 1e-12
    assert relative_error(kl.kl_divergence(p, q, base=2), want / mpmath.log(2)) <= 1e-12


def test_kl_divergence_of_renormalised_perturbations_matches_mpmath():
    rng = np.random.default_rng(11)
    checked = 0
    for size in 10.0 ** -np.arange(2, 15):
        p = rng.dirichlet(np.ones(8))
        q = kl.normalize(p * (1 + size * rng.normal(size=8)))
        want = mp_kl(p, q)
        if want > 0:  # renormalised floats can sum to a hair more than p: the exact sum is then below 0
            assert relative_error(kl.kl_divergence(p, q), want) <= 1e-12
            checked += 1
        else:
            assert kl.kl_divergence(p, q) == 0.0
    assert checked >= 5


def weights(size):
    return arrays(np.float64, size, elements=st.one_of(st.just(0.0), st.floats(1e-6, 1e3)))


def distributions(size):
    return weights(size).filter(lambda w: w.sum() > 0).map(lambda w: w / w.sum())


pairs = st.integers(1, 12).flatmap(lambda k: st.tuples(distributions(k), distributions(k)))


def positive_distributions(size):
    return arrays(np.float64, size, elements=st.floats(0.01, 1.0)).map(lambda w: w / w.sum())


ordinary_pairs = st.integers(2, 12).flatmap(lambda k: st.tuples(positive_distributions(k), positive_distributions(k)))


@given(ordinary_pairs)
@settings(max_examples=300, deadline=None)
def test_kl_divergence_agrees_with_a_rel_entr_sum_to_3e_15(pq):
    p, q = pq
    terms = scipy.special.rel_entr(p, q)
    want = math.fsum(terms)
    # "ordinary": the terms do not nearly cancel, so their exact sum is itself good to a few ulp
    assume(want > 0 and np.abs(terms).sum() <= 4 * want)
    assert abs(kl.kl_divergence(p, q) - want) <= 3e-15 * want


@given(pairs)
@settings(max_examples=200, deadline=None)
def test_kl_divergence_and_contributions_agree_with_mpmath(pq):
    p, q = pq
    want = mp_kl(p, q)
    got = kl.kl_divergence(p, q)
    if want == mpmath.inf:
        assert got == math.inf
    elif want > 0:
        assert relative_error(got, want) <= 3e-15
    for a, b, term in zip(p, q, kl.kl_contributions(p, q)):
        if a > 0 and b > 0:
            exact = mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b))
            assert term == 0.0 if exact == 0 else relative_error(term, exact) <= 1e-15


def test_kl_divergence_keeps_its_promises_at_the_edges():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kl.kl_divergence([0.5, 0.5, 0.0], [1.0, 0.0, 0.0]) == math.inf   # no warnings
        assert kl.kl_divergence([1.0, 0.0], [1e-300, 1.0 - 1e-300]) == pytest.approx(300 * math.log(10), rel=1e-15)
        assert kl.kl_divergence([1.0 - 1e-300, 1e-300], [1.0, 0.0]) == math.inf
        # p subnormal, q not: q / p overflows, yet the term is the tiny p log(p / q)
        got = kl.kl_contributions([5e-324, 1.0 - 5e-324], [0.5, 0.5])
        assert got[0] == pytest.approx(5e-324 * math.log(5e-324 / 0.5), abs=1e-323)
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(50), size=(3, 4))
    assert (kl.kl_divergence(p, p) == 0.0).all() and not np.signbit(kl.kl_divergence(p, p)).any()
    assert not np.signbit(kl.kl_contributions(p, p)).any()
    assert not np.signbit(kl.surprisal([1.0, 0.0])).any()


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("size", [1e-2, 1e-4, 1e-6, 1e-8, 1e-10])
@pytest.mark.parametrize("temperature", [1.0, 0.7, 3.0])
def test_kl_from_logits_of_near_equal_logits_matches_mpmath(seed, size, temperature):
    rng = np.random.default_rng(seed)
    a = rng.normal(0.0, 3.0, size=rng.integers(2, 40))
    b = a + size * rng.normal(size=a.size)
    want = mp_kl_logits(a, b, temperature)
    assert relative_error(kl.kl_from_logits(a, b, temperature), want) <= 1e-12


@pytest.mark.parametrize("seed", range(10))
def test_kl_from_logits_of_ordinary_logits_matches_mpmath(seed):
    rng = np.random.default_rng(100 + seed)
    a, b = rng.normal(0.0, 4.0, size=(2, rng.integers(2, 60)))
    assert relative_error(kl.kl_from_logits(a, b), mp_kl_logits(a, b)) <= 1e-13


def test_kl_from_logits_of_a_batch_mixing_near_and_far_rows():
    rng = np.random.default_rng(3)
    a = rng.normal(0.0, 2.0, size=(4, 30))
    b = a.copy()
    b[0] += 1e-9 * rng.normal(size=30)     # near: redone with the series
    b[1] = rng.normal(0.0, 2.0, size=30)   # ordinary
    b[2, 0] = a[2, 0] + 5000.0             # a log-ratio beyond exp's range: the far route
    got = kl.kl_from_logits(a, b)
    for row in range(3):
        assert relative_error(got[row], mp_kl_logits(a[row], b[row])) <= 1e-12
    assert got[3] == 0.0


def test_log_softmax_keeps_the_digits_of_the_likeliest_token():
    # log(1 / (1 + e^-40)) = -4.248e-18; log(sum) would round the sum to 1 and give 0.
    assert kl.log_softmax([0.0, -40.0])[0] == pytest.approx(-math.log1p(math.exp(-40.0)), rel=1e-15, abs=0)


@pytest.mark.parametrize("x", [1e-150, 1e-20, -1e-12, 3e-9, 1e-5, -0.01, 0.02, -0.031, 0.04, 0.2, -0.24, 0.23,
                               0.26, -0.26, 0.3, -0.7, 2.5, -30.0, 600.0])
def test_k3_keeps_its_relative_precision(x):
    with mpmath.workdps(400):  # e^x - 1 - x for x = 1e-150 needs 300 digits more than 50
        want = +(mpmath.expm1(mpmath.mpf(x)) - mpmath.mpf(x))
    assert relative_error(kl.kl_estimator_values([x])["k3"][0], want) <= 8 * EPS
    assert relative_error(kl.kl_estimator_values(np.full(10, x))["k3"][3], want) <= 8 * EPS  # the dense route


def test_estimator_moments_of_near_equal_distributions():
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(20))
    q = shifted_pair(p, 1e-9, rng)
    moments = kl.kl_estimator_moments(q, p)
    exact = mp_kl(q, p)
    assert relative_error(moments["k1"].mean, exact) <= 1e-12   # the mean of k1 is D(Q || P) itself
    assert relative_error(moments["k3"].mean, exact) <= 1e-12   # q and p have equal sums here
    assert moments["k1"].bias == 0.0 and abs(moments["k3"].bias) <= 1e-12 * float(exact)


# -- 4. numpy's error state is not the caller's business -----------------------------------------------

TWO = kl.two_peaks()
ORDINARY_AND_EXTREME = [
    ("bin_centers", lambda: kl.bin_centers(0.5, 1e3)),
    ("discretize_gaussian", lambda: kl.discretize_gaussian(1e300, 1e-300, 0.5)),
    ("binned_kl_gaussian", lambda: kl.binned_kl_gaussian(0.0, 1e-300, 1e300, 1e300, 0.5)),
    ("normalize", lambda: kl.normalize([2.0, 1.0, 1e-320])),
    ("normalize", lambda: kl.normalize([1e308, 1e308])),
    ("surprisal", lambda: kl.surprisal([1.0 - 1e-300, 1e-300, 0.0], base=2)),
    ("entropy", lambda: kl.entropy([1.0 - 5e-324, 5e-324, 0.0])),
    ("cross_entropy", lambda: kl.cross_entropy([0.5, 0.5, 0.0], [1e-320, 1.0, 0.0])),
    ("cross_entropy", lambda: kl.cross_entropy([0.5, 0.5], [1.0, 0.0])),
    ("kl_contributions", lambda: kl.kl_contributions([5e-324, 1.0, 0.0], [0.5, 0.0, 0.5])),
    ("kl_divergence", lambda: kl.kl_divergence([5e-324, 1.0, 0.0], [0.5, 0.5, 0.0])),
    ("kl_divergence", lambda: kl.kl_divergence([0.5, 0.5], [1.0, 0.0], base=1.0000001)),
    ("kl_divergence", lambda: kl.kl_divergence(kl.P, kl.P)),
    ("softmax", lambda: kl.softmax([0.0, 1000.0, -1000.0])),
    ("softmax", lambda: kl.softmax([0, 1], temperature=1e-309)),
    ("softmax", lambda: kl.softmax([-1e308, 1e308], temperature=1.7e308)),
    ("log_softmax", lambda: kl.log_softmax([0.0, 1e4, -1e308])),
    ("smooth", lambda: kl.smooth([1.0 - 5e-324, 5e-324, 0.0], 1e-300)),
    ("kl_from_logits", lambda: kl.kl_from_logits([0.0, 1e4, 3.0], [1e4, 0.0, 3.0])),
    ("kl_from_logits", lambda: kl.kl_from_logits([-1e308, 1e308], [1e308, -1e308])),
    ("kl_from_logits", lambda: kl.kl_from_logits([0.0, 1e-9], [0.0, 0.0], temperature=1e-300, base=2)),
    ("kl_from_logits", lambda: kl.kl_from_logits(np.zeros((2, 3)), np.ones((2, 3)))),
    ("kl_estimator_values", lambda: kl.kl_estimator_values([-np.inf, 1e-200, 800.0, -1e308, 1e200])),
    ("sample_kl_estimators", lambda: kl.sample_kl_estimators([1 - 5e-324, 5e-324], [1.0, 0.0], 100, rng=0)),
    ("sample_kl_estimators", lambda: kl.sample_kl_estimators(kl.Q, kl.P, 100, rng=0)),
    ("kl_estimator_moments", lambda: kl.kl_estimator_moments([1 - 5e-324, 5e-324], P2)),
    ("kl_estimator_moments", lambda: kl.kl_estimator_moments(P2, [1.0, 0.0])),
    ("optimal_policy", lambda: kl.optimal_policy([0.5, 0.5, 0.0], [1e308, -1e308, 0.0], 1e-300)),
    ("rlhf_objective", lambda: kl.rlhf_objective([0.5, 0.5], [1.0, 0.0], [1.7e308, 1.7e308], 1e300)),
    ("gaussian_family", lambda: kl.gaussian_family([0.5, 1e200, -1e308], [[1e-200], [1.7e308]], 40)),
    ("two_peaks", lambda: kl.two_peaks((0.0, 39.0), (5e-324, 1e300), 0.5, floor=0.0)),
    ("fit_objective", lambda: kl.fit_objective(TWO, [1e200, 3.0], [1e-300, 2.0], "reverse")),
    ("fit_gaussian", lambda: kl.fit_gaussian(np.eye(40)[5] * 0.999 + 0.001 / 40, "forward")),
    ("fit_forward", lambda: kl.fit_forward(TWO)),
    ("fit_reverse", lambda: kl.fit_reverse(TWO)),
    ("fit_reverse", lambda: kl.fit_reverse(kl.two_peaks((0.0, 39.0), (1e-300, 1e-300), 0.5))),
    ("local_fits", lambda: [(f.mean, f.width, f.divergence) for f in kl.local_fits(TWO, "reverse")]),
    ("local_fits", lambda: [(f.mean, f.width, f.divergence)
                            for f in kl.local_fits(kl.two_peaks((1.0, 38.0), (0.5, 0.5), 0.5), "forward")]),
    ("share_kept", lambda: kl.share_kept(TWO, (11.0, 27.0), 1e300)),
    ("huffman_lengths", lambda: kl.huffman_lengths([1.0 - 5e-324, 5e-324, 0.0])),
    ("huffman_lengths", lambda: kl.huffman_lengths(kl.P)),
    ("shannon_lengths", lambda: kl.shannon_lengths([1.0 - 5e-324, 5e-324, 0.0])),
    ("with_share", lambda: kl.with_share([1.0 - 5e-324, 5e-324, 0.0], 1, 1e-320)),
    ("marginals", lambda: kl.marginals([[1.0 - 5e-324, 5e-324], [0.0, 0.0]])),
    ("joint_entropy", lambda: kl.joint_entropy([[1.0 - 5e-324, 5e-324], [0.0, 0.0]])),
    ("conditional_entropy", lambda: kl.conditional_entropy([[1e-320, 0.0], [0.0, 1.0 - 1e-320]])),
    ("mutual_information", lambda: kl.mutual_information([[1e-320, 0.0], [0.0, 1.0 - 1e-320]])),
    ("independent_joint", lambda: kl.independent_joint([1e-320, 1.0], [5e-324, 1.0])),
    ("conditional_kl", lambda: kl.conditional_kl([[1e-320, 0.0], [0.0, 1.0]], [[0.5, 0.5], [1e-320, 1.0]])),
    ("total_variation", lambda: kl.total_variation([5e-324, 1.0], [1.0, 0.0])),
    ("chi_square", lambda: kl.chi_square([5e-324, 1.0], [1e-320, 1.0])),
    ("kl_gaussian", lambda: kl.kl_gaussian([0.0, 1e300], [1e-300, 1e300], [1e-300, -1e300], [1e300, 1e-300])),
    ("kl_gaussian_mv", lambda: kl.kl_gaussian_mv([0.0, 1e-300], np.eye(2) * 1e-300, [0.0, 0.0], np.eye(2))),
    ("gaussian_entropy", lambda: kl.gaussian_entropy([1e-300, 1e300])),
    ("posterior", lambda: kl.posterior(1e300, 1e-300)),
    ("log_evidence", lambda: kl.log_evidence(1e150, 1e-300)),
    ("elbo", lambda: kl.elbo(1.0, 1e-150, 1e150, 1e-150)),
    ("estimator_gradient", lambda: kl.estimator_gradient([0.0, 800.0, -800.0], [1e-300, 1.0, 5e-324], "k3")),
    ("estimator_gradient", lambda: kl.estimator_gradient([0.0, 800.0, -800.0], [1e-300, 1.0, 5e-324], "k2",
                                                         "reward")),
    ("estimator_values_by_token", lambda: kl.estimator_values_by_token([0.0, 700.0], [1e-300, 1.0])),
    ("kl_gradient", lambda: kl.kl_gradient([0.0, 700.0], [1e-300, 1.0], "forward")),
    ("sequence_probabilities", lambda: kl.sequence_probabilities([[1e-200, 1.0], [[1e-200, 1.0], [1.0, 0.0]]])),
    ("sequence_kl", lambda: kl.sequence_kl([[1e-200, 1.0], [[1e-200, 1.0], [1.0, 0.0]]],
                                           [[0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]]])),
    ("train_policy", lambda: kl.train_policy([0.0, 700.0, -700.0], [1e-300, 1.0, 5e-324], [0.0, 1e300, 0.0], 1e-300,
                                             "k3", steps=3)),
    ("per_step_kl", lambda: kl.per_step_kl([[1e-200, 1.0], [[1e-200, 1.0], [1.0, 0.0]]],
                                           [[0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]]])),
    ("sequence_kl_gradient", lambda: np.concatenate([g.ravel() for g in sum(kl.sequence_kl_gradient(
        [[0.0, 700.0], [[0.0, -700.0], [700.0, 0.0]]], [[1e-300, 1.0], [[0.5, 0.5], [1.0, 5e-324]]]), [])])),
    ("sampled_estimator_gradients", lambda: kl.sampled_estimator_gradients([0.0, 700.0, -700.0],
                                                                           [1e-300, 1.0, 5e-324], "k3", [0, 1, 2])),
]


def test_every_public_math_function_is_covered():
    public = {name for module in MATH_MODULES for name in module.__all__
              if callable(getattr(module, name)) and not isinstance(getattr(module, name), type)}
    covered = {name for name, _ in ORDINARY_AND_EXTREME}
    assert public - covered == set()


@pytest.mark.parametrize("name, call", ORDINARY_AND_EXTREME, ids=[n for n, _ in ORDINARY_AND_EXTREME])
def test_no_floating_point_error_when_the_caller_raises_on_everything(name, call):
    with np.errstate(all="ignore"):
        expected = call()
    before = np.geterr()
    with np.errstate(all="raise"):
        got = call()
    assert np.geterr() == before
    for value, want in zip(flatten(got), flatten(expected)):
        np.testing.assert_array_equal(value, want)  # and the answer does not depend on the error state
        assert not np.isnan(np.asarray(value, dtype=float)).any()


def flatten(result):
    """The numbers in a result: a float, an array, a dict or a named tuple of them."""
    if isinstance(result, dict):
        return [v for value in result.values() for v in flatten(value)]
    if isinstance(result, tuple):
        return [v for value in result if not isinstance(value, str) for v in flatten(value)]
    return [result]


# -- 5. clear ValueErrors ---------------------------------------------------------------------------------

def generator():
    yield 0.5
    yield 0.5


@pytest.mark.parametrize("bad, message", [
    (None, r"p must be a sequence of numbers, got None"),
    ({"a": 0.5, "b": 0.5}, r"p must be a sequence of numbers, got a dict"),
    ({0.5, 0.25}, r"p must be a sequence of numbers, got a set \(unordered"),
    (generator(), r"p must be a sequence of numbers, got a generator \(pass a list\)"),
    (iter([0.5, 0.5]), r"p must be a sequence of numbers, got an iterator"),
    ([10**400, 1], r"p has an entry too large for a float at index 0"),
    ([[0.5, 0.5], [10**400, 0]], r"p has an entry too large for a float at index \(1, 0\)"),
    ([0.5 + 1j, 0.5], r"p has a complex entry at index 0"),
    ([0.5, True], r"p must hold numbers, not booleans \(True at index 1\)"),
    (np.array([0.5, None], dtype=object), r"p has a non-numeric entry at index 1 \(None\)"),
    ([decimal.Decimal("0.5")] * 2, r"p has a non-numeric entry at index 0"),
    (np.array(["0.5", "0.5"]), r"p has a non-numeric entry at index 0 \('0.5'\)"),
    (np.array(0.5), r"p must be a sequence of numbers .*single number 0.5"),
    (np.array([np.longdouble(10) ** 400, 1]), r"p has an entry too large for a float at index 0"),
])
def test_bad_distributions_name_the_argument_and_the_problem(bad, message):
    with pytest.raises(ValueError, match=message):
        kl.entropy(bad)


@pytest.mark.parametrize("bad, message", [
    (None, r"log_ratio must be a number or an array of numbers, got None"),
    (["1"], r"log_ratio has a non-numeric entry at index 0 \('1'\)"),
    ([True], r"log_ratio must hold numbers, not booleans"),
    ([0.0, np.nan], r"log_ratio has a NaN entry at index 1"),
    ([0.0, np.inf], r"log_ratio has an infinite entry at index 1 \(inf\); it must hold numbers or -inf"),
    ("0.5", r"log_ratio must be a number or an array of numbers, got the string"),
])
def test_kl_estimator_values_uses_the_shared_validator(bad, message):
    with pytest.raises(ValueError, match=message):
        kl.kl_estimator_values(bad)


@pytest.mark.parametrize("kwargs, message", [
    ({"centers": (11.0,)}, r"centers must be a pair of numbers"),
    ({"centers": None}, r"centers must be a pair of numbers"),
    ({"centers": 11.0}, r"centers must be a pair of numbers"),
    ({"widths": (2.0, 3.0, 4.0)}, r"widths must be a pair of numbers"),
    ({"widths": None}, r"widths must be a pair of numbers"),
    ({"centers": (11.0, "27")}, r"centers\[1\] must be a finite number"),
    ({"share_a": None}, r"share_a must be a finite number"),
])
def test_explore_fits_checks_its_arguments_first(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kl.explore_fits(**kwargs)


@pytest.mark.parametrize("mean, width, message", [
    ("3", "1", r"mean must be a number or an array of numbers, got the string '3'"),
    (3.0, "1", r"width must be a number or an array of numbers, got the string '1'"),
    (None, 1.0, r"mean must be a number or an array of numbers, got None"),
    (1.0, None, r"width must be a number or an array of numbers, got None"),
    (True, 1.0, r"mean must hold numbers, not booleans"),
    (1.0, [1.0, 0.0], r"width must be positive, got 0 at index 1"),
    ([1.0, 2.0], [1.0, 2.0, 3.0], r"mean and width must broadcast against each other"),
    (np.nan, 1.0, r"mean must be finite, got nan"),
])
def test_gaussian_family_names_mean_and_width(mean, width, message):
    with pytest.raises(ValueError, match=message):
        kl.gaussian_family(mean, width)


def test_zero_dimensional_arrays_count_as_numbers_for_single_values():
    assert kl.softmax([0.0, 1.0], np.array(2.0)).tolist() == kl.softmax([0.0, 1.0], 2.0).tolist()
    assert kl.entropy(kl.P, base=np.array(2)) == kl.entropy(kl.P, base=2)
    assert kl.sample_kl_estimators(kl.Q, kl.P, np.array(5), rng=0).k1.shape == (5,)


# The broad probe: every argument of every public math function, fed input that is bad for it.

VECTOR_BAD = {
    "None": None, "str": "ab", "bytes": b"ab", "bool": True, "dict": {"a": 1.0}, "set": {0.5, 0.25},
    "generator": "GENERATOR", "iterator": "ITERATOR", "ragged": [[0.5, 0.5], [1.0]], "empty": [], "empty2": [[]],
    "0-d array": np.array(0.5), "float": 0.5, "complex": [0.5 + 1j, 0.5],
    "None inside": np.array([0.5, None], dtype=object),
    "huge int": [10**400, 1], "nan": [np.nan, 1.0], "inf": [np.inf, 0.0], "-inf": [-np.inf, 1.0],
    "bool inside": [True, 0.0], "strings": ["0.5", "0.5"], "nested": [[0.5], 0.5],
    "datetimes": np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]"),
    "decimals": [decimal.Decimal("0.5")] * 2,
    "object": [object(), 0.5],
}
DISTRIBUTION_BAD = {**VECTOR_BAD, "negative": [-0.5, 1.5], "sum 1.1": [0.5, 0.6]}
PAIR_BAD = {**DISTRIBUTION_BAD, "longer": [0.5, 0.5, 0.0], "batch": np.full((2, 2), 0.5)}
TARGET_BAD = {**DISTRIBUTION_BAD, "one position": [1.0], "batch": np.full((2, 2), 0.5)}
SCALAR_BAD = {
    "None": None, "str": "1", "bool": True, "list": [1.0], "nan": np.nan, "inf": np.inf, "negative": -1.0,
    "zero": 0, "huge int": 10**400, "complex": 1j, "dict": {}, "array": np.array([1.0, 2.0]),
}


def bad(table, *accepted, **extra):
    """The values of a table except those the argument accepts, plus extra ones."""
    return [value for label, value in table.items() if label not in accepted] + list(extra.values())


SLOTS = {
    # name: (call taking the bad value, the bad values, the argument the message must name)
    "normalize.weights": (lambda x: kl.normalize(x), bad(VECTOR_BAD, negative=[-1.0, 2.0], zeros=[0.0, 0.0]),
                          "weights"),
    "surprisal.p": (lambda x: kl.surprisal(x), bad(DISTRIBUTION_BAD), "p"),
    "surprisal.base": (lambda x: kl.surprisal(P2, base=x), bad(SCALAR_BAD, "None", half=0.5, one=1.0), "base"),
    "entropy.p": (lambda x: kl.entropy(x), bad(DISTRIBUTION_BAD), "p"),
    "entropy.base": (lambda x: kl.entropy(P2, base=x), bad(SCALAR_BAD, "None", half=0.5, one=1.0), "base"),
    "cross_entropy.p": (lambda x: kl.cross_entropy(x, P2), bad(PAIR_BAD), "p"),
    "cross_entropy.q": (lambda x: kl.cross_entropy(P2, x), bad(PAIR_BAD), "q"),
    "cross_entropy.base": (lambda x: kl.cross_entropy(P2, P2, base=x), bad(SCALAR_BAD, "None", half=0.5), "base"),
    "kl_contributions.p": (lambda x: kl.kl_contributions(x, P2), bad(PAIR_BAD), "p"),
    "kl_contributions.q": (lambda x: kl.kl_contributions(P2, x), bad(PAIR_BAD), "q"),
    "kl_contributions.base": (lambda x: kl.kl_contributions(P2, P2, base=x), bad(SCALAR_BAD, "None", half=0.5), "base"),
    "kl_divergence.p": (lambda x: kl.kl_divergence(x, P2), bad(PAIR_BAD), "p"),
    "kl_divergence.q": (lambda x: kl.kl_divergence(P2, x), bad(PAIR_BAD), "q"),
    "kl_divergence.base": (lambda x: kl.kl_divergence(P2, P2, base=x), bad(SCALAR_BAD, "None", half=0.5), "base"),
    "softmax.logits": (lambda x: kl.softmax(x), bad(VECTOR_BAD), "logits"),
    "softmax.temperature": (lambda x: kl.softmax([0.0, 1.0], x), bad(SCALAR_BAD), "temperature"),
    "log_softmax.logits": (lambda x: kl.log_softmax(x), bad(VECTOR_BAD), "logits"),
    "log_softmax.temperature": (lambda x: kl.log_softmax([0.0, 1.0], x), bad(SCALAR_BAD), "temperature"),
    "smooth.p": (lambda x: kl.smooth(x, 0.1), bad(DISTRIBUTION_BAD), "p"),
    "smooth.epsilon": (lambda x: kl.smooth(P2, x), bad(SCALAR_BAD, "zero", above=1.5), "epsilon"),
    "kl_from_logits.logits_p": (lambda x: kl.kl_from_logits(x, [0.0, 1.0]), bad(VECTOR_BAD, longer=[0.0, 1.0, 2.0]),
                                "logits_p"),
    "kl_from_logits.logits_q": (lambda x: kl.kl_from_logits([0.0, 1.0], x), bad(VECTOR_BAD), "logits_q"),
    "kl_from_logits.temperature": (lambda x: kl.kl_from_logits([0.0, 1.0], [1.0, 0.0], x), bad(SCALAR_BAD),
                                   "temperature"),
    "kl_from_logits.base": (lambda x: kl.kl_from_logits([0.0, 1.0], [1.0, 0.0], base=x),
                            bad(SCALAR_BAD, "None", half=0.5), "base"),
    # a single log-ratio, an empty set of draws and -inf (P rules the draw out) are all valid
    "kl_estimator_values.log_ratio": (lambda x: kl.kl_estimator_values(x),
                                      bad(VECTOR_BAD, "empty", "empty2", "0-d array", "float", "-inf"), "log_ratio"),
    "sample_kl_estimators.q": (lambda x: kl.sample_kl_estimators(x, P2, 10, rng=0), bad(PAIR_BAD), "q"),
    "sample_kl_estimators.p": (lambda x: kl.sample_kl_estimators(P2, x, 10, rng=0), bad(PAIR_BAD), "p"),
    "sample_kl_estimators.n_samples": (lambda x: kl.sample_kl_estimators(P2, P2, x, rng=0),
                                       bad(SCALAR_BAD, fraction=2.5, float=2.0), "n_samples"),
    "sample_kl_estimators.rng": (lambda x: kl.sample_kl_estimators(P2, P2, 10, rng=x),
                                 ["seed", True, -1, 2.5, [1], np.random.RandomState(0)], "rng"),
    "kl_estimator_moments.q": (lambda x: kl.kl_estimator_moments(x, P2), bad(PAIR_BAD), "q"),
    "kl_estimator_moments.p": (lambda x: kl.kl_estimator_moments(P2, x), bad(PAIR_BAD), "p"),
    "optimal_policy.reference": (lambda x: kl.optimal_policy(x, [0.0, 1.0], 1.0), bad(PAIR_BAD),
                                        "reference"),
    "optimal_policy.reward": (lambda x: kl.optimal_policy(P2, x, 1.0), bad(VECTOR_BAD), "reward"),
    "optimal_policy.beta": (lambda x: kl.optimal_policy(P2, [0.0, 1.0], x), bad(SCALAR_BAD), "beta"),
    "rlhf_objective.policy": (lambda x: kl.rlhf_objective(x, P2, [0.0, 1.0], 1.0), bad(PAIR_BAD), "policy"),
    "rlhf_objective.reference": (lambda x: kl.rlhf_objective(P2, x, [0.0, 1.0], 1.0), bad(PAIR_BAD), "reference"),
    "rlhf_objective.reward": (lambda x: kl.rlhf_objective(P2, P2, x, 1.0), bad(VECTOR_BAD), "reward"),
    "rlhf_objective.beta": (lambda x: kl.rlhf_objective(P2, P2, [0.0, 1.0], x), bad(SCALAR_BAD), "beta"),
    # a single mean and an empty batch of means are valid
    "gaussian_family.mean": (lambda x: kl.gaussian_family(x, 1.0, 5),
                             bad(VECTOR_BAD, "empty", "empty2", "0-d array", "float"), "mean"),
    "gaussian_family.width": (lambda x: kl.gaussian_family(1.0, x, 5), bad(SCALAR_BAD, "list", "array"), "width"),
    "gaussian_family.n_positions": (lambda x: kl.gaussian_family(1.0, 1.0, x), bad(SCALAR_BAD, one=1, float=2.0),
                                    "n_positions"),
    "two_peaks.centers": (lambda x: kl.two_peaks(x),
                          bad(VECTOR_BAD, three=(1.0, 2.0, 3.0), below=(-1.0, 5.0), beyond=(5.0, 40.0)), "centers"),
    "two_peaks.widths": (lambda x: kl.two_peaks((11.0, 27.0), x), bad(VECTOR_BAD, zero=(0.0, 1.0)), "widths"),
    "two_peaks.share_a": (lambda x: kl.two_peaks((11.0, 27.0), (2.0, 3.0), x), bad(SCALAR_BAD, "zero", above=1.5),
                          "share_a"),
    "two_peaks.n_positions": (lambda x: kl.two_peaks((1.0, 2.0), (2.0, 3.0), 0.5, x), bad(SCALAR_BAD, one=1),
                              "n_positions"),
    "two_peaks.floor": (lambda x: kl.two_peaks((11.0, 27.0), (2.0, 3.0), 0.5, floor=x),
                        bad(SCALAR_BAD, "None", "zero", one=1.0), "floor"),
    "fit_objective.p": (lambda x: kl.fit_objective(x, 1.0, 1.0, "forward"), bad(TARGET_BAD), "p"),
    "fit_objective.means": (lambda x: kl.fit_objective(TWO, x, 1.0, "forward"),
                            bad(VECTOR_BAD, "empty", "empty2", "0-d array", "float"), "means"),
    "fit_objective.widths": (lambda x: kl.fit_objective(TWO, 1.0, x, "forward"), bad(SCALAR_BAD, "list", "array"),
                             "widths"),
    "fit_objective.direction": (lambda x: kl.fit_objective(TWO, 1.0, 1.0, x), [None, "up", 1, ["forward"]],
                                "direction"),
    "fit_gaussian.p": (lambda x: kl.fit_gaussian(x, "forward"), bad(TARGET_BAD), "p"),
    "fit_gaussian.direction": (lambda x: kl.fit_gaussian(TWO, x), [None, "Forward", 0, np.array(["forward", "reverse"])],
                               "direction"),
    "fit_forward.p": (lambda x: kl.fit_forward(x), bad(TARGET_BAD), "p"),
    "fit_reverse.p": (lambda x: kl.fit_reverse(x), bad(TARGET_BAD), "p"),
}
PROBES = [(slot, value) for slot, (_, values, _) in SLOTS.items() for value in values]


def probe_id(value):
    return type(value).__name__ + ":" + repr(value)[:24]


@pytest.mark.parametrize("slot, value", PROBES, ids=[f"{s}-{probe_id(v)}" for s, v in PROBES])
def test_hostile_probe_gets_a_value_error_naming_the_argument(slot, value):
    call, _, name = SLOTS[slot]
    if isinstance(value, str) and value == "GENERATOR":
        value = generator()
    if isinstance(value, str) and value == "ITERATOR":
        value = iter([0.5, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nor a RuntimeWarning on the way
        with pytest.raises(ValueError) as raised:
            call(value)
    assert re.search(rf"(^|\W){name}(\W|$)", str(raised.value)), f"{slot}: {raised.value}"


# Hypothesis: arbitrary nested input is either accepted with a NaN-free answer or refused with a ValueError.

leaves = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**400, 10**400), st.booleans(), st.none(),
    st.text(max_size=3), st.complex_numbers(max_magnitude=2), st.just(5e-324), st.just(1.7976931348623157e308))
nested = st.recursive(leaves, lambda children: st.lists(children, max_size=4), max_leaves=12)

HYPOTHESIS_CALLS = {
    "kl_divergence": lambda x: kl.kl_divergence(x, x),
    "entropy": lambda x: kl.entropy(x),
    "softmax": lambda x: kl.softmax(x, 0.5),
    "kl_from_logits": lambda x: kl.kl_from_logits(x, x),
    "kl_estimator_values": lambda x: kl.kl_estimator_values(x),
    "gaussian_family": lambda x: kl.gaussian_family(x, 1.0, 4),
    "normalize": lambda x: kl.normalize(x),
}


@pytest.mark.parametrize("name", HYPOTHESIS_CALLS)
@given(value=nested)
@settings(max_examples=150, deadline=None)
def test_arbitrary_nested_input_is_answered_or_refused(name, value):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            result = HYPOTHESIS_CALLS[name](value)
        except ValueError:
            return
    for number in flatten(result):
        assert not np.isnan(np.asarray(number, dtype=float)).any()


finite_floats = st.floats(-1e308, 1e308, allow_nan=False, allow_infinity=False)


logit_pairs = st.tuples(st.integers(1, 3), st.integers(1, 6)).flatmap(
    lambda shape: st.tuples(*[arrays(np.float64, shape, elements=st.one_of(
        finite_floats, st.sampled_from([0.0, 5e-324, -1e308, 1e308, 1.7976931348623157e308])))] * 2))


@given(logit_pairs, st.floats(5e-324, 1.7976931348623157e308))
@settings(max_examples=300, deadline=None)
def test_finite_logits_never_give_nan(pair, temperature):
    a, b = pair
    with np.errstate(all="raise"):
        for value in (kl.softmax(a, temperature), kl.log_softmax(a, temperature),
                      kl.kl_from_logits(a, b, temperature)):
            assert not np.isnan(value).any()
        assert (kl.kl_from_logits(a, b, temperature) >= 0.0).all()
        np.testing.assert_allclose(kl.softmax(a, temperature).sum(axis=-1), 1.0, rtol=1e-12)
        assert (kl.kl_from_logits(a, a, temperature) == 0.0).all()


@given(finite_floats, st.floats(5e-324, 1e308), st.integers(2, 50))
@settings(max_examples=300, deadline=None)
def test_gaussian_family_never_gives_nan(mean, width, n):
    with np.errstate(all="raise"):
        q = kl.gaussian_family(mean, width, n)
    assert not np.isnan(q).any() and q.sum() == pytest.approx(1.0, abs=1e-12)


def test_kl_from_logits_of_logits_a_huge_constant_apart_is_zero():
    """Found by hypothesis: equal logits 1.6e16 apart from the other set. Their weighted mean was
    rounded at the scale of the logits (an ulp of 5e17 is 64), which made log1p(-1) = -inf."""
    for c, n, temperature in [(1.2409060717798188e16, 3, 0.015625), (3.9381754542552774e17, 5, 0.015625),
                              (1.9371712319880877e17, 3, 0.5)]:
        assert kl.kl_from_logits(np.full((1, n), c), np.zeros((1, n)), temperature).tolist() == [0.0]
