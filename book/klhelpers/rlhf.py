r"""The KL-regularised RLHF objective and its optimum.

:math:`J(\pi) = E_{y \sim \pi}[r(y)] - \beta\, D_{KL}(\pi \| \pi_{ref})`, the objective of
Ziegler et al. (2019) and Ouyang et al. (2022) for one context, and the policy
that maximises it in closed form.

References
----------
D. M. Ziegler et al., "Fine-Tuning Language Models from Human Preferences", 2019.
L. Ouyang et al., "Training language models to follow instructions with human feedback", 2022.
"""

import numpy as np

from .divergences import float_or_array, kl_divergence
from .validate import as_distribution, as_finite_array, distribution_pair, positive, same_shape

__all__ = ["optimal_policy", "rlhf_objective"]

def optimal_policy(reference, reward, beta):
    r"""The policy that maximises reward minus :math:`\beta` times the KL divergence from a reference.

    Over a finite set of replies y, the maximiser of the RLHF objective
    :math:`E_{\pi}[r(y)] - \beta\, D_{KL}(\pi \| \pi_{ref})` (see :func:`rlhf_objective`) is

    .. math:: \pi^*(y) = \frac{\pi_{ref}(y)\, e^{r(y)/\beta}}{\sum_{y'} \pi_{ref}(y')\, e^{r(y')/\beta}}

    the reference re-weighted by exponentiated reward. A large :math:`\beta`
    keeps :math:`\pi^*` near :math:`\pi_{ref}`; as :math:`\beta \to 0` it piles
    onto the best-rewarded replies the reference allows. Replies with
    :math:`\pi_{ref}(y) = 0` keep probability 0 for every :math:`\beta`: the
    penalty would be infinite. Computed in log space (no overflow for tiny
    :math:`\beta` or large rewards).

    Parameters
    ----------
    reference : array_like, shape (..., n)
        The reference policy :math:`\pi_{ref}`: probabilities along the last axis.
    reward : array_like, shape (..., n)
        Finite reward of each reply, same shape.
    beta : float
        The KL coefficient, positive and finite.

    Returns
    -------
    ndarray, shape (..., n)

    Examples
    --------
    >>> optimal_policy([0.5, 0.5], [0.0, np.log(3)], beta=1.0)
    array([0.25, 0.75])
    >>> optimal_policy([0.5, 0.5], [0.0, 1.0], beta=1e-9)
    array([0., 1.])
    """
    # over: a reward gap beyond 1.8e308 (or a tiny beta) sends a log-weight to -inf, a weight of 0.
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        ref = as_distribution(reference, "reference")
        r = as_finite_array(reward, "reward")
        same_shape(ref, r, ("reference", "reward"))
        b = positive(beta, "beta")
        allowed = ref > 0
        reward_allowed = np.where(allowed, r, -np.inf)
        gap = reward_allowed - reward_allowed.max(axis=-1, keepdims=True)  # <= 0; -inf where ref = 0
        log_weights = np.log(np.where(allowed, ref, 1.0)) + gap / b
        log_weights -= log_weights.max(axis=-1, keepdims=True)
        weights = np.exp(log_weights)
        return weights / weights.sum(axis=-1, keepdims=True)


def rlhf_objective(policy, reference, reward, beta):
    r"""The KL-regularised RLHF objective: expected reward minus :math:`\beta` times KL to the reference.

    .. math:: J(\pi) = \sum_y \pi(y)\, r(y) - \beta\, D_{KL}(\pi \| \pi_{ref})

    (Ziegler et al. 2019; Ouyang et al. 2022). The divergence runs from the
    policy being trained to the frozen reference, so it is an expectation over
    the policy's own samples, and it is infinite if the policy produces
    anything the reference never would. It is computed with
    :func:`klhelpers.kl_divergence` in nats, so :math:`\beta` converts nats into
    reward units. :func:`optimal_policy` gives the maximiser.

    Parameters
    ----------
    policy, reference : array_like, shape (..., n)
        Probabilities of the policy :math:`\pi` and the reference :math:`\pi_{ref}`.
    reward : array_like, shape (..., n)
        Finite reward of each reply.
    beta : float
        The KL coefficient, positive and finite.

    Returns
    -------
    float or ndarray, shape (...)

    Examples
    --------
    >>> rlhf_objective([0.5, 0.5], [0.5, 0.5], [0.0, 1.0], beta=0.1)
    0.5
    >>> round(rlhf_objective([0.0, 1.0], [0.5, 0.5], [0.0, 1.0], beta=0.1), 4)  # 1 - 0.1 ln 2
    0.9307
    """
    # over: an objective beyond the float range is -inf or inf.
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        pi, ref = distribution_pair(policy, reference, ("policy", "reference"))
        r = as_finite_array(reward, "reward")
        if r.shape != pi.shape:
            raise ValueError(f"reward must have the policy's shape {pi.shape}, got {r.shape}")
        b = positive(beta, "beta")
        # Half of J: rewards near 1.8e308 cannot overflow E[r] / 2, so an infinite penalty
        # gives -inf rather than inf - inf.
        half = np.einsum("...k,...k->...", pi, r / 2.0) - (b / 2.0) * np.asarray(kl_divergence(pi, ref))
        return float_or_array(2.0 * half)
