"""klhelpers.logits, .estimators and .rlhf against independent formulas: scipy.special, scipy.stats, exact sums, sampling theory."""

import math
import re

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import klhelpers as kl
from klhelpers import estimators, logits, rlhf

# -- strategies ----------------------------------------------------------------------------------

finite_logits = st.floats(-60, 60, allow_nan=False, allow_infinity=False)


@st.composite
def logit_pairs(draw, max_batch=4, max_vocab=12):
    batch = draw(st.integers(1, max_batch))
    vocab = draw(st.integers(1, max_vocab))
    a = draw(arrays(np.float64, (batch, vocab), elements=finite_logits))
    b = draw(arrays(np.float64, (batch, vocab), elements=finite_logits))
    return a, b


temperatures = st.floats(0.05, 20.0, allow_nan=False)


def reference_kl(a, b, temperature=1.0):
    """KL of the softmaxed arrays via scipy's rel_entr: the route the book's function must agree with."""
    p = scipy.special.softmax(np.asarray(a) / temperature, axis=-1)
    q = scipy.special.softmax(np.asarray(b) / temperature, axis=-1)
    return scipy.special.rel_entr(p, q).sum(axis=-1)


# -- softmax and log_softmax -------------------------------------------------------------------------

@given(logit_pairs(), temperatures)
def test_softmax_and_log_softmax_agree_with_scipy(pair, temperature):
    a, _ = pair
    np.testing.assert_allclose(kl.softmax(a, temperature),
                               scipy.special.softmax(a / temperature, axis=-1), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(kl.log_softmax(a, temperature),
                               scipy.special.log_softmax(a / temperature, axis=-1), rtol=1e-12, atol=1e-12)


def test_softmax_of_one_vector_and_its_shift():
    np.testing.assert_allclose(kl.softmax([1.0, 2.0, 3.0]), np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())
    np.testing.assert_allclose(kl.softmax([1.0, 2.0, 3.0]), kl.softmax([1001.0, 1002.0, 1003.0]), rtol=1e-12)
    assert kl.softmax([5.0]).tolist() == [1.0]


def test_large_logits_stay_finite_and_exact():
    logits = np.array([1e4, -1e4, 0.0, 1e4 - 1.0])
    probs = kl.softmax(logits)
    logs = kl.log_softmax(logits)
    assert np.isfinite(probs).all() and np.isfinite(logs).all()
    np.testing.assert_allclose(probs.sum(), 1.0)
    np.testing.assert_allclose(logs, scipy.special.log_softmax(logits))
    assert logs[1] == pytest.approx(-2e4 - math.log1p(math.exp(-1.0)), rel=1e-15)


def test_temperature_sharpens_and_flattens():
    logits = np.array([2.0, 1.0, 0.5, -1.0])
    entropies = [kl.entropy(kl.softmax(logits, t)) for t in (0.05, 0.5, 1.0, 2.0, 50.0)]
    assert entropies == sorted(entropies)  # hotter is flatter
    np.testing.assert_allclose(kl.softmax(logits, 1e-3), [1.0, 0.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(kl.softmax(logits, 1e6), np.full(4, 0.25), atol=1e-5)


# -- kl_from_logits -------------------------------------------------------------------------------------

@given(logit_pairs(), temperatures)
def test_kl_from_logits_agrees_with_rel_entr_of_softmax(pair, temperature):
    a, b = pair
    got = kl.kl_from_logits(a, b, temperature)
    want = reference_kl(a, b, temperature)
    assert got.shape == want.shape
    # Where Q's probabilities reach the subnormal range (< 2.2e-308), the probability route
    # loses its relative precision; compare there with scipy's stable log_softmax instead.
    normal = scipy.special.softmax(b / temperature, axis=-1).min(axis=-1) > np.finfo(float).tiny
    np.testing.assert_allclose(got[normal], np.maximum(want[normal], 0.0), rtol=1e-9, atol=1e-11)
    lp = scipy.special.log_softmax(a / temperature, axis=-1)
    lq = scipy.special.log_softmax(b / temperature, axis=-1)
    np.testing.assert_allclose(got, np.maximum((np.exp(lp) * (lp - lq)).sum(axis=-1), 0), rtol=1e-9, atol=1e-11)


@given(logit_pairs())
def test_kl_from_logits_agrees_with_kl_divergence_and_scipy_entropy(pair):
    a, b = pair
    p, q = scipy.special.softmax(a, axis=-1), scipy.special.softmax(b, axis=-1)
    if (q == 0).any():  # the probability route underflows to inf there; the logit route does not
        return
    np.testing.assert_allclose(kl.kl_from_logits(a, b), kl.kl_divergence(p, q), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(kl.kl_from_logits(a, b, base=2),
                               scipy.stats.entropy(p, q, base=2, axis=-1), rtol=1e-9, atol=1e-11)


@given(logit_pairs(), st.floats(-1e3, 1e3), st.floats(-1e3, 1e3))
def test_kl_from_logits_is_non_negative_and_shift_invariant(pair, shift_a, shift_b):
    a, b = pair
    d = kl.kl_from_logits(a, b)
    assert (d >= 0).all()
    np.testing.assert_allclose(kl.kl_from_logits(a + shift_a, b + shift_b), d, rtol=1e-6, atol=1e-9)
    assert (kl.kl_from_logits(a, a) == 0).all()


def test_kl_from_logits_running_example_and_shapes():
    assert kl.kl_from_logits(np.log(kl.P), np.log(kl.Q)) == pytest.approx(kl.kl_divergence(kl.P, kl.Q), rel=1e-13)
    assert kl.kl_from_logits(np.log(kl.Q), np.log(kl.P)) == pytest.approx(kl.kl_divergence(kl.Q, kl.P), rel=1e-13)
    assert isinstance(kl.kl_from_logits([0.0, 1.0], [1.0, 0.0]), float)
    assert kl.kl_from_logits(np.zeros((3, 2, 7)), np.ones((3, 2, 7))).shape == (3, 2)


def test_kl_from_logits_at_magnitude_1e4():
    rng = np.random.default_rng(7)
    a = rng.uniform(-1e4, 1e4, size=(8, 500))
    b = rng.uniform(-1e4, 1e4, size=(8, 500))
    got = kl.kl_from_logits(a, b)
    assert np.isfinite(got).all() and (got >= 0).all()
    # independent route: scipy's stable log_softmax, then sum p (log p - log q)
    lp, lq = scipy.special.log_softmax(a, axis=-1), scipy.special.log_softmax(b, axis=-1)
    np.testing.assert_allclose(got, (np.exp(lp) * (lp - lq)).sum(axis=-1), rtol=1e-12)
    # the two-token case in closed form: P certain of token 1, Q of token 0
    assert kl.kl_from_logits([0.0, 1e4], [1e4, 0.0]) == pytest.approx(1e4, rel=1e-15)
    # the naive route (probabilities first) breaks down there
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        naive = np.exp(a) / np.exp(a).sum(axis=-1, keepdims=True)
    assert np.isnan(naive).any()


def test_kl_from_logits_temperature():
    a = np.log(kl.P)
    b = np.log(kl.Q)
    for t in (0.3, 1.0, 2.5):
        assert kl.kl_from_logits(a, b, t) == pytest.approx(float(reference_kl(a, b, t)), rel=1e-12)
        assert kl.kl_from_logits(a, b, t) == pytest.approx(kl.kl_from_logits(a / t, b / t), rel=1e-12)
    # hot: both flatten to uniform and the divergence vanishes; cold: different argmaxes, it grows like 1/T
    assert kl.kl_from_logits(a, b, 1e4) < 1e-8
    cold = [kl.kl_from_logits(a, b, t) for t in (0.1, 0.01)]
    assert cold[1] > cold[0] > kl.kl_from_logits(a, b)
    # As T -> 0, P_T sits on P's top token (cat), Q_T on Q's (on): T * D -> b_on - b_cat = ln(0.30 / 0.20)
    assert cold[1] * 0.01 == pytest.approx(math.log(0.30 / 0.20), rel=1e-9)


# -- bad input -------------------------------------------------------------------------------------------

BAD_LOGITS = [
    ("cat", "string"),
    (5.0, "single number"),
    ([], "empty"),
    ([[]], "empty"),
    ([1.0, "x", 2.0], "non-numeric entry at index 1"),
    ([1.0, None], "non-numeric entry at index 1"),
    ([[1.0, 2.0], [3.0]], "rectangular"),
    ([1.0, float("nan")], "NaN entry at index 1"),
    ([[0.0, 1.0], [float("inf"), 0.0]], r"infinite entry at index \(1, 0\)"),
    ([True, False], "booleans"),
]


@pytest.mark.parametrize("function", [kl.softmax, kl.log_softmax])
@pytest.mark.parametrize("logits, message", BAD_LOGITS)
def test_softmax_rejects_bad_logits(function, logits, message):
    with pytest.raises(ValueError, match=f"logits.*{message}|logits.*" + message.split()[0]):
        function(logits)


@pytest.mark.parametrize("logits, message", BAD_LOGITS)
def test_kl_from_logits_names_the_bad_argument(logits, message):
    with pytest.raises(ValueError, match="logits_q"):
        kl.kl_from_logits([0.0, 1.0], logits)
    with pytest.raises(ValueError, match="logits_p"):
        kl.kl_from_logits(logits, [0.0, 1.0])


@pytest.mark.parametrize("temperature", [0, 0.0, -1.0, float("nan"), float("inf"), True, "1", None, [1.0]])
def test_bad_temperature(temperature):
    for call in (lambda: kl.softmax([0.0, 1.0], temperature),
                 lambda: kl.log_softmax([0.0, 1.0], temperature),
                 lambda: kl.kl_from_logits([0.0, 1.0], [1.0, 0.0], temperature)):
        with pytest.raises(ValueError, match="temperature"):
            call()


@pytest.mark.parametrize("base", [1, 0, -2, float("inf"), "2", True])
def test_bad_base(base):
    with pytest.raises(ValueError, match="base"):
        kl.kl_from_logits([0.0, 1.0], [1.0, 0.0], base=base)


def test_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        kl.kl_from_logits([0.0, 1.0], [0.0, 1.0, 2.0])


# -- sampled estimators --------------------------------------------------------------------------------------

@given(arrays(np.float64, st.integers(1, 30), elements=st.floats(-700, 700)))
def test_k2_and_k3_are_never_negative(log_ratio):
    values = kl.kl_estimator_values(log_ratio)
    assert (values["k3"] >= 0).all() and (values["k2"] >= 0).all()
    r = np.exp(log_ratio)
    with np.errstate(over="ignore"):
        direct = (r - 1) - log_ratio
    finite = np.isfinite(direct) & (np.abs(log_ratio) > 1e-3)
    np.testing.assert_allclose(values["k3"][finite], direct[finite], rtol=1e-9)
    np.testing.assert_array_equal(values["k1"], -log_ratio)


def test_k3_is_accurate_near_r_equal_1():
    x = 1e-9
    assert kl.kl_estimator_values([x])["k3"][0] == pytest.approx(x * x / 2, rel=1e-6)


def test_estimators_of_an_impossible_draw_are_infinite():
    values = kl.kl_estimator_values([-np.inf])
    assert all(values[name][0] == np.inf for name in ("k1", "k2", "k3"))
    with pytest.raises(ValueError, match="log_ratio"):
        kl.kl_estimator_values([0.0, np.nan])
    with pytest.raises(ValueError, match="log_ratio"):
        kl.kl_estimator_values("0.5")


def test_exact_moments_of_the_five_token_example():
    q, p = kl.Q, kl.P
    moments = kl.kl_estimator_moments(q, p)
    exact = kl.kl_divergence(q, p)
    log_r = np.log(p) - np.log(q)
    for name, values in (("k1", -log_r), ("k2", log_r ** 2 / 2), ("k3", np.exp(log_r) - 1 - log_r)):
        mean = float(q @ values)  # written out independently
        assert moments[name].mean == pytest.approx(mean, rel=1e-12)
        assert moments[name].std == pytest.approx(math.sqrt(q @ (values - mean) ** 2), rel=1e-12)
        assert moments[name].bias == pytest.approx(mean - exact, abs=1e-15)
    assert moments["k1"].bias == pytest.approx(0, abs=1e-15) and moments["k3"].bias == pytest.approx(0, abs=1e-15)
    assert moments["k2"].bias > 0
    assert moments["k3"].std < moments["k1"].std and moments["k2"].std < moments["k1"].std


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sample_means_converge_to_the_exact_divergence(seed):
    n = 200_000
    draws = kl.sample_kl_estimators(kl.Q, kl.P, n, rng=seed)
    exact = kl.kl_divergence(kl.Q, kl.P)
    moments = kl.kl_estimator_moments(kl.Q, kl.P)
    for name in ("k1", "k3"):
        standard_error = moments[name].std / math.sqrt(n)
        assert abs(getattr(draws, name).mean() - exact) < 4 * standard_error
    # k2 converges to its own (biased) mean, not to the divergence
    assert abs(draws.k2.mean() - moments["k2"].mean) < 4 * moments["k2"].std / math.sqrt(n)
    assert draws.k2.mean() - exact > 10 * moments["k2"].std / math.sqrt(n)
    assert (draws.k3 >= 0).all()
    assert draws.samples.shape == (n,) and draws.k1.shape == (n,)


def test_draws_follow_q_and_never_hit_its_zeros():
    q = np.array([0.0, 0.5, 0.0, 0.3, 0.2, 0.0])
    p = np.full(6, 1 / 6)
    n = 100_000
    draws = kl.sample_kl_estimators(q, p, n, rng=np.random.default_rng(3))
    counts = np.bincount(draws.samples, minlength=6)
    assert counts[[0, 2, 5]].sum() == 0
    expected = q * n
    statistic, p_value = scipy.stats.chisquare(counts[q > 0], expected[q > 0])
    assert p_value > 1e-4
    np.testing.assert_allclose(draws.log_ratio, np.log(p[draws.samples]) - np.log(q[draws.samples]))


def test_sampling_is_reproducible_and_batched():
    a = kl.sample_kl_estimators(kl.Q, kl.P, 50, rng=11)
    b = kl.sample_kl_estimators(kl.Q, kl.P, 50, rng=np.random.default_rng(11))
    np.testing.assert_array_equal(a.samples, b.samples)
    batch = kl.sample_kl_estimators(np.stack([kl.Q, kl.P]), np.stack([kl.P, kl.Q]), 40_000, rng=5)
    assert batch.k1.shape == (2, 40_000)
    exact = np.array([kl.kl_divergence(kl.Q, kl.P), kl.kl_divergence(kl.P, kl.Q)])
    se = batch.k3.std(axis=-1) / math.sqrt(40_000)
    assert (np.abs(batch.k3.mean(axis=-1) - exact) < 4 * se).all()


def test_estimators_on_a_large_vocabulary():
    rng = np.random.default_rng(2020)
    reference_logits = rng.normal(0, 2, size=50_000)
    policy_logits = reference_logits + rng.normal(0, 0.1, size=50_000)
    policy, reference = kl.softmax(policy_logits), kl.softmax(reference_logits)
    exact = kl.kl_from_logits(policy_logits, reference_logits)
    assert exact == pytest.approx(float(scipy.stats.entropy(policy, reference)), rel=1e-9)
    moments = kl.kl_estimator_moments(policy, reference)
    assert moments["k1"].mean == pytest.approx(exact, rel=1e-9)
    assert moments["k3"].mean == pytest.approx(exact, rel=1e-9)
    assert moments["k3"].std < 0.2 * moments["k1"].std  # close distributions: k3 is far less noisy
    assert abs(moments["k2"].bias) < 0.05 * exact        # and k2's bias is small
    n = 20_000
    draws = kl.sample_kl_estimators(policy, reference, n, rng=rng)
    for name in ("k1", "k3"):
        assert abs(getattr(draws, name).mean() - exact) < 4 * moments[name].std / math.sqrt(n)


def test_reference_ruling_out_a_draw_gives_infinity():
    moments = kl.kl_estimator_moments([0.5, 0.5], [1.0, 0.0])
    for name in ("k1", "k2", "k3"):  # infinite, never NaN: each mean equals the infinite divergence
        assert moments[name] == (math.inf, 0.0, math.inf)
    draws = kl.sample_kl_estimators([0.5, 0.5], [1.0, 0.0], 200, rng=0)
    assert np.isinf(draws.k1).any()


@pytest.mark.parametrize("call, name", [
    (lambda: kl.sample_kl_estimators([0.5, 0.6], kl.P, 10, rng=0), "q sums"),
    (lambda: kl.sample_kl_estimators(kl.Q, [0.5, 0.5], 10, rng=0), "same shape"),
    (lambda: kl.sample_kl_estimators(kl.Q, [0.4, 0.3, -0.1, 0.35, 0.05], 10, rng=0), "p has a negative"),
    (lambda: kl.sample_kl_estimators(kl.Q, kl.P, 0, rng=0), "n_samples"),
    (lambda: kl.sample_kl_estimators(kl.Q, kl.P, 2.5, rng=0), "n_samples"),
    (lambda: kl.sample_kl_estimators(kl.Q, kl.P, "10", rng=0), "n_samples"),
    (lambda: kl.sample_kl_estimators(kl.Q, kl.P, 10, rng="seed"), "rng"),
    (lambda: kl.sample_kl_estimators(kl.Q, kl.P, 10, rng=-1), "rng"),
    (lambda: kl.kl_estimator_moments(np.stack([kl.Q, kl.Q]), np.stack([kl.P, kl.P])), "single"),
    (lambda: kl.kl_estimator_moments(kl.Q, "cat"), "p must be"),
])
def test_estimators_reject_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# -- RLHF ---------------------------------------------------------------------------------------------------

distributions = arrays(np.float64, st.integers(2, 8), elements=st.floats(0.01, 1.0)).map(lambda w: w / w.sum())


@given(distributions, st.data(), st.floats(0.01, 100.0))
def test_regularized_policy_is_the_maximiser(reference, data, beta):
    reward = data.draw(arrays(np.float64, reference.shape, elements=st.floats(-5, 5)))
    policy = kl.optimal_policy(reference, reward, beta)
    np.testing.assert_allclose(policy, scipy.special.softmax(np.log(reference) + reward / beta), rtol=1e-9, atol=1e-300)
    best = kl.rlhf_objective(policy, reference, reward, beta)
    # the optimum's value in closed form: beta * log sum_y ref(y) exp(r(y) / beta)
    assert best == pytest.approx(beta * scipy.special.logsumexp(reward / beta, b=reference), rel=1e-9, abs=1e-9)
    others = data.draw(arrays(np.float64, (5,) + reference.shape, elements=st.floats(0.0, 1.0)))
    others = np.vstack([others + 1e-3, reference[None, :]])
    others /= others.sum(axis=-1, keepdims=True)
    values = kl.rlhf_objective(others, np.broadcast_to(reference, others.shape),
                               np.broadcast_to(reward, others.shape), beta)
    assert (values <= best + 1e-9).all()


def test_policy_drifts_from_reference_as_beta_shrinks():
    reference = kl.P
    reward = np.array([0.0, 0.0, 0.0, 0.0, 1.0])   # only "mat" is rewarded
    betas = [100.0, 3.0, 1.0, 0.3, 0.1, 0.01]
    policies = [kl.optimal_policy(reference, reward, b) for b in betas]
    drift = [kl.kl_divergence(pi, reference) for pi in policies]
    rewards = [float(pi @ reward) for pi in policies]
    assert drift == sorted(drift) and rewards == sorted(rewards)
    np.testing.assert_allclose(policies[0], reference, atol=1e-3)
    assert policies[-1][4] > 0.999
    assert drift[-1] == pytest.approx(-math.log(reference[4]), rel=1e-3)  # all mass on "mat": -log p(mat)


def test_reference_zeros_stay_zero_and_tiny_beta_is_stable():
    policy = kl.optimal_policy([0.5, 0.5, 0.0], [0.0, 1.0, 100.0], 1e-12)
    np.testing.assert_array_equal(policy, [0.0, 1.0, 0.0])
    policy = kl.optimal_policy([0.2, 0.8], [1e6, 0.0], 1e-3)
    np.testing.assert_array_equal(policy, [1.0, 0.0])


def test_rlhf_objective_values_and_direction():
    # pi = ref: no penalty
    assert kl.rlhf_objective(kl.P, kl.P, [1, 2, 3, 4, 5], 0.5) == pytest.approx(kl.P @ np.arange(1, 6))
    value = kl.rlhf_objective(kl.Q, kl.P, np.zeros(5), 2.0)
    assert value == pytest.approx(-2.0 * kl.kl_divergence(kl.Q, kl.P))  # D(pi || ref), not D(ref || pi)
    assert kl.rlhf_objective([0.5, 0.5], [1.0, 0.0], [0.0, 0.0], 1.0) == -math.inf


@pytest.mark.parametrize("call, name", [
    (lambda: kl.optimal_policy([0.5, 0.5], [0.0, 1.0], 0.0), "beta"),
    (lambda: kl.optimal_policy([0.5, 0.5], [0.0, 1.0], -1.0), "beta"),
    (lambda: kl.optimal_policy([0.5, 0.5], [0.0, 1.0], "big"), "beta"),
    (lambda: kl.optimal_policy([0.5, 0.5], [0.0, np.nan], 1.0), "reward has a NaN entry at index 1"),
    (lambda: kl.optimal_policy([0.5, 0.5], [0.0, 1.0, 2.0], 1.0), "same shape"),
    (lambda: kl.optimal_policy([0.5, 0.4], [0.0, 1.0], 1.0), "reference sums"),
    (lambda: kl.rlhf_objective([0.5, 0.5], [0.5, 0.5], None, 1.0), "reward"),
    (lambda: kl.rlhf_objective([0.5, "a"], [0.5, 0.5], [0.0, 1.0], 1.0), "policy has a non-numeric entry at index 1"),
    (lambda: kl.rlhf_objective([0.5, 0.5], [0.5, 0.5, 0.0], [0.0, 1.0], 1.0), "same shape"),
    (lambda: kl.rlhf_objective([0.5, 0.5], [0.5, 0.5], [0.0, 1.0], None), "beta"),
])
def test_rlhf_rejects_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_the_package_exports_the_modules_own_functions():
    """kl.<name> is the module's function itself, not a copy or a wrapper that could drift."""
    for module in (logits, estimators, rlhf):
        for name in module.__all__:
            if callable(getattr(module, name)) and name in kl.__all__:
                assert getattr(kl, name) is getattr(module, name), name
    assert {"softmax", "log_softmax", "kl_from_logits", "kl_estimator_moments", "rlhf_objective"} <= set(kl.__all__)


# -- smoothing ----------------------------------------------------------------------------------------------

@given(distributions, st.floats(0.0, 1.0))
def test_smooth_is_the_mixture_with_uniform(p, epsilon):
    got = kl.smooth(p, epsilon)
    np.testing.assert_allclose(got, (1 - epsilon) * p + epsilon * np.full(p.size, 1 / p.size), rtol=1e-12, atol=1e-15)
    assert got.sum() == pytest.approx(1.0, abs=1e-12) and got.min() >= epsilon / p.size * (1 - 1e-12)


def test_smoothing_makes_the_divergence_finite_and_grows_like_log_one_over_epsilon():
    q = np.array([0.5, 0.5, 0.0])
    p = np.array([0.4, 0.4, 0.2])
    assert kl.kl_divergence(p, q) == math.inf
    d = [kl.kl_divergence(p, kl.smooth(q, e)) for e in (1e-6, 1e-8)]
    assert all(math.isfinite(v) for v in d)
    assert (d[1] - d[0]) / math.log(100) == pytest.approx(0.2, rel=1e-6)  # p of the missing outcome
    np.testing.assert_allclose(kl.smooth(np.stack([p, q]), 0.3)[1], kl.smooth(q, 0.3))


@pytest.mark.parametrize("call, name", [
    (lambda: kl.smooth([0.5, 0.6], 0.1), "p sums"),
    (lambda: kl.smooth(kl.P, -0.1), "epsilon"),
    (lambda: kl.smooth(kl.P, 1.5), "epsilon"),
    (lambda: kl.smooth(kl.P, float("nan")), "epsilon"),
    (lambda: kl.smooth(kl.P, "0.1"), "epsilon"),
    (lambda: kl.smooth(kl.P, True), "epsilon"),
])
def test_smooth_rejects_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# -- issue 12: sequence gradients, sampled estimator gradients, the optimal policy's name -------------

def _random_tables(rng, k, steps, scale):
    return [rng.normal(0.0, scale, size=(k,) * (t + 1)) for t in range(steps)]


def test_sequence_kl_gradient_is_the_gradient_of_the_sequence_kl_and_the_token_level_part_drops_the_rest():
    from scipy import special
    rng = np.random.default_rng(11)
    k, steps = 3, 3
    ref = [special.softmax(z, axis=-1) for z in _random_tables(rng, k, steps, 1.0)]
    logits = _random_tables(rng, k, steps, 1.0)
    full, token = kl.sequence_kl_gradient(logits, ref)
    pi = [special.softmax(z, axis=-1) for z in logits]
    weights = [np.ones(())] + [kl.sequence_probabilities(pi[:t]) for t in range(1, steps)]

    def f(z):
        return kl.sequence_kl([special.softmax(a, axis=-1) for a in z], ref)

    def frozen(z):
        return sum(float((w * kl.kl_divergence(special.softmax(a, axis=-1), r)).sum())
                   for w, a, r in zip(weights, z, ref))
    for t in range(steps):
        for index in np.ndindex(logits[t].shape):
            for func, grad in ((f, full), (frozen, token)):
                up = [a.copy() for a in logits]; up[t][index] += 1e-6
                down = [a.copy() for a in logits]; down[t][index] -= 1e-6
                assert (func(up) - func(down)) / 2e-6 == pytest.approx(grad[t][index], abs=1e-8)
    np.testing.assert_allclose(full[-1], token[-1], atol=1e-15)


@pytest.mark.parametrize("call, message", [
    (lambda: kl.sequence_kl_gradient(np.zeros(2), [[0.5, 0.5]]), "list of tables"),
    (lambda: kl.sequence_kl_gradient([np.zeros(3)], [[0.5, 0.5]]), "shapes"),
    (lambda: kl.sequence_kl_gradient([np.zeros(2)], [[1.0, 0.0]]), "reference[0] is 0 at index (1,)"),
    (lambda: kl.sequence_kl_gradient([np.array([0.0, np.nan])], [[0.5, 0.5]]), "NaN"),
])
def test_sequence_kl_gradient_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_sampled_estimator_gradients_average_to_the_expected_gradient():
    rng = np.random.default_rng(4)
    z, ref = rng.normal(0, 1, 4), rng.dirichlet(np.ones(4))
    pi = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    # exact expectation: weight every token by its probability
    for name in ("k1", "k2", "k3"):
        each = kl.sampled_estimator_gradients(z, ref, name, np.arange(4))
        np.testing.assert_allclose(pi @ each, kl.estimator_gradient(z, ref, name), atol=1e-14)
    assert kl.sampled_estimator_gradients(z, ref, "k2", np.array([], dtype=int)).shape == (0, 4)


@pytest.mark.parametrize("call, message", [
    (lambda: kl.sampled_estimator_gradients([0.0, 0.0], [0.5, 0.5], "k4", [0]), "estimator"),
    (lambda: kl.sampled_estimator_gradients([0.0, 0.0], [0.5, 0.5], "k1", [2]), "tokens"),
    (lambda: kl.sampled_estimator_gradients([0.0, 0.0], [0.5, 0.5], "k1", [0.5]), "tokens"),
    (lambda: kl.sampled_estimator_gradients([[0.0, 0.0]], [[0.5, 0.5]], "k1", [0]), "one vector"),
])
def test_sampled_estimator_gradients_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_optimal_policy_has_one_public_name():
    assert "optimal_policy" in kl.__all__ and "kl_regularized_policy" not in kl.__all__
    assert not hasattr(kl, "kl_regularized_policy")
