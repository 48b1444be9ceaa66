r"""A small autoregressive model given as tables, and the KL divergence between two of them over sequences.

A language model generates a sequence :math:`y_1, \dots, y_T` one token at a
time, each from a next-token distribution that depends on the tokens so far.
For a vocabulary of K tokens and a few steps, every sequence can be enumerated:
the model is a list of tables, ``tables[t][y_1, ..., y_t]`` being the
distribution of :math:`y_{t+1}` (shape ``(K,) * t + (K,)``). The chain rule for
KL (Cover & Thomas 2006, Theorem 2.5.3) splits the divergence between two such
models over whole sequences into expected per-token divergences:

.. math:: D_{KL}\big(\pi(y_{1:T}) \,\|\, \pi_{ref}(y_{1:T})\big)
          = \sum_{t=1}^{T} \mathbb E_{y_{<t} \sim \pi}\Big[D_{KL}\big(\pi(\cdot \mid y_{<t}) \,\|\,
            \pi_{ref}(\cdot \mid y_{<t})\big)\Big].
"""

import numpy as np

from .divergences import kl_divergence
from .logits import log_softmax
from .validate import as_distribution, as_finite_array

__all__ = ["sequence_probabilities", "sequence_kl", "per_step_kl", "sequence_kl_gradient"]


def _tables(tables, name):
    if isinstance(tables, np.ndarray) or not isinstance(tables, (list, tuple)) or not tables:
        raise ValueError(f"{name} must be a list of tables, one per step (the first of shape (K,))")
    checked = [as_distribution(table, f"{name}[{t}]") for t, table in enumerate(tables)]
    k = checked[0].shape[-1]
    for t, table in enumerate(checked):
        if table.shape != (k,) * (t + 1):
            raise ValueError(f"{name}[{t}] must have shape {(k,) * (t + 1)} (the next-token distribution "
                             f"after each of the K**{t} prefixes), got {table.shape}")
    return checked


def sequence_probabilities(tables):
    r"""The probability of every sequence :math:`y_{1:T}`: an array of shape ``(K,) * T``.

    .. math:: \pi(y_{1:T}) = \prod_{t=1}^{T} \pi(y_t \mid y_{<t})

    Examples
    --------
    >>> sequence_probabilities([[0.5, 0.5], [[1.0, 0.0], [0.25, 0.75]]])
    array([[0.5  , 0.   ],
           [0.125, 0.375]])
    """
    # Tiny and huge probabilities round to 0 and inf; a NaN would still warn.
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="warn"):
        tables = _tables(tables, "tables")
        joint = tables[0]
        for table in tables[1:]:
            joint = joint[..., None] * table
        return joint


def sequence_kl(policy, reference, base=None):
    r"""KL divergence between two autoregressive models over whole sequences, by enumeration.

    :math:`D_{KL}(\pi(y_{1:T}) \,\|\, \pi_{ref}(y_{1:T}))`, summing over all :math:`K^T`
    sequences with :func:`klhelpers.kl_divergence`. :func:`per_step_kl` gives the
    chain rule's terms, which add up to the same number.

    Parameters
    ----------
    policy, reference : list of array_like
        One table per step: ``tables[t]`` has shape ``(K,) * (t + 1)``, the distribution
        of token t + 1 after each prefix (see the module's docstring).

    Examples
    --------
    >>> pi = [[0.5, 0.5], [[1.0, 0.0], [0.5, 0.5]]]
    >>> ref = [[0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]]]
    >>> round(sequence_kl(pi, ref, base=2), 12)  # half the time the second token is certain: 1/2 bit
    0.5
    """
    # Tiny and huge probabilities round to 0 and inf; a NaN would still warn.
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="warn"):
        p, q = sequence_probabilities(policy), sequence_probabilities(reference)
        if p.shape != q.shape:
            raise ValueError(f"policy and reference must have the same vocabulary and length, got {p.shape} and {q.shape}")
        return kl_divergence(p.ravel(), q.ravel(), base)


def per_step_kl(policy, reference, base=None):
    r"""The chain rule's terms: :math:`\mathbb E_{y_{<t} \sim \pi}[D_{KL}(\pi(\cdot \mid y_{<t}) \| \pi_{ref}(\cdot \mid y_{<t}))]` for each t.

    Their sum is :func:`sequence_kl`. The expectation is over the prefixes the
    *policy* generates: that is what makes the sum over sampled tokens' log
    ratios an unbiased estimate of the sequence KL.

    Examples
    --------
    >>> pi = [[0.5, 0.5], [[1.0, 0.0], [0.5, 0.5]]]
    >>> ref = [[0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]]]
    >>> [round(v, 12) for v in per_step_kl(pi, ref, base=2)]
    [0.0, 0.5]
    """
    # Tiny and huge probabilities round to 0 and inf; a NaN would still warn.
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="warn"):
        pi, ref = _tables(policy, "policy"), _tables(reference, "reference")
        if len(pi) != len(ref) or pi[0].shape != ref[0].shape:
            raise ValueError("policy and reference must have the same vocabulary and number of steps")
        terms, prefix = [], np.ones(())
        for table_pi, table_ref in zip(pi, ref):
            per_prefix = np.asarray(kl_divergence(table_pi, table_ref, base))  # one value per prefix
            with np.errstate(invalid="ignore"):  # a prefix the policy never generates: weight 0
                terms.append(float(np.where(prefix > 0, prefix * per_prefix, 0.0).sum()) + 0.0)
            prefix = prefix[..., None] * table_pi
        return terms


def sequence_kl_gradient(policy_logits, reference):
    r"""The gradient of the sequence KL with respect to every logit of the policy: full and token-level.

    The policy is tabular: ``policy_logits[t]`` has shape ``(K,) * (t + 1)``, the logits of
    token t + 1 after each prefix h, and :math:`\pi(\cdot \mid h) = \mathrm{softmax}`. With
    :math:`\pi(h)` the probability that the policy writes the prefix h,
    :math:`\ell(h, y) = \log \pi(y \mid h) - \log \pi_{ref}(y \mid h)` and
    :math:`V(h y)` the expected KL still to come after h y (the sum of the later chain-rule
    terms, given h y), the gradient of :math:`D_{KL}(\pi(y_{1:T}) \| \pi_{ref}(y_{1:T}))`
    with respect to the logits at h is

    .. math:: \pi(h)\; \pi(\cdot \mid h) \odot \big(g - \mathbb E_{\pi(\cdot \mid h)}[g]\big),
              \qquad g = \ell(h, \cdot) + V(h\, \cdot) .

    A **token-level** loss (a per-token estimator differentiated through
    :math:`\log \pi(y_t \mid y_{<t})` at the sampled prefixes, as k2 in the loss) gives, in
    expectation, the same with :math:`g = \ell` alone: it misses the :math:`V` term, how the
    token chosen now changes which later states are visited (Tang & Munos 2025, section 4).

    Parameters
    ----------
    policy_logits : list of array_like
        One table of logits per step, ``policy_logits[t]`` of shape ``(K,) * (t + 1)``.
    reference : list of array_like
        The reference's tables of probabilities, same shapes (see :func:`sequence_kl`).

    Returns
    -------
    full, token_level : list of ndarray
        The two gradients, one array per step, shaped like ``policy_logits``.

    Examples
    --------
    >>> z = [np.log([0.5, 0.5]), np.log([[0.9, 0.1], [0.5, 0.5]])]
    >>> ref = [[0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]]]
    >>> full, token = sequence_kl_gradient(z, ref)
    >>> full[1].round(4).tolist() == token[1].round(4).tolist()   # the last step: nothing to come
    True
    >>> full[0].round(4), token[0]       # step 1: only the full gradient sees the KL to come
    (array([ 0.092, -0.092]), array([0., 0.]))
    """
    # Tiny and huge probabilities round to 0 and inf; a NaN would still warn.
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="warn"):
        if isinstance(policy_logits, np.ndarray) or not isinstance(policy_logits, (list, tuple)) or not policy_logits:
            raise ValueError("policy_logits must be a list of tables of logits, one per step")
        logits = [as_finite_array(z, f"policy_logits[{t}]") for t, z in enumerate(policy_logits)]
        ref = _tables(reference, "reference")
        if len(logits) != len(ref) or any(z.shape != r.shape for z, r in zip(logits, ref)):
            raise ValueError(f"policy_logits must have the reference's shapes "
                             f"{[r.shape for r in ref]}, got {[z.shape for z in logits]}")
        log_pi = [log_softmax(z) for z in logits]
        pi = [np.exp(lp) for lp in log_pi]
        blocked = [np.argwhere((p > 0) & (r == 0)) for p, r in zip(pi, ref)]
        for t, where in enumerate(blocked):
            if where.size:
                raise ValueError(f"reference[{t}] is 0 at index {tuple(int(i) for i in where[0])}, "
                                 "where the policy is not: "
                                 "the sequence KL is infinite")
        ell = [np.where(p > 0, lp - np.log(np.where(r > 0, r, 1.0)), 0.0) for p, lp, r in zip(pi, log_pi, ref)]
        # V[t][h y]: expected KL of steps t+1.. after the prefix h y (of length t + 1).
        steps = len(pi)
        to_come = [None] * steps
        to_come[-1] = np.zeros(pi[-1].shape)
        for t in range(steps - 2, -1, -1):
            later = (pi[t + 1] * (ell[t + 1] + to_come[t + 1])).sum(axis=-1)   # KL from the prefix on
            to_come[t] = later
        prefix = np.ones(())
        full, token = [], []
        for t in range(steps):
            weight = prefix[..., None] * pi[t]
            for g, out in ((ell[t] + to_come[t], full), (ell[t], token)):
                centred = g - (pi[t] * g).sum(axis=-1, keepdims=True)
                out.append(weight * centred)
            prefix = prefix[..., None] * pi[t]
        return full, token
