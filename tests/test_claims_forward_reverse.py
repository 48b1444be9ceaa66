"""Chapter 7 (book/07-forward-reverse.ipynb): every claim, recomputed.

Each number the chapter glues into its prose is recomputed here and compared with the stored
glue value (glue keeps 10 significant digits), and each statement is held by a test that asserts
the condition it states. The mathematics (divergences, the bump family, moment matching, the
minima of the reverse objective) is recomputed independently with numpy and scipy. What the
chapter says the *code* does (where kl.fit_forward and kl.local_fits land, what the interactive
shows) is checked on klhelpers itself, against those independent computations.

The sentences the chapter used to get wrong, and the tests that now forbid them:

* "ignoring a peak costs nothing": test_leaving_a_peak_out_costs_minus_log_w, test_the_chapters_numbers_obey_the_bound,
  test_the_price_becomes_exact_as_the_peaks_separate;
* "the reverse fit prefers the narrow, concentrated peak": test_a_narrow_and_a_wide_peak;
* the reverse objective's valleys, seen only in a profile over mu: test_three_local_minima_in_the_plane;
* "the forward fit matches P's mean and spread", on every setting: test_the_forward_claim_on_the_widgets_settings.
"""

import ast
import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, special, stats

import klhelpers as kl
from klhelpers import fits
from klhelpers.interactives import fits_markup

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "07-forward-reverse.ipynb"
N = 40
X = np.arange(N, dtype=float)
CENTERS, WIDTHS, SHARE_A = (11.0, 27.0), (2.0, 3.5), 0.6
FLOOR = 1e-3
START = {"center_a": 11.0, "width_a": 2.0, "center_b": 27.0, "width_b": 3.5, "share_a": 0.6}
#: The interactive's sliders: (name, low, high, step), as the chapter's reader can set them.
SLIDERS = {name: (low, high, step) for name, _, low, high, step in fits_markup.CONTROLS}


# -- the chapter as stored ----------------------------------------------------------------------------

def _load():
    notebook = json.loads(CHAPTER.read_text(encoding="utf-8"))
    glued, printed = {}, {}
    for index, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                glued[record["name"]] = ast.literal_eval(output["data"][record["mime_prefix"] + "text/plain"])
            elif output.get("output_type") == "stream":
                printed[index] = printed.get(index, "") + "".join(output["text"])
    prose = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    return notebook["cells"], glued, printed, prose


CELLS, GLUED, PRINTED, PROSE = _load()
ALL_PRINTED = "\n".join(PRINTED.values())


def glued(name):
    assert name in GLUED, f"{name} is not glued"
    return GLUED[name]


def same(name, value, rel=1e-8, abs_=1e-12):
    """The glued value equals `value` (glue keeps 10 significant digits)."""
    assert glued(name) == pytest.approx(value, rel=rel, abs=abs_), (name, glued(name), value)


# -- independent mathematics: the family, P, divergences, moment matching ----------------------------------

def bump(mean, width, n=N):
    """The discretised Gaussian, from scipy's log-density (no underflow in the log)."""
    logq = stats.norm.logpdf(np.arange(n), loc=mean, scale=width)
    return np.exp(logq - special.logsumexp(logq))


def log_bump(mean, width, n=N):
    logq = stats.norm.logpdf(np.arange(n), loc=mean, scale=width)
    return logq - special.logsumexp(logq)


def two_peaks(centers, widths, share_a, n=N, floor=FLOOR):
    mixture = share_a * bump(centers[0], widths[0], n) + (1 - share_a) * bump(centers[1], widths[1], n)
    return (1 - floor) * mixture + floor / n


def kl_div(p, q):
    return float(np.sum(special.rel_entr(np.asarray(p, float), np.asarray(q, float))))


def binary(a, b):
    """d(a || b): the divergence between (a, 1 - a) and (b, 1 - b)."""
    return kl_div([a, 1 - a], [b, 1 - b])


def moments(p):
    p = np.asarray(p, float)
    mean = float(p @ np.arange(p.size))
    return mean, math.sqrt(float(p @ (np.arange(p.size) - mean) ** 2))


def reverse_objective(p, mean, width):
    return kl_div(bump(mean, width, p.size), p)


T = (X - 19.5) / 19.5                      # positions rescaled to [-1, 1], for well-conditioned Newton steps
FEATURES = np.stack([T, T ** 2], axis=1)


def _log_partition(eta):
    return special.logsumexp(eta @ FEATURES.T, axis=-1)


def match_moments(ps):
    """Natural parameters (eta1, eta2) of the member of exp(eta1 t + eta2 t^2) with each row's E[t], E[t^2].

    P has no zero (the floor), so its moments lie inside the family's range and the member exists;
    the objective A(eta) - eta . m is strictly convex, and damped Newton finds its minimum.
    """
    m = ps @ FEATURES
    eta = np.zeros((len(ps), 2))
    active = np.arange(len(ps))
    for _ in range(200):
        e, mm = eta[active], m[active]
        z = e @ FEATURES.T
        q = np.exp(z - special.logsumexp(z, axis=1, keepdims=True))
        mq = q @ FEATURES
        g = mq - mm
        done = np.abs(g).max(axis=1) < 1e-12
        active, e, mm, q, mq, g = active[~done], e[~done], mm[~done], q[~done], mq[~done], g[~done]
        if not active.size:
            break
        h = np.einsum("nk,ki,kj->nij", q, FEATURES, FEATURES) - mq[:, :, None] * mq[:, None, :]
        step = np.linalg.solve(h, g[..., None])[..., 0]
        f0 = _log_partition(e) - np.einsum("ij,ij->i", e, mm)
        slope = np.einsum("ij,ij->i", g, step)
        t = np.ones(len(active))
        for _ in range(60):
            trial = e - t[:, None] * step
            # sufficient decrease, up to rounding (near the minimum the decrease is below the last digit)
            worse = (_log_partition(trial) - np.einsum("ij,ij->i", trial, mm)
                     > f0 - 1e-4 * t * slope + 1e-13 * (1 + np.abs(f0)))
            if not worse.any():
                break
            t = np.where(worse, t / 2, t)
        eta[active] = e - t[:, None] * step
    else:
        raise AssertionError("moment matching did not converge")
    return eta


def as_bump(eta):
    """(mu, sigma) in positions of a member with eta2 < 0; (nan, nan) for a flat or U-shaped one."""
    e1, e2 = eta[:, 0], eta[:, 1]
    bump_like = e2 < 0
    safe = np.where(bump_like, e2, -1.0)
    mu = np.where(bump_like, 19.5 + 19.5 * (-e1 / (2 * safe)), np.nan)
    sigma = np.where(bump_like, 19.5 / np.sqrt(-2 * safe), np.nan)
    return mu, sigma


def flattest_variance(mean):
    """Variance of the member with eta2 = 0 (a tilted exponential, the limit of ever wider bumps) with this mean."""
    def mean_of(e1):
        w = np.exp(e1 * T - special.logsumexp(e1 * T))
        return float(w @ X)
    e1 = optimize.brentq(lambda e: mean_of(e) - mean, -60, 60, xtol=1e-14)
    w = np.exp(e1 * T - special.logsumexp(e1 * T))
    return float(w @ (X - mean) ** 2)


# -- the chapter's P and its two fits ------------------------------------------------------------------------

def test_the_chapters_p_is_the_default_mixture():
    p = kl.two_peaks()
    np.testing.assert_allclose(p, two_peaks(CENTERS, WIDTHS, SHARE_A), rtol=1e-12)
    np.testing.assert_array_equal(p, kl.two_peaks(CENTERS, WIDTHS, SHARE_A))
    for name, value in (("fr_a_center", 11.0), ("fr_b_center", 27.0), ("fr_a_width", 2.0), ("fr_b_width", 3.5),
                        ("fr_a_share", 0.6), ("fr_b_share", 0.4), ("fr_floor", 0.001)):
        same(name, value)
    assert glued("fr_a_width") < glued("fr_b_width")  # "peak A (narrow) ... peak B (wider)"
    assert "40 positions; P sums to 1.000000; smallest probability 2.50e-05" in ALL_PRINTED
    assert f"{p.min():.2e}" == "2.50e-05"


def test_the_fits_and_their_scores():
    p = two_peaks(CENTERS, WIDTHS, SHARE_A)
    forward, reverse = kl.fit_forward(kl.two_peaks()), kl.fit_reverse(kl.two_peaks())
    for name, fit in (("fwd", forward), ("rev", reverse)):
        same(f"fr_{name}_mean", fit.mean)
        same(f"fr_{name}_width", fit.width)
        same(f"fr_{name}_kl", fit.divergence)
    # the divergences, recomputed from scipy's normal density
    assert glued("fr_fwd_kl") == pytest.approx(kl_div(p, bump(forward.mean, forward.width)), rel=1e-8)
    assert glued("fr_rev_kl") == pytest.approx(reverse_objective(p, reverse.mean, reverse.width), rel=1e-8)
    # each is a minimum: no point of a fine grid does better in its own direction
    means, widths_ = np.linspace(0, 39, 79), np.geomspace(0.5, 40, 60)
    assert min(reverse_objective(p, m, s) for m in means[10:40] for s in widths_[:30]) >= glued("fr_rev_kl") - 1e-9
    # "its mean ... between the peaks, where P has little"
    assert CENTERS[0] < glued("fr_fwd_mean") < CENTERS[1]
    assert glued("fr_valley_position") == round(forward.mean) == 17
    same("fr_p_at_valley", p[17])
    same("fr_p_max", p.max())
    assert p.argmax() == 11 and glued("fr_p_at_valley") < 0.02 * glued("fr_p_max")
    # "the reverse fit sits on the heavier peak A ... gives peak B essentially no probability"
    assert abs(glued("fr_rev_mean") - CENTERS[0]) < 0.1
    same("fr_rev_q_at_b", bump(reverse.mean, reverse.width)[27], rel=0.06)  # glued to 2 digits
    assert glued("fr_rev_q_at_b") < 1e-12
    # the scores table: each fit is the better one only in its own direction
    same("fr_rev_fit_fwd_score", kl_div(p, bump(reverse.mean, reverse.width)), rel=1e-7)
    same("fr_fwd_fit_rev_score", reverse_objective(p, forward.mean, forward.width), rel=1e-8)
    assert glued("fr_rev_fit_fwd_score") > 10 * glued("fr_fwd_kl")
    assert glued("fr_fwd_fit_rev_score") > glued("fr_rev_kl")
    assert "forward fit     0.5034    0.9020" in ALL_PRINTED and "reverse fit    11.8452    0.5078" in ALL_PRINTED


def test_the_figure_of_the_fits_says_what_the_fits_do():
    (meta,) = [c["metadata"]["mystnb"] for c in CELLS
               if c["metadata"].get("mystnb", {}).get("figure", {}).get("name") == "fig-fr-fits"]
    assert "sits on peak A and leaves peak B out" in meta["figure"]["caption"]
    assert "centred near 17" in meta["image"]["alt"] and round(glued("fr_fwd_mean")) == 17


# -- item 1: leaving a peak out costs -log w ------------------------------------------------------------------

def test_leaving_a_peak_out_costs_minus_log_w():
    """The derivation: Q inside A pays D(Q || P_A) - log w >= -log w, with equality at Q = P_A."""
    rng = np.random.default_rng(6)
    for _ in range(200):
        w = rng.uniform(0.02, 0.98)
        p_a, p_b = np.zeros(N), np.zeros(N)
        p_a[:20], p_b[20:] = rng.dirichlet(np.ones(20)), rng.dirichlet(np.ones(20))
        p = w * p_a + (1 - w) * p_b                     # two peaks with disjoint supports
        q = np.zeros(N)
        q[:20] = rng.dirichlet(np.full(20, 0.7))         # Q inside A
        assert kl_div(q, p) == pytest.approx(kl_div(q, p_a) - math.log(w), rel=1e-12, abs=1e-12)
        assert kl_div(q, p) >= -math.log(w)
        assert kl_div(p_a, p) == pytest.approx(-math.log(w), rel=1e-12)   # equality when Q = P_A
    # the old claim, "ignoring a peak costs nothing", is false: the price is -log w > 0
    assert -math.log(0.6) > 0.5


def test_lumping_outcomes_never_increases_the_divergence():
    """The log-sum inequality (Cover & Thomas Thm 2.7.1) on A and its complement: D(Q||P) >= d(Q(A) || P(A))."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        p, q = rng.dirichlet(np.full(N, 0.5)), rng.dirichlet(np.full(N, 0.5))
        a = rng.random(N) < rng.uniform(0.1, 0.9)
        assert kl_div(q, p) >= binary(q[a].sum(), p[a].sum()) - 1e-12
    # and d(Q(A) || P(A)) tends to -log P(A) as Q(A) -> 1
    gaps = [abs(binary(1 - e, 0.6) + math.log(0.6)) for e in (1e-2, 1e-4, 1e-6, 1e-8)]
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < 1e-6


def _price(p, fit_mean, fit_width):
    side = X <= 19 if fit_mean <= 19 else X > 19          # the positions nearer the fit's peak
    q = bump(fit_mean, fit_width)
    w, kept = float(p[side].sum()), float(q[side].sum())
    return w, kept, binary(kept, w)


def test_the_chapters_numbers_obey_the_bound():
    p = two_peaks(CENTERS, WIDTHS, SHARE_A)
    reverse = kl.fit_reverse(kl.two_peaks())
    w, kept, bound = _price(p, reverse.mean, reverse.width)
    same("fr_midpoint", 19.0)
    same("fr_rev_w", w)
    same("fr_rev_cost", -math.log(w))
    same("fr_rev_across", 1 - kept, rel=1e-6)
    same("fr_rev_bound", bound, rel=1e-7)
    same("fr_ln_a", -math.log(0.6))
    assert w == pytest.approx(kl.share_kept(kl.two_peaks(), CENTERS, reverse.mean), rel=1e-12)
    d = glued("fr_rev_kl")
    # "keeps all but 1.3e-05 ... above the bound and above -ln w ... a little below -ln 0.6 only because w > 0.6"
    assert 1 - kept < 1e-4
    assert d >= bound and d > -math.log(w) and bound <= -math.log(w)
    assert d < -math.log(0.6) and w > 0.6 and -math.log(w) < -math.log(0.6)
    # the valley at peak B
    on_b = [v for v in kl.local_fits(kl.two_peaks(), "reverse") if abs(v.mean - 27) < 1]
    assert len(on_b) == 1
    (on_b,) = on_b
    same("fr_b_kl", on_b.divergence)
    same("fr_b_mean", on_b.mean)
    same("fr_b_width_fit", on_b.width)
    assert reverse_objective(p, on_b.mean, on_b.width) == pytest.approx(on_b.divergence, rel=1e-8)
    w_b, kept_b, bound_b = _price(p, on_b.mean, on_b.width)
    same("fr_b_w", w_b)
    same("fr_b_cost", -math.log(w_b))
    same("fr_b_across", 1 - kept_b, rel=1e-6)
    same("fr_b_bound", bound_b, rel=1e-7)
    same("fr_ln_b", -math.log(0.4))
    # "close to -ln 0.4"; "wider than peak B"; "-ln w ... overstates what it pays; the bound still holds"
    assert abs(on_b.divergence + math.log(0.4)) < 0.02
    assert on_b.width > WIDTHS[1]
    assert on_b.divergence < -math.log(w_b) and on_b.divergence >= bound_b
    assert "reverse fit, on peak A: D(Q||P) = 0.5078, -ln 0.6 = 0.5108" in ALL_PRINTED
    assert "valley on peak B: D(Q||P) = 0.9052, -ln 0.4 = 0.9163" in ALL_PRINTED


def test_the_price_becomes_exact_as_the_peaks_separate():
    """With no floor and the peaks further and further apart, the bump on a peak pays -ln(its share)."""
    gaps = {"a": [], "b": []}
    rows = []
    for n in (40, 60, 80, 120):
        far = (11 * n / 40, 27 * n / 40)
        p = kl.two_peaks(far, WIDTHS, SHARE_A, n_positions=n, floor=0.0)
        np.testing.assert_allclose(p, two_peaks(far, WIDTHS, SHARE_A, n=n, floor=0.0), rtol=1e-9, atol=1e-300)
        valleys = kl.local_fits(p, "reverse")
        on_a = min(valleys, key=lambda v: abs(v.mean - far[0]))
        on_b = min(valleys, key=lambda v: abs(v.mean - far[1]))
        gaps["a"].append(abs(on_a.divergence + math.log(0.6)))
        gaps["b"].append(abs(on_b.divergence + math.log(0.4)))
        rows.append(f"{n:9d}  {far[1] - far[0]:5.0f}  {on_a.divergence:17.10f}")
        # the same number from scipy, where Q's and P's far tails are not cut at the smallest double
        q = bump(on_a.mean, on_a.width, n)
        logp = np.log(0.6) + log_bump(far[0], WIDTHS[0], n)
        independent = float(np.sum(q * (log_bump(on_a.mean, on_a.width, n) - np.logaddexp(
            logp, np.log(0.4) + log_bump(far[1], WIDTHS[1], n)))))
        assert independent == pytest.approx(on_a.divergence, abs=1e-9)
    for side in "ab":
        assert gaps[side] == sorted(gaps[side], reverse=True), gaps
        assert gaps[side][-1] < 5e-11                          # "to ten decimal places"
    same("fr_far_apart", 48.0)
    for row in rows:
        assert row in ALL_PRINTED


# -- item 2: the reverse fit can go to the wide peak ------------------------------------------------------

def test_a_narrow_and_a_wide_peak():
    settings = dict(START, width_a=1.0, width_b=5.0, share_a=0.5)
    state = fits_markup.compute(settings)            # exactly what the interactive shows
    p = two_peaks((11.0, 27.0), (1.0, 5.0), 0.5)
    reverse = state.reverse
    for name, value in (("fr_nw_a", 1.0), ("fr_nw_b", 5.0), ("fr_nw_share", 0.5)):
        same(name, value)
    same("fr_nw_mean", reverse.mean)
    same("fr_nw_width", reverse.width)
    same("fr_nw_kl", reverse.divergence)
    assert reverse_objective(p, reverse.mean, reverse.width) == pytest.approx(reverse.divergence, rel=1e-8)
    # the numbers, and the old claim ("prefers the narrow, concentrated peak") is false here
    assert reverse.mean == pytest.approx(25.70, abs=0.01) and reverse.width == pytest.approx(7.21, abs=0.01)
    assert reverse.mean > 19 and abs(reverse.mean - 11) > 10
    assert reverse.width > 5.0                         # "even wider than peak B"
    (narrow,) = state.valleys
    assert abs(narrow.mean - 11) < 0.1 and narrow.width < 1.5
    same("fr_nw_narrow_kl", narrow.divergence)
    same("fr_ln2", math.log(2))
    assert reverse.divergence < narrow.divergence and abs(narrow.divergence - math.log(2)) < 0.01
    # the readouts: -ln w well above the divergence; 20 % across the valley, some on peak A, where P > Q
    w, kept, bound = _price(p, reverse.mean, reverse.width)
    same("fr_nw_cost", -math.log(w))
    same("fr_nw_across", 1 - kept, rel=1e-6)
    assert -math.log(w) > reverse.divergence + 0.1 and reverse.divergence >= bound
    q = bump(reverse.mean, reverse.width)
    assert 0 < q[11] < p[11]
    view = kl.explore_fits(widths=(1.0, 5.0), share_a=0.5)
    assert view.readout("reverse-mean") == "25.70" and view.readout("reverse-width") == "7.21"
    assert view.readout("reverse-cost") == f"{glued('fr_nw_cost'):.4f}"


# -- item 3: the reverse objective's three local minima ----------------------------------------------------

def _gradient_and_hessian(f, t, h=1e-4):
    g = np.array([(f(t + h * e) - f(t - h * e)) / (2 * h) for e in np.eye(2)])
    hess = np.array([[(f(t + h * (ei + ej)) - f(t + h * (ei - ej)) - f(t - h * (ei - ej)) + f(t - h * (ei + ej)))
                      / (4 * h * h) for ej in np.eye(2)] for ei in np.eye(2)])
    return g, hess


def test_three_local_minima_in_the_plane():
    p = two_peaks(CENTERS, WIDTHS, SHARE_A)
    valleys = kl.local_fits(kl.two_peaks(), "reverse")
    want = [(11.02, 2.03, 0.5078), (21.07, 8.52, 0.7860), (26.85, 3.73, 0.9052)]
    assert [(round(v.mean, 2), round(v.width, 2), round(v.divergence, 4)) for v in valleys] == want
    same("fr_n_valleys", 3)
    same("fr_broad_mean", valleys[1].mean)
    same("fr_broad_width", valleys[1].width)
    same("fr_broad_kl", valleys[1].divergence)
    assert CENTERS[0] < valleys[1].mean < CENTERS[1] and valleys[1].width > 2 * WIDTHS[1]   # broad, between
    f = lambda t: reverse_objective(p, t[0], math.exp(t[1]))
    for v in valleys:  # each is a true local minimum: zero gradient, positive definite Hessian
        g, hess = _gradient_and_hessian(f, np.array([v.mean, math.log(v.width)]))
        assert np.abs(g).max() < 1e-5
        assert np.linalg.eigvalsh(hess).min() > 1e-3
    # and there are no others: the local minima of the objective on a fine grid are these three
    means, widths_ = np.linspace(0, 39, 157), np.geomspace(0.5, 400, 200)
    grid = np.array([[reverse_objective(p, m, s) for s in widths_] for m in means])
    padded = np.pad(grid, 1, constant_values=np.inf)
    lowest = np.ones_like(grid, dtype=bool)
    for di, dj in itertools.product((-1, 0, 1), repeat=2):
        if di or dj:
            lowest &= grid < padded[1 + di:1 + di + grid.shape[0], 1 + dj:1 + dj + grid.shape[1]]
    found = sorted((means[i], widths_[j]) for i, j in np.argwhere(lowest))
    assert len(found) == 3
    for (m, s), v in zip(found, valleys):
        assert abs(m - v.mean) < 0.5 and abs(math.log(s / v.width)) < 0.1
    # "a gradient method ... ends at the bottom of the valley it starts in": BFGS from the chapter's starts
    for start, v in zip(((8.0, 1.0), (20.0, 12.0), (30.0, 2.0)), valleys):
        end = optimize.minimize(f, [start[0], math.log(start[1])], method="BFGS")
        assert abs(end.x[0] - v.mean) < 1e-3 and abs(math.exp(end.x[1]) - v.width) < 1e-3
    for line in ("start mu =  8.0, sigma =  1.0  ->  mu = 11.02, sigma = 2.03: 0.5078 nats",
                 "start mu = 20.0, sigma = 12.0  ->  mu = 21.07, sigma = 8.52: 0.7860 nats",
                 "start mu = 30.0, sigma =  2.0  ->  mu = 26.85, sigma = 3.73: 0.9052 nats"):
        assert line in ALL_PRINTED
    (meta,) = [c["metadata"]["mystnb"] for c in CELLS
               if c["metadata"].get("mystnb", {}).get("figure", {}).get("name") == "fig-fr-landscape"]
    for v in valleys:
        assert f"{v.divergence:.3f} nats" in meta["image"]["alt"]


def test_the_forward_objective_has_one_valley():
    p = two_peaks(CENTERS, WIDTHS, SHARE_A)
    assert len(kl.local_fits(kl.two_peaks(), "forward")) == 1
    # strictly convex in (eta1, eta2): its Hessian there is the covariance of (t, t^2) under Q, positive definite
    rng = np.random.default_rng(8)
    for eta in rng.normal(0, 3, size=(50, 2)):
        q = np.exp(eta @ FEATURES.T - _log_partition(eta))
        cov = (FEATURES.T * q) @ FEATURES - np.outer(q @ FEATURES, q @ FEATURES)
        assert np.linalg.eigvalsh(cov).min() > 0
    means, widths_ = np.linspace(0, 39, 79), np.geomspace(0.5, 400, 80)
    grid = np.array([[kl_div(p, bump(m, s)) for s in widths_] for m in means])
    padded = np.pad(grid, 1, constant_values=np.inf)
    lowest = np.ones_like(grid, dtype=bool)
    for di, dj in itertools.product((-1, 0, 1), repeat=2):
        if di or dj:
            lowest &= grid < padded[1 + di:1 + di + grid.shape[0], 1 + dj:1 + dj + grid.shape[1]]
    assert lowest.sum() == 1


# -- item 4: the forward fit matches the moments, off the bounds ----------------------------------------------

def test_the_forward_fit_matches_the_moments_of_the_chapters_p():
    p = two_peaks(CENTERS, WIDTHS, SHARE_A)
    forward = kl.fit_forward(kl.two_peaks())
    (m_p, s_p), (m_q, s_q) = moments(p), moments(bump(forward.mean, forward.width))
    same("fr_p_mean", m_p)
    same("fr_p_std", s_p)
    assert (m_q, s_q) == pytest.approx((m_p, s_p), abs=1e-6)
    # the member with P's moments, found independently, is the fit
    (mu,), (sigma,) = as_bump(match_moments(p[None, :]))
    assert (forward.mean, forward.width) == pytest.approx((mu, sigma), abs=1e-5)
    # the fitted parameters differ from the moments because of the cuts at 0 and 39
    same("fr_cut_left", forward.mean / forward.width)
    same("fr_cut_right", (39 - forward.mean) / forward.width)
    same("fr_mean_shift", m_q - forward.mean)
    assert glued("fr_cut_left") < glued("fr_cut_right")
    assert m_q > forward.mean and s_q < forward.width
    assert "P:           mean 17.4012, standard deviation 8.2934" in ALL_PRINTED
    assert "forward fit: mean 17.4012, standard deviation 8.2934" in ALL_PRINTED


def _slider_values(name, count):
    low, high, step = SLIDERS[name]
    values = np.linspace(low, high, count)
    return sorted({round(round((v - low) / step) * step + low, 10) for v in values})


def _sweep_settings():
    """A thinned grid over the five sliders (their ends included), and random slider settings."""
    grid = list(itertools.product(_slider_values("center_a", 7), _slider_values("width_a", 4),
                                  _slider_values("center_b", 7), _slider_values("width_b", 4),
                                  _slider_values("share_a", 4)))
    # (A, B, share) and (B, A, 1 - share) are the same P: keep one of each pair
    grid = [s for s in grid if (s[0], s[1]) < (s[2], s[3]) or ((s[0], s[1]) == (s[2], s[3]) and s[4] <= 0.5)]
    rng = np.random.default_rng(2026)
    random = []
    for _ in range(250):
        setting = []
        for name in ("center_a", "width_a", "center_b", "width_b", "share_a"):
            low, high, step = SLIDERS[name]
            setting.append(round(low + step * rng.integers(0, round((high - low) / step) + 1), 10))
        random.append(tuple(setting))
    # settings where P is nearly one narrow spike (the floating-point exception the chapter names)
    spikes = [(c, 0.5, c + d, 0.5, s) for c in (3.0, 13.0, 20.5, 33.0) for d in (0.0, 1.0, 2.5) for s in (0.3, 0.75)]
    return grid + random + spikes


def test_the_forward_claim_on_the_widgets_settings():
    """As worded: off the bounds, the fit has P's mean and standard deviation; on a bound exactly when no bump
    within the search (mu in [0, 39], sigma in [0.5, 400]) has them, because P is more spread out than any bump
    with its mean, or the bump with its mean and spread would peak beyond 0 or 39. Spikes of P included: the
    objective works from log q, so a narrow bump's underflowing far positions do not make it infinite."""
    settings = _sweep_settings()
    assert len(settings) > 1500
    ps = np.array([kl.two_peaks((ca, cb), (wa, wb), s) for ca, wa, cb, wb, s in settings])
    eta = match_moments(ps)
    mu, sigma = as_bump(eta)
    search_high = fits.SEARCH["maxWidthPerPosition"] * N
    reachable = (eta[:, 1] < 0) & (mu >= 0) & (mu <= 39) & (sigma >= fits.SEARCH["minWidth"]) & (sigma <= search_high)
    counts = {"matched": 0, "too spread": 0, "peak beyond the edge": 0}
    for i, setting in enumerate(settings):
        fit = kl.fit_forward(ps[i])
        assert (fit.at_bound == ()) == bool(reachable[i]), (setting, fit.at_bound, mu[i], sigma[i], eta[i])
        if reachable[i]:
            got, want = moments(fit.q), moments(ps[i])
            assert abs(got[0] - want[0]) < 5e-4 and abs(got[1] - want[1]) < 5e-4, (setting, got, want)
            counts["matched"] += 1
        elif eta[i, 1] >= 0:
            # no bump at all has P's mean and spread: P is more spread out than any bump with its mean
            m, s = moments(ps[i])
            assert s * s >= flattest_variance(m) - 1e-9, setting
            counts["too spread"] += 1
        else:
            assert not 0 <= mu[i] <= 39, setting                  # the only other way to miss: the peak's place
            counts["peak beyond the edge"] += 1
    assert all(counts.values()), counts                           # every case the chapter names occurs


def test_the_bound_examples():
    uniform_std = math.sqrt((N * N - 1) / 12)
    same("fr_uniform_std", uniform_std)
    wide = two_peaks((1.0, 38.0), (0.5, 0.5), 0.5)
    fit_wide = kl.fit_forward(kl.two_peaks((1.0, 38.0), (0.5, 0.5), 0.5))
    assert fit_wide.at_bound == ("width",)
    same("fr_wide_std", moments(wide)[1])
    same("fr_wide_fit_std", moments(fit_wide.q)[1])
    same("fr_wide_sigma", fits.SEARCH["maxWidthPerPosition"] * N)
    assert glued("fr_wide_std") > uniform_std > glued("fr_wide_fit_std")
    # "for bumps centred on the middle position, the standard deviation grows with sigma toward the uniform's"
    centred = [moments(bump(19.5, s))[1] for s in (2.0, 5.0, 10.0, 40.0, 100.0, 400.0)]
    assert centred == sorted(centred) and centred[-1] < uniform_std and uniform_std - centred[-1] < 0.01
    skew = two_peaks((8.0, 31.0), WIDTHS, SHARE_A)
    fit_skew = kl.fit_forward(kl.two_peaks((8.0, 31.0), WIDTHS, SHARE_A))
    assert fit_skew.at_bound == ("mean",) and fit_skew.mean == 0.0
    same("fr_skew_mean", moments(skew)[0])
    same("fr_skew_std", moments(skew)[1])
    same("fr_skew_fit_mean", moments(fit_skew.q)[0])
    same("fr_skew_fit_std", moments(fit_skew.q)[1])
    same("fr_skew_mu", 0.0)
    # "just under the uniform's, but about a mean off the middle, and no bump with that mean is so spread out"
    assert glued("fr_skew_std") < uniform_std
    assert abs(glued("fr_skew_mean") - 19.5) > 2
    assert match_moments(skew[None, :])[0, 1] >= 0
    assert moments(skew)[1] ** 2 > flattest_variance(moments(skew)[0])
    # bumps with that mean get more spread out as they flatten, never reaching P's spread
    m = moments(skew)[0]
    spreads = []
    for sigma_ in (5.0, 10.0, 20.0, 40.0, 100.0):
        center = optimize.brentq(lambda c: moments(bump(c, sigma_))[0] - m, -2000, 2000)
        spreads.append(moments(bump(center, sigma_))[1])
    assert spreads == sorted(spreads) and spreads[-1] < moments(skew)[1]
    assert "P:   mean 17.17, standard deviation 11.54" in ALL_PRINTED
    assert "fit: mean 17.42, standard deviation 11.17" in ALL_PRINTED
    assert "(mu 0.00, sigma 34.40, on the bound of mean)" in ALL_PRINTED
    assert "(mu 19.50, sigma 400.00, on the bound of width)" in ALL_PRINTED


def test_a_spike_of_p_gets_its_matching_bump():
    """A P with a standard deviation below one position: its matching bump underflows to 0 far away,
    yet the objective stays finite there (it uses log q), and the fit matches P's moments."""
    p_k = kl.two_peaks((13.0, 13.0), (0.5, 0.5), 0.5)
    fit = kl.fit_forward(p_k)
    assert fit.at_bound == () and moments(p_k)[1] < 1.0
    assert fit.q.min() == 0.0                                    # underflowed far positions ...
    assert math.isfinite(fit.divergence)                          # ... and a finite objective
    assert moments(fit.q) == pytest.approx(moments(p_k), abs=5e-4)
    (mu,), (sigma,) = as_bump(match_moments(p_k[None, :]))
    true = float(np.sum(p_k * (np.log(p_k) - log_bump(mu, sigma))))
    assert float(kl.fit_objective(p_k, mu, sigma, "forward")) == pytest.approx(true, rel=1e-9)


def test_maximum_likelihood_is_the_forward_divergence_from_the_sample():
    rng = np.random.default_rng(9)
    p = two_peaks(CENTERS, WIDTHS, SHARE_A)
    x = rng.choice(N, size=500, p=p)
    p_hat = np.bincount(x, minlength=N) / x.size
    q = bump(16.0, 8.0)
    average = float(np.mean(np.log(q[x])))
    cross = -float(np.sum(special.xlogy(p_hat, q)))
    entropy = -float(np.sum(special.xlogy(p_hat, p_hat)))
    assert average == pytest.approx(-cross, rel=1e-12)
    assert -cross == pytest.approx(-entropy - kl_div(p_hat, q), rel=1e-12)


# -- items 5 and 6: the names, the interactive and the things to try ---------------------------------------------

def test_the_names_and_the_sources():
    assert "{term}`inclusive <inclusive KL>`" in PROSE and "{term}`exclusive <exclusive KL>`" in PROSE
    assert "{cite:p}`minka2005`" in PROSE and "{cite:t}`bishop2006` (Section 10.1, Figure 10.3)" in PROSE
    assert "({cite:t}`cover2006`, Theorem 2.7.1)" in PROSE
    assert "({cite:t}`bishop2006`, Section 10.7)" in PROSE and "({cite:t}`bishop2006`, Section 2.4)" in PROSE


def test_the_old_false_sentences_are_gone():
    lowered = PROSE.lower()
    for sentence in ("costs nothing", "prefers the narrow", "left peak", "right peak",
                     "often land in whichever mode", "mode-covering"):
        assert sentence not in lowered, sentence


def test_every_glue_in_the_prose_exists():
    for name in re.findall(r"\{glue:text\}`([a-z0-9_]+)[:`]", PROSE):
        assert name in GLUED, name


def test_the_interactive_cell_uses_the_defaults():
    sources = ["".join(c["source"]).strip() for c in CELLS if c["cell_type"] == "code"]
    assert "kl.explore_fits()" in sources
    view = kl.explore_fits()
    # "What to watch ... at the start, 0.5078 against 0.5005"
    assert view.readout("reverse-kl") == f"{glued('fr_rev_kl'):.4f} nats"
    assert view.readout("reverse-cost") == f"{glued('fr_rev_cost'):.4f}"
    assert view.readout("reverse-share") == f"{glued('fr_rev_w'):.4f}"


def test_bringing_the_peaks_together():
    positions = np.arange(27.0, 10.5, -0.5)
    states = {b: fits_markup.compute(dict(START, center_b=float(b))) for b in positions}
    on_a = {b: abs(states[b].reverse.mean - 11.0) < 0.5 for b in positions}
    leave = next(b for b in positions if not on_a[b])
    same("fr_near_b", leave)
    same("fr_near_apart", leave - 11.0)
    assert all(on_a[b] for b in positions if b > leave)           # on peak A until then
    broad = states[leave].reverse
    same("fr_near_mean", broad.mean)
    same("fr_near_width", broad.width)
    # "a broad bump over both": wider than either peak, with a good part of itself on each side of the midpoint
    middle = (11.0 + leave) / 2
    assert 11.0 < broad.mean < leave and broad.width > 1.5 * max(WIDTHS)
    assert min(broad.q[X <= middle].sum(), broad.q[X > middle].sum()) > 0.25
    single = [b for b in positions if not states[b].valleys]
    same("fr_one_b", max(single))
    assert all(not states[b].valleys for b in positions if b <= max(single))   # "from position 21 on"
    assert states[max(single) + 0.5].valleys


def test_lowering_the_share_of_peak_a():
    for name, share in (("stay", 0.55), ("broad", 0.5), ("b", 0.45)):
        state = fits_markup.compute(dict(START, share_a=share))
        same(f"fr_share_{name}", share)
        same(f"fr_share_{name}_mean", state.reverse.mean)
        same(f"fr_share_{name}_width", state.reverse.width)
        if name == "stay":
            assert abs(state.reverse.mean - 11.0) < 0.5
        elif name == "broad":  # a broad bump across the valley, while the valley on peak A is nearly as deep
            assert 11.0 + 5 < state.reverse.mean < 27.0 - 2 and state.reverse.width > 2 * WIDTHS[1]
            on_a = [v for v in state.valleys if abs(v.mean - 11.0) < 0.5]
            assert on_a and on_a[0].divergence - state.reverse.divergence < 0.01
        else:
            assert abs(state.reverse.mean - 27.0) < 0.5


def test_hitting_a_bound_raises_the_flags():
    flags = kl.explore_fits(centers=(1.0, 38.0), widths=(0.5, 0.5), share_a=0.5).bound_flags()
    assert "σ sits at the largest width searched" in flags["forward"]
    flags = kl.explore_fits(centers=(8.0, 31.0)).bound_flags()
    assert "μ sits at position 0" in flags["forward"]
    assert kl.explore_fits().bound_flags() == {"forward": "", "reverse": ""}


# -- the exercises --------------------------------------------------------------------------------------

def test_the_fr_explore_solution():
    separations = np.arange(1.0, 21.0)
    fitted = []
    for d in separations:
        peaks = (19.5 - d / 2, 19.5 + d / 2)
        for c in peaks:                                       # slider positions
            assert (c / 0.5).is_integer()
        fitted.append((peaks, kl.fit_reverse(kl.two_peaks(peaks, (2.0, 2.0), 0.55))))
    on_a_peak = [min(abs(fit.mean - c) for c in peaks) < 0.5 for peaks, fit in fitted]
    switch = next(d for d, on in zip(separations, on_a_peak) if on and all(on_a_peak[int(d) - 1:]))
    same("fr_switch", switch)
    same("fr_switch_sigmas", switch / 2)
    covering = fitted[int(switch) - 2][1]
    same("fr_switch_cover_width", covering.width)
    assert not on_a_peak[int(switch) - 2] and covering.width > 2 * 2.0       # "covers both"
    # "even though that costs about -log w for the other peak, with w near 0.55"
    peaks, fit = fitted[int(switch) - 1]
    w = kl.share_kept(kl.two_peaks(peaks, (2.0, 2.0), 0.55), peaks, fit.mean)
    assert abs(w - 0.55) < 0.02 and abs(fit.divergence + math.log(w)) < 0.02
    assert "the reverse fit sits on one peak from a separation of 11 positions on" in ALL_PRINTED


def test_the_fr_moments_solution_premise():
    fit = kl.fit_forward(kl.two_peaks((8.0, 31.0), WIDTHS, SHARE_A))
    assert fit.at_bound == ("mean",)
    assert moments(fit.q)[1] < moments(two_peaks((8.0, 31.0), WIDTHS, SHARE_A))[1] - 0.1
    assert "at_bound ('mean',)" in ALL_PRINTED and "at_bound ()" in ALL_PRINTED


# -- the transfer exercises (per-student variants) ------------------------------------------------------------

STUDENTS = [f"s{n:04d}" for n in range(60)]


@pytest.fixture
def each_student():
    """Run the body once per student id; the website's default is restored afterwards."""
    yield STUDENTS
    kl.student(kl.exercises.DEFAULT_STUDENT)


def _variant_of(student, name):
    kl.student(student)
    return kl.variant(name)


def test_the_transfer_variants_are_p_the_chapter_never_showed(each_student):
    seen = set()
    for student in each_student:
        for name in ("fr-transfer-spread", "fr-transfer-larger"):
            centers, widths, share_a = _variant_of(student, name)
            assert 7 <= centers[0] <= 13 and 11 <= centers[1] - centers[0] <= 17 and centers[1] <= 30
            assert all(1.5 <= w <= 3.5 for w in widths) and 0.55 <= share_a <= 0.75
            seen.add((tuple(centers), tuple(widths), share_a))
    assert (CENTERS, WIDTHS, SHARE_A) not in seen
    assert len(seen) > len(each_student)          # two students rarely share a P'


def test_fr_transfer_spread_moment_matching_on_every_variant(each_student):
    """The solution: the forward fit has P''s standard deviation (from an independent moment
    matching), sits on no bound, and its sigma is larger than that standard deviation."""
    ps = np.array([two_peaks(*_variant_of(s, "fr-transfer-spread")) for s in each_student])
    mu, sigma = as_bump(match_moments(ps))
    for student, p, m, s in zip(each_student, ps, mu, sigma):
        kl.student(student)
        assert np.allclose(kl.two_peaks(*kl.variant("fr-transfer-spread")), p, rtol=1e-12, atol=0)
        fit = kl.fit_forward(p)
        assert fit.at_bound == ()
        assert (fit.mean, fit.width) == pytest.approx((m, s), rel=1e-4)
        std_p, std_fit = moments(p)[1], moments(fit.q)[1]
        assert std_fit == pytest.approx(std_p, rel=1e-6)
        assert fit.width > std_fit                  # the cuts at 0 and 39 shrink the spread
        assert kl.check("fr-transfer-spread", std_fit).correct
        assert not kl.check("fr-transfer-spread", fit.width).correct


def _reverse_minimum(p):
    """The lowest D(Q || P) over a dense (mu, log sigma) grid, then polished by Nelder-Mead."""
    means, log_widths = np.linspace(0, 39, 79), np.linspace(np.log(0.5), np.log(40), 60)
    logq = stats.norm.logpdf(X, loc=means[:, None, None], scale=np.exp(log_widths)[None, :, None])
    logq = logq - special.logsumexp(logq, axis=-1, keepdims=True)
    values = np.sum(np.exp(logq) * (logq - np.log(p)), axis=-1)
    i, j = np.unravel_index(np.argmin(values), values.shape)
    best = optimize.minimize(lambda t: reverse_objective(p, t[0], math.exp(t[1])),
                             [means[i], log_widths[j]], method="Nelder-Mead",
                             options={"xatol": 1e-6, "fatol": 1e-10})
    return best.fun


def test_fr_transfer_larger_the_forward_fit_always_scores_more_in_reverse(each_student):
    for student in each_student[:4]:               # a few variants against a dense grid
        p = two_peaks(*_variant_of(student, "fr-transfer-larger"))
        forward, reverse = kl.fit_forward(p), kl.fit_reverse(p)
        assert kl_div(reverse.q, p) == pytest.approx(_reverse_minimum(p), abs=1e-6)
        assert kl_div(forward.q, p) >= kl_div(reverse.q, p)
    for student in each_student[:15]:
        p = two_peaks(*_variant_of(student, "fr-transfer-larger"))
        forward, reverse = kl.fit_forward(p), kl.fit_reverse(p)
        gap = kl_div(forward.q, p) - kl_div(reverse.q, p)
        assert gap >= 0
        assert kl.check("fr-transfer-larger", gap).correct
        assert not kl.check("fr-transfer-larger", -gap).correct or gap < 1e-4


def test_fr_transfer_larger_the_forward_fit_pays_in_the_valley_or_a_tail(each_student):
    """'Its largest terms sit where p(x) is small: in that valley, and sometimes in a tail.'"""
    for student in each_student:
        centers, widths, share_a = _variant_of(student, "fr-transfer-larger")
        p = two_peaks(centers, widths, share_a)
        q = kl.fit_forward(p).q
        terms = special.rel_entr(q, p)
        worst = np.argsort(terms)[-3:]
        in_valley = [centers[0] + widths[0] < x < centers[1] - widths[1] for x in worst]
        beyond = [x < centers[0] - widths[0] or x > centers[1] + widths[1] for x in worst]
        assert any(in_valley) and all(a or b for a, b in zip(in_valley, beyond)), (student, worst)
        assert all(q[x] > p[x] for x in worst)


def test_the_transfer_solutions_run_for_any_student(each_student):
    """The solution cells compute from kl.variant, so they pass the check for every student."""
    solutions = [("".join(c["source"]), re.search(r'kl\.check\("([^"]+)"', "".join(c["source"])))
                 for c in CELLS if "solution" in c["metadata"].get("tags", []) and c["cell_type"] == "code"]
    transfer = [(code, m[1]) for code, m in solutions if m and "transfer" in m[1]]
    assert {name for _, name in transfer} == {"fr-transfer-spread", "fr-transfer-larger"}
    for student in each_student[:5]:
        for code, name in transfer:
            kl.student(student)
            scope = {"np": np, "kl": kl}
            exec(code.replace(f'kl.check("{name}", answer)', "feedback = " + f'kl.check("{name}", answer)'),
                 scope)
            assert scope["feedback"].correct, (student, name)
