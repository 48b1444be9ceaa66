"""Every quantitative claim of chapters 3 (KL divergence) and 4 (asymmetry), computed here again.

Each test computes a claim independently (numpy and scipy from first principles; klhelpers
only where the claim is about what a helper or the explorer does) and checks the condition
the sentence states. Where the prose quotes a number, the test also compares it with the
value the chapter glued, so a prose number cannot drift from the truth.
"""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import rel_entr

import klhelpers as kl

BOOK = Path(__file__).resolve().parents[1] / "book"
CH3 = BOOK / "03-kl-divergence.ipynb"
CH4 = BOOK / "04-asymmetry.ipynb"

VOCAB = ("cat", "sat", "on", "the", "mat")
P = np.array([0.40, 0.30, 0.10, 0.15, 0.05])
Q = np.array([0.20, 0.25, 0.30, 0.15, 0.10])
CAT, SAT, ON, THE, MAT = range(5)


def kl_div(p, q):
    """D_KL(p || q) in nats from scipy's elementwise p log(p/q) (0 at p = 0, inf at q = 0 < p)."""
    return float(np.sum(rel_entr(np.asarray(p, float), np.asarray(q, float))))


def with_share(q, k, s):
    """q with q_k = s and the other entries rescaled in proportion (written out, not klhelpers')."""
    q = np.asarray(q, float)
    rest = np.delete(q, k)
    return np.insert((1 - s) * rest / rest.sum(), k, s)


def D_mat(s):
    """Chapter 3's D(s): D_KL(P || Q) with q(mat) = s, the other tokens in proportion."""
    return kl_div(P, with_share(Q, MAT, s))


def glued(notebook):
    """{name: value} for every value a chapter glued into its prose (as stored in its outputs)."""
    values = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                values[name] = eval(output["data"]["application/papermill.record/text/plain"],
                                    {"inf": math.inf})
    return values


@pytest.fixture(scope="module")
def g3():
    return glued(CH3)


@pytest.fixture(scope="module")
def g4():
    return glued(CH4)


def same(stored, value):
    """A glued value (10 significant digits) against the value computed here."""
    return stored == pytest.approx(value, rel=1e-9, abs=1e-12)


def cells(notebook):
    return json.loads(notebook.read_text())["cells"]


def alt_text(notebook, figure_name):
    for cell in cells(notebook):
        mystnb = cell.get("metadata", {}).get("mystnb", {})
        if mystnb.get("figure", {}).get("name") == figure_name:
            return mystnb["image"]["alt"]
    raise KeyError(figure_name)


def test_the_running_example_is_the_books():
    assert np.array_equal(kl.P, P) and np.array_equal(kl.Q, Q) and tuple(kl.VOCAB) == VOCAB


# ================================================================ chapter 3: the basics

def test_divergence_bits_and_gap(g3):
    d = kl_div(P, Q)
    assert same(g3["kld_nats"], d)
    assert same(g3["kld_bits"], d / math.log(2))
    ce, h = -np.sum(P * np.log(Q)), -np.sum(P * np.log(P))
    assert same(g3["kld_ce"], ce) and same(g3["kld_h"], h) and ce - h == pytest.approx(d, abs=1e-15)


def test_terms_cat_largest_on_negative(g3):
    terms = P * np.log(P / Q)
    assert same(g3["kld_term_cat"], terms[CAT]) and same(g3["kld_term_on"], terms[ON])
    assert terms[ON] < 0 and terms[MAT] < 0 and int(np.argmax(terms)) == CAT
    assert terms[CAT] == pytest.approx(0.4 * math.log(2), abs=1e-15)


def test_uniform_bonus_h_at_most_log_k():
    u = np.full(5, 0.2)
    assert kl_div(P, u) == pytest.approx(math.log(5) + np.sum(P * np.log(P)), abs=1e-14)
    rng = np.random.default_rng(0)
    for p in rng.dirichlet(np.ones(5), size=1000):
        assert -np.sum(p * np.log(p)) <= math.log(5) + 1e-12


# ================================================================ chapter 3: 0 log 0 = 0

def test_x_log_x_tends_to_zero_as_the_chapter_proves():
    # The bound of the proof: with x = e^{-t}, |x log x| = t e^{-t} < 2 / t for t > 0.
    t = np.linspace(0.01, 700, 100_000)
    assert np.all(t * np.exp(-t) < 2 / t)
    assert np.all(np.exp(t) > t ** 2 / 2)
    # And numerically, x log x shrinks towards 0 (monotonically below 1/e).
    x = np.logspace(-1, -300, 300)
    values = np.abs(x * np.log(x))
    assert np.all(np.diff(values) < 0)
    assert values[-1] < 1e-297 and abs(1e-16 * math.log(1e-16)) < 4e-15


def test_the_convention_makes_the_divergence_continuous_in_p():
    q = Q
    p0 = np.array([0.45, 0.30, 0.10, 0.15, 0.0])  # the data never say mat
    assert kl.kl_contributions(p0, q)[MAT] == 0.0
    for eps in [1e-3, 1e-6, 1e-9, 1e-12]:
        p = (1 - eps) * p0 + eps * np.eye(5)[MAT]
        assert abs(kl_div(p, q) - kl_div(p0, q)) < 20 * eps * (1 + abs(math.log(eps)))
    assert abs(kl.kl_divergence(p0, q) - kl_div(p0, q)) < 1e-14


def test_the_waste_on_a_token_the_data_never_produce_shows_up_elsewhere(g3):
    p_no_mat = np.array([0.40, 0.30, 0.10, 0.20, 0.00])
    no_waste = with_share(Q, MAT, 0.0)
    assert rel_entr(p_no_mat, Q)[MAT] == 0 and rel_entr(p_no_mat, no_waste)[MAT] == 0
    assert np.all(rel_entr(p_no_mat, Q)[:4] > rel_entr(p_no_mat, no_waste)[:4])  # terms larger
    assert same(g3["kld_nomat_q"], kl_div(p_no_mat, Q))
    assert same(g3["kld_nomat_nowaste"], kl_div(p_no_mat, no_waste))
    assert kl_div(p_no_mat, Q) > kl_div(p_no_mat, no_waste)
    assert same(g3["kld_q_mat"], Q[MAT]) and same(g3["kld_p_mat"], P[MAT])


def test_finite_exactly_when_p_is_absolutely_continuous_wrt_q():
    rng = np.random.default_rng(1)
    for _ in range(2000):
        p, q = rng.dirichlet(np.ones(6), size=2)
        p[rng.random(6) < 0.3] = 0
        q[rng.random(6) < 0.3] = 0
        if p.sum() == 0 or q.sum() == 0:
            continue
        p, q = p / p.sum(), q / q.sum()
        absolutely_continuous = bool(np.all(q[p > 0] > 0))
        assert math.isfinite(kl_div(p, q)) == absolutely_continuous
        assert math.isfinite(kl.kl_divergence(p, q)) == absolutely_continuous
    assert kl_div(P, with_share(Q, MAT, 0.0)) == math.inf


# ================================================================ chapter 3: the focus curve

def test_the_exact_formula_for_d_of_s():
    rest = np.delete(P, MAT)
    r = np.delete(Q, MAT) / np.delete(Q, MAT).sum()
    c = P[MAT] * math.log(P[MAT]) + np.sum(rest * np.log(rest / r))
    for s in np.concatenate([np.logspace(-300, -1, 200), np.linspace(0.01, 0.99, 99)]):
        formula = P[MAT] * math.log(1 / s) - (1 - P[MAT]) * math.log1p(-s) + c
        assert D_mat(s) == pytest.approx(formula, rel=1e-12, abs=1e-13)
        assert kl.kl_divergence(kl.P, kl.with_share(kl.Q, MAT, s)) == pytest.approx(formula, rel=1e-12, abs=1e-13)


def test_the_minimum_is_at_exactly_q_mat_equal_p_mat(g3):
    found = minimize_scalar(D_mat, bounds=(1e-6, 0.5), method="bounded", options={"xatol": 1e-12})
    assert found.x == pytest.approx(P[MAT], abs=1e-6)
    assert same(g3["kld_focus_min"], D_mat(P[MAT]))
    # the slope (s - p) / (s (1 - s)): negative below p(mat), positive above
    for s in [1e-6, 0.01, 0.049]:
        assert D_mat(s) > D_mat(P[MAT]) and (D_mat(s + 1e-9) - D_mat(s)) < 0
    for s in [0.051, 0.1, 0.3]:
        assert D_mat(s) > D_mat(P[MAT]) and (D_mat(s + 1e-9) - D_mat(s)) > 0


def test_the_minimum_sits_at_p_k_whatever_the_other_tokens():
    rng = np.random.default_rng(2)
    for _ in range(50):
        p, q = rng.dirichlet(np.ones(5), size=2)
        k = int(rng.integers(5))
        found = minimize_scalar(lambda s: kl_div(p, with_share(q, k, s)), bounds=(1e-9, 1 - 1e-9),
                                method="bounded", options={"xatol": 1e-12})
        assert found.x == pytest.approx(p[k], abs=1e-5)


def test_it_first_falls_from_the_models_value(g3):
    """The old text said the divergence 'climbs faster and faster' as q(mat) goes to 0: it falls first."""
    assert D_mat(Q[MAT]) == pytest.approx(kl_div(P, Q), abs=1e-15)
    assert D_mat(P[MAT]) < D_mat(0.075) < D_mat(Q[MAT])
    assert round(D_mat(Q[MAT]), 4) == 0.1874 and round(D_mat(P[MAT]), 4) == 0.1707


def test_then_a_straight_line_of_slope_p_mat_on_a_log_axis(g3):
    rest = np.delete(P, MAT)
    r = np.delete(Q, MAT) / np.delete(Q, MAT).sum()
    c = P[MAT] * math.log(P[MAT]) + np.sum(rest * np.log(rest / r))
    assert same(g3["kld_focus_c"], c) and round(c, 4) == -0.0278
    assert same(g3["kld_focus_decade"], P[MAT] * math.log(10))
    # the gap to the line is the middle term, between 0 and (1 - p) s / (1 - s), so it vanishes
    for s in np.logspace(-12, -2, 11):
        gap = D_mat(s) - (P[MAT] * math.log(1 / s) + c)
        assert -1e-13 <= gap <= (1 - P[MAT]) * s / (1 - s) + 1e-13
    # the rise per factor e tends to p(mat), per factor 10 to p(mat) ln 10, from below
    rises = [D_mat(s) - D_mat(10 * s) for s in np.logspace(-12, -2, 11)]
    assert np.all(np.diff(rises) < 0)  # the closer to 0, the closer to the line's slope
    assert rises[0] == pytest.approx(P[MAT] * math.log(10), abs=1e-9)
    assert D_mat(1e-10 / math.e) - D_mat(1e-10) == pytest.approx(P[MAT], abs=1e-9)
    # unbounded, but slowly
    assert same(g3["kld_focus_1e8"], D_mat(1e-8)) and same(g3["kld_focus_1e16"], D_mat(1e-16))
    assert D_mat(1e-16) < 2 and D_mat(1e-300) > 30


def test_infinite_at_exactly_zero_and_finite_before():
    assert D_mat(0.0) == math.inf and kl.kl_divergence(kl.P, kl.with_share(kl.Q, MAT, 0.0)) == math.inf
    assert math.isfinite(D_mat(5e-324)) and math.isfinite(kl.kl_divergence(kl.P, kl.with_share(kl.Q, MAT, 5e-324)))


def test_the_weight_sliders_last_step_before_zero(g3):
    weights = Q.copy()
    weights[MAT] = 0.01
    q = weights / weights.sum()
    assert same(g3["kld_slider_q"], q[MAT]) and same(g3["kld_slider_d"], kl_div(P, q))
    assert kl_div(P, q) < 0.21
    weights[MAT] = 0.0
    assert kl_div(P, weights / weights.sum()) == math.inf


# ================================================================ chapter 3: softmax underflow

def test_softmax_underflows_and_log_softmax_does_not(g3):
    assert np.exp(-745.0) > 0 and np.exp(-746.0) == 0 and g3["kld_underflow64"] == 746
    assert np.exp(np.float32(-103)) > 0 and np.exp(np.float32(-104)) == 0 and g3["kld_underflow32"] == 104
    assert np.all(np.exp(-np.linspace(746, 1e5, 10_001)) == 0)  # "for every x >= 746"
    assert np.all(np.exp(-np.linspace(104, 1e4, 10_001, dtype=np.float32)) == 0)
    assert kl.softmax([0.0, -800.0])[1] == 0.0
    assert kl.log_softmax([0.0, -800.0])[1] == -800.0
    assert same(g3["kld_cost_1e8"], 8 * math.log(10))


def test_chapter_3_shows_no_reverse_direction_before_chapter_4():
    """Only the exercise kl-ce-minus-h (about the identity H(Q,P) = H(Q) + D(Q||P)) may compute D(Q||P)."""
    reverse = re.compile(r"kl_(divergence|contributions)\(\s*kl\.Q\s*,|kl_qp|D_\{\\mathrm\{KL\}\}\(Q")
    inside_exercise = False
    for cell in cells(CH3):
        text = "".join(cell["source"])
        if ":label: kl-ce-minus-h" in text or "{solution-start} kl-ce-minus-h" in text:
            inside_exercise = True
        elif re.search(r":label: |\{solution-start\}", text):
            inside_exercise = False
        if not inside_exercise:
            assert not reverse.search(text), text[:200]
        if cell["cell_type"] == "code" and "kl.explore(" in text:
            call = re.search(r"kl\.explore\((.*)\)", text).group(1)
            assert "show=" in call and "kl_qp" not in call and 'focus="mat"' in call


# ================================================================ chapter 4: two directions

def test_two_directions_two_numbers(g4):
    forward, reverse = kl_div(P, Q), kl_div(Q, P)
    assert same(g4["asym_pq"], forward) and same(g4["asym_qp"], reverse)
    assert same(g4["asym_diff"], reverse - forward) and reverse > forward
    assert same(g4["asym_pq_bits"], forward / math.log(2)) and same(g4["asym_qp_bits"], reverse / math.log(2))


def test_not_a_distance_the_triangle_inequality_fails_too():
    rng = np.random.default_rng(3)
    broken = 0
    for a, b, c in rng.dirichlet(np.ones(3), size=(2000, 3)):
        broken += kl_div(a, c) > kl_div(a, b) + kl_div(b, c) + 1e-12
    assert broken > 0


def test_why_they_differ_usual_terms(g4):
    fwd, rev = P * np.log(P / Q), Q * np.log(Q / P)
    for token, k in (("cat", CAT), ("on", ON)):
        assert same(g4[f"asym_pq_{token}"], fwd[k]) and same(g4[f"asym_qp_{token}"], rev[k])
        assert same(g4[f"asym_p_{token}"], P[k]) and same(g4[f"asym_q_{token}"], Q[k])
    assert int(np.argmax(fwd)) == CAT and int(np.argmax(rev)) == ON  # "its largest term"
    assert fwd[ON] < 0 and rev[CAT] < 0
    assert fwd[CAT] == pytest.approx(0.4 * math.log(2)) and rev[ON] == pytest.approx(0.3 * math.log(3))
    assert same(g4["asym_ratio_on"], 3.0) and same(g4["asym_ratio_cat"], 0.5)


# ================================================================ chapter 4: splits

def test_adding_c_times_p_minus_q_leaves_the_sum_unchanged():
    rng = np.random.default_rng(4)
    for p, q in rng.dirichlet(np.ones(7), size=(200, 2)):
        for c in [-3.0, -1.0, 0.5, 10.0]:
            assert np.sum(p * np.log(p / q) + c * (p - q)) == pytest.approx(kl_div(p, q), abs=1e-12)
            assert np.sum(q * np.log(q / p) + c * (q - p)) == pytest.approx(kl_div(q, p), abs=1e-12)
    # and the split can be made to put any token first: per-token "blame" is not a fact
    leaders = {int(np.argmax(P * np.log(P / Q) + c * (P - Q))) for c in np.linspace(-5, 5, 101)}
    assert {CAT, ON} <= leaders


def test_the_non_negative_split_is_non_negative_and_zero_only_at_p_equal_q():
    rng = np.random.default_rng(5)
    for p, q in rng.dirichlet(np.ones(7), size=(500, 2)):
        assert np.all(rel_entr(p, q) - p + q >= -1e-15)
    p = np.array([0.0, 0.5, 0.5])
    q = np.array([0.2, 0.4, 0.4])
    assert (rel_entr(p, q) - p + q)[0] == pytest.approx(0.2)  # p_k = 0: the term is q_k
    assert np.all((rel_entr(P, Q) - P + Q)[P != Q] > 0) and (rel_entr(P, Q) - P + Q)[THE] == 0


def test_on_leads_both_directions_under_the_non_negative_split(g4):
    plus_pq = P * np.log(P / Q) - P + Q
    plus_qp = Q * np.log(Q / P) - Q + P
    assert plus_pq.sum() == pytest.approx(kl_div(P, Q), abs=1e-15)
    assert plus_qp.sum() == pytest.approx(kl_div(Q, P), abs=1e-15)
    assert int(np.argmax(plus_pq)) == ON and int(np.argmax(plus_qp)) == ON
    assert plus_pq[ON] > plus_pq[CAT]  # "ahead of cat's"
    for token, k in (("cat", CAT), ("on", ON)):
        assert same(g4[f"asym_nn_pq_{token}"], plus_pq[k]) and same(g4[f"asym_nn_qp_{token}"], plus_qp[k])


def test_the_steepest_transfer_is_from_on_to_cat_in_both_directions(g4):
    delta = 1e-7

    def rates(divergence):
        out = {}
        for j in range(5):
            for k in range(5):
                if j != k:
                    q = Q.copy()
                    q[j] -= delta
                    q[k] += delta
                    out[(j, k)] = (divergence(q) - divergence(Q)) / delta
        return out

    forward, reverse = rates(lambda q: kl_div(P, q)), rates(lambda q: kl_div(q, P))
    assert min(forward, key=forward.get) == (ON, CAT) == min(reverse, key=reverse.get)
    assert -forward[(ON, CAT)] == pytest.approx(2 - 1 / 3, rel=1e-5)
    assert -reverse[(ON, CAT)] == pytest.approx(math.log(6), rel=1e-5)
    assert same(g4["asym_rate_pq"], 5 / 3) and same(g4["asym_rate_qp"], math.log(6))
    assert same(g4["asym_pq_ratio_on"], 1 / 3) and same(g4["asym_pq_ratio_cat"], 2.0)


def test_the_steepest_transfer_is_the_same_for_any_p_and_q():
    rng = np.random.default_rng(6)
    for p, q in rng.dirichlet(np.ones(6), size=(300, 2)):
        grad_fwd, grad_rev = -p / q, np.log(q / p) + 1
        best_fwd = np.unravel_index(np.argmin(grad_fwd[None, :] - grad_fwd[:, None]), (6, 6))
        best_rev = np.unravel_index(np.argmin(grad_rev[None, :] - grad_rev[:, None]), (6, 6))
        assert best_fwd == best_rev == (np.argmin(p / q), np.argmax(p / q))


# ================================================================ chapter 4: which is larger

def test_the_difference_identity_and_its_signs(g4):
    rng = np.random.default_rng(7)
    for p, q in rng.dirichlet(np.ones(6), size=(300, 2)):
        assert np.sum((p + q) * np.log(q / p)) == pytest.approx(kl_div(q, p) - kl_div(p, q), abs=1e-12)
        pieces = (p + q) * np.log(q / p)
        assert np.all(np.sign(pieces) == np.sign(q - p))
    pieces = (P + Q) * np.log(Q / P)
    plus = (Q * np.log(Q / P) - Q + P) - (P * np.log(P / Q) - P + Q)
    assert np.allclose(plus, pieces + 2 * (P - Q))  # "differ by 2(p_k - q_k)"
    assert np.all(np.sign(plus) == np.sign(pieces))  # "with the same signs here"
    for token, k in (("cat", CAT), ("sat", SAT), ("on", ON), ("mat", MAT)):
        assert same(g4[f"asym_piece_{token}"], pieces[k])
    over, under = pieces[Q > P].sum(), pieces[Q < P].sum()
    assert over + under == pytest.approx(kl_div(Q, P) - kl_div(P, Q)) and over > -under
    # the hand computation of the asym-predict solution
    assert pieces[ON] == pytest.approx(0.4 * math.log(3)) and pieces[CAT] == pytest.approx(0.6 * math.log(0.5))
    assert pieces[MAT] == pytest.approx(0.15 * math.log(2)) and pieces[SAT] == pytest.approx(0.55 * math.log(5 / 6))
    # "swap P and Q and the verdict flips"
    assert (kl_div(P, Q) > kl_div(Q, P)) != (kl_div(Q, P) > kl_div(P, Q))


def test_the_ratio_heuristic_is_no_rule(g4):
    p, q = np.array([0.5, 0.499, 0.001]), np.array([0.25, 0.747, 0.003])
    assert (q / p).max() == pytest.approx(3) and (q / p).min() == pytest.approx(0.5)
    assert kl_div(p, q) > kl_div(q, p)
    assert same(g4["asym_other_pq"], kl_div(p, q)) and same(g4["asym_other_qp"], kl_div(q, p))


# ================================================================ chapter 4: zeros

def test_ignoring_a_token_is_finite_but_not_free(g4):
    q_prime = with_share(Q, MAT, 0.0)
    assert kl_div(P, q_prime) == math.inf
    assert same(g4["asym_zero_rev"], kl_div(q_prime, P))
    assert kl_div(q_prime, P) > kl_div(Q, P)  # the old text: "may safely ignore"
    assert round(kl_div(q_prime, P), 4) == 0.2669 and round(kl_div(Q, P), 4) == 0.2147
    assert same(g4["asym_q_mat"], Q[MAT])


def test_the_price_of_leaving_out_part_of_p(g4):
    rng = np.random.default_rng(8)
    for _ in range(300):
        p = rng.dirichlet(np.ones(6))
        q = rng.dirichlet(np.ones(6))
        q[rng.random(6) < 0.4] = 0
        if q.sum() == 0:
            continue
        q /= q.sum()
        kept = q > 0
        share = p[kept].sum()
        law = kl_div(q[kept], p[kept] / share) - math.log(share)
        assert kl_div(q, p) == pytest.approx(law, abs=1e-12) and kl_div(q, p) >= -math.log(share) - 1e-12
    q_prime = with_share(Q, MAT, 0.0)
    kept = q_prime > 0
    assert same(g4["asym_share_kept"], P[kept].sum()) and same(g4["asym_ignore_cost"], -math.log(0.95))
    assert same(g4["asym_zero_within"], kl_div(q_prime[kept], P[kept] / P[kept].sum()))


# ================================================================ chapter 4: "Try these"

def test_pull_on_down_to_the_datas_value(g4):
    dragged = with_share(Q, ON, P[ON])
    fall_fwd = kl_div(P, Q) - kl_div(P, dragged)
    fall_rev = kl_div(Q, P) - kl_div(dragged, P)
    assert fall_fwd > 0 and fall_rev > fall_fwd  # both fall, the reverse further
    assert same(g4["asym_on_pq"], kl_div(P, dragged)) and same(g4["asym_on_qp"], kl_div(dragged, P))
    gap = kl_div(dragged, P) - kl_div(P, dragged)
    assert same(g4["asym_on_gap"], gap) and gap < kl_div(Q, P) - kl_div(P, Q)
    # the weight slider's nearest step, 0.08
    weights = Q.copy()
    weights[ON] = 0.08
    slid = weights / weights.sum()
    assert same(g4["asym_on_weight"], 0.08) and same(g4["asym_on_weight_q"], slid[ON])
    diff = max(abs(kl_div(P, slid) - kl_div(P, dragged)), abs(kl_div(slid, P) - kl_div(dragged, P)))
    assert same(g4["asym_on_weight_diff"], diff) and diff < 0.0003
    assert kl_div(Q, P) - kl_div(slid, P) > kl_div(P, Q) - kl_div(P, slid) > 0
    # where each direction is lowest along the path
    fwd = minimize_scalar(lambda s: kl_div(P, with_share(Q, ON, s)), bounds=(0.01, 0.5), method="bounded",
                          options={"xatol": 1e-10})
    rev = minimize_scalar(lambda s: kl_div(with_share(Q, ON, s), P), bounds=(0.01, 0.5), method="bounded",
                          options={"xatol": 1e-10})
    assert fwd.x == pytest.approx(P[ON], abs=1e-6)
    assert P[ON] < rev.x < Q[ON] and g4["asym_on_rev_argmin"] == pytest.approx(rev.x, abs=2e-5)


def test_push_mat_to_zero(g4):
    weights = Q.copy()
    weights[MAT] = 0.01
    q = weights / weights.sum()
    assert same(g4["asym_mat_slider_q"], q[MAT]) and same(g4["asym_mat_slider_pq"], kl_div(P, q))
    for w in np.linspace(0.1, 0.0, 11):  # every weight-slider step from the start down to 0
        weights[MAT] = w
        q = weights / weights.sum()
        assert math.isfinite(kl_div(q, P))
        assert math.isfinite(kl_div(P, q)) == (w > 0)
    assert kl_div(q, P) == pytest.approx(kl_div(with_share(Q, MAT, 0.0), P))


def test_make_q_equal_p_both_zero_and_only_there():
    assert kl_div(P, P) == 0 and kl.kl_divergence(kl.P, kl.P) == 0
    rng = np.random.default_rng(9)
    for q in rng.dirichlet(np.ones(5), size=2000):
        assert kl_div(P, q) > 0 and kl_div(q, P) > 0


def test_chapter_4_explores_both_directions():
    calls = [re.search(r"kl\.explore\((.*)\)", "".join(c["source"])).group(1)
             for c in cells(CH4) if c["cell_type"] == "code" and "kl.explore(" in "".join(c["source"])]
    assert calls and all('"kl_pq"' in call and '"kl_qp"' in call for call in calls)


# ================================================================ alt texts tell the truth

def test_alt_text_numbers_match_the_figures():
    fwd, rev = P * np.log(P / Q), Q * np.log(Q / P)
    nn_fwd, nn_rev = fwd - P + Q, rev - Q + P
    expected = {
        (CH3, "fig-kld-terms"): [*fwd.round(3), round(kl_div(P, Q), 3)],
        (CH4, "fig-asym-directions"): [round(kl_div(P, Q), 4), *fwd.round(3), round(kl_div(Q, P), 4), *rev.round(3)],
        (CH4, "fig-asym-splits"): [*fwd.round(3), *nn_fwd.round(3), *rev.round(3), *nn_rev.round(3)],
        (CH3, "fig-kld-mat-to-zero"): [1e-16, 0.5, 0.10, round(D_mat(Q[MAT]), 3), 0.05, round(D_mat(P[MAT]), 3),
                                       round(D_mat(1e-16), 2), 1e-16],
    }
    for (notebook, name), values in expected.items():
        text = alt_text(notebook, name)
        numbers = [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?(?:e-\d+)?", text)
                   if not re.fullmatch(r"\d", x) or x == "0"]
        assert numbers == pytest.approx([v + 0.0 for v in values], abs=1e-12), (name, numbers, values)


# -- the transfer exercises of chapters 3 and 4 (per-student variants) ------------------------

STUDENTS = [f"s{n:04d}" for n in range(200)]
RNG = np.random.default_rng(20261129)


@pytest.fixture
def each_student():
    """Run the body once per student id; the website's default is restored afterwards."""
    yield STUDENTS
    kl.student(kl.exercises.DEFAULT_STUDENT)


def _variant_of(student, name):
    kl.student(student)
    p, q = kl.variant(name)
    return np.asarray(p, float), np.asarray(q, float)


def _random_pairs(count, size, zeros_in=None):
    """Random (p, q) pairs from a Dirichlet, with one zero in p or q if asked."""
    for _ in range(count):
        p, q = RNG.dirichlet(np.ones(size)), RNG.dirichlet(np.ones(size))
        if zeros_in is not None:
            z = RNG.integers(size)
            target = p if zeros_in == "p" else q
            target[z] = 0.0
            target /= target.sum()
        yield p, q


def test_the_transfer_variants_are_distributions_the_chapters_never_showed(each_student):
    for name in ("kld-transfer-negative", "kld-transfer-waste", "asym-transfer-larger",
                 "asym-transfer-zero"):
        seen = set()
        for student in each_student:
            p, q = _variant_of(student, name)
            for d in (p, q):
                assert d.sum() == pytest.approx(1, abs=1e-12) and d.min() >= 0
                assert np.allclose(d * 100, np.round(d * 100))        # two decimals: typable
            assert not (np.array_equal(p, P) or np.array_equal(q, Q))
            seen.add((tuple(p), tuple(q)))
        assert len(seen) >= 0.95 * len(each_student), name          # students differ


def test_kld_transfer_negative_a_different_pair_has_a_negative_term_never_a_negative_total():
    """Solution: 'a pair of different distributions always has a negative term ... the
    negative terms never outweigh the positive ones'."""
    for p, q in _random_pairs(2000, 4):
        terms = rel_entr(p, q)
        assert (terms < 0).any() and terms.sum() >= 0
        assert np.array_equal(terms < 0, q > p)         # negative exactly where q_k > p_k


def test_kld_transfer_negative_the_check_on_every_variant(each_student):
    for student in each_student[:40]:
        p, q = _variant_of(student, "kld-transfer-negative")
        assert np.abs(p - q).max() >= 0.05
        terms = rel_entr(p, q)
        assert kl.check("kld-transfer-negative", float(terms[terms < 0].sum())).correct
        assert not kl.check("kld-transfer-negative", float(terms.sum())).correct


def test_kld_transfer_waste_the_wasteful_model_is_larger_by_minus_log_one_minus_q_z():
    """Solution: 'larger, for every such pair, by exactly -log(1 - q_z)'."""
    for p, q in _random_pairs(2000, 5, zeros_in="p"):
        z = int(np.flatnonzero(p == 0)[0])
        gap = kl_div(p, q) - kl_div(p, with_share(q, z, 0.0))
        assert gap > 0 and gap == pytest.approx(-math.log1p(-q[z]), rel=1e-9, abs=1e-13)


def test_kld_transfer_waste_the_check_on_every_variant(each_student):
    for student in each_student[:40]:
        p, q = _variant_of(student, "kld-transfer-waste")
        assert (p == 0).sum() == 1 and (q > 0).all()
        z = int(np.flatnonzero(p == 0)[0])
        assert kl.check("kld-transfer-waste", -math.log(1 - q[z])).correct
        assert not kl.check("kld-transfer-waste", math.log(1 - q[z])).correct


def test_asym_transfer_larger_the_pieces_add_up_and_the_variants_differ(each_student):
    """Solution: 'The difference ... is exactly the sum of the pieces, and each piece has the
    sign of q_k - p_k'; the variants' two directions differ by at least 0.01 nats."""
    for p, q in _random_pairs(2000, 4):
        pieces = (p + q) * np.log(q / p)
        assert pieces.sum() == pytest.approx(kl_div(q, p) - kl_div(p, q), abs=1e-12)
        assert np.array_equal(np.sign(pieces), np.sign(q - p))
    for student in each_student[:40]:
        p, q = _variant_of(student, "asym-transfer-larger")
        gap = abs(kl_div(p, q) - kl_div(q, p))
        assert gap >= 0.01
        assert kl.check("asym-transfer-larger", gap).correct
        assert not kl.check("asym-transfer-larger", -gap).correct


def test_asym_transfer_zero_the_chain_rule_and_its_bound():
    """Solution: D(Q'||P') = D(Q'||P'_A) - log P'(A) >= -log P'(A); D(P'||Q') infinite."""
    for p, q in _random_pairs(2000, 5, zeros_in="q"):
        p = 0.9 * p + 0.1 / 5                        # P' gives every outcome some probability
        kept = q > 0
        share = p[kept].sum()
        within = kl_div(q[kept], p[kept] / share)
        assert kl_div(q, p) == pytest.approx(within - math.log(share), rel=1e-9)
        assert kl_div(q, p) >= -math.log(share) - 1e-15
        assert math.isinf(kl_div(p, q))


def test_asym_transfer_zero_the_check_on_every_variant(each_student):
    for student in each_student[:40]:
        p, q = _variant_of(student, "asym-transfer-zero")
        assert (q == 0).sum() == 1 and (p > 0).all()
        kept = q > 0
        within = kl_div(q[kept], p[kept] / p[kept].sum())
        assert kl.check("asym-transfer-zero", within).correct
        assert not kl.check("asym-transfer-zero", kl_div(q, p)).correct


@pytest.mark.parametrize("notebook", [CH3, CH4], ids=lambda p: p.stem)
def test_the_transfer_solutions_run_for_any_student(notebook, each_student):
    """The solution cells compute from kl.variant, so they pass the check for every student."""
    codes = ["".join(c["source"]) for c in cells(notebook)
             if c["cell_type"] == "code" and "solution" in c["metadata"].get("tags", [])
             and "kl.variant(" in "".join(c["source"])]
    assert len(codes) == 2
    for student in each_student[:8]:
        for code in codes:
            kl.student(student)
            name = re.search(r'kl\.check\("([^"]+)", answer\)', code)[1]
            scope = {"np": np, "kl": kl}
            exec(code.replace(f'kl.check("{name}", answer)', f'feedback = kl.check("{name}", answer)'),
                 scope)
            assert scope["feedback"].correct, (notebook.stem, student, name)
