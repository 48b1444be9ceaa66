"""The theory functions against independent formulas: definitions, scipy, numerical integration,
mpmath, and the inequalities of Cover & Thomas chapter 2 checked on random distributions."""

import math

import mpmath
import numpy as np
import pytest
import scipy.integrate
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import klhelpers as kl

mpmath.mp.dps = 50


def distributions(size, min_value=0.0):
    """Hypothesis: probability vectors of a given size (zeros allowed unless min_value > 0)."""
    weights = arrays(float, size, elements=st.floats(min_value, 1.0).filter(lambda w: w == 0 or w > 1e-6))
    return weights.filter(lambda w: w.sum() > 1e-3).map(lambda w: w / w.sum())


def tables(rows, cols):
    return distributions(rows * cols).map(lambda p: p.reshape(rows, cols))


def definition_entropy(p):
    p = np.asarray(p, dtype=float).ravel()
    return float(-sum(v * math.log(v) for v in p if v > 0))


# -- two variables ------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(tables(4, 5))
def test_joint_quantities_match_their_definitions_and_the_chain_rule(pxy):
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    h_xy = kl.joint_entropy(pxy)
    assert h_xy == pytest.approx(definition_entropy(pxy), abs=1e-12)
    h_y_given_x = sum(px[x] * definition_entropy(pxy[x] / px[x]) for x in range(4) if px[x] > 0)
    assert kl.conditional_entropy(pxy) == pytest.approx(h_y_given_x, abs=1e-12)
    # The chain rule H(X, Y) = H(X) + H(Y | X) (Cover & Thomas Thm 2.2.1).
    assert h_xy == pytest.approx(definition_entropy(px) + kl.conditional_entropy(pxy), abs=1e-12)
    mi = kl.mutual_information(pxy)
    assert mi == pytest.approx(definition_entropy(py) - h_y_given_x, abs=1e-11)
    assert mi == pytest.approx(scipy.stats.entropy(pxy.ravel(), np.outer(px, py).ravel()), abs=1e-12)
    assert mi >= 0
    assert mi <= min(definition_entropy(px), definition_entropy(py)) + 1e-12


@settings(max_examples=40, deadline=None)
@given(distributions(4), distributions(6))
def test_mutual_information_is_zero_exactly_under_independence(px, py):
    assert kl.mutual_information(kl.independent_joint(px, py)) == pytest.approx(0.0, abs=1e-15)


@settings(max_examples=40, deadline=None)
@given(tables(3, 4), distributions(3, 1e-3), tables(3, 4).map(lambda t: t + 1e-3))
def test_the_chain_rule_for_kl(pxy, qx, q_weights):
    q_given = q_weights / q_weights.sum(axis=1, keepdims=True)
    qxy = qx[:, None] * q_given
    px = pxy.sum(axis=1)
    whole = kl.kl_divergence(pxy.ravel(), qxy.ravel())
    assert whole == pytest.approx(kl.kl_divergence(px, qx) + kl.conditional_kl(pxy, q_given), abs=1e-12)


def test_joint_tables_are_checked():
    with pytest.raises(ValueError, match="2-D table"):
        kl.joint_entropy([0.5, 0.5])
    with pytest.raises(ValueError, match="sums to 0.9 over all its cells"):
        kl.mutual_information([[0.4, 0.1], [0.2, 0.2]])
    with pytest.raises(ValueError, match="negative entry at index \\(0, 1\\)"):
        kl.conditional_entropy([[0.6, -0.1], [0.3, 0.2]])


# -- total variation, chi-square, and the inequalities ----------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(distributions(5), distributions(5))
def test_pinsker_bounds_total_variation_by_kl(p, q):
    """TV(P, Q) <= sqrt(D(P||Q) / 2) (Cover & Thomas Lemma 11.6.1, in nats)."""
    tv = kl.total_variation(p, q)
    assert tv == pytest.approx(0.5 * np.abs(p - q).sum(), abs=1e-15)
    assert tv <= math.sqrt(kl.kl_divergence(p, q) / 2) + 1e-12


@settings(max_examples=200, deadline=None)
@given(distributions(5), distributions(5, 1e-4))
def test_chi_square_matches_its_definition_and_bounds_kl(p, q):
    chi2 = kl.chi_square(p, q)
    assert chi2 == pytest.approx(float(((p - q) ** 2 / q).sum()), rel=1e-12, abs=1e-15)
    assert kl.kl_divergence(p, q) <= math.log1p(chi2) + 1e-12


def test_chi_square_at_zeros():
    assert kl.chi_square([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]) == 0.0  # 0/0 counts as 0
    assert kl.chi_square([0.5, 0.5], [1.0, 0.0]) == math.inf


def test_kl_is_half_chi_square_near_p():
    """D(P || P + t h) / (chi^2 / 2) -> 1 as t -> 0: the local, quadratic picture."""
    h = kl.Q - kl.P
    ratios = [kl.kl_divergence(kl.P, kl.P + t * h) / (kl.chi_square(kl.P, kl.P + t * h) / 2)
              for t in (1e-1, 1e-2, 1e-3, 1e-4)]
    assert all(abs(r - 1) > abs(s - 1) for r, s in zip(ratios, ratios[1:]))  # closer and closer
    assert ratios[-1] == pytest.approx(1.0, abs=1e-3)


@settings(max_examples=150, deadline=None)
@given(distributions(6), distributions(6, 1e-6), st.integers(0, 5), st.integers(0, 5))
def test_merging_two_outcomes_can_only_shrink_kl(p, q, i, j):
    """Data processing: a deterministic channel (merging outcomes) cannot increase the divergence."""
    if i == j:
        return
    merge = lambda d: np.append(np.delete(d, [i, j]), d[i] + d[j])  # noqa: E731
    assert kl.kl_divergence(merge(p), merge(q)) <= kl.kl_divergence(p, q) + 1e-12


@settings(max_examples=150, deadline=None)
@given(distributions(5), distributions(5, 1e-6), distributions(5), distributions(5, 1e-6), st.floats(0, 1))
def test_kl_is_jointly_convex(p1, q1, p2, q2, lam):
    """D(lam P1 + (1-lam) P2 || lam Q1 + (1-lam) Q2) <= lam D(P1||Q1) + (1-lam) D(P2||Q2) (Thm 2.7.2)."""
    mixed = kl.kl_divergence(lam * p1 + (1 - lam) * p2, lam * q1 + (1 - lam) * q2)
    assert mixed <= lam * kl.kl_divergence(p1, q1) + (1 - lam) * kl.kl_divergence(p2, q2) + 1e-12


@settings(max_examples=150, deadline=None)
@given(arrays(float, 4, elements=st.floats(1e-6, 10)), arrays(float, 4, elements=st.floats(1e-6, 10)))
def test_the_log_sum_inequality(a, b):
    """sum a log(a/b) >= (sum a) log(sum a / sum b) (Cover & Thomas Thm 2.7.1)."""
    assert float((a * np.log(a / b)).sum()) >= a.sum() * math.log(a.sum() / b.sum()) - 1e-9


@settings(max_examples=150, deadline=None)
@given(distributions(5), distributions(5), st.data())
def test_data_processing_holds_for_any_channel(p, q, data):
    """D(PW || QW) <= D(P || Q) for every channel W (each row of W a distribution): the KL form of
    the data processing inequality (Cover & Thomas Thm 2.8.1 is its mutual-information form)."""
    rows = [data.draw(distributions(3)) for _ in range(5)]
    w = np.array(rows)
    assert kl.kl_divergence(p @ w, q @ w) <= kl.kl_divergence(p, q) + 1e-12


@settings(max_examples=150, deadline=None)
@given(distributions(5, 1e-3), distributions(5, 1e-3), st.integers(0, 4), st.integers(0, 4))
def test_merging_keeps_kl_exactly_when_the_two_ratios_are_equal(p, q, i, j):
    """Equality in the merge: p_i / q_i = p_j / q_j. Made equal by moving q's mass, the drop vanishes."""
    if i == j:
        return
    merge = lambda d: np.append(np.delete(d, [i, j]), d[i] + d[j])  # noqa: E731
    drop = kl.kl_divergence(p, q) - kl.kl_divergence(merge(p), merge(q))
    assert drop >= -1e-12
    # re-share q_i + q_j in the proportion of p_i : p_j, leaving the rest of q alone: equal ratios
    r = q.copy()
    r[i], r[j] = (q[i] + q[j]) * p[i] / (p[i] + p[j]), (q[i] + q[j]) * p[j] / (p[i] + p[j])
    assert kl.kl_divergence(p, r) - kl.kl_divergence(merge(p), merge(r)) == pytest.approx(0.0, abs=1e-12)
    assert kl.kl_divergence(p, q) >= kl.kl_divergence(p, r) - 1e-12  # and re-sharing can only help


@settings(max_examples=200, deadline=None)
@given(distributions(5, 0.0), distributions(5, 0.0))
def test_kl_is_finite_exactly_under_absolute_continuity(p, q):
    """D(P || Q) < inf  <=>  P << Q (q_k = 0 only where p_k = 0), on a finite set of outcomes."""
    assert math.isfinite(kl.kl_divergence(p, q)) == bool(np.all(q[p > 0] > 0))


@settings(max_examples=200, deadline=None)
@given(distributions(5), distributions(5))
def test_total_variation_is_the_largest_difference_over_events(p, q):
    """TV(P, Q) = max over sets A of |P(A) - Q(A)|, reached at A = {p > q}."""
    from itertools import product

    best = max(abs(p[np.array(m, bool)].sum() - q[np.array(m, bool)].sum()) for m in product([0, 1], repeat=5))
    assert kl.total_variation(p, q) == pytest.approx(best, abs=1e-12)
    a = p > q
    assert kl.total_variation(p, q) == pytest.approx(p[a].sum() - q[a].sum(), abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(st.floats(1e-3, 1 - 1e-3), st.floats(1e-3, 1 - 1e-3))
def test_pinsker_for_two_coins(a, b):
    """The proof's core: d(a, b) >= 2 (a - b)^2 for two coins, in nats."""
    d = a * math.log(a / b) + (1 - a) * math.log((1 - a) / (1 - b))
    assert d >= 2 * (a - b) ** 2 - 1e-12


@settings(max_examples=100, deadline=None)
@given(distributions(5, 0.02), arrays(float, 5, elements=st.floats(-1, 1)))
def test_kl_and_half_chi_square_share_their_quadratic_term(p, h):
    """For Q = P + tH near P: D(P || Q) and chi^2(P || Q) / 2 both equal (t^2 / 2) sum h^2 / p + O(t^3)."""
    h = h - h.mean()
    if np.abs(h).max() < 1e-3:
        return
    quad = lambda t: t ** 2 / 2 * float(np.sum(h ** 2 / p))  # noqa: E731
    t = 1e-3 * p.min() / np.abs(h).max()
    q = p + t * h
    assert kl.kl_divergence(p, q) == pytest.approx(quad(t), rel=5e-3)
    assert kl.chi_square(p, q) / 2 == pytest.approx(quad(t), rel=5e-3)


# -- Gaussians --------------------------------------------------------------------------------------------

def integrated_kl(mu_p, sigma_p, mu_q, sigma_q):
    p, q = scipy.stats.norm(mu_p, sigma_p), scipy.stats.norm(mu_q, sigma_q)
    value, _ = scipy.integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)),
                                    mu_p - 30 * sigma_p, mu_p + 30 * sigma_p, limit=200)
    return value


@pytest.mark.parametrize("args", [(0, 1, 0, 1), (1, 1, 0, 1), (0, 1, 0, 2), (0, 2, 0, 1), (-3, 0.5, 2, 4),
                                  (0.3, 1.7, -0.4, 0.9)])
def test_gaussian_kl_matches_numerical_integration(args):
    assert kl.kl_gaussian(*args) == pytest.approx(integrated_kl(*args), abs=1e-9)


@pytest.mark.parametrize("args", [(0, 1, 0, 1 + 1e-9), (0.3, 2.0, 0.3 + 1e-10, 2.0), (1, 1e-3, 2, 1e3),
                                  (0, 1, 0, 1 - 1e-12), (0, 1e3, 0, 1e-3), (5, 1, 5, 1)])
def test_gaussian_kl_keeps_its_digits_against_mpmath(args):
    mu_p, sigma_p, mu_q, sigma_q = (mpmath.mpf(v) for v in args)
    exact = (mpmath.log(sigma_q / sigma_p) + (sigma_p ** 2 + (mu_p - mu_q) ** 2) / (2 * sigma_q ** 2)
             - mpmath.mpf(1) / 2)
    assert kl.kl_gaussian(*args) == pytest.approx(float(exact), rel=1e-13, abs=0)


def test_gaussian_kl_broadcasts_and_checks():
    got = kl.kl_gaussian(np.zeros((2, 1)), [1.0, 2.0, 3.0], 0.0, 2.0)
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got[0], [kl.kl_gaussian(0, s, 0, 2.0) for s in (1, 2, 3)])
    with pytest.raises(ValueError, match="sigma_q must be positive"):
        kl.kl_gaussian(0, 1, 0, 0)
    with pytest.raises(ValueError, match="sigma_p"):
        kl.kl_gaussian(0, None, 0, 1)


def test_multivariate_kl_matches_the_textbook_formula_and_the_univariate_one():
    rng = np.random.default_rng(11)
    for d in (1, 2, 4):
        a, b = rng.normal(size=(d, d)), rng.normal(size=(d, d))
        cov_p, cov_q = a @ a.T + d * np.eye(d), b @ b.T + d * np.eye(d)
        m_p, m_q = rng.normal(size=d), rng.normal(size=d)
        inv = np.linalg.inv(cov_q)
        textbook = 0.5 * (np.trace(inv @ cov_p) - d + math.log(np.linalg.det(cov_q) / np.linalg.det(cov_p))
                          + (m_q - m_p) @ inv @ (m_q - m_p))
        assert kl.kl_gaussian_mv(m_p, cov_p, m_q, cov_q) == pytest.approx(textbook, rel=1e-10)
    diagonal = kl.kl_gaussian_mv([0.0, 1.0], np.diag([1.0, 4.0]), [1.0, 1.0], np.diag([2.0, 1.0]))
    assert diagonal == pytest.approx(kl.kl_gaussian(0, 1, 1, math.sqrt(2)) + kl.kl_gaussian(1, 2, 1, 1), rel=1e-12)


def test_multivariate_kl_refuses_a_covariance_that_is_not_positive_definite():
    with pytest.raises(ValueError, match="cov_q must be positive definite"):
        kl.kl_gaussian_mv([0, 0], np.eye(2), [0, 0], [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="cov_p must be symmetric"):
        kl.kl_gaussian_mv([0, 0], [[1.0, 0.5], [0.0, 1.0]], [0, 0], np.eye(2))
    with pytest.raises(ValueError, match="2 x 2"):
        kl.kl_gaussian_mv([0, 0], np.eye(3), [0, 0], np.eye(2))


def test_differential_entropy_of_a_gaussian():
    for sigma in (0.1, 1.0, 3.0):
        integral, _ = scipy.integrate.quad(lambda x: -scipy.stats.norm.pdf(x, 0, sigma) *
                                           scipy.stats.norm.logpdf(x, 0, sigma), -40 * sigma, 40 * sigma)
        assert kl.gaussian_entropy(sigma) == pytest.approx(integral, abs=1e-9)
    assert kl.gaussian_entropy(1 / math.sqrt(2 * math.pi * math.e)) == pytest.approx(0.0, abs=1e-15)


@settings(max_examples=80, deadline=None)
@given(st.floats(-5, 5), st.floats(0.1, 3), st.floats(-5, 5), st.floats(0.05, 3))
def test_log_evidence_is_the_elbo_plus_the_gap(x, noise, m, v):
    """log p(x) = ELBO(q) + D(q(z) || p(z | x)) for every q = N(m, v^2); the ELBO is computed
    term by term, never from this identity."""
    post_mean, post_std = kl.posterior(x, noise)
    gap = kl.kl_gaussian(m, v, post_mean, post_std)
    assert kl.log_evidence(x, noise) == pytest.approx(kl.elbo(x, noise, m, v) + gap, abs=1e-10)
    assert kl.elbo(x, noise, m, v) <= kl.log_evidence(x, noise) + 1e-12


def test_the_posterior_and_evidence_against_scipy():
    x, noise = 1.3, 0.7
    assert kl.log_evidence(x, noise) == pytest.approx(scipy.stats.norm.logpdf(x, 0, math.sqrt(1 + noise ** 2)))
    grid = np.linspace(-10, 10, 200001)
    unnormalised = scipy.stats.norm.pdf(grid) * scipy.stats.norm.pdf(x, grid, noise)
    weights = unnormalised / unnormalised.sum()
    mean = float(weights @ grid)
    std = math.sqrt(float(weights @ (grid - mean) ** 2))
    assert kl.posterior(x, noise) == pytest.approx((mean, std), abs=1e-6)


# -- codes --------------------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(distributions(6, 0.0))
def test_shannon_lengths_are_the_exact_ceiling_of_the_surprisal_in_bits(q):
    """ceil(-log2 q) decided in exact rational arithmetic: the smallest l with 2**-l <= q."""
    from fractions import Fraction

    lengths = kl.shannon_lengths(q)
    for qk, length in zip(q, lengths):
        if qk == 0:
            assert length == math.inf
            continue
        exact = next(l for l in range(0, 1100) if Fraction(1, 2 ** l) <= Fraction(qk))
        assert length == exact
    finite = lengths[np.isfinite(lengths)]
    assert sum(2.0 ** -finite) <= 1.0  # Kraft: a prefix code with these lengths exists


def test_shannon_lengths_of_powers_of_a_half_are_exact():
    halves = [2.0 ** -k for k in range(1, 30)] + [2.0 ** -29]
    np.testing.assert_array_equal(kl.shannon_lengths(halves), list(range(1, 30)) + [29])
