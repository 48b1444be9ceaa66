"""Every number chapters 1 and 2 state in their prose, recomputed here and held to what the chapter glues.

Each test recomputes a claim from first principles (numpy sums, exact fractions, a brute-force
search over all prefix codes, Huffman's sum of merges), checks that the chapter glues that
value and quotes it in its prose, and asserts the condition the sentence states (below, above,
between), so a claim that stops being true fails here.
"""

import ast
import heapq
import itertools
import json
import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import klhelpers as kl
from klhelpers.interactives import sampling

BOOK = Path(__file__).resolve().parents[1] / "book"
CH1 = BOOK / "01-entropy.ipynb"
CH2 = BOOK / "02-cross-entropy.ipynb"

P = np.array(kl.P, dtype=float)
Q = np.array(kl.Q, dtype=float)
VOCAB = list(kl.VOCAB)
K = len(P)
TOKEN = {token: k for k, token in enumerate(VOCAB)}


# -- reading the chapters ----------------------------------------------------------------------

def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


def prose(path):
    return "\n".join(source(c) for c in cells(path) if c["cell_type"] == "markdown")


def glued(path):
    """name -> the value the chapter glues (as stored: floats rounded to 10 significant digits)."""
    values = {}
    for cell in cells(path):
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:
                text = output["data"][meta["mime_prefix"] + "text/plain"]
                values[meta["name"]] = ast.literal_eval(text)
    return values


def quoted(path, name):
    """True if the chapter's prose quotes the glued value `name`."""
    return re.search(r"\{glue(?::\w+)?\}`" + re.escape(name) + r"[`:]", prose(path)) is not None


def figure_alt(path, name):
    for cell in cells(path):
        figure = cell.get("metadata", {}).get("mystnb", {})
        if figure.get("figure", {}).get("name") == name:
            return figure["image"]["alt"]
    raise AssertionError(f"no figure {name} in {path.name}")


def claim(path, name, value, rel=1e-9, abs=1e-12):
    """The chapter glues `name` with `value` (to glue's 10 significant digits) and quotes it."""
    values = glued(path)
    assert name in values, f"{path.name} does not glue {name}"
    assert values[name] == pytest.approx(value, rel=rel, abs=abs), name
    assert quoted(path, name), f"{path.name} glues {name} but its prose never quotes it"
    return values[name]


# -- first principles -----------------------------------------------------------------------------

def entropy_bits(p):
    p = np.asarray(p, dtype=float)
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


def cross_entropy_bits(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    used = p > 0
    return float(-np.sum(p[used] * np.log2(q[used])))


def exact(p):
    """The probabilities as exact fractions of their decimal values (0.1 is 1/10, not a binary float)."""
    return [Fraction(repr(float(x))) for x in p]


def shannon_lengths(p):
    """ceil(-log2 p_k) without logarithms: the least whole l with 2**-l <= p_k (p_k exact if Fractions)."""
    lengths = []
    for pk in (p if all(isinstance(x, Fraction) for x in p) else exact(p)):
        length = 0
        while Fraction(1, 2 ** length) > pk:
            length += 1
        lengths.append(length)
    return np.array(lengths, dtype=float)


def optimal_prefix_codes(p):
    """All length vectors of minimal average length among binary prefix codes, by brute force.

    By Kraft's inequality and its converse (Cover & Thomas, Thm 5.2.1), the lengths of binary
    prefix codes are exactly the whole numbers >= 1 with sum 2**-l <= 1; an optimal code over
    K outcomes never needs a codeword longer than K - 1 bits, so lengths 1..K suffice.
    """
    p = exact(p)
    best, winners = None, []
    for lengths in itertools.product(range(1, len(p) + 1), repeat=len(p)):
        if sum(Fraction(1, 2 ** l) for l in lengths) > 1:
            continue
        average = sum(pk * l for pk, l in zip(p, lengths))
        if best is None or average < best:
            best, winners = average, [lengths]
        elif average == best:
            winners.append(lengths)
    return float(best), winners


def optimal_average_length(p):
    """The least average length of a binary prefix code: Huffman's total of merged weights."""
    heap = [float(x) for x in p if x > 0]
    heapq.heapify(heap)
    total = 0.0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        total += merged
        heapq.heappush(heap, merged)
    return total


def blocks(p, n):
    """The probabilities of all blocks of n independent draws from p."""
    out = np.ones(1)
    for _ in range(n):
        out = np.outer(out, p).ravel()
    return out


# -- chapter 1 ------------------------------------------------------------------------------------

def test_ch1_surprises_and_entropy():
    claim(CH1, "ent_s_cat_bits", -math.log2(0.4))
    claim(CH1, "ent_s_mat_bits", -math.log2(0.05))
    h = claim(CH1, "ent_h_bits", entropy_bits(P))
    claim(CH1, "ent_h_nats", h * math.log(2))
    claim(CH1, "ent_nat_in_bits", 1 / math.log(2))


def test_ch1_surprise_figure_alt_text_matches_the_surprises():
    alt = figure_alt(CH1, "fig-ent-surprise")
    found = re.findall(r"(\w+) at (?:probability )?[\d.]+ with (?:surprise )?about ([\d.]+) bits", alt)
    assert sorted(token for token, _ in found) == sorted(VOCAB)
    for token, value in found:
        assert round(-math.log2(P[TOKEN[token]]), 1) == float(value), token


def test_ch1_huffman_code_is_the_unique_optimal_prefix_code():
    best, winners = optimal_prefix_codes(P)
    lengths = kl.huffman_lengths(P)
    assert winners == [tuple(int(l) for l in lengths)] == [(1, 2, 4, 3, 4)]
    claim(CH1, "ent_code_avg", best)
    assert glued(CH1)["ent_len_cat"] == 1 and quoted(CH1, "ent_len_cat")
    assert glued(CH1)["ent_len_mat"] == 4 and quoted(CH1, "ent_len_mat")


def test_ch1_source_coding_bounds_hold_for_P():
    """H(P) <= L < H(P) + 1 for the Huffman code, with L > H(P) because P is not dyadic."""
    h, average = entropy_bits(P), optimal_average_length(P)
    excess = claim(CH1, "ent_code_excess", average - h)
    assert h <= average < h + 1
    assert 0 < excess < 1
    assert not all(math.log2(pk).is_integer() for pk in P)  # so equality H = L is impossible


def test_ch1_kraft_sum_of_the_huffman_code_is_exactly_one():
    lengths = kl.huffman_lengths(P)
    total = sum(Fraction(1, 2 ** int(l)) for l in lengths)
    assert total == 1
    claim(CH1, "ent_kraft", 1.0, rel=0, abs=0)


def test_ch1_a_huffman_code_for_two_or_more_tokens_always_spends_the_whole_budget():
    rng = np.random.default_rng(2)
    for size in (2, 3, 5, 8, 13):
        for _ in range(40):
            lengths = kl.huffman_lengths(rng.dirichlet(np.ones(size)))
            assert sum(Fraction(1, 2 ** int(l)) for l in lengths) == 1


def test_ch1_the_average_reaches_the_entropy_only_for_powers_of_one_half():
    dyadic = np.array([0.5, 0.25, 0.125, 0.125])
    assert optimal_average_length(dyadic) == entropy_bits(dyadic)
    assert optimal_average_length(P) > entropy_bits(P)
    assert "only when every $p_k$ is a power of $1/2$" in prose(CH1)


def test_ch1_kraft_figure_alt_text_lists_the_huffman_shares():
    alt = figure_alt(CH1, "fig-ent-kraft")
    lengths = kl.huffman_lengths(P)
    found = re.findall(r"(\w+) 1/(\d+) \((\d) bits?\)", alt)
    assert [t for t, _, _ in found] == VOCAB
    for token, share, bits in found:
        assert int(bits) == lengths[TOKEN[token]] and int(share) == 2 ** int(bits)
    probabilities = re.findall(r"(\w+) (0\.\d\d)", alt)
    assert [t for t, _ in probabilities] == VOCAB
    for token, p in probabilities:
        assert float(p) == P[TOKEN[token]]


def test_ch1_shannon_code_for_P():
    """Shannon's lengths fit the budget, cost less than H + 1, and leave exactly what Huffman spends."""
    shannon, huffman = shannon_lengths(P), kl.huffman_lengths(P)
    assert shannon.tolist() == [2, 2, 4, 3, 5]
    unused = 1 - sum(Fraction(1, 2 ** int(l)) for l in shannon)
    assert unused == Fraction(9, 32)
    claim(CH1, "ent_shannon_unused", float(unused))
    average = claim(CH1, "ent_shannon_avg", float(sum(pk * int(l) for pk, l in zip(exact(P), shannon))))
    h = entropy_bits(P)
    assert optimal_average_length(P) <= average < h + 1
    # "Huffman's code spends exactly that remainder: cat 1 bit instead of 2, mat 4 instead of 5"
    assert sum(Fraction(1, 2 ** int(l)) for l in huffman) - (1 - unused) == unused
    differ = [VOCAB[k] for k in range(K) if shannon[k] != huffman[k]]
    assert differ == ["cat", "mat"]
    values = glued(CH1)
    assert (values["ent_shannon_cat"], values["ent_len_cat"]) == (shannon[TOKEN["cat"]], huffman[TOKEN["cat"]])
    assert (values["ent_shannon_mat"], values["ent_len_mat"]) == (shannon[TOKEN["mat"]], huffman[TOKEN["mat"]])
    assert quoted(CH1, "ent_shannon_cat") and quoted(CH1, "ent_shannon_mat")


def test_ch1_shannon_code_exercise_for_Q():
    """Exercise entropy-shannon-code: Shannon's lengths for Q fit the budget and average below H(Q) + 1."""
    lengths = shannon_lengths(Q)
    assert sum(Fraction(1, 2 ** int(l)) for l in lengths) <= 1
    assert float(np.sum(Q * lengths)) < entropy_bits(Q) + 1


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_ch1_block_codes_per_token_are_within_one_over_n_of_the_entropy(n):
    h = entropy_bits(P)
    per_token = optimal_average_length(blocks(P, n)) / n
    assert h <= per_token < h + 1 / n
    if n in (2, 4):
        claim(CH1, f"ent_block{n}", per_token)


def test_ch1_uniform_is_the_ceiling():
    h_uniform = claim(CH1, "ent_h_uniform", math.log(5))
    below = claim(CH1, "ent_below_uniform", math.log(5) - entropy_bits(P) * math.log(2))
    assert below > 0
    rng = np.random.default_rng(0)
    samples = rng.dirichlet(np.ones(K), size=2000)
    entropies = -np.sum(samples * np.log(samples), axis=1)
    assert np.all(entropies < h_uniform)


def test_ch1_uses_K_for_the_number_of_outcomes():
    text = prose(CH1)
    assert not re.search(r"\\log k\b|1/k\b|over \$k\$", text), "k is an index; the number of outcomes is K"
    assert r"\log K" in text and "1/K" in text


def test_ch1_surprise_argument_names_monotonicity_and_a_source():
    section = prose(CH1).split("## Surprise", 1)[1].split("##", 1)[0]
    assert "falls as $p$ grows" in section and "continuous" in section
    assert "{cite:p}`shannon1948`" in section
    # the functions it names do satisfy both rules
    for c in (0.5, 1.0, 1 / math.log(2)):
        s = lambda p: -c * math.log(p)  # noqa: E731
        assert s(0.3 * 0.2) == pytest.approx(s(0.3) + s(0.2)) and s(0.2) > s(0.3) > s(1.0) == 0


# -- chapter 2 ------------------------------------------------------------------------------------

def test_ch2_ideal_code_costs():
    h, ce = entropy_bits(P), cross_entropy_bits(P, Q)
    claim(CH2, "ce_bits", ce)
    claim(CH2, "ce_h_bits", h)
    claim(CH2, "ce_extra_bits", ce - h)
    claim(CH2, "ce_nats", ce * math.log(2))
    claim(CH2, "ce_h_nats", h * math.log(2))


def test_ch2_qs_ideal_code_is_shorter_for_on_and_mat_longer_for_cat_and_sat():
    longer = -np.log2(Q) - (-np.log2(P))
    assert longer[TOKEN["on"]] < 0 and longer[TOKEN["mat"]] < 0
    assert longer[TOKEN["cat"]] > 0 and longer[TOKEN["sat"]] > 0
    assert Q[TOKEN["on"]] > P[TOKEN["on"]] and Q[TOKEN["mat"]] > P[TOKEN["mat"]]  # "which Q over-rates"
    assert set(np.argsort(-P)[:2]) == {TOKEN["cat"], TOKEN["sat"]}                  # "the data use most"


def test_ch2_cost_figure_alt_text():
    alt = figure_alt(CH2, "fig-ce-costs")
    q_cost, p_cost = map(float, re.search(r"cat \(([\d.]+) versus ([\d.]+) bits\)", alt).groups())
    assert round(-0.4 * math.log2(Q[TOKEN["cat"]]), 2) == q_cost
    assert round(-0.4 * math.log2(P[TOKEN["cat"]]), 2) == p_cost


def test_ch2_huffman_codes_for_P_and_Q_are_the_unique_optimal_codes():
    for dist in (P, Q):
        _, winners = optimal_prefix_codes(dist)
        assert winners == [tuple(int(l) for l in kl.huffman_lengths(dist))]


def test_ch2_real_penalty_of_coding_P_with_Qs_huffman_code():
    """About 0.15 bits, below the ideal penalty D(P||Q) in bits, and not equal to it."""
    own = claim(CH2, "ce_huff_p", float(np.sum(P * kl.huffman_lengths(P))))
    wrong = claim(CH2, "ce_huff_q", float(np.sum(P * kl.huffman_lengths(Q))))
    penalty = claim(CH2, "ce_real_penalty", wrong - own)
    assert own == pytest.approx(optimal_average_length(P))
    assert penalty == pytest.approx(0.15, abs=1e-12)
    d_bits = cross_entropy_bits(P, Q) - entropy_bits(P)
    assert penalty < d_bits and abs(penalty - d_bits) > 0.1


def test_ch2_qs_huffman_code_costs_less_than_H_plus_D_but_not_less_than_H():
    wrong = float(np.sum(P * kl.huffman_lengths(Q)))
    h, ce = entropy_bits(P), cross_entropy_bits(P, Q)
    assert h <= wrong < ce  # H(P) + D(P||Q) = H(P, Q)
    assert glued(CH2)["ce_huff_q"] < glued(CH2)["ce_bits"]


def test_ch2_shannon_code_for_Q_obeys_the_wrong_code_bound():
    """Cover & Thomas Thm 5.4.3: H(P) + D(P||Q) <= L < H(P) + D(P||Q) + 1 for lengths ceil(-log2 q)."""
    lengths = shannon_lengths(Q)
    assert lengths.tolist() == [3, 2, 2, 3, 4]
    average = claim(CH2, "ce_shannon_q", float(sum(pk * int(l) for pk, l in zip(exact(P), lengths))))
    h, ce = entropy_bits(P), cross_entropy_bits(P, Q)
    d = ce - h
    assert h + d <= average < h + d + 1
    claim(CH2, "ce_bits_plus_one", h + d + 1)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_ch2_block_codes_penalty_tends_to_D(n):
    """Shannon's block code for Q, and the best block code for P, each within 1/n of their limits."""
    p_n = blocks(P, n)
    q_exact = [math.prod(block) for block in itertools.product(exact(Q), repeat=n)]
    shannon_q = float(np.sum(p_n * shannon_lengths(q_exact))) / n
    best_p = optimal_average_length(p_n) / n
    h, ce = entropy_bits(P), cross_entropy_bits(P, Q)
    assert ce <= shannon_q < ce + 1 / n
    assert h <= best_p < h + 1 / n
    assert abs((shannon_q - best_p) - (ce - h)) < 1 / n


def test_ch2_rounding_can_also_cost_more_than_the_ideal_penalty():
    swapped = P[[TOKEN["cat"], TOKEN["sat"], TOKEN["the"], TOKEN["on"], TOKEN["mat"]]]
    ideal = claim(CH2, "ce_swap_ideal", cross_entropy_bits(P, swapped) - entropy_bits(P))
    _, winners = optimal_prefix_codes(swapped)
    assert len(winners) == 1  # no ties: the Huffman lengths are the only optimal ones
    real = claim(CH2, "ce_swap_real", float(np.sum(P * np.array(winners[0]))) - optimal_average_length(P))
    assert real > ideal > 0


def test_ch2_gibbs_among_the_listed_models_and_the_sharper_models_huffman_code():
    h = entropy_bits(P)
    models = {"Q": Q, "uniform": np.full(K, 1 / K), "sharper": P ** 2 / np.sum(P ** 2), "P": P}
    for name, model in models.items():
        ce = cross_entropy_bits(P, model)
        assert ce > h + 1e-9 if name != "P" else ce == pytest.approx(h)
    # "For whole-bit codes the 'only when' fails": the sharper model has P's Huffman code
    _, winners = optimal_prefix_codes(models["sharper"])
    assert winners == optimal_prefix_codes(P)[1]
    claim(CH2, "ce_h_nats", h * math.log(2))


def test_ch2_a_wrong_code_can_be_lucky_on_a_short_text():
    """'It is about averages over P: on one short text, a wrong code can be lucky.'"""
    on = TOKEN["on"]
    assert -math.log2(Q[on]) < -math.log2(P[on])


def sample():
    """The chapter's sample: the tokens its player (explore_sampling) draws, seed 2026."""
    return sampling.draw_tokens(P, 10_000, 2026)


def test_ch2_average_loss_on_a_sample_is_the_cross_entropy_against_its_empirical_distribution():
    data = sample()
    p_hat = np.bincount(data, minlength=K) / data.size
    losses = -np.log(Q[data])
    ce_hat = float(-np.sum(p_hat * np.log(Q)))
    assert losses.mean() == pytest.approx(ce_hat, rel=1e-12)
    mean = claim(CH2, "ce_sample_mean", ce_hat)
    ce = cross_entropy_bits(P, Q) * math.log(2)
    gap = claim(CH2, "ce_sample_gap", abs(mean - ce), rel=1e-6)
    assert gap < 0.01
    claim(CH2, "ce_first_mean", float(losses[:10].mean()))
    claim(CH2, "ce_p_hat_max_diff", float(np.max(np.abs(p_hat - P))))
    assert glued(CH2)["ce_n_tokens"] == 10_000 and quoted(CH2, "ce_n_tokens")
    # On the sample itself the floor is H(P-hat), reached by Q = P-hat.
    assert float(-np.sum(p_hat * np.log(p_hat))) < ce_hat


def test_ch2_empirical_distribution_is_defined_with_its_glossary_term():
    text = prose(CH2)
    assert "{term}`empirical distribution`" in text
    assert r"H(\hat P, Q)" in text


def test_ch2_batch_loss_solution():
    """Exercise ce-batch-loss: the loss is H(P-hat, Q), above H(P, Q), because the text over-represents
    the two tokens Q finds least likely (the, mat) and under-represents cat."""
    text = "the cat sat on the mat cat sat".split()
    index = np.array([TOKEN[t] for t in text])
    p_hat = np.bincount(index, minlength=K) / len(text)
    loss = float(np.mean(-np.log(Q[index])))
    assert loss == pytest.approx(float(-np.sum(p_hat * np.log(Q))), rel=1e-12)
    assert loss > cross_entropy_bits(P, Q) * math.log(2)
    least = set(np.argsort(Q)[:2])
    assert least == {TOKEN["the"], TOKEN["mat"]}
    assert all(p_hat[k] > P[k] for k in least)
    assert p_hat[TOKEN["cat"]] < P[TOKEN["cat"]]
    solution = prose(CH2).split("{solution-start} ce-batch-loss", 1)[1].split("{solution-end}", 1)[0]
    assert "`the` and `mat`" in solution and r"H(\hat P, Q)" in solution


def explorer_call():
    calls = [source(c) for c in cells(CH2) if c["cell_type"] == "code" and "kl.explore(" in source(c)]
    assert len(calls) == 1
    return calls[0].strip()


def test_ch2_explorer_shows_exactly_entropy_cross_entropy_and_gap():
    assert explorer_call() == 'kl.explore(show=("entropy_p", "cross_entropy_pq", "gap"))'


def test_ch2_explorer_gap_is_the_divergence_and_zero_only_at_q_equals_p():
    explorer = kl.explore(show=("entropy_p", "cross_entropy_pq", "gap"))
    assert explorer.show == ("entropy_p", "cross_entropy_pq", "gap")
    h_nats = entropy_bits(P) * math.log(2)
    # the starting readouts are the numbers the prose quotes
    values = glued(CH2)
    assert explorer.readout("entropy_p") == f"{values['ce_h_nats']:.4f}"
    assert explorer.readout("cross_entropy_pq") == f"{values['ce_nats']:.4f}"
    gap0 = claim(CH2, "ce_gap_nats", (cross_entropy_bits(P, Q) - entropy_bits(P)) * math.log(2))
    assert explorer.readout("gap") == f"{gap0:.4f}"
    assert gap0 == pytest.approx(kl.kl_divergence(P, Q))
    # moving Q: H(P) stays, H(P, Q) >= H(P), the gap is H(P, Q) - H(P) = D(P||Q) > 0
    rng = np.random.default_rng(1)
    for _ in range(12):
        weights = rng.integers(1, 101, size=K) / 100
        for slider, w in zip(explorer.sliders, weights):
            slider.value = float(w)
        q = weights / weights.sum()
        ce_nats = cross_entropy_bits(P, q) * math.log(2)
        assert explorer.readout("entropy_p") == f"{h_nats:.4f}"
        assert explorer.readout("cross_entropy_pq") == f"{ce_nats:.4f}"
        assert explorer.readout("gap") == f"{ce_nats - h_nats:.4f}"
        assert float(explorer.readout("cross_entropy_pq")) >= float(explorer.readout("entropy_p"))
        assert not np.allclose(q, P) and ce_nats - h_nats > 0
    explorer.equal_button.click()
    np.testing.assert_allclose(explorer.q, P, atol=1e-12)
    assert explorer.readout("gap") == "0.0000"
    assert explorer.values["gap"] == pytest.approx(0.0, abs=1e-15)


# -- the code-space picture (issue 11) ------------------------------------------------------------

def column_areas(p, lengths, ref):
    """(longer, shorter): the areas, in bits, where `lengths` rise above and sink below `ref`,
    each column as wide as p_k; summed by hand."""
    longer = shorter = 0.0
    for pk, length, r in zip(p, lengths, ref):
        if length > r:
            longer += pk * (length - r)
        else:
            shorter += pk * (r - length)
    return longer, shorter


def test_ch1_code_space_areas_of_the_huffman_code():
    ideal = [-math.log2(pk) for pk in P]
    huffman = kl.huffman_lengths(P)
    longer, shorter = column_areas(P, huffman, ideal)
    claim(CH1, "ent_cs_longer", longer)
    claim(CH1, "ent_cs_shorter", shorter)
    # hatched minus dotted is the Huffman code's excess over H(P), the number quoted beside it
    excess = claim(CH1, "ent_code_excess", float(np.sum(P * huffman)) - entropy_bits(P))
    assert longer - shorter == pytest.approx(excess, rel=1e-9)
    sinks = [VOCAB[k] for k in range(K) if huffman[k] < ideal[k]]
    rises = [VOCAB[k] for k in range(K) if huffman[k] > ideal[k]]
    assert sinks == ["cat", "mat"] and rises == ["sat", "on", "the"]
    # "sink only because their codewords take more of the budget than p_k (a half for cat)";
    # "the other three rise to pay for it"
    for k in range(K):
        share = Fraction(1, 2 ** int(huffman[k]))
        assert (share > exact(P)[k]) == (VOCAB[k] in sinks)
    assert Fraction(1, 2 ** int(huffman[TOKEN["cat"]])) == Fraction(1, 2)
    assert glued(CH1)["ent_p_cat"] == 0.4


def test_ch1_shannon_code_never_sinks_and_rises_less_than_a_bit():
    ideal = np.array([-math.log2(pk) for pk in P])
    shannon = shannon_lengths(P)
    assert np.all(shannon >= ideal) and np.all(shannon - ideal < 1)
    assert np.array_equal(kl.shannon_lengths(P), shannon)
    claim(CH1, "ent_cs_shannon_max", float(np.max(shannon - ideal)))
    extra = claim(CH1, "ent_cs_shannon_extra", float(np.sum(P * shannon)) - entropy_bits(P))
    assert extra == pytest.approx(column_areas(P, shannon, ideal)[0]) and column_areas(P, shannon, ideal)[1] == 0


def test_ch1_code_space_figure_alt_text():
    alt = figure_alt(CH1, "fig-ent-code-space")
    widths = [float(w) for w in re.findall(r"0\.\d\d", alt.split("Solid")[0])]
    assert widths == P.tolist()
    heights = re.search(r"about ([\d., and]+) bits", alt).group(1)
    assert [float(h) for h in re.findall(r"\d\.\d", heights)] == [round(-math.log2(pk), 1) for pk in P]
    assert "sat to 2, on to 4 and the to 3 bits" in alt and "cat's column is cut down to 1 bit and mat's to 4" in alt


def test_ch2_code_space_areas_are_cross_entropy_and_divergence():
    ideal_p = [-math.log2(pk) for pk in P]
    ideal_q = [-math.log2(qk) for qk in Q]
    longer, shorter = column_areas(P, ideal_q, ideal_p)
    claim(CH2, "ce_cs_longer", longer)
    claim(CH2, "ce_cs_shorter", shorter)
    d_bits = float(np.sum(P * np.log2(P / Q)))
    claim(CH2, "ce_cs_kl_bits", d_bits)
    assert longer - shorter == pytest.approx(d_bits, rel=1e-12)
    assert claim(CH2, "ce_extra_bits", cross_entropy_bits(P, Q) - entropy_bits(P)) == pytest.approx(d_bits)
    # "mostly on cat, a wide column"; "saves ... on on and mat, narrow ones"; the is unchanged
    cat = TOKEN["cat"]
    assert P[cat] * (ideal_q[cat] - ideal_p[cat]) > longer / 2 and P[cat] == P.max()
    assert [VOCAB[k] for k in range(K) if ideal_q[k] > ideal_p[k]] == ["cat", "sat"]
    assert [VOCAB[k] for k in range(K) if ideal_q[k] < ideal_p[k]] == ["on", "mat"]
    assert Q[TOKEN["the"]] == P[TOKEN["the"]]
    assert all(P[TOKEN[t]] < P[TOKEN["sat"]] for t in ("on", "mat"))
    # Q's ideal code gives each token the budget share q_k: on 0.30 against 0.10, cat 0.20
    assert claim(CH2, "ce_cs_share_on", Q[TOKEN["on"]]) > claim(CH2, "ce_cs_p_on", P[TOKEN["on"]])
    assert claim(CH2, "ce_cs_share_cat", Q[cat]) < P[cat]
    assert 2.0 ** -ideal_q[TOKEN["on"]] == pytest.approx(Q[TOKEN["on"]])


def test_ch2_the_savings_never_make_up_for_the_payments():
    """'Whatever Q is, the dotted savings never make up for the hatched payments' (Gibbs)."""
    rng = np.random.default_rng(11)
    ideal_p = -np.log2(P)
    for q in rng.dirichlet(np.full(K, 0.5), size=2000):
        longer, shorter = column_areas(P, -np.log2(q), ideal_p)
        assert longer - shorter >= -1e-12


def test_ch2_code_space_figure_alt_text():
    alt = figure_alt(CH2, "fig-ce-code-space")
    r = lambda x: f"{x:.1f}".rstrip("0").rstrip(".")  # noqa: E731
    for token, words in (("cat", "raises cat from about {p} to {q}"), ("sat", "raises sat from {p} to {q}"),
                         ("on", "on lowered from {p} to {q}"), ("mat", "mat from {p} to {q}")):
        k = TOKEN[token]
        assert words.format(p=r(-math.log2(P[k])), q=r(-math.log2(Q[k]))) in alt, token


def test_ch1_ch2_round_up_with_kl_shannon_lengths():
    for path in (CH1, CH2):
        code = "\n".join(source(c) for c in cells(path) if c["cell_type"] == "code")
        assert "np.ceil(" not in code
        assert "kl.shannon_lengths(" in code


def test_the_code_space_picture_cites_its_source():
    assert "{cite:t}`olah2015`" in prose(CH1) and "{cite:p}`olah2015`" in prose(CH2)
    assert "@misc{olah2015," in (BOOK / "references.bib").read_text()


# -- the player (issue 14) ------------------------------------------------------------------------

def test_ch2_player_shows_the_chapters_sample_and_settles_on_the_cross_entropy():
    player = sampling.explore_sampling(n_max=10_000, seed=2026)
    assert glued(CH2)["ce_n_tokens"] == player.n_max
    data = sample()
    assert np.array_equal(player.tokens, data)
    losses = -np.log(Q[data])
    running = np.cumsum(losses) / np.arange(1, data.size + 1)
    assert player.readout("average_loss") == f"{glued(CH2)['ce_sample_mean']:.4f}" == f"{running[-1]:.4f}"
    ce = cross_entropy_bits(P, Q) * math.log(2)
    # "It wanders at first and settles on the dashed line"
    assert np.max(np.abs(running[:20] - ce)) > 0.1 > 5 * np.max(np.abs(running[5000:] - ce))
    assert np.max(np.abs(running[5000:] - ce)) < 0.02
    calls = [source(c).strip() for c in cells(CH2) if c["cell_type"] == "code" and "explore_sampling" in source(c)]
    assert len(calls) == 1 and "seed=2026" in calls[0] and "n_max=10_000" in calls[0]
    assert any(source(c).strip() == "player" for c in cells(CH2) if c["cell_type"] == "code")


# -- transfer exercises: claims of their solutions, over many students -----------------------------

STUDENTS = [f"s{i:04d}" for i in range(60)]


@pytest.fixture
def each_student():
    yield STUDENTS
    kl.student("web")


def test_ch1_transfer_shannon_is_never_shorter_than_huffman(each_student):
    """'Shannon's code is longer on average, and it always is, or equal' (Huffman is optimal)."""
    for sid in each_student:
        kl.student(sid)
        p = np.array(kl.variant("entropy-transfer-larger"))
        assert abs(p.sum() - 1) < 1e-12 and p.min() >= 0.05
        difference = float(p @ shannon_lengths(p)) - optimal_average_length(p)
        assert difference > 0.05
        assert kl.check("entropy-transfer-larger", difference).correct
    # "zero, for instance, when every p_k is a power of 1/2"
    dyadic = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625])
    assert float(dyadic @ shannon_lengths(dyadic)) == optimal_average_length(dyadic) == entropy_bits(dyadic)


def test_ch1_transfer_entropy_falls_short_of_log2_6_by_the_divergence_from_uniform(each_student):
    for sid in each_student:
        kl.student(sid)
        p = np.array(kl.variant("entropy-transfer-bits"))
        h = entropy_bits(p)
        assert 0 < h < math.log2(6)
        assert math.log2(6) - h == pytest.approx(float(np.sum(p * np.log2(p * 6))), rel=1e-12)
        assert kl.check("entropy-transfer-bits", h).correct


def test_ch2_transfer_predict_the_costliest_outcome_is_the_largest_term(each_student):
    for sid in each_student:
        kl.student(sid)
        p, q = (np.array(d) for d in kl.variant("ce-transfer-predict"))
        assert p.size == q.size == 4
        assert kl.check("ce-transfer-predict", cross_entropy_bits(p, q)).correct
        assert not kl.check("ce-transfer-predict", cross_entropy_bits(q, p)).correct or np.allclose(p, q)


def test_ch2_transfer_sharpened_or_uniform_either_can_lose(each_student):
    """'its sign depends on P' and a'; the difference is the difference of the divergences;
    sharpening moves probability to the likelier outcomes (q_k / p_k grows with p_k)."""
    signs = set()
    for sid in each_student:
        kl.student(sid)
        p, a = kl.variant("ce-transfer-larger")
        p = np.array(p)
        sharp = p ** a / np.sum(p ** a)
        uniform = np.full(p.size, 1 / p.size)
        difference = (cross_entropy_bits(p, sharp) - cross_entropy_bits(p, uniform)) * math.log(2)
        d_sharp, d_uniform = np.sum(p * np.log(p / sharp)), np.sum(p * np.log(p / uniform))
        assert difference == pytest.approx(d_sharp - d_uniform, abs=1e-12)
        assert abs(difference) > 0.01
        order = np.argsort(p, kind="stable")
        assert np.all(np.diff((sharp / p)[order]) >= -1e-12)
        assert np.max(-np.log(uniform)) == pytest.approx(math.log(5))
        assert kl.check("ce-transfer-larger", difference).correct
        signs.add(difference > 0)
    assert signs == {True, False}


def test_ch2_code_space_twin_starts_at_the_chapters_numbers_and_vanishes_at_q_equals_p():
    from klhelpers.interactives import codespace

    view = codespace.explore_code_space()
    values = glued(CH2)
    assert view.readout("cross_entropy_bits") == f"{values['ce_bits']:.4f}"
    assert view.readout("kl_bits") == f"{values['ce_cs_kl_bits']:.4f}"
    assert quoted(CH2, "ce_bits") and quoted(CH2, "ce_cs_kl_bits")
    h = view.readout("entropy_bits")
    view.set_weights(P)
    assert view.readout("kl_bits") == "0.0000" and view.readout("entropy_bits") == h
    assert view.readout("cross_entropy_bits") == h
    # "Lower cat's weight and watch its wide column rise": its Q length grows
    before = -math.log2(view.q[TOKEN["cat"]])
    weights = P.copy()
    weights[TOKEN["cat"]] = 0.1
    view.set_weights(weights)
    assert -math.log2(view.q[TOKEN["cat"]]) > before
    calls = [source(c).strip() for c in cells(CH2) if c["cell_type"] == "code" and "explore_code_space" in source(c)]
    assert calls == ["kl.interactives.explore_code_space()"]


def test_ch2_transfer_a_larger_exponent_costs_more(each_student):
    """'a larger a pushes further that way': H(P', normalize(p ** a)) grows with a, for a >= 1."""
    for sid in each_student[:20]:
        kl.student(sid)
        p = np.array(kl.variant("ce-transfer-larger")[0])
        costs = [cross_entropy_bits(p, p ** a / np.sum(p ** a)) for a in np.linspace(1, 4, 61)]
        assert np.all(np.diff(costs) > 0)


def test_ch2_savings_match_payments_only_at_q_equals_p():
    ideal_p = -np.log2(P)
    longer, shorter = column_areas(P, ideal_p, ideal_p)
    assert longer == shorter == 0
    rng = np.random.default_rng(12)
    for q in rng.dirichlet(np.ones(K), size=500):
        longer, shorter = column_areas(P, -np.log2(q), ideal_p)
        assert longer - shorter > 0
    assert "never exceed the hatched payments, and match them only when $Q = P$" in prose(CH2)
