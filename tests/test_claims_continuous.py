"""Chapter 8 (book/08-continuous.ipynb): every claim, recomputed from first principles.

Each number the chapter glues into its prose is recomputed here with numpy and scipy (closed
forms written out by hand, numerical integration, sampling with the chapter's seed) and compared
with the stored glue value (glue keeps 10 significant digits); each statement is held by a test
that asserts what it says. klhelpers is used only where the chapter says what *its code* does.
"""

import ast
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, optimize, stats

import klhelpers as kl

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "08-continuous.ipynb"


def _load():
    notebook = json.loads(CHAPTER.read_text(encoding="utf-8"))
    glued = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                glued[record["name"]] = ast.literal_eval(output["data"][record["mime_prefix"] + "text/plain"])
    prose = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    return glued, prose


GLUED, PROSE = _load()


def glued(name, value, rel=1e-9, abs_=1e-12):
    assert name in GLUED, f"{name} is not glued"
    assert GLUED[name] == pytest.approx(value, rel=rel, abs=abs_), (name, GLUED[name], value)


# -- independent formulas --------------------------------------------------------------------------------

def h_gauss(sigma):
    return 0.5 * math.log(2 * math.pi * math.e * sigma ** 2)


def kl_1d(mu1, s1, mu2, s2):
    return math.log(s2 / s1) + (s1 ** 2 + (mu1 - mu2) ** 2) / (2 * s2 ** 2) - 0.5


def kl_1d_quad(mu1, s1, mu2, s2):
    f = lambda x: stats.norm.pdf(x, mu1, s1) * (stats.norm.logpdf(x, mu1, s1) - stats.norm.logpdf(x, mu2, s2))
    return integrate.quad(f, mu1 - 40 * s1, mu1 + 40 * s1, points=[mu1], limit=400)[0]


def binned(mu, sigma, width, half=30.0):
    """Bins of `width` tiling [-half, half], p_k proportional to the density at the centre: in logs."""
    c = np.arange(-half + width / 2, half, width)
    logits = stats.norm.logpdf(c, mu, sigma)
    logp = logits - np.logaddexp.reduce(logits)
    return logp


def binned_entropy(mu, sigma, width):
    logp = binned(mu, sigma, width)
    return float(-(np.exp(logp) * logp).sum())


def binned_kl(mu1, s1, mu2, s2, width):
    a, b = binned(mu1, s1, width), binned(mu2, s2, width)
    return float((np.exp(a) * (a - b)).sum())


X_OBS, NOISE = 2.0, 1.0
POST_MEAN, POST_STD = X_OBS / (1 + NOISE ** 2), NOISE / math.sqrt(1 + NOISE ** 2)
LOG_EVIDENCE = stats.norm.logpdf(X_OBS, 0, math.sqrt(1 + NOISE ** 2))


def log_joint(z):
    return stats.norm.logpdf(z, 0, 1) + stats.norm.logpdf(X_OBS, z, NOISE)


def elbo_quad(m, v):
    f = lambda z: stats.norm.pdf(z, m, v) * (log_joint(z) - stats.norm.logpdf(z, m, v))
    return integrate.quad(f, m - 30 * v, m + 30 * v, limit=200)[0]


# -- differential entropy ---------------------------------------------------------------------------------

def test_differential_entropy_is_negative_below_the_crossing():
    crossing = optimize.brentq(h_gauss, 0.01, 1.0)
    glued("cont_sigma_zero", crossing, rel=1e-8)
    glued("cont_narrow", 0.1)
    numeric = integrate.quad(lambda x: -stats.norm.pdf(x, 0, 0.1) * stats.norm.logpdf(x, 0, 0.1), -2, 2)[0]
    glued("cont_h_narrow", numeric, rel=1e-8)
    assert GLUED["cont_h_narrow"] < 0 and h_gauss(crossing * 1.01) > 0
    glued("cont_density_top", 1 / (0.1 * math.sqrt(2 * math.pi)))
    assert GLUED["cont_density_top"] > 1  # a density above 1 is what makes h negative
    glued("cont_h_02", h_gauss(0.2))
    assert GLUED["cont_h_02"] < 0


def test_scaling_moves_h_by_log_a_and_leaves_kl_alone():
    glued("cont_h_p", h_gauss(1.0))
    glued("cont_h_p_cm", h_gauss(100.0))
    glued("cont_log_a", math.log(100))
    assert GLUED["cont_h_p_cm"] - GLUED["cont_h_p"] == pytest.approx(math.log(100), rel=1e-9)
    # KL by integration in both units: the same number.
    glued("cont_kl_pq", kl_1d_quad(0, 1, 1, 2), rel=1e-8)
    glued("cont_kl_pq_cm", kl_1d_quad(300, 100, 400, 200), rel=1e-8)
    for a, b in ((100.0, 300.0), (-0.5, 2.0), (1e-3, 0.0)):  # any invertible affine map, any sign
        assert kl_1d(b, abs(a), a + b, abs(a) * 2) == pytest.approx(kl_1d(0, 1, 1, 2), rel=1e-12)


# -- bins -------------------------------------------------------------------------------------------------

def test_binned_entropy_runs_away_and_binned_kl_settles():
    glued("cont_bins_h_2", binned_entropy(0, 1, 2.0), rel=1e-9)
    glued("cont_bins_h_001", binned_entropy(0, 1, 0.01), rel=1e-9)
    glued("cont_bins_shift_001", binned_entropy(0, 1, 0.01) + math.log(0.01), rel=1e-9)
    assert GLUED["cont_bins_shift_001"] == pytest.approx(h_gauss(1.0), abs=1e-9)
    glued("cont_bins_d_2", binned_kl(0, 1, 1, 2, 2.0), rel=1e-9)
    glued("cont_bins_d_1", binned_kl(0, 1, 1, 2, 1.0), rel=1e-9)
    error = max(abs(binned_kl(0, 1, 1, 2, w) - kl_1d(0, 1, 1, 2)) for w in (0.5, 0.1, 0.01))
    assert GLUED["cont_bins_d_error"] <= 1e-12 and error <= 1e-12
    assert abs(GLUED["cont_bins_d_2"] - kl_1d(0, 1, 1, 2)) > 0.01  # coarse bins do miss
    widths = [2.0, 1.0, 0.5, 0.25, 0.1, 0.05, 0.02, 0.01]
    entropies = [binned_entropy(0, 1, w) for w in widths]
    assert all(b > a for a, b in zip(entropies, entropies[1:]))  # "climbs"


def test_the_try_it_claims_on_a_narrow_p():
    glued("cont_try_binned", binned_kl(0, 0.2, 1, 2, 2.0), rel=1e-9)
    glued("cont_try_closed", kl_1d(0, 0.2, 1, 2))
    assert binned(0, 0.2, 2.0).max() == pytest.approx(math.log(0.5), abs=1e-12)  # split evenly in two bins
    assert abs(GLUED["cont_try_binned"] - GLUED["cont_try_closed"]) > 0.1
    assert abs(binned_kl(0, 0.2, 1, 2, 0.01) - kl_1d(0, 0.2, 1, 2)) < 1e-9


def test_the_wider_first_direction_is_larger_for_any_two_gaussians():
    rng = np.random.default_rng(5)
    for _ in range(2000):
        mu1, mu2 = rng.normal(0, 2, 2)
        narrow = 10 ** rng.uniform(-2, 1)
        wide = narrow * 10 ** rng.uniform(1e-3, 2)
        assert kl_1d(mu1, wide, mu2, narrow) > kl_1d(mu2, narrow, mu1, wide)


# -- closed forms against integrals ------------------------------------------------------------------------

def test_univariate_closed_form_against_quad():
    assert abs(kl_1d(0, 1, 1, 2) - kl_1d_quad(0, 1, 1, 2)) < GLUED["cont_quad_1d_error"] == 1e-12
    rng = np.random.default_rng(0)
    for _ in range(20):
        mu1, mu2 = rng.normal(0, 2, 2)
        s1, s2 = 10 ** rng.uniform(-1, 1, 2)
        assert kl.kl_gaussian(mu1, s1, mu2, s2) == pytest.approx(kl_1d_quad(mu1, s1, mu2, s2), rel=1e-7, abs=1e-10)


def test_multivariate_closed_form_against_dblquad():
    mp, cp = np.zeros(2), np.array([[1.0, 0.6], [0.6, 1.0]])
    mq, cq = np.array([1.0, -0.5]), np.array([[2.0, 0.0], [0.0, 0.5]])
    p, q = stats.multivariate_normal(mp, cp), stats.multivariate_normal(mq, cq)
    numeric = integrate.dblquad(lambda y, x: p.pdf([x, y]) * (p.logpdf([x, y]) - q.logpdf([x, y])),
                                -9, 9, -9, 9, epsabs=1e-10)[0]
    glued("cont_mv_kl", numeric, rel=1e-8)
    assert abs(numeric - kl.kl_gaussian_mv(mp, cp, mq, cq)) < GLUED["cont_quad_2d_error"] == 1e-8
    # The general formula, written out, equals klhelpers on random 3-d pairs.
    rng = np.random.default_rng(1)
    for _ in range(10):
        a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
        c1, c2 = a @ a.T + 0.3 * np.eye(3), b @ b.T + 0.3 * np.eye(3)
        m1, m2 = rng.normal(size=3), rng.normal(size=3)
        inv = np.linalg.inv(c2)
        formula = 0.5 * (np.trace(inv @ c1) - 3 + (m2 - m1) @ inv @ (m2 - m1)
                         + math.log(np.linalg.det(c2) / np.linalg.det(c1)))
        assert kl.kl_gaussian_mv(m1, c1, m2, c2) == pytest.approx(formula, rel=1e-9)


# -- the ELBO -------------------------------------------------------------------------------------------------

def test_posterior_evidence_elbo_and_gap():
    # posterior by brute force: normalise the joint on a fine grid
    z = np.linspace(-12, 12, 200001)
    weights = np.exp(log_joint(z))
    mean = (z * weights).sum() / weights.sum()
    std = math.sqrt(((z - mean) ** 2 * weights).sum() / weights.sum())
    glued("cont_post_mean", mean, rel=1e-8)
    glued("cont_post_std", std, rel=1e-8)
    evidence = math.log(integrate.quad(lambda t: math.exp(log_joint(t)), -30, 30)[0])
    glued("cont_evidence", evidence, rel=1e-9)
    glued("cont_elbo", elbo_quad(0.0, 1.0), rel=1e-9)
    glued("cont_gap", kl_1d_quad(0.0, 1.0, POST_MEAN, POST_STD), rel=1e-8)
    assert GLUED["cont_evidence"] - GLUED["cont_elbo"] == pytest.approx(GLUED["cont_gap"], rel=1e-9)
    assert abs(LOG_EVIDENCE - elbo_quad(POST_MEAN, POST_STD)) < 1e-10   # no gap at the posterior
    glued("cont_gap_slider", kl_1d(POST_MEAN, 0.7, POST_MEAN, POST_STD))
    assert 0 < GLUED["cont_gap_slider"] < 1e-3
    for m, v in ((-2.0, 0.3), (1.0, 1.5), (2.5, 0.1)):   # the identity at other q: an integral each
        assert LOG_EVIDENCE - elbo_quad(m, v) == pytest.approx(kl_1d_quad(m, v, POST_MEAN, POST_STD), rel=1e-7)


def test_exercise_costs_of_a_wrong_mean_and_a_wrong_width():
    glued("cont_ex_mean_cost", kl_1d_quad(POST_MEAN + 0.5, POST_STD, POST_MEAN, POST_STD), rel=1e-8)
    glued("cont_ex_wide_cost", kl_1d_quad(POST_MEAN, 2 * POST_STD, POST_MEAN, POST_STD), rel=1e-8)
    glued("cont_ex_narrow_cost", kl_1d_quad(POST_MEAN, POST_STD / 2, POST_MEAN, POST_STD), rel=1e-8)
    assert GLUED["cont_ex_wide_cost"] > GLUED["cont_ex_mean_cost"]
    assert GLUED["cont_ex_narrow_cost"] > GLUED["cont_ex_mean_cost"]


def test_monte_carlo_elbo_from_samples_of_q_and_the_joint():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(1000)
    terms = log_joint(z) - stats.norm.logpdf(z, 0, 1)
    estimate, error = terms.mean(), terms.std(ddof=1) / math.sqrt(1000)
    glued("cont_mc_n", 1000)
    glued("cont_mc_estimate", estimate, rel=1e-9)
    glued("cont_mc_error", error, rel=1e-9)
    glued("cont_mc_off", abs(estimate - elbo_quad(0, 1)) / error, rel=1e-7)
    assert GLUED["cont_mc_off"] < 3


def test_mean_field_reverse_fit_is_too_narrow():
    cov = np.array([[1.0, 0.9], [0.9, 1.0]])
    glued("cont_mf_rho", 0.9)
    conditional = cov[0, 0] - cov[0, 1] ** 2 / cov[1, 1]   # Schur complement
    glued("cont_mf_conditional", conditional, rel=1e-9)
    # Independent optimisation of the reverse and forward divergences over factorised Gaussians,
    # the divergences by the written-out formula.
    def kl_mv(m1, c1, m2, c2):
        inv = np.linalg.inv(c2)
        return 0.5 * (np.trace(inv @ c1) - 2 + (m2 - m1) @ inv @ (m2 - m1)
                      + math.log(np.linalg.det(c2) / np.linalg.det(c1)))
    diag = lambda t: np.diag(np.exp(2 * t[2:]))
    rev = optimize.minimize(lambda t: kl_mv(t[:2], diag(t), np.zeros(2), cov), [1, 1, 1, -1], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000}).x
    fwd = optimize.minimize(lambda t: kl_mv(np.zeros(2), cov, t[:2], diag(t)), [1, 1, 1, -1], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000}).x
    assert GLUED["cont_mf_reverse"] == pytest.approx(np.exp(2 * rev[2]), abs=2e-6)
    assert GLUED["cont_mf_reverse"] == pytest.approx(conditional, abs=2e-6)
    assert GLUED["cont_mf_forward"] == pytest.approx(np.exp(2 * fwd[2]), abs=2e-6)
    assert GLUED["cont_mf_forward"] == pytest.approx(1.0, abs=2e-6)


# -- the prose -------------------------------------------------------------------------------------------------

def test_every_glue_in_the_prose_is_glued_and_every_glue_is_held_here():
    used = set(re.findall(r"\{glue:text\}`([a-z0-9_]+)", PROSE))
    assert used <= set(GLUED), used - set(GLUED)
    assert all(name.startswith("cont_") for name in GLUED)
    source = Path(__file__).read_text()
    unheld = [name for name in GLUED if f'"{name}"' not in source]
    assert unheld == []


def test_cited_sources_exist_and_no_vague_words():
    bib = (CHAPTER.parent / "references.bib").read_text()
    for key in set(re.findall(r"\{cite(?::[tp])?\}`([a-z0-9]+)`", PROSE)):
        assert f"{{{key}," in bib, key
    for word in ("roughly", "always", "for free"):
        for match in re.finditer(word, PROSE):
            context = PROSE[max(0, match.start() - 200):match.end() + 200]
            assert word == "always" and ("larger direction is always" in context or "always equals" in context), context


def test_the_elbo_figure_never_rises_above_the_evidence_and_touches_it_at_the_posterior_mean():
    means = np.linspace(-2, 4, 121)
    bounds = np.array([elbo_quad(m, POST_STD) for m in means])
    assert (bounds <= LOG_EVIDENCE + 1e-9).all()
    assert means[np.argmax(bounds)] == pytest.approx(1.0) and bounds.max() == pytest.approx(LOG_EVIDENCE, abs=1e-9)
    assert round(POST_STD, 2) == 0.71 and round(LOG_EVIDENCE, 2) == -2.27   # caption and alt text
    # the figures' captions and alt texts are in the chapter
    cells = json.loads(CHAPTER.read_text())["cells"]
    names = [c["metadata"].get("mystnb", {}).get("figure", {}).get("name") for c in cells]
    assert {"fig-cont-bins", "fig-cont-elbo"} <= set(names)
