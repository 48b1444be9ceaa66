"""Chapter 6 (Properties of KL divergence): every claim in the prose, recomputed.

Each test reads what the chapter stored (its glued values, its printed output, its prose and
figure text) and recomputes the claim from first principles with numpy and scipy, not with
klhelpers, asserting the condition the sentence states. Only the running example's data (kl.P,
kl.Q) come from klhelpers.
"""

import ast
import json
import math
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, special

import klhelpers as kl

NOTEBOOK = Path(__file__).resolve().parents[1] / "book" / "06-properties.ipynb"
P, Q = np.asarray(kl.P, dtype=float), np.asarray(kl.Q, dtype=float)
K = P.size
CAT, SAT, ON, THE, MAT = range(5)
Q_NO_MAT = np.array([0.20, 0.25, 0.30, 0.15, 0.0]) / 0.90


def kl_div(p, q):
    """D(p || q) in nats, from scipy's elementwise p log(p / q) (0 where p = 0, inf where q = 0 < p)."""
    return float(np.sum(special.rel_entr(np.asarray(p, float), np.asarray(q, float))))


def cross_entropy(p, q):
    """H(p, q) in nats: -sum p log q, with 0 log 0 = 0."""
    return float(-np.sum(special.xlogy(np.asarray(p, float), np.asarray(q, float))))


def smooth(q, eps):
    q = np.asarray(q, float)
    return (1 - eps) * q + eps / q.size


# ---------------------------------------------------------------- what the chapter stored

@pytest.fixture(scope="module")
def cells():
    return json.loads(NOTEBOOK.read_text())["cells"]


@pytest.fixture(scope="module")
def glued(cells):
    values = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                values[record["name"]] = ast.literal_eval(output["data"][record["mime_prefix"] + "text/plain"])
    return values


@pytest.fixture(scope="module")
def prose(cells):
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


@pytest.fixture(scope="module")
def printed(cells):
    return "".join("".join(o["text"]) for c in cells for o in c.get("outputs", [])
                   if o.get("output_type") == "stream")


def quoted(prose, name):
    return re.search(r"\{glue:text\}`" + name + r"[:`]", prose) is not None


def figure(cells, name):
    (meta,) = [c["metadata"]["mystnb"] for c in cells
               if c["metadata"].get("mystnb", {}).get("figure", {}).get("name") == name]
    return meta["figure"]["caption"], meta["image"]["alt"]


def check(glued, prose, name, expected, rel=1e-8, abs_=0.0, in_prose=True):
    """The glued value `name` equals `expected` (to glue's 10 digits) and, if in_prose, the prose quotes it."""
    assert name in glued, f"the chapter no longer glues {name}"
    assert glued[name] == pytest.approx(expected, rel=rel, abs=abs_), name
    if in_prose:
        assert quoted(prose, name), f"the prose no longer quotes {name}"


# ---------------------------------------------------------------- never negative

def test_negative_terms_are_where_q_exceeds_p_and_the_total_is_positive(glued, prose):
    terms = special.rel_entr(P, Q)
    assert np.array_equal(terms < 0, Q > P)              # "negative wherever Q gives more than P"
    check(glued, prose, "prop_on_term", 0.1 * math.log(0.1 / 0.3))
    assert glued["prop_on_term"] < 0
    check(glued, prose, "prop_pq", terms.sum())
    assert terms.sum() > 0
    check(glued, prose, "prop_qp", kl_div(Q, P))
    assert glued["prop_qp"] != pytest.approx(glued["prop_pq"])   # asymmetric


def test_jensen_is_stated_before_gibbs_with_cover_thomas_numbers(prose):
    jensen = prose.index("{prf:theorem} Jensen's inequality")
    gibbs = prose.index("{prf:theorem} Gibbs' inequality")
    assert jensen < gibbs < prose.index("{prf:proof}")
    assert re.search(r"convex functions.{0,120}Theorem 2\.6\.2", prose, re.S)
    assert re.search(r"information inequality\*? \(their Theorem 2\.6\.3\)", prose)
    statement = prose[jensen:gibbs]
    assert "concave" in statement and "strictly concave" in statement and "equal" in statement


def test_jensen_as_stated_holds_with_its_equality_case():
    rng = np.random.default_rng(0)
    for _ in range(1000):
        w = rng.dirichlet(np.ones(5))
        a = rng.uniform(0.01, 10, size=5)
        assert np.sum(w * np.log(a)) <= np.log(np.sum(w * a)) + 1e-15
    w = rng.dirichlet(np.ones(5))
    assert np.sum(w * np.log(np.full(5, 3.0))) == pytest.approx(np.log(np.sum(w * 3.0)))
    # log is strictly concave: its second derivative -1/a^2 is negative
    a = np.linspace(0.1, 10, 50)
    h = 1e-4
    assert np.all((np.log(a + h) - 2 * np.log(a) + np.log(a - h)) / h**2 < 0)


def test_random_pairs_never_give_a_negative_divergence(glued, prose, cells):
    rng = np.random.default_rng(5)
    n = 10_000
    a = rng.dirichlet(np.ones(5), size=n)
    b = rng.dirichlet(np.ones(5), size=n)
    d = np.sum(special.rel_entr(a, b), axis=1)
    check(glued, prose, "prop_n_pairs", n)
    check(glued, prose, "prop_min_random", d.min())
    assert d.min() > 0
    check(glued, prose, "prop_pp", 0.0, abs_=0.0)
    assert kl_div(P, P) == 0.0
    # "random" means uniform on the simplex, a Dirichlet(1, ..., 1) draw: what the code does
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert code.count("rng.dirichlet(np.ones(5), size=") == 3
    assert prose.count("Dirichlet(1, 1, 1, 1, 1)") >= 2 and "uniformly from all distributions" in prose


# ---------------------------------------------------------------- not a distance

def test_every_printed_distribution_sums_to_one_as_printed(printed):
    vectors = re.findall(r"(\w+) = \[([-0-9.e \n]+)\]", printed)
    names = {name for name, _ in vectors}
    assert {"A", "B", "C", "Q_no_mat", "target"} <= names
    for name, numbers in vectors:
        total = sum(Decimal(x if x[-1].isdigit() else x + "0") for x in numbers.split())
        assert total == 1, f"{name} = [{numbers}] sums to {total} as printed"


def test_the_hand_checkable_triple_breaks_the_triangle_inequality(glued, prose, printed):
    line = re.search(r"A = \[([^\]]*)\]\s+B = \[([^\]]*)\]\s+C = \[([^\]]*)\]", printed)
    a, b, c = (np.array([float(x) for x in group.split()]) for group in line.groups())
    assert np.array_equal(a, [0.9, 0.1]) and np.array_equal(b, [0.5, 0.5]) and np.array_equal(c, [0.1, 0.9])
    ln9, ln5 = math.log(9), math.log(5)
    # the hand computation in the prose, line by line
    assert kl_div(a, c) == pytest.approx(0.9 * ln9 + 0.1 * math.log(1 / 9)) == pytest.approx(0.8 * ln9)
    assert kl_div(a, b) == pytest.approx(0.9 * math.log(1.8) + 0.1 * math.log(0.2)) == pytest.approx(0.9 * ln9 - ln5)
    assert kl_div(b, c) == pytest.approx(0.5 * ln5 + 0.5 * math.log(5 / 9)) == pytest.approx(ln5 - 0.5 * ln9)
    direct, detour = kl_div(a, c), kl_div(a, b) + kl_div(b, c)
    check(glued, prose, "prop_tri_direct", 0.8 * ln9)
    check(glued, prose, "prop_tri_detour", 0.4 * ln9)
    assert direct > detour                               # the triangle inequality fails
    assert detour / direct == pytest.approx(0.5, rel=1e-12)   # "exactly half"


def test_random_triples_break_it_often(glued, prose):
    rng = np.random.default_rng(2026)
    n = 20_000
    a, b, c = (rng.dirichlet(np.ones(5), size=n) for _ in range(3))
    div = lambda x, y: np.sum(special.rel_entr(x, y), axis=1)
    broken = div(a, c) > div(a, b) + div(b, c)
    check(glued, prose, "prop_n_triples", n)
    check(glued, prose, "prop_n_broken", int(broken.sum()))
    check(glued, prose, "prop_share_broken", broken.mean())
    assert broken.mean() > 0.10                          # "not rare"


def test_near_p_the_divergence_is_half_the_chi_square_times_t_squared(glued, prose):
    chi2 = float(np.sum((Q - P) ** 2 / P))
    assert np.all(P > 0)                                 # the expansion's condition holds here
    assert np.sum(Q - P) == pytest.approx(0, abs=1e-15)  # no first-order term
    check(glued, prose, "prop_chi2", chi2)
    cost = lambda t: kl_div(P, P + t * (Q - P))
    ratio = lambda t: cost(t) / (t**2 * chi2 / 2)
    check(glued, prose, "prop_chi_ratio_1", ratio(1.0))
    check(glued, prose, "prop_chi_ratio_01", ratio(0.1))
    check(glued, prose, "prop_chi_ratio_0001", ratio(0.001), rel=1e-7)
    gaps = [abs(1 - ratio(t)) for t in (1.0, 0.1, 0.01, 0.001)]
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < 1e-3   # "tends to 1"
    # ... and the gap is O(t), as the O(t^3) remainder says
    assert (1 - ratio(0.001)) / 0.001 == pytest.approx((1 - ratio(0.01)) / 0.01, rel=0.05)
    # halve the step, quarter the cost
    check(glued, prose, "prop_halving", cost(0.005) / cost(0.01), rel=1e-7)
    assert abs(cost(0.005) / cost(0.01) - 0.25) < 0.01
    assert abs(cost(0.005) / cost(0.01) - 0.25) < abs(cost(0.05) / cost(0.1) - 0.25)


def test_quadratic_figure_text(cells):
    caption, alt = figure(cells, "fig-prop-quadratic")
    chi2 = float(np.sum((Q - P) ** 2 / P))
    ts = np.linspace(1e-3, 1, 1000)
    exact = np.array([kl_div(P, P + t * (Q - P)) for t in ts])
    assert np.all(exact < ts**2 * chi2 / 2)              # "the parabola is higher"
    assert "0.28 nats" in alt and round(chi2 / 2, 2) == 0.28
    assert "0.19" in alt and round(kl_div(P, Q), 2) == 0.19


def test_two_half_steps_cost_about_half(glued, prose):
    m = (P + Q) / 2
    detour = kl_div(P, m) + kl_div(m, Q)
    check(glued, prose, "prop_mid_detour", detour)
    check(glued, prose, "prop_mid_share", detour / kl_div(P, Q))
    assert abs(detour / kl_div(P, Q) - 0.5) < 0.05       # "close to the half"


# ---------------------------------------------------------------- support

def test_finite_exactly_under_absolute_continuity():
    rng = np.random.default_rng(1)
    for _ in range(2000):
        p = rng.dirichlet(np.ones(5)) * (rng.random(5) < 0.7)
        q = rng.dirichlet(np.ones(5)) * (rng.random(5) < 0.7)
        if p.sum() == 0 or q.sum() == 0:
            continue
        p, q = p / p.sum(), q / q.sum()
        assert math.isfinite(kl_div(p, q)) == bool(np.all(q[p > 0] > 0))


def test_on_infinitely_many_outcomes_absolute_continuity_is_not_enough():
    # p_k = 6 / (pi k)^2 and q_k = 2^-k are positive for every k >= 1, yet the sum diverges.
    def partial(n):
        k = np.arange(1, n + 1, dtype=float)
        p = 6 / (math.pi * k) ** 2
        return float(np.sum(p * (np.log(p) + k * math.log(2))))    # log(p_k / q_k) without underflow
    steps = [partial(10 ** (j + 1)) - partial(10**j) for j in (3, 4, 5)]
    assert all(s > 0.9 for s in steps)                   # every factor of 10 in n adds about 0.97


def test_the_model_without_mat(glued, prose, printed):
    assert Q_NO_MAT[MAT] == 0 and P[MAT] > 0
    assert kl_div(P, Q_NO_MAT) == math.inf
    check(glued, prose, "prop_nomat_rev", kl_div(Q_NO_MAT, P))
    check(glued, prose, "prop_p_mat", 0.05)
    assert "P << Q_no_mat: False    Q_no_mat << P: True" in printed


def test_softmax_is_positive_but_can_underflow(glued, prose):
    z = np.array([0.0, -800.0])
    q = special.softmax(z)
    assert q[1] == 0.0 and np.exp(-800.0) == 0.0        # float64 underflow
    assert cross_entropy([0.0, 1.0], q) == math.inf
    check(glued, prose, "prop_logsoftmax", special.log_softmax(z)[1])
    assert glued["prop_logsoftmax"] == -800.0
    gap = next(g for g in range(1, 200) if np.exp(np.float32(-g)) == 0)
    check(glued, prose, "prop_f32_gap", gap)
    assert np.exp(np.float32(-103)) > 0 and np.exp(np.float32(-104)) == 0
    # in exact arithmetic a softmax is positive: e^z for z = -800 is about 10^-347.4
    assert math.log10(math.e) * -800 > -348
    assert "never gives a token exactly zero" not in prose


# ---------------------------------------------------------------- smoothing

def test_smoothing_makes_the_divergence_finite(glued, prose):
    assert kl_div(P, smooth(Q_NO_MAT, 0.0)) == math.inf
    values = {eps: kl_div(P, smooth(Q_NO_MAT, eps)) for eps in (1e-2, 1e-4, 1e-6, 1e-8)}
    assert all(math.isfinite(v) for v in values.values())
    assert list(values.values()) == sorted(values.values())   # grows as eps shrinks
    assert smooth(Q_NO_MAT, 1e-2).min() >= 1e-2 / K - 1e-18   # the floor eps / K
    check(glued, prose, "prop_eps_2", values[1e-2])
    check(glued, prose, "prop_eps_6", values[1e-6])


def test_growth_per_factor_of_e_tends_to_p_mat(glued, prose):
    d = lambda eps: kl_div(P, smooth(Q_NO_MAT, eps))
    p_mat = P[MAT]
    gaps = {}
    for big, name in ((1e-2, "prop_slope_gap_2"), (1e-4, "prop_slope_gap_4"), (1e-6, "prop_slope_gap_6")):
        slope = (d(big / 100) - d(big)) / math.log(100)
        gaps[big] = p_mat - slope
        check(glued, prose, name, float(f"{gaps[big]:.3g}"), rel=1e-12)
        assert slope != p_mat                            # a measured slope, not exactly p(mat)
    assert 0 < gaps[1e-6] < gaps[1e-4] < gaps[1e-2]      # tends to p(mat) ...
    assert gaps[1e-4] / gaps[1e-2] == pytest.approx(0.01, rel=0.05)   # ... with a gap proportional to eps
    assert gaps[1e-6] / gaps[1e-4] == pytest.approx(0.01, rel=0.05)
    assert not re.search(r"exactly \$p_\{\\text\{mat\}\}", prose)
    assert re.search(r"measured growth tends to \$p_\{\\text\{mat\}\}", prose)
    # the mat term is exactly p log(K p) + p log(1/eps); the rest changes in proportion to eps
    for eps in (1e-3, 1e-6):
        q = smooth(Q_NO_MAT, eps)
        mat_term = special.rel_entr(P[MAT], q[MAT])
        assert mat_term == pytest.approx(p_mat * math.log(K * p_mat) + p_mat * math.log(1 / eps), rel=1e-12)
    others = lambda eps: float(np.sum(special.rel_entr(P[:MAT], smooth(Q_NO_MAT, eps)[:MAT])))
    assert (others(1e-4) - others(0)) / 1e-4 == pytest.approx((others(1e-6) - others(0)) / 1e-6, rel=1e-3)


def test_smoothing_figure_text(cells):
    caption, alt = figure(cells, "fig-prop-smoothing")
    d = lambda eps: kl_div(P, smooth(Q_NO_MAT, eps))
    assert "about 1.4 nats at 1e-12" in alt and round(d(1e-12), 1) == 1.4
    assert "about 0.16 nats at epsilon 0.3" in alt and round(d(10**-0.5), 2) == 0.16
    assert "p(mat) ln 10 nats for every factor of 10" in caption
    assert d(1e-12) - d(1e-11) == pytest.approx(P[MAT] * math.log(10), rel=1e-9)


def test_smoothing_the_model_and_label_smoothing_are_different(glued, prose):
    eps = 0.1
    check(glued, prose, "prop_ls_eps", eps)
    # smoothing the model: infinite becomes finite
    assert kl_div(P, Q_NO_MAT) == math.inf
    check(glued, prose, "prop_ls_model", kl_div(P, smooth(Q_NO_MAT, eps)))
    # label smoothing: the target changes
    one_hot = np.eye(K)[CAT]
    target = (1 - eps) * one_hot + eps / K
    check(glued, prose, "prop_ls_floor", eps / K)
    check(glued, prose, "prop_ls_best_cat", 1 - eps + eps / K)
    check(glued, prose, "prop_ls_q_plain", -math.log(Q[CAT]))
    check(glued, prose, "prop_ls_q_smooth", cross_entropy(target, Q))
    uniform = np.full(K, 1 / K)
    assert cross_entropy(target, Q) == pytest.approx(
        (1 - eps) * -math.log(Q[CAT]) + eps * cross_entropy(uniform, Q))   # the decomposition
    assert abs(cross_entropy(target, Q) / -math.log(Q[CAT]) - 1) < 0.01    # "barely moves"
    certain = one_hot
    assert cross_entropy(one_hot, certain) == 0.0 and cross_entropy(target, certain) == math.inf
    # averaged over x ~ P, the smoothed one-hot targets are smooth(P)
    assert np.allclose(sum(P[x] * ((1 - eps) * np.eye(K)[x] + eps / K) for x in range(K)), smooth(P, eps))


def minimise_cross_entropy(target):
    """The softmax model minimising H(target, Q), found numerically over the logits."""
    fun = lambda z: -np.dot(target, special.log_softmax(z))
    grad = lambda z: special.softmax(z) - target
    result = optimize.minimize(fun, np.zeros(target.size), jac=grad, method="BFGS", options={"gtol": 1e-12})
    return special.softmax(result.x), result.fun


def test_the_label_smoothed_loss_is_minimised_by_the_smoothed_target(glued, prose):
    eps = 0.1
    target = smooth(np.eye(K)[CAT], eps)
    best, loss = minimise_cross_entropy(target)
    assert best == pytest.approx(target, abs=1e-6)
    check(glued, prose, "prop_ls_best_loss", cross_entropy(target, target))
    assert loss == pytest.approx(glued["prop_ls_best_loss"], abs=1e-10)
    rng = np.random.default_rng(3)
    assert all(cross_entropy(target, q) >= cross_entropy(target, target) for q in rng.dirichlet(np.ones(K), 500))
    # the best model never gives any token probability 1; the one-hot loss would prefer certainty
    for e in (0.5, 0.1, 1e-3):
        assert smooth(np.eye(K)[CAT], e).max() < 1
    one_hot = np.eye(K)[CAT]
    assert cross_entropy(one_hot, one_hot) < cross_entropy(one_hot, target)
    # with targets averaging to P, the optimum is smooth(P), not P
    best_p, _ = minimise_cross_entropy(smooth(P, eps))
    assert best_p == pytest.approx(smooth(P, eps), abs=1e-6)
    check(glued, prose, "prop_ls_p_gap", kl_div(P, smooth(P, eps)))
    assert glued["prop_ls_p_gap"] > 0


# ---------------------------------------------------------------- units

def test_bits_are_nats_over_ln_2(glued, prose):
    check(glued, prose, "prop_pq_bits", kl_div(P, Q) / math.log(2))
    assert glued["prop_pq_bits"] == pytest.approx(float(np.sum(P * np.log2(P / Q))))
    check(glued, prose, "prop_ln2", math.log(2))
    check(glued, prose, "prop_bits_per_nat", 1 / math.log(2))
    # rescaling keeps every inequality of the chapter: e.g. the broken triangle in bits
    a, b, c = np.array([0.9, 0.1]), np.array([0.5, 0.5]), np.array([0.1, 0.9])
    bits = lambda x, y: kl_div(x, y) / math.log(2)
    assert bits(a, c) > bits(a, b) + bits(b, c)
    # the smoothing slope: p(mat) bits per doubling of 1/eps, in the limit
    d2 = lambda eps: float(np.sum(special.rel_entr(P, smooth(Q_NO_MAT, eps)))) / math.log(2)
    slope = (d2(1e-8) - d2(1e-6)) / math.log2(100)
    check(glued, prose, "prop_slope_bits", slope, rel=1e-7)
    assert slope == pytest.approx(P[MAT], abs=1e-7) and slope != P[MAT]
    assert re.search(r"smoothing slope, for instance, tends to", prose)


# ---------------------------------------------------------------- exercises and wording

def test_the_certain_model_exercise(glued, prose):
    s = np.eye(K)[CAT]
    assert kl_div(P, s) == math.inf
    assert kl_div(s, P) == pytest.approx(math.log(1 / P[CAT]))
    check(glued, prose, "prop_p_cat", P[CAT])
    exercise = prose[prose.index(":label: prop-support"):]
    exercise = exercise[:exercise.index("```")]
    assert "greedy" not in exercise.lower()              # greedy is a decoding rule, not a model
    assert "certain" in exercise


def test_the_glossary_terms_are_used(prose):
    for term in ("absolute continuity", "smoothing", "Label smoothing"):
        assert "{term}`" + term in prose
    assert r"P \ll Q" in prose
    assert "same mixture on its targets" not in prose     # the old conflation
    assert "every property above holds" not in prose


def test_every_number_the_prose_quotes_is_checked_here(prose):
    quoted_names = set(re.findall(r"\{glue:text\}`([A-Za-z0-9_]+)", prose))
    checked = set(re.findall(r'"(prop_\w+)"', Path(__file__).read_text()))
    unchecked = quoted_names - checked
    assert not unchecked, f"numbers quoted in chapter 6 without a claims test: {sorted(unchecked)}"


# ---------------------------------------------------------------- the theorems, stated, proved, cited

def theorem(prose, title):
    """The statement of the prf:theorem titled `title` (up to the closing fence)."""
    start = prose.index("{prf:theorem} " + title)
    return prose[start:prose.index("```", start)]


def test_every_theorem_is_stated_proved_and_cited(prose):
    titles = ["Jensen's inequality", "Gibbs' inequality", "Finite exactly under absolute continuity",
              "Log-sum inequality", "Joint convexity", "Data processing inequality", "Pinsker's inequality",
              "The divergence near P", "Chain rule for the divergence"]
    positions = [prose.index("{prf:theorem} " + title) for title in titles]
    assert positions == sorted(positions)                 # in this order
    assert prose.count("{prf:proof}") == len(titles) - 1  # Jensen is quoted, the rest proved here
    for title in titles[1:]:
        after = prose[prose.index("{prf:theorem} " + title):]
        assert after.index("{prf:proof}") < after.index("{prf:theorem}", 10) if after.count("{prf:theorem}") > 1 \
            else "{prf:proof}" in after, title
    for cited in ("Section 2.3", "Theorem 2.7.1", "Theorem 2.7.2", "Theorem 2.8.1", "Lemma 11.6.1",
                  "Section 11.10", "Theorem 2.5.3"):
        assert cited in prose, cited
    assert "{doc}`05-two-variables`" in prose
    assert prose.count("{cite:t}`cover2006`") >= 8


def test_absolute_continuity_is_named_and_the_theorem_holds_on_random_supports():
    rng = np.random.default_rng(7)
    for _ in range(3000):
        p = rng.dirichlet(np.ones(5)) * (rng.random(5) < 0.6)
        q = rng.dirichlet(np.ones(5)) * (rng.random(5) < 0.6)
        if p.sum() == 0 or q.sum() == 0:
            continue
        p, q = p / p.sum(), q / q.sum()
        p_ll_q = all(q[k] > 0 for k in range(5) if p[k] > 0)
        assert math.isfinite(kl_div(p, q)) == p_ll_q


# ---------------------------------------------------------------- convexity

def test_log_sum_inequality_with_its_equality_case():
    rng = np.random.default_rng(8)
    for _ in range(2000):
        a, b = rng.uniform(0, 3, 4) * (rng.random(4) < 0.8), rng.uniform(0.01, 3, 4)
        lhs = float(np.sum(special.xlogy(a, a) - special.xlogy(a, b)))
        rhs = float(special.xlogy(a.sum(), a.sum()) - special.xlogy(a.sum(), b.sum()))
        assert lhs >= rhs - 1e-12
    b = rng.uniform(0.1, 2, 4)
    a = 0.7 * b                                          # equal ratios: equality
    assert float(np.sum(a * np.log(a / b))) == pytest.approx(a.sum() * math.log(a.sum() / b.sum()), abs=1e-14)


def test_joint_convexity_on_the_running_example_and_at_random(glued, prose):
    u = np.full(K, 0.2)
    mixed = kl_div(0.5 * P + 0.5 * u, 0.5 * Q + 0.5 * P)
    averaged = 0.5 * kl_div(P, Q) + 0.5 * kl_div(u, P)
    check(glued, prose, "prop_cvx_mixed", mixed)
    check(glued, prose, "prop_cvx_averaged", averaged)
    assert mixed < averaged
    rng = np.random.default_rng(27)
    n = 10_000
    p1, q1, p2, q2 = (rng.dirichlet([1.0] * 5, n) for _ in range(4))
    lam = rng.uniform(0, 1, size=(n, 1))
    div = lambda x, y: np.sum(special.rel_entr(x, y), axis=1)
    slack = lam[:, 0] * div(p1, q1) + (1 - lam[:, 0]) * div(p2, q2) - div(lam * p1 + (1 - lam) * p2,
                                                                        lam * q1 + (1 - lam) * q2)
    check(glued, prose, "prop_cvx_n", n)
    check(glued, prose, "prop_cvx_min_slack", float(f"{slack.min():.3g}"), rel=1e-12)
    assert slack.min() >= 0                               # "never negative"


# ---------------------------------------------------------------- data processing

def merge_pair(d, i, j):
    d = np.asarray(d, float)
    return np.array([d[k] + (d[j] if k == i else 0) for k in range(len(d)) if k != j])


def test_every_merge_of_two_tokens_lowers_the_divergence(glued, prose):
    drops = {(i, j): kl_div(P, Q) - kl_div(merge_pair(P, i, j), merge_pair(Q, i, j))
             for i in range(K) for j in range(i + 1, K)}
    assert len(drops) == 10 and min(drops.values()) > 0   # "every merge lowers the divergence"
    check(glued, prose, "prop_dp_min_drop", min(drops.values()))
    check(glued, prose, "prop_dp_on_the", kl_div(merge_pair(P, ON, THE), merge_pair(Q, ON, THE)))
    largest = max(drops, key=drops.get)
    smallest = min(drops, key=drops.get)
    assert largest == (CAT, ON) and smallest == (SAT, THE)   # the pairs the prose names
    check(glued, prose, "prop_dp_big", kl_div(P, Q) - drops[CAT, ON])
    check(glued, prose, "prop_dp_small", kl_div(P, Q) - drops[SAT, THE])
    ratio = P / Q
    check(glued, prose, "prop_ratio_cat", ratio[CAT])
    check(glued, prose, "prop_ratio_on", ratio[ON])
    check(glued, prose, "prop_ratio_sat", ratio[SAT])
    check(glued, prose, "prop_ratio_the", ratio[THE])
    assert ratio[CAT] > 1 > ratio[ON]                     # "err in opposite directions"
    # "nearly equal": the closest pair of ratios on a log scale; and the drop grows with how far apart
    # the two ratios are (on this example)
    spread = {pair: abs(math.log(ratio[pair[0]] / ratio[pair[1]])) for pair in drops}
    assert max(spread, key=spread.get) == largest and min(spread, key=spread.get) == smallest


def test_data_processing_for_random_channels_and_the_equality_case():
    rng = np.random.default_rng(9)
    for _ in range(2000):
        p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
        w = rng.dirichlet(np.ones(3), size=5)             # a channel: each row a distribution over 3 outputs
        assert kl_div(p @ w, q @ w) <= kl_div(p, q) + 1e-12
    q = np.array([0.1, 0.2, 0.3, 0.4])
    p = np.array([0.15, 0.3, 0.25, 0.3])                  # p/q = 1.5 for outcomes 0 and 1
    assert kl_div(merge_pair(p, 0, 1), merge_pair(q, 0, 1)) == pytest.approx(kl_div(p, q), abs=1e-15)
    assert kl_div(merge_pair(p, 1, 2), merge_pair(q, 1, 2)) < kl_div(p, q)


# ---------------------------------------------------------------- Pinsker

def test_total_variation_is_the_largest_difference_over_events():
    from itertools import product
    rng = np.random.default_rng(10)
    for _ in range(200):
        p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
        tv = 0.5 * np.abs(p - q).sum()
        events = [np.array(mask, bool) for mask in product([0, 1], repeat=5)]
        assert max(abs(p[a].sum() - q[a].sum()) for a in events) == pytest.approx(tv, abs=1e-15)
        a = p > q
        assert p[a].sum() - q[a].sum() == pytest.approx(tv, abs=1e-15)
        assert 0 <= tv <= 1


def test_total_variation_is_a_distance():
    """Symmetric, zero only at P = Q, and the triangle inequality, unlike KL, on random triples."""
    rng = np.random.default_rng(18)
    a, b, c = (rng.dirichlet(np.ones(5), 5000) for _ in range(3))
    tv = lambda x, y: 0.5 * np.abs(x - y).sum(axis=1)
    assert np.all(tv(a, c) <= tv(a, b) + tv(b, c) + 1e-15)
    assert np.array_equal(tv(a, b), tv(b, a)) and np.all(tv(a, b) > 0) and np.all(tv(a, a) == 0)


def test_pinsker_on_the_running_example_and_at_random(glued, prose):
    tv = 0.5 * np.abs(P - Q).sum()
    check(glued, prose, "prop_tv", tv)
    check(glued, prose, "prop_pinsker", math.sqrt(kl_div(P, Q) / 2))
    assert tv < math.sqrt(kl_div(P, Q) / 2)
    rng = np.random.default_rng(11)
    n = 20_000
    a, b = (rng.dirichlet([1.0] * 5, n) for _ in range(2))
    ratio = 0.5 * np.abs(a - b).sum(axis=1) / np.sqrt(np.sum(special.rel_entr(a, b), axis=1) / 2)
    check(glued, prose, "prop_pin_n", n)
    check(glued, prose, "prop_pin_max", ratio.max())
    check(glued, prose, "prop_pin_median", np.median(ratio))
    assert ratio.max() < 1                                # "never reaches 1"


def test_pinsker_proof_steps():
    """g(b) = d(a, b) - 2 (a - b)^2 has the derivative the proof writes, and is >= 0 for 0 < b <= a."""
    d = lambda a, b: float(special.rel_entr(a, b) + special.rel_entr(1 - a, 1 - b))
    for a in (0.05, 0.3, 0.5, 0.9, 0.999):
        for b in np.linspace(1e-4, a, 60):
            assert d(a, b) - 2 * (a - b) ** 2 >= -1e-15
            if 1e-3 < b < a - 1e-3:
                h = 1e-6
                numeric = ((d(a, b + h) - 2 * (a - b - h) ** 2) - (d(a, b - h) - 2 * (a - b + h) ** 2)) / (2 * h)
                assert numeric == pytest.approx((b - a) * (1 / (b * (1 - b)) - 4), rel=1e-5, abs=1e-8)
    assert max(b * (1 - b) for b in np.linspace(0, 1, 1001)) == 0.25
    # Cover & Thomas's form: D in bits >= ||P - Q||_1^2 / (2 ln 2), the same statement in other units
    rng = np.random.default_rng(12)
    for _ in range(500):
        p, q = rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(4))
        l1 = np.abs(p - q).sum()
        bits = kl_div(p, q) / math.log(2)
        assert (bits >= l1 ** 2 / (2 * math.log(2)) - 1e-12) == (kl_div(p, q) >= 2 * (l1 / 2) ** 2 - 1e-12)


def test_the_bound_works_in_one_direction_only(glued, prose):
    from fractions import Fraction as F
    p = [F(40, 100), F(30, 100), F(10, 100), F(15, 100), F(5, 100)]
    q = [F(20, 100), F(25, 100), F(30, 100), F(15, 100), F(10, 100)]
    q_no_mat = [F(20, 90), F(25, 90), F(30, 90), F(15, 90), F(0)]
    tv = lambda x, y: sum(abs(a - b) for a, b in zip(x, y)) / 2
    assert tv(p, q) == tv(p, q_no_mat) == F(1, 4)        # "exactly as far in total variation"
    check(glued, prose, "prop_tv_nomat", 0.25)
    assert kl_div(P, Q_NO_MAT) == math.inf


def test_a_kl_budget_bounds_every_event(glued, prose):
    check(glued, prose, "prop_budget", 0.02)
    check(glued, prose, "prop_budget_tv", math.sqrt(0.02 / 2))
    assert round(math.sqrt(0.02 / 2), 2) == 0.1
    # a policy 0.02 nats away moves no event by more than 0.1: try many random ones near a reference
    rng = np.random.default_rng(13)
    ref = rng.dirichlet(np.ones(6))
    for _ in range(500):
        pi = ref * np.exp(rng.normal(0, 0.3, 6))
        pi /= pi.sum()
        if kl_div(pi, ref) <= 0.02:
            assert 0.5 * np.abs(pi - ref).sum() <= 0.1


# ---------------------------------------------------------------- near P

def test_the_local_theorem_and_the_fisher_information(glued, prose):
    rng = np.random.default_rng(14)
    for _ in range(50):
        p = rng.dirichlet(np.ones(5))
        h = rng.normal(size=5)
        h -= h.mean()
        t = 1e-3 * p.min() / np.abs(h).max()
        pt = p + t * h
        quad = t**2 / 2 * np.sum(h**2 / p)
        assert kl_div(p, pt) == pytest.approx(quad, rel=5e-3)
        assert 0.5 * np.sum((p - pt) ** 2 / pt) == pytest.approx(quad, rel=5e-3)
    # Fisher information of the line P_t at t = 0, by numerical differentiation of log p_t
    h, eps = Q - P, 1e-6
    score = (np.log(P + eps * h) - np.log(P - eps * h)) / (2 * eps)
    fisher = float(np.sum(P * score**2))
    chi2_qp = float(np.sum((Q - P) ** 2 / P))
    assert fisher == pytest.approx(chi2_qp, rel=1e-8)
    check(glued, prose, "prop_chi2", chi2_qp)
    assert "half the Fisher information times the squared step" in prose
    assert r"\sum_k \frac{h_k^2}{p_k}" in theorem(prose, "The divergence near P")


def local_ratio(target, t):
    pt = P + t * (target - P)
    return kl_div(P, pt) / (0.5 * float(np.sum((P - pt) ** 2 / pt)))


def test_how_far_the_chi_square_approximation_reaches(glued, prose):
    path = np.linspace(0.001, 0.999, 999)
    to_q = np.array([local_ratio(Q, t) for t in path])
    to_no_mat = np.array([local_ratio(Q_NO_MAT, t) for t in path])
    assert np.all(to_q > 1)                               # "stays above 1"
    check(glued, prose, "prop_loc_q_max", to_q.max())
    check(glued, prose, "prop_loc_q_argmax", path[to_q.argmax()])
    check(glued, prose, "prop_loc_q_1", local_ratio(Q, 1.0))
    assert abs(local_ratio(Q, 1.0) - 1) < 0.05            # "a good stand-in even for the full step"
    # "far from P it can be off in any direction": above 1 towards Q, far below towards a big q(mat)
    far = np.array([0.05, 0.05, 0.05, 0.05, 0.8])
    assert kl_div(P, far) / (0.5 * np.sum((P - far) ** 2 / far)) < 0.7 < 1 < to_q.max()
    check(glued, prose, "prop_loc_nomat_05", local_ratio(Q_NO_MAT, 0.5))
    check(glued, prose, "prop_loc_nomat_09", local_ratio(Q_NO_MAT, 0.9))
    check(glued, prose, "prop_loc_nomat_099", local_ratio(Q_NO_MAT, 0.99))
    assert local_ratio(Q_NO_MAT, 0.9) < local_ratio(Q_NO_MAT, 0.5) and local_ratio(Q_NO_MAT, 0.99) < 0.2
    # the figure's words: towards Q up to about 1.1 near t = 0.5, ends near 1.02; the other falls to near 0
    caption, alt = figure(json.loads(NOTEBOOK.read_text())["cells"], "fig-prop-local-ratio")
    assert round(to_q.max(), 1) == 1.1 and abs(path[to_q.argmax()] - 0.5) < 0.05 and "about 1.1 near t = 0.5" in alt
    assert round(local_ratio(Q, 1.0), 2) == 1.02 and "ends near 1.02" in alt
    assert to_no_mat[-1] < 0.02 and "near 0 at t = 1" in alt
    top = path[to_no_mat.argmax()]
    assert round(to_no_mat.max(), 2) == 1.09 and abs(top - 0.34) < 0.01 and "about 1.09 near t = 0.34" in alt
    below = path[np.argmax(to_no_mat < 1)]
    assert abs(below - 0.66) < 0.01 and np.all(to_no_mat[path > below] < 1) and "below 1 near t = 0.66" in alt
    # why: the mat terms, as q(mat) -> 0
    for q_mat in (1e-4, 1e-6):
        assert (P[MAT] - q_mat) ** 2 / q_mat == pytest.approx(P[MAT] ** 2 / q_mat, rel=0.03)


def test_chain_rule_on_a_random_pair_of_tables():
    rng = np.random.default_rng(15)
    pxy, qxy = rng.dirichlet(np.ones(12)).reshape(3, 4), rng.dirichlet(np.ones(12)).reshape(3, 4)
    px, qx = pxy.sum(1), qxy.sum(1)
    cond = sum(px[x] * kl_div(pxy[x] / px[x], qxy[x] / qx[x]) for x in range(3))
    assert kl_div(pxy.ravel(), qxy.ravel()) == pytest.approx(kl_div(px, qx) + cond, abs=1e-13)


def test_units_paragraph_names_what_carries_over(prose):
    assert "convexity, data processing" in prose
    assert r"\chi^2 / (2 \ln 2)" in prose
    rng = np.random.default_rng(16)
    p = rng.dirichlet(np.ones(5))
    t = 1e-4
    pt = p + t * (Q - P)
    assert kl_div(p, pt) / math.log(2) == pytest.approx(float(np.sum((p - pt) ** 2 / pt)) / (2 * math.log(2)),
                                                        rel=1e-3)


# ---------------------------------------------------------------- the explorers and the transfer exercises

def test_the_chapter_shows_the_explorers_its_prose_describes(cells, prose):
    calls = ["".join(c["source"]) for c in cells if c["cell_type"] == "code" and "kl.explore(" in "".join(c["source"])]
    assert calls == ['kl.explore(show=("kl_pq",), merge=("on", "the"))',
                     'kl.explore(show=("kl_pq", "total_variation", "pinsker_bound", "half_chi_square"))']
    # "the merged value never rises above the other": data processing on random Q
    rng = np.random.default_rng(17)
    for q in rng.dirichlet(np.ones(5), 500):
        assert kl_div(merge_pair(P, ON, THE), merge_pair(q, ON, THE)) <= kl_div(P, q) + 1e-12
    # "move one slider a step or two: they move together; move far and they part"
    near = P + 0.02 * (np.eye(K)[SAT] - P)
    assert abs(kl_div(P, near) / (0.5 * np.sum((P - near) ** 2 / near)) - 1) < 0.01
    far = np.array([0.05, 0.05, 0.05, 0.05, 0.8])
    assert abs(kl_div(P, far) / (0.5 * np.sum((P - far) ** 2 / far)) - 1) > 0.3
    assert "Set Q = P" in prose and "Tab to a bar" in prose


def test_transfer_exercises_are_per_student_and_predict_then_verify(cells, prose):
    for label, name in (("prop-merge-drop", "prop-merge"), ("prop-pinsker-mine", "prop-pinsker")):
        exercise = prose[prose.index(f":label: {label}"):]
        exercise = exercise[:exercise.index("```")]
        assert f'kl.variant("{name}")' in exercise and "**Predict**" in exercise and "**Verify**" in exercise
        tries = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"
                 and f'kl.check("{label}"' in "".join(c["source"])]
        assert len(tries) == 2                           # the student's cell and the solution
        assert "prediction = ..." in tries[0] and f'kl.variant("{name}")' in tries[1]
    assert "which is larger" in prose[prose.index(":label: prop-merge-drop"):].lower()
    # different students, different data
    first = kl.variant("prop-merge")
    kl.student("s-test-1")
    try:
        assert not np.array_equal(kl.variant("prop-merge")[0], first[0])
    finally:
        kl.student(kl.exercises.DEFAULT_STUDENT)
