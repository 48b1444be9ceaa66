"""klhelpers.gaussians' binning helpers (chapter 8), against numpy and scipy from first principles."""

import math

import numpy as np
import pytest
from scipy import stats

import klhelpers as kl


def midpoint_bins(mu, sigma, width, half=30.0):
    centers = np.arange(-half + width / 2, half, width)
    density = stats.norm.pdf(centers, mu, sigma)
    return centers, density / density.sum()


@pytest.mark.parametrize("mu, sigma, width", [(0.0, 1.0, 0.5), (1.3, 0.2, 2.0), (-2.7, 3.0, 0.01),
                                              (0.4, 0.7, 0.25), (2.9, 0.05, 0.1)])
def test_discretize_gaussian_is_the_midpoint_rule(mu, sigma, width):
    centers, expected = midpoint_bins(mu, sigma, width)
    np.testing.assert_allclose(kl.bin_centers(width), centers, atol=1e-12)
    np.testing.assert_allclose(kl.discretize_gaussian(mu, sigma, width), expected, rtol=1e-9, atol=1e-300)


def test_binned_entropy_approaches_h_minus_log_width():
    # Cover & Thomas, Theorem 8.3.1: H(P_Delta) + log Delta -> h(P).
    for sigma in (0.3, 1.0, 2.5):
        h = 0.5 * math.log(2 * math.pi * math.e * sigma ** 2)
        for width in (0.1, 0.01):
            _, p = midpoint_bins(0.2, sigma, width)
            assert kl.entropy(kl.discretize_gaussian(0.2, sigma, width)) == pytest.approx(
                float(-(p * np.log(p, where=p > 0, out=np.zeros_like(p))).sum()), rel=1e-9)
            assert kl.entropy(kl.discretize_gaussian(0.2, sigma, width)) + math.log(width) == pytest.approx(h, abs=1e-6)


def test_binned_kl_matches_the_sum_over_bins_and_tends_to_the_closed_form():
    rng = np.random.default_rng(2)
    for _ in range(20):
        mu_p, mu_q = rng.uniform(-3, 3, 2)
        sigma_p, sigma_q = rng.uniform(0.4, 3, 2)
        for width in (1.0, 0.1):
            centers = np.arange(-30 + width / 2, 30, width)
            a, b = stats.norm.logpdf(centers, mu_p, sigma_p), stats.norm.logpdf(centers, mu_q, sigma_q)
            a, b = a - np.logaddexp.reduce(a), b - np.logaddexp.reduce(b)
            by_hand = float((np.exp(a) * (a - b)).sum())
            assert kl.binned_kl_gaussian(mu_p, sigma_p, mu_q, sigma_q, width) == pytest.approx(by_hand, rel=1e-9,
                                                                                                abs=1e-13)
        closed = math.log(sigma_q / sigma_p) + (sigma_p ** 2 + (mu_p - mu_q) ** 2) / (2 * sigma_q ** 2) - 0.5
        assert kl.binned_kl_gaussian(mu_p, sigma_p, mu_q, sigma_q, 0.1) == pytest.approx(closed, rel=1e-8, abs=1e-12)


def test_binned_kl_stays_finite_where_the_bins_of_q_underflow():
    q = kl.discretize_gaussian(3.0, 0.2, 0.01)
    p = kl.discretize_gaussian(-3.0, 3.0, 0.01)
    assert np.any((q == 0) & (p > 0))                 # the probabilities alone would give infinity
    value = kl.binned_kl_gaussian(-3.0, 3.0, 3.0, 0.2, 0.01)
    closed = math.log(0.2 / 3.0) + (9.0 + 36.0) / (2 * 0.04) - 0.5
    assert math.isfinite(value) and value == pytest.approx(closed, rel=1e-9)


@pytest.mark.parametrize("call, message", [
    (lambda: kl.bin_centers(0.7), "whole bins"),
    (lambda: kl.bin_centers(0.0), "width"),
    (lambda: kl.discretize_gaussian(0.0, -1.0, 0.5), "sigma"),
    (lambda: kl.discretize_gaussian(float("nan"), 1.0, 0.5), "mu"),
    (lambda: kl.binned_kl_gaussian(0.0, 1.0, 0.0, 0.0, 0.5), "sigma_q"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_explorers_reject_settings_off_their_sliders():
    with pytest.raises(ValueError, match="width"):
        kl.explore_gaussians(width=0.3)
    with pytest.raises(ValueError, match="p\\[1\\]"):
        kl.explore_gaussians(p=(0.0, 0.01))
    with pytest.raises(ValueError, match="q\\[0\\]"):
        kl.explore_elbo(q=(0.123, 1.0))


def test_jupyter_rendering_follows_its_sliders():
    view = kl.explore_elbo()
    view.sliders["q_mean"].value = 1.0
    view.sliders["q_std"].value = 0.7
    post_mean, post_std = kl.posterior(2.0, 1.0)
    assert view.readout("gap") == view.readout("kl_q_posterior") == f"{kl.kl_gaussian(1.0, 0.7, post_mean, post_std):.4f}"
    view.reset_button.click()
    assert view.readout("kl_q_posterior") == f"{kl.kl_gaussian(0.0, 1.0, post_mean, post_std):.4f}"
    view = kl.explore_gaussians()
    view.sliders["bin"].value = 0   # Δ = 2
    assert view.readout("minus_log_width") == f"{-math.log(2):.4f}"
    assert view.readout("kl_pq_binned") != view.readout("kl_pq")
