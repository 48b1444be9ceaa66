"""Chapter 5 (Two variables): every claim in the prose, recomputed.

Each test reads what the chapter stored (its glued values, its code and its figure text) and
recomputes the claim from first principles with numpy and scipy, not with klhelpers, asserting
the condition the sentence states. Only the running example's P and Q come from klhelpers.
"""

import ast
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

import klhelpers as kl

NOTEBOOK = Path(__file__).resolve().parents[1] / "book" / "05-two-variables.ipynb"
P, Q = np.asarray(kl.P, dtype=float), np.asarray(kl.Q, dtype=float)
CAT, SAT, ON, THE, MAT = range(5)
#: The chapter's bigram table, written out again (rows: the token after cat, sat, on, the, mat).
BIGRAM = np.array([
    [0.02, 0.60, 0.10, 0.13, 0.15],
    [0.03, 0.02, 0.70, 0.20, 0.05],
    [0.05, 0.02, 0.03, 0.80, 0.10],
    [0.45, 0.02, 0.03, 0.05, 0.45],
    [0.20, 0.20, 0.25, 0.25, 0.10],
])
PXY = P[:, None] * BIGRAM
PX, PY = PXY.sum(axis=1), PXY.sum(axis=0)
TOL = 1e-9  # glue keeps 10 significant digits


def H(p):
    """Entropy in nats of the entries of p (any shape), by scipy."""
    return float(stats.entropy(np.asarray(p, float).ravel()))


def kl_div(p, q):
    return float(np.sum(special.rel_entr(np.asarray(p, float), np.asarray(q, float))))


def mi(pxy):
    pxy = np.asarray(pxy, float)
    return kl_div(pxy, np.outer(pxy.sum(axis=1), pxy.sum(axis=0)))


def cond_entropy(pxy):
    """H(Y | X) as -sum p(x, y) log p(y | x), rows X."""
    pxy = np.asarray(pxy, float)
    px = pxy.sum(axis=1, keepdims=True)
    m = pxy > 0
    return float(-np.sum(pxy[m] * np.log((pxy / np.where(px > 0, px, 1))[m])))


def random_tables(n, shape, seed):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(shape[0] * shape[1]), size=n).reshape(n, *shape)


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


def close(value, expected, tol=TOL):
    return math.isclose(value, expected, rel_tol=tol, abs_tol=1e-12)


# ---------------------------------------------------------------- the table

def test_the_chapters_table_is_the_one_written_here_and_in_the_exercises(cells):
    source = next("".join(c["source"]) for c in cells if "bigram = np.array(" in "".join(c["source"]))
    literal = re.search(r"np\.array\((\[.*?\])\)", re.sub(r"#[^\n]*", "", source), re.S).group(1)
    np.testing.assert_array_equal(np.array(ast.literal_eval(literal)), BIGRAM)
    np.testing.assert_array_equal(kl.exercises.two_variables.BIGRAM, BIGRAM)


def test_the_table_is_a_proper_joint_with_no_zero_cell(glued):
    np.testing.assert_allclose(BIGRAM.sum(axis=1), 1, atol=1e-15)
    assert abs(PXY.sum() - 1) < 1e-12 and (PXY > 0).all()
    np.testing.assert_allclose(PX, P, atol=1e-15)                 # "the row sums give back P"
    assert close(glued["tv_min_cell"], PXY.min()) and glued["tv_min_cell"] > 0


def test_cat_sat_is_the_largest_cell_and_sat_on_the_next(glued):
    order = np.argsort(PXY.ravel())[::-1]
    assert divmod(int(order[0]), 5) == (CAT, SAT) and divmod(int(order[1]), 5) == (SAT, ON)
    assert close(glued["tv_cat_sat"], PXY[CAT, SAT]) and close(glued["tv_sat_on"], PXY[SAT, ON])


def test_cat_is_the_likeliest_first_token_and_the_least_likely_second(glued):
    assert PX.argmax() == CAT and PY.argmin() == CAT
    assert close(glued["tv_py_cat"], PY[CAT]) and close(glued["tv_py_on"], PY[ON])
    assert PY[ON] > PX[ON]                                         # "on rises to"


# ---------------------------------------------------------------- joint and conditional entropy

def test_joint_entropy_and_its_comparisons(glued):
    hx, hy, hxy = H(PX), H(PY), H(PXY)
    assert close(glued["tv_hx"], hx) and close(glued["tv_hy"], hy) and close(glued["tv_hxy"], hxy)
    assert close(glued["tv_hxy_bits"], hxy / math.log(2))
    assert close(glued["tv_log25"], math.log(25)) and hxy < math.log(25)
    assert close(glued["tv_hx_plus_hy"], hx + hy) and hxy < hx + hy


def test_subadditivity_holds_for_every_table_and_is_tight_under_independence():
    for t in random_tables(400, (4, 3), 1):
        assert H(t) <= H(t.sum(1)) + H(t.sum(0)) + 1e-12
        product = np.outer(t.sum(1), t.sum(0))
        assert math.isclose(H(product), H(t.sum(1)) + H(t.sum(0)), abs_tol=1e-12)


def test_the_rows_entropies_and_the_chain_rule(glued):
    rows = [H(r) for r in BIGRAM]
    assert close(glued["tv_h_after_on"], rows[ON]) and close(glued["tv_h_after_mat"], rows[MAT])
    assert BIGRAM[ON].argmax() == THE and close(glued["tv_on_the"], BIGRAM[ON, THE])  # "most likely the"
    assert int(np.argmin(rows)) == ON and int(np.argmax(rows)) == MAT  # "anything goes" after mat
    hyx = cond_entropy(PXY)
    assert math.isclose(hyx, float(PX @ rows), rel_tol=1e-12)
    assert close(glued["tv_hy_given_x"], hyx)
    assert close(glued["tv_chain_sum"], H(PX) + hyx) and math.isclose(H(PX) + hyx, H(PXY), rel_tol=1e-12)
    assert close(glued["tv_hx_given_y"], cond_entropy(PXY.T))
    assert math.isclose(H(PY) + cond_entropy(PXY.T), H(PXY), rel_tol=1e-12)


def test_the_chain_rule_holds_on_random_tables():
    for t in random_tables(500, (3, 5), 2):
        assert math.isclose(H(t), H(t.sum(1)) + cond_entropy(t), rel_tol=1e-10)


def test_conditioning_lowers_entropy_on_average_but_not_after_mat(glued):
    assert cond_entropy(PXY) < H(PY)
    assert close(glued["tv_mat_excess"], H(BIGRAM[MAT]) - H(PY)) and glued["tv_mat_excess"] > 0
    for t in random_tables(500, (3, 3), 3):
        assert cond_entropy(t) <= H(t.sum(0)) + 1e-12


# ---------------------------------------------------------------- mutual information

def test_mutual_information_four_ways(glued):
    value = mi(PXY)
    for other in (H(PY) - cond_entropy(PXY), H(PX) - cond_entropy(PXY.T), H(PX) + H(PY) - H(PXY)):
        assert math.isclose(value, other, rel_tol=1e-12)
    assert close(glued["tv_mi"], value) and close(glued["tv_mi_bits"], value / math.log(2))
    assert glued["tv_mi_independent"] == 0.0 or abs(glued["tv_mi_independent"]) < 1e-15


def test_mutual_information_is_zero_exactly_for_independent_tables():
    for t in random_tables(1000, (3, 4), 4):
        assert mi(t) > 0
        assert abs(mi(np.outer(t.sum(1), t.sum(0)))) < 1e-14


def test_the_figure_and_its_alt_text_show_the_chapters_numbers(cells):
    cell = next(c for c in cells if c.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name")
                == "fig-tv-information-diagram")
    alt = cell["metadata"]["mystnb"]["image"]["alt"]
    numbers = [float(x) for x in re.findall(r"about (\d+\.\d+)", alt)]
    assert numbers == pytest.approx([H(PXY), cond_entropy(PXY.T), mi(PXY), cond_entropy(PXY)], abs=0.006)
    assert any("image/png" in o.get("data", {}) for o in cell["outputs"])


def test_three_variables_can_have_a_negative_centre(glued):
    # X, Y fair independent bits, Z = X xor Y, by enumeration in bits.
    p = np.zeros((2, 2, 2))
    for x in range(2):
        for y in range(2):
            p[x, y, x ^ y] = 0.25
    i_xy = mi(p.sum(2)) / math.log(2)
    i_given_z = sum(p[:, :, z].sum() * mi(p[:, :, z] / p[:, :, z].sum()) for z in range(2)) / math.log(2)
    assert glued["tv_xor_i"] == pytest.approx(i_xy, abs=1e-12) == 0
    assert glued["tv_xor_i_given_z"] == pytest.approx(i_given_z, abs=1e-12) == 1
    assert glued["tv_xor_centre"] == pytest.approx(i_xy - i_given_z, abs=1e-12) == -1


# ---------------------------------------------------------------- what the explorer's prose promises

def mix(px, t):
    dependent = px[:, None] * BIGRAM
    return (1 - t) * np.outer(px, dependent.sum(0)) + t * dependent


def test_the_mixture_keeps_both_marginals_and_is_independent_at_zero():
    rng = np.random.default_rng(5)
    for _ in range(200):
        px, t = rng.dirichlet(np.ones(5)), rng.uniform()
        table = mix(px, t)
        np.testing.assert_allclose(table.sum(1), px, atol=1e-14)
        np.testing.assert_allclose(table.sum(0), px @ BIGRAM, atol=1e-14)
        assert abs(mi(mix(px, 0.0))) < 1e-14
    np.testing.assert_allclose(mix(P, 1.0), PXY, atol=0)
    for k in range(5):  # one weight left: H(X) = 0 and I(X;Y) = 0, whatever t
        certain = np.eye(5)[k]
        assert H(mix(certain, 0.7).sum(1)) == 0 and abs(mi(mix(certain, 0.7))) < 1e-15


# ---------------------------------------------------------------- the chain rule for KL

def test_the_chain_rule_for_kl_on_the_bigram_model(glued):
    q_rows = 0.5 * BIGRAM + 0.5 / 5
    qxy = Q[:, None] * q_rows
    pair, first = kl_div(PXY, qxy), kl_div(P, Q)
    second = float(sum(P[x] * kl_div(BIGRAM[x], q_rows[x]) for x in range(5)))
    assert close(glued["tv_d_pair"], pair) and close(glued["tv_d_first"], first)
    assert close(glued["tv_d_second"], second) and math.isclose(pair, first + second, rel_tol=1e-12)
    assert close(glued["tv_d_share_second"], second / pair)
    # the special case: Q_X = P_X and every row P_Y gives I(X;Y)
    assert math.isclose(sum(P[x] * kl_div(BIGRAM[x], PY) for x in range(5)), mi(PXY), rel_tol=1e-12)


def test_the_chain_rule_for_kl_on_random_pairs_and_the_pair_never_diverges_less():
    ps, qs = random_tables(500, (3, 4), 6), random_tables(500, (3, 4), 7)
    for p, q in zip(ps, qs):
        first = kl_div(p.sum(1), q.sum(1))
        second = sum(p[x].sum() * kl_div(p[x] / p[x].sum(), q[x] / q[x].sum()) for x in range(3))
        assert math.isclose(kl_div(p, q), first + second, rel_tol=1e-10)
        assert kl_div(p, q) >= first - 1e-12


def test_forgetting_the_dependence_raises_joint_entropy_by_exactly_the_mutual_information():
    for t in random_tables(500, (3, 3), 8):
        assert math.isclose(H(np.outer(t.sum(1), t.sum(0))) - H(t), mi(t), rel_tol=1e-9, abs_tol=1e-13)


def test_a_single_row_can_exceed_or_fall_short_of_h_y():
    signs = set()
    for t in random_tables(200, (3, 3), 9):
        signs |= {np.sign(H(t[x] / t[x].sum()) - H(t.sum(0))) for x in range(3)}
    assert {-1.0, 1.0} <= signs


def test_the_chapter_cites_the_theorems_it_uses(cells):
    prose = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    for theorem in ("2.2.1", "2.4.1", "2.5.3", "2.6.3", "2.6.5", "2.6.6"):
        assert f"Theorem {theorem}" in prose, theorem
    assert "{cite:t}`mackay2003`" in prose and "{doc}`10-llm-practice`" in prose
