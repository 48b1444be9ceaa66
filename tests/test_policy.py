"""Estimator gradients and sequence KL against finite differences, sampling and brute-force enumeration."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import klhelpers as kl
from klhelpers import policy_gradients as pg
from klhelpers import sequences


def numerical_gradient(f, z, step=1e-6):
    """Central differences of f at the logits z."""
    z = np.asarray(z, dtype=float)
    grad = np.zeros_like(z)
    for k in range(z.size):
        up, down = z.copy(), z.copy()
        up[k] += step
        down[k] -= step
        grad[k] = (f(up) - f(down)) / (2 * step)
    return grad


logits_strategy = arrays(float, 5, elements=st.floats(-4, 4))
reference_strategy = arrays(float, 5, elements=st.floats(0.05, 1)).map(lambda w: w / w.sum())


@settings(max_examples=60, deadline=None)
@given(logits_strategy, reference_strategy)
def test_expected_gradients_in_the_loss_match_finite_differences(z, ref):
    forward = numerical_gradient(lambda v: kl.kl_divergence(kl.softmax(v), ref), z)
    reverse = numerical_gradient(lambda v: kl.kl_divergence(ref, kl.softmax(v)), z)
    np.testing.assert_allclose(pg.estimator_gradient(z, ref, "k1"), 0.0, atol=0)
    np.testing.assert_allclose(pg.estimator_gradient(z, ref, "k2"), forward, atol=1e-7)
    np.testing.assert_allclose(pg.estimator_gradient(z, ref, "k3"), reverse, atol=1e-7)
    # KL in the reward: k1 with the score function is the forward gradient, unbiased.
    np.testing.assert_allclose(pg.estimator_gradient(z, ref, "k1", "reward"), forward, atol=1e-7)
    for estimator in ("k1", "k2", "k3"):
        for placement in pg.PLACEMENTS:
            assert abs(pg.estimator_gradient(z, ref, estimator, placement).sum()) < 1e-12


def test_expected_gradients_match_the_average_of_sampled_gradients():
    """Sample y ~ pi, differentiate each sample's estimator (loss) or weight its score (reward), average."""
    rng = np.random.default_rng(3)
    z = np.log(kl.Q)  # the policy is the book's Q, the reference its P
    pi, ref = kl.softmax(z), kl.P
    draws = rng.choice(5, size=400_000, p=pi)
    score = np.eye(5)[draws] - pi                       # grad of log pi(y) for each draw
    ell = np.log(pi[draws]) - np.log(ref[draws])
    rho = np.exp(-ell)
    sampled = {("k1", "loss"): score, ("k2", "loss"): ell[:, None] * score,
               ("k3", "loss"): (1 - rho)[:, None] * score, ("k1", "reward"): ell[:, None] * score}
    for (estimator, placement), gradients in sampled.items():
        mean = gradients.mean(axis=0)
        standard_error = gradients.std(axis=0) / math.sqrt(len(draws))
        exact = pg.estimator_gradient(z, ref, estimator, placement)
        assert np.all(np.abs(mean - exact) <= 5 * standard_error + 1e-12), (estimator, placement)


def test_estimator_gradients_are_vectorised_and_checked():
    z = np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])
    ref = np.full((2, 3), 1 / 3)
    batch = pg.estimator_gradient(z, ref, "k3")
    for row in range(2):
        np.testing.assert_array_equal(batch[row], pg.estimator_gradient(z[row], ref[row], "k3"))
    with pytest.raises(ValueError, match="estimator must be one of"):
        pg.estimator_gradient(z, ref, "k4")
    with pytest.raises(ValueError, match="placement must be"):
        pg.estimator_gradient(z, ref, "k1", "advantage")
    with pytest.raises(ValueError, match="ref_probs is 0 at index 2"):
        pg.estimator_gradient([0.0, 0.0, 0.0], [0.5, 0.5, 0.0], "k2")


# -- sequences --------------------------------------------------------------------------------------------

def random_model(rng, k, steps, floor=0.0):
    tables = []
    for t in range(steps):
        table = rng.dirichlet(np.ones(k), size=(k,) * t).reshape((k,) * t + (k,))
        tables.append((1 - floor) * table + floor / k)
    return tables


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_sequence_kl_by_enumeration_equals_the_chain_rule(steps):
    rng = np.random.default_rng(steps)
    pi, ref = random_model(rng, 5, steps), random_model(rng, 5, steps, floor=0.01)
    brute = 0.0
    for seq in itertools.product(range(5), repeat=steps):
        p = math.prod(pi[t][seq[:t]][seq[t]] for t in range(steps))
        q = math.prod(ref[t][seq[:t]][seq[t]] for t in range(steps))
        brute += p * math.log(p / q) if p > 0 else 0.0
    assert sequences.sequence_kl(pi, ref) == pytest.approx(brute, rel=1e-12)
    assert sum(sequences.per_step_kl(pi, ref)) == pytest.approx(brute, rel=1e-12)
    np.testing.assert_allclose(sequences.sequence_probabilities(pi).sum(), 1.0)


def test_summed_per_token_log_ratios_estimate_the_sequence_kl_without_bias():
    rng = np.random.default_rng(9)
    pi, ref = random_model(rng, 5, 3), random_model(rng, 5, 3, floor=0.05)
    n = 200_000
    totals = np.zeros(n)
    prefix = [()] * n
    for t in range(3):
        rows = np.array([pi[t][p] for p in prefix])
        draws = (rows.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
        totals += np.log(rows[np.arange(n), draws]) - np.log([ref[t][p][d] for p, d in zip(prefix, draws)])
        prefix = [p + (d,) for p, d in zip(prefix, draws)]
    exact = sequences.sequence_kl(pi, ref)
    assert abs(totals.mean() - exact) <= 5 * totals.std() / math.sqrt(n)


def test_sequence_tables_are_checked():
    with pytest.raises(ValueError, match=r"tables\[1\] must have shape \(2, 2\)"):
        sequences.sequence_probabilities([[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match="list of tables"):
        sequences.sequence_kl(np.array([0.5, 0.5]), [[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"policy\[0\] sums to"):
        sequences.per_step_kl([[0.5, 0.6]], [[0.5, 0.5]])


# -- training runs on the five tokens ---------------------------------------------------------------------

REWARD = np.array([0.0, 0.0, 0.0, 0.0, 1.0])  # the reward model likes "mat"
BETA = 0.2


def run(estimator, placement="loss", steps=3000):
    return kl.train_policy(np.log(kl.P), kl.P, REWARD, BETA, estimator, placement, steps=steps, learning_rate=1.0)


def test_the_true_gradient_reaches_the_closed_form_optimum():
    optimum = kl.optimal_policy(kl.P, REWARD, BETA)
    for estimator, placement in (("k2", "loss"), ("k1", "reward")):
        assert kl.total_variation(run(estimator, placement)[-1], optimum) < 1e-6, (estimator, placement)


def test_k1_in_the_loss_ignores_the_penalty():
    final = run("k1", steps=600)[-1]
    assert final[4] > 0.99  # piles onto the rewarded token, as if beta were 0
    np.testing.assert_allclose(run("k1", steps=50)[-1], kl.train_policy(
        np.log(kl.P), kl.P, REWARD, 1e6, "k1", steps=50, learning_rate=1.0)[-1], atol=1e-15)


def test_k3_in_the_loss_climbs_another_objective():
    """At its end the gradient of E[r] - beta D(pi_ref || pi) vanishes, and it is not pi*."""
    final = run("k3")[-1]
    z = np.log(final)
    gradient = final * (REWARD - final @ REWARD) - BETA * pg.kl_gradient(z, kl.P, "reverse")
    assert np.abs(gradient).max() < 1e-9
    assert kl.total_variation(final, kl.optimal_policy(kl.P, REWARD, BETA)) > 0.05


def test_training_runs_are_checked():
    with pytest.raises(ValueError, match="beta must be positive"):
        kl.train_policy(np.zeros(5), kl.P, REWARD, 0.0, "k2")
    with pytest.raises(ValueError, match="estimator must be one of"):
        kl.train_policy(np.zeros(5), kl.P, REWARD, 1.0, "k9")
    with pytest.raises(ValueError, match="steps must be at most"):
        kl.train_policy(np.zeros(5), kl.P, REWARD, 1.0, "k2", steps=10**7)
