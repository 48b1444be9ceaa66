"""Chapter 0 (book/00-introduction.ipynb): every quantitative claim, computed here again.

The running example is written out here (not read from klhelpers), the divergences come from
scipy, and each glued number is compared with the value the chapter stored. The transfer
exercises' general claims (a sampled token differs from greedy's with probability 1 - max q;
max q is never below sum q^2) are checked on random distributions and on the students' variants.
"""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.special import rel_entr, softmax

import klhelpers as kl

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "00-introduction.ipynb"
VOCAB = ("cat", "sat", "on", "the", "mat")
P = np.array([0.40, 0.30, 0.10, 0.15, 0.05])
Q = np.array([0.20, 0.25, 0.30, 0.15, 0.10])
STUDENTS = [f"s{n:04d}" for n in range(200)]
RNG = np.random.default_rng(20261129)


def cells():
    return json.loads(CHAPTER.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


def glued():
    values = {}
    for cell in cells():
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                values[name] = eval(output["data"]["application/papermill.record/text/plain"],
                                    {"inf": math.inf})
    return values


def prose():
    return "\n".join(source(c) for c in cells() if c["cell_type"] == "markdown")


def kl_div(p, q):
    return float(np.sum(rel_entr(np.asarray(p, float), np.asarray(q, float))))


@pytest.fixture
def each_student():
    yield STUDENTS
    kl.student(kl.exercises.DEFAULT_STUDENT)


def test_the_running_example_and_its_glued_numbers():
    g = glued()
    assert tuple(kl.VOCAB) == VOCAB and np.array_equal(kl.P, P) and np.array_equal(kl.Q, Q)
    i = {token: k for k, token in enumerate(VOCAB)}
    for name, value in (("intro_p_cat", P[i["cat"]]), ("intro_q_cat", Q[i["cat"]]),
                        ("intro_p_on", P[i["on"]]), ("intro_q_on", Q[i["on"]]),
                        ("intro_p_the", P[i["the"]]),
                        ("intro_kl_pq", kl_div(P, Q)), ("intro_kl_qp", kl_div(Q, P))):
        assert g[name] == pytest.approx(value, rel=1e-9), name
    # "The model gives cat only ... where the data say ...; on ... where the data say ...;
    # on the the two agree"; "swapping P and Q gives a different number"
    assert Q[i["cat"]] < P[i["cat"]] and Q[i["on"]] > P[i["on"]] and Q[i["the"]] == P[i["the"]]
    assert kl_div(P, Q) != pytest.approx(kl_div(Q, P), abs=1e-3)


def test_greedy_picks_the_models_top_token_not_the_datas():
    """'a greedy decoder would write on every time, a token the data rarely use here,
    and never the data's favourite, cat'."""
    assert VOCAB[int(np.argmax(Q))] == "on" and VOCAB[int(np.argmax(P))] == "cat"
    assert P[VOCAB.index("on")] < P.max() / 2


def test_greedy_is_the_limit_of_sampling_at_temperature_zero():
    """'Always taking the single most probable token ... (the limit of sampling at temperature zero)'."""
    top = np.eye(len(Q))[np.argmax(Q)]
    gaps = [np.abs(softmax(np.log(Q) / t) - top).max() for t in (1.0, 0.3, 0.1, 0.03, 0.01)]
    assert all(b < a for a, b in zip(gaps, gaps[1:])) and gaps[-1] < 1e-6


def test_the_sampling_cell_uses_a_fixed_seed_and_the_model():
    code = next(source(c) for c in cells() if "rng.choice(kl.VOCAB" in source(c))
    assert "default_rng(seed=" in code and "p=kl.Q" in code


def test_the_chapter_list_links_every_chapter_in_the_table_of_contents():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [entry["file"].split("/")[-1] for part in toc.get("parts", [toc])
             for entry in part.get("chapters", []) if "file" in entry]
    chapters = [name for name in files if re.match(r"\d\d-", name) and not name.startswith("00-")]
    covers = next(source(c) for c in cells() if "## What this book covers" in source(c))
    assert chapters and all(f"{{doc}}`{name}`" in covers for name in chapters), chapters


def test_intro_not_greedy_the_share_that_differs_is_one_minus_max_q(each_student):
    """Solution: a draw differs from greedy's token with probability 1 - max q; 1,000 draws
    scatter around it with standard deviation sqrt(s(1 - s)/1000), at most the glued value."""
    assert glued()["intro_sd_1000"] == pytest.approx(math.sqrt(0.25 / 1000), rel=1e-9)
    s = np.linspace(0, 1, 10001)
    assert np.sqrt(s * (1 - s) / 1000).max() == pytest.approx(math.sqrt(0.25 / 1000))
    for student in each_student[:40]:
        kl.student(student)
        q = np.asarray(kl.variant("intro-not-greedy"), float)
        assert q.size == 4 and q.sum() == pytest.approx(1) and np.allclose(q * 100, np.round(q * 100))
        draws = np.random.default_rng(7).choice(q.size, size=200_000, p=q)
        share = 1 - q.max()
        assert np.mean(draws != np.argmax(q)) == pytest.approx(share, abs=5 * math.sqrt(0.25 / 200_000))
        assert kl.check("intro-not-greedy", share).correct
        assert not kl.check("intro-not-greedy", q.max()).correct or q.max() == pytest.approx(0.5)


def test_intro_repeat_larger_max_q_is_never_below_sum_q_squared(each_student):
    """Solution: sum q_k^2 <= max q, with equality exactly for a uniform distribution on its support."""
    for size in (2, 3, 5, 10):
        for q in RNG.dirichlet(np.ones(size), size=500):
            assert np.sum(q ** 2) <= q.max() + 1e-15
    for support in (1, 2, 4, 7):
        q = np.zeros(9)
        q[:support] = 1 / support
        assert np.sum(q ** 2) == pytest.approx(q.max())
    two_agree = RNG.choice(5, size=(200_000, 2), p=Q)       # the meaning of (b), by simulation
    assert np.mean(two_agree[:, 0] == two_agree[:, 1]) == pytest.approx(np.sum(Q ** 2), abs=0.005)
    for student in each_student[:40]:
        kl.student(student)
        q = np.asarray(kl.variant("intro-repeat-larger"), float)
        gap = q.max() - np.sum(q ** 2)
        assert gap >= 0 and kl.check("intro-repeat-larger", gap).correct
        assert not kl.check("intro-repeat-larger", -gap).correct or gap < 1e-4


def test_the_transfer_solutions_run_for_any_student(each_student):
    codes = [source(c) for c in cells() if c["cell_type"] == "code"
             and "solution" in c["metadata"].get("tags", []) and "kl.variant(" in source(c)]
    assert len(codes) == 2
    for student in each_student[:8]:
        for code in codes:
            kl.student(student)
            name = re.search(r'kl\.check\("([^"]+)", answer\)', code)[1]
            scope = {"np": np, "kl": kl}
            exec(code.replace(f'kl.check("{name}", answer)', f'feedback = kl.check("{name}", answer)'),
                 scope)
            assert scope["feedback"].correct, (student, name)
