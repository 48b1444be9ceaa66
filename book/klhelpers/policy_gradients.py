r"""What the KL estimators do as *losses*: their expected gradients with respect to a policy's logits.

RLHF code rarely computes :math:`D_{KL}(\pi \| \pi_{ref})`; it samples replies
:math:`y \sim \pi` and uses one of Schulman's estimators, with
:math:`\ell(y) = \log \pi(y) - \log \pi_{ref}(y)` and :math:`\rho(y) = e^{-\ell(y)}`,

.. math:: k_1 = \ell, \qquad k_2 = \tfrac12 \ell^2, \qquad k_3 = (\rho - 1) - \log \rho,

either **in the loss** (the estimator is differentiated through :math:`\log \pi(y)`,
the sampling is not) or **in the reward** (its value is a constant reward, and the
policy gradient :math:`k(y)\, \nabla \log \pi(y)` carries it). For a softmax policy
with logits z, :math:`\nabla_z \log \pi(y) = e_y - \pi`, and the expected gradients
are sums over the vocabulary (Tang & Munos 2025; Shao et al. 2024 for GRPO's k3):

=========  ================================================  ===========================================
estimator  in the loss: :math:`E_\pi[\nabla k(y)]`             in the reward: :math:`E_\pi[k(y) \nabla \log\pi(y)]`
=========  ================================================  ===========================================
k1         :math:`0`: it does nothing in expectation             :math:`\nabla D_{KL}(\pi \| \pi_{ref})`
k2         :math:`\nabla D_{KL}(\pi \| \pi_{ref})`               :math:`\pi \odot (k_2 - E_\pi k_2)`
k3         :math:`\pi - \pi_{ref} = \nabla D_{KL}(\pi_{ref} \| \pi)`, the *other* direction
                                                              :math:`\pi \odot (k_3 - E_\pi k_3)`
=========  ================================================  ===========================================

References
----------
Y. Tang and R. Munos, "On a few pitfalls in KL divergence gradient estimation for RL", 2025, arXiv:2506.09477.
Z. Shao et al., "DeepSeekMath", 2024, arXiv:2402.03300.
J. Schulman, "Approximating KL Divergence", 2020.
"""

import numpy as np

from .estimators import ESTIMATORS
from .logits import log_softmax
from .numerics import expm1_minus_x
from .validate import as_distribution, as_finite_array, count, positive, same_shape

__all__ = ["PLACEMENTS", "estimator_values_by_token", "estimator_gradient", "kl_gradient", "train_policy",
           "sampled_estimator_gradients"]

PLACEMENTS = ("loss", "reward")


def _policy_and_ratio(logits, ref_probs):
    z = as_finite_array(logits, "logits")
    ref = as_distribution(ref_probs, "ref_probs")
    same_shape(z, ref, ("logits", "ref_probs"))
    log_pi = log_softmax(z)
    pi = np.exp(log_pi)
    with np.errstate(divide="ignore"):
        log_ref = np.log(ref)
    blocked = np.flatnonzero((pi > 0) & (ref == 0))
    if blocked.size:
        raise ValueError(f"ref_probs is 0 at index {blocked[0]}, where the policy is not: the log ratio "
                         f"there, and every estimator, is infinite")
    with np.errstate(invalid="ignore"):  # a token neither gives any probability: its terms are 0
        ell = np.where(pi > 0, log_pi - log_ref, 0.0)
    return pi, ref, ell


def estimator_values_by_token(logits, ref_probs):
    r"""Each estimator's value at every token y: ``{"k1": l, "k2": l^2 / 2, "k3": (rho - 1) - log rho}``.

    With :math:`\ell(y) = \log \pi(y) - \log \pi_{ref}(y)`, :math:`\pi = \mathrm{softmax(logits)}`.

    Examples
    --------
    >>> values = estimator_values_by_token([0.0, 0.0], [0.25, 0.75])
    >>> values["k1"].round(4), values["k3"].round(4)
    (array([ 0.6931, -0.4055]), array([0.1931, 0.0945]))
    """
    # Tiny and huge probabilities round to 0 and inf; a NaN would still warn.
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="warn"):
        pi, ref, ell = _policy_and_ratio(logits, ref_probs)
        return {"k1": ell + 0.0, "k2": 0.5 * ell * ell, "k3": expm1_minus_x(-ell)}


def kl_gradient(logits, ref_probs, direction="forward"):
    r"""The exact gradient, with respect to the policy's logits, of a KL divergence between it and a reference.

    ``direction="forward"``: :math:`\nabla_z D_{KL}(\pi \| \pi_{ref}) = \pi \odot (\ell - E_\pi \ell)`;
    ``"reverse"``: :math:`\nabla_z D_{KL}(\pi_{ref} \| \pi) = \pi - \pi_{ref}`.

    Examples
    --------
    >>> kl_gradient([0.0, 0.0], [0.25, 0.75], "reverse")
    array([ 0.25, -0.25])
    """
    # Tiny and huge probabilities round to 0 and inf; a NaN would still warn.
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="warn"):
        pi, ref, ell = _policy_and_ratio(logits, ref_probs)
        if direction == "forward":
            return pi * (ell - np.einsum("...k,...k->...", pi, ell)[..., None])
        if direction == "reverse":
            return pi - ref
        raise ValueError(f"direction must be 'forward' (D(pi||pi_ref)) or 'reverse' (D(pi_ref||pi)), got {direction!r}")


def estimator_gradient(logits, ref_probs, estimator, placement="loss"):
    r"""The exact expected gradient, with respect to the logits, of a KL estimator used in training.

    The policy is :math:`\pi = \mathrm{softmax}(z)` and replies are drawn from it. In
    the **loss**, the estimator's value at a sampled y is differentiated through
    :math:`\log \pi(y)` (the sampling is not differentiated), and this returns
    :math:`E_{y \sim \pi}[\nabla_z k(y)]`. In the **reward**, its value is a reward
    and the policy gradient :math:`E_{y \sim \pi}[k(y)\, \nabla_z \log \pi(y)]` is
    returned. (A penalty is subtracted from the reward in training; the sign here
    is that of the estimator.) Sums over the vocabulary, no sampling; vectorised
    over a batch of rows.

    Parameters
    ----------
    logits : array_like, shape (..., K)
        The policy's logits z.
    ref_probs : array_like, shape (..., K)
        The reference policy's probabilities; 0 is allowed only where the policy is 0 too.
    estimator : {"k1", "k2", "k3"}
    placement : {"loss", "reward"}

    Returns
    -------
    ndarray, shape (..., K)
        The expected gradient; its entries sum to 0 (adding a constant to the logits changes nothing).

    Examples
    --------
    >>> z, ref = [0.0, 0.0], [0.25, 0.75]
    >>> estimator_gradient(z, ref, "k1")                  # in the loss, k1 does nothing on average
    array([0., 0.])
    >>> bool(np.allclose(estimator_gradient(z, ref, "k2"), kl_gradient(z, ref, "forward")))
    True
    >>> bool(np.allclose(estimator_gradient(z, ref, "k3"), kl_gradient(z, ref, "reverse")))  # the other KL
    True
    >>> bool(np.allclose(estimator_gradient(z, ref, "k1", "reward"), kl_gradient(z, ref, "forward")))
    True
    """
    # Tiny and huge probabilities round to 0 and inf; a NaN would still warn.
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="warn"):
        if estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
        if placement not in PLACEMENTS:
            raise ValueError(f"placement must be 'loss' or 'reward', got {placement!r}")
        pi, ref, ell = _policy_and_ratio(logits, ref_probs)
        if placement == "reward":  # E[k grad log pi] = sum_y pi(y) k(y) (e_y - pi) = pi * (k - E_pi k)
            k = estimator_values_by_token(logits, ref_probs)[estimator]
            return pi * (k - np.einsum("...k,...k->...", pi, k)[..., None])
        if estimator == "k1":  # E[e_y - pi] = 0 exactly
            return np.zeros_like(pi)
        if estimator == "k2":  # E[l(y) (e_y - pi)]
            return pi * (ell - np.einsum("...k,...k->...", pi, ell)[..., None])
        return pi - ref        # k3: E[(1 - rho(y)) (e_y - pi)] = (pi - ref) - pi sum(pi - ref)


def train_policy(logits, ref_probs, reward, beta, estimator, placement="loss", steps=200, learning_rate=0.5):
    r"""Train a one-step policy by exact expected-gradient ascent on reward minus a KL estimator.

    Each step moves the logits along
    :math:`
abla_z E_\pi[r] - eta\, g`, where :math:`
abla_z E_\pi[r] = \pi \odot (r - E_\pi r)`
    and g is :func:`estimator_gradient` of the chosen estimator and placement: the
    update a sampled training run makes *on average*, with no sampling noise. Where
    g is the true gradient of :math:`D_{KL}(\pi \| \pi_{ref})` (k2 in the loss, k1 in the
    reward) the run climbs the RLHF objective and ends at its optimum
    :math:`\pi^* \propto \pi_{ref} e^{r/eta}`; with k1 in the loss the penalty does
    nothing; with k3 in the loss it climbs :math:`E_\pi[r] - eta D_{KL}(\pi_{ref} \| \pi)`, another
    objective with another optimum.

    Parameters
    ----------
    logits : array_like, shape (K,)
        The starting logits (e.g. ``log ref_probs``: the policy starts at the reference).
    ref_probs, reward : array_like, shape (K,)
        The reference policy and each reply's reward.
    beta : float
        The KL coefficient, > 0.
    estimator, placement : see :func:`estimator_gradient`.
    steps : int
        Number of gradient steps.
    learning_rate : float
        Step size, > 0.

    Returns
    -------
    ndarray, shape (steps + 1, K)
        The policy's probabilities after 0, 1, ..., steps steps.

    Examples
    --------
    >>> ref, r = np.array([0.5, 0.5]), np.array([0.0, 1.0])
    >>> run = train_policy(np.log(ref), ref, r, 1.0, "k2", steps=400)
    >>> bool(np.allclose(run[-1], ref * np.exp(r) / (ref @ np.exp(r)), atol=1e-6))  # the optimum
    True
    """
    z = as_finite_array(logits, "logits").astype(float, copy=True)
    ref = as_distribution(ref_probs, "ref_probs")
    r = as_finite_array(reward, "reward")
    same_shape(z, ref, ("logits", "ref_probs"))
    same_shape(z, r, ("logits", "reward"))
    if z.ndim != 1:
        raise ValueError(f"logits must be one vector (shape (K,)), got shape {z.shape}")
    beta, rate, steps = positive(beta, "beta"), positive(learning_rate, "learning_rate"), count(steps, "steps", 0)
    if steps > 1_000_000:
        raise ValueError(f"steps must be at most 1000000 (one policy is kept per step), got {steps}")
    estimator_gradient(z, ref, estimator, placement)  # checks the estimator and the placement once
    policies = np.empty((steps + 1, z.size))
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="warn"):
        for step in range(steps + 1):
            pi = np.exp(log_softmax(z))
            policies[step] = pi
            if step < steps:
                z += rate * (pi * (r - pi @ r) - beta * estimator_gradient(z, ref, estimator, placement))
    return policies



def sampled_estimator_gradients(logits, ref_probs, estimator, tokens):
    r"""The gradient, with respect to the logits, of an estimator used as a loss, at each sampled token.

    With the sampling not differentiated, :math:`\nabla_z \log \pi(y) = e_y - \pi`, so at a
    sampled token y the three estimators' gradients are

    .. math:: \nabla k_1 = e_y - \pi, \quad \nabla k_2 = \ell(y)\,(e_y - \pi), \quad
              \nabla k_3 = (1 - \rho(y))\,(e_y - \pi) .

    Their mean over many draws :math:`y \sim \pi` tends to :func:`estimator_gradient`.

    Parameters
    ----------
    logits, ref_probs : array_like, shape (K,)
    estimator : {"k1", "k2", "k3"}
    tokens : array_like of int, shape (n,)
        The sampled tokens' indices.

    Returns
    -------
    ndarray, shape (n, K)

    Examples
    --------
    >>> sampled_estimator_gradients([0.0, 0.0], [0.25, 0.75], "k3", [0, 1]).round(4)
    array([[ 0.25, -0.25],
           [ 0.25, -0.25]])
    """
    # Tiny and huge probabilities round to 0 and inf; a NaN would still warn.
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="warn"):
        if estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
        pi, ref, ell = _policy_and_ratio(logits, ref_probs)
        if pi.ndim != 1:
            raise ValueError(f"logits must be one vector (shape (K,)), got shape {pi.shape}")
        y = np.asarray(tokens)
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer) or (y.size and (y.min() < 0 or y.max() >= pi.size)):
            raise ValueError(f"tokens must be a 1-d array of indices in 0..{pi.size - 1}")
        score = np.eye(pi.size)[y] - pi                   # grad of log pi(y), one row per draw
        weight = {"k1": np.ones(y.size), "k2": ell[y], "k3": 1.0 - np.exp(-ell[y])}[estimator]
        return weight[:, None] * score
