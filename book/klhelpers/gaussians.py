r"""KL divergence and entropy for Gaussian distributions, in closed form, and the ELBO of a small model.

For densities the sums become integrals: the KL divergence
:math:`D_{KL}(P \| Q) = \int p(x) \log \frac{p(x)}{q(x)}\, dx` keeps its meaning (and
its properties), while the *differential* entropy :math:`h(P) = -\int p \log p`
can be negative and changes under a change of variables (Cover & Thomas 2006,
chapter 8). Between Gaussians both have closed forms:

.. math::

    D_{KL}\big(\mathcal N(\mu_p, \sigma_p^2) \,\|\, \mathcal N(\mu_q, \sigma_q^2)\big)
      &= \log\frac{\sigma_q}{\sigma_p} + \frac{\sigma_p^2 + (\mu_p - \mu_q)^2}{2\sigma_q^2} - \frac12, \\
    h\big(\mathcal N(\mu, \sigma^2)\big) &= \tfrac12 \log(2 \pi e \sigma^2).

The variational-inference part is a conjugate model small enough for every
quantity to be exact: :math:`z \sim \mathcal N(0, 1)`, :math:`x \mid z \sim \mathcal N(z, s^2)`.
"""

import math

import numpy as np

from .divergences import float_or_array, kl_divergence
from .fits import gaussian_family
from .logits import kl_from_logits
from .numerics import d_minus_log1p, log_ratio
from .validate import as_covariance, as_finite_numbers, as_positive_numbers, as_vector, bounded_real, log_of_base, positive

__all__ = ["kl_gaussian", "kl_gaussian_mv", "gaussian_entropy", "discretize_gaussian", "bin_centers",
           "binned_kl_gaussian", "HALF_RANGE", "posterior", "log_evidence", "elbo"]

#: Bins tile [-HALF_RANGE, HALF_RANGE] in :func:`discretize_gaussian` (nine standard deviations of
#: the widest Gaussian the book bins, N(3, 3^2), fit inside).
HALF_RANGE = 30.0


def kl_gaussian(mu_p, sigma_p, mu_q, sigma_q):
    r"""KL divergence between two univariate Gaussians, in nats; arguments broadcast.

    .. math:: D_{KL}(\mathcal N(\mu_p, \sigma_p^2) \,\|\, \mathcal N(\mu_q, \sigma_q^2))
              = \tfrac12 \big(\rho - 1 - \log \rho\big) + \frac{(\mu_p - \mu_q)^2}{2 \sigma_q^2},
              \qquad \rho = \sigma_p^2 / \sigma_q^2

    written so that nothing cancels when the two are close: :math:`\rho - 1 - \log\rho`
    is :func:`klhelpers.numerics.d_minus_log1p` of :math:`\rho - 1`. Standard
    deviations must be positive.

    Examples
    --------
    >>> kl_gaussian(0.0, 1.0, 0.0, 1.0)
    0.0
    >>> round(kl_gaussian(1.0, 1.0, 0.0, 1.0), 12)  # (mu_p - mu_q)^2 / 2
    0.5
    >>> round(kl_gaussian(0.0, 1.0, 0.0, 2.0), 6), round(kl_gaussian(0.0, 2.0, 0.0, 1.0), 6)  # not symmetric
    (0.318147, 0.806853)
    """
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="warn"):
        mu_p, mu_q = as_finite_numbers(mu_p, "mu_p"), as_finite_numbers(mu_q, "mu_q")
        sigma_p, sigma_q = as_positive_numbers(sigma_p, "sigma_p"), as_positive_numbers(sigma_q, "sigma_q")
        try:
            mu_p, sigma_p, mu_q, sigma_q = np.broadcast_arrays(mu_p, sigma_p, mu_q, sigma_q)
        except ValueError:
            raise ValueError("mu_p, sigma_p, mu_q and sigma_q must broadcast against each other") from None
        shape, shift = mu_p.shape, 0.5 * ((mu_p - mu_q) / sigma_q) ** 2
        sigma_p, sigma_q = np.atleast_1d(sigma_p).ravel(), np.atleast_1d(sigma_q).ravel()
        # sigma_p - sigma_q is exact when the two are close, so rho - 1 keeps every digit;
        # log rho comes from log_ratio, accurate whether the two are close or far apart.
        excess = (sigma_p - sigma_q) / sigma_q
        change = excess * (excess + 2.0)  # rho - 1 = (sigma_p / sigma_q)^2 - 1
        spread = 0.5 * d_minus_log1p(change, 2.0 * log_ratio(sigma_p, sigma_q)).reshape(shape)
        return float_or_array(spread + shift)


def kl_gaussian_mv(mean_p, cov_p, mean_q, cov_q):
    r"""KL divergence between two multivariate Gaussians in d dimensions, in nats.

    .. math::

        D_{KL}(\mathcal N(m_p, \Sigma_p) \,\|\, \mathcal N(m_q, \Sigma_q))
        = \tfrac12 \Big[\operatorname{tr}(\Sigma_q^{-1} \Sigma_p) - d
          + \log\frac{\det \Sigma_q}{\det \Sigma_p}
          + (m_q - m_p)^\top \Sigma_q^{-1} (m_q - m_p)\Big]

    (Cover & Thomas, section 8.6; Bishop 2006, section 2.3). Computed from the
    eigenvalues :math:`\lambda_i` of :math:`\Sigma_q^{-1} \Sigma_p` as
    :math:`\tfrac12 \sum_i (\lambda_i - 1 - \log \lambda_i)` plus the Mahalanobis term:
    every term is non-negative, so nothing cancels (the eigenvalues themselves carry
    an error of about 1e-16). Covariances must be symmetric and positive definite.

    Examples
    --------
    >>> kl_gaussian_mv([0, 0], [[1, 0], [0, 1]], [0, 0], [[1, 0], [0, 1]])
    0.0
    >>> round(kl_gaussian_mv([1.0], [[1.0]], [0.0], [[4.0]]), 12) == round(kl_gaussian(1.0, 1.0, 0.0, 2.0), 12)
    True
    """
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="warn"):
        mean_p, mean_q = as_vector(mean_p, "mean_p"), as_vector(mean_q, "mean_q")
        d = mean_p.size
        if mean_q.size != d:
            raise ValueError(f"mean_p and mean_q must have the same length, got {d} and {mean_q.size}")
        lower_p = np.linalg.cholesky(as_covariance(cov_p, "cov_p", d))
        lower_q = np.linalg.cholesky(as_covariance(cov_q, "cov_q", d))
        whitened = np.linalg.solve(lower_q, lower_p)  # L_q^-1 L_p: its Gram matrix has the eigenvalues
        eigenvalues = np.linalg.eigvalsh(whitened @ whitened.T)
        offset = np.linalg.solve(lower_q, mean_q - mean_p)
        spread = 0.5 * float(d_minus_log1p(eigenvalues - 1.0, np.log(eigenvalues)).sum())
        return float_or_array(np.maximum(spread, 0.0) + 0.5 * float(offset @ offset))


def gaussian_entropy(sigma, base=None):
    r"""Differential entropy of :math:`\mathcal N(\mu, \sigma^2)`: :math:`\tfrac12 \log(2 \pi e \sigma^2)`.

    Negative for :math:`\sigma < 1 / \sqrt{2 \pi e} \approx 0.242`: a density, unlike a
    probability, can exceed 1. Shifts do not change it; a change of scale adds
    :math:`\log` of the scale.

    Examples
    --------
    >>> round(gaussian_entropy(1.0), 6)
    1.418939
    >>> gaussian_entropy(0.1) < 0
    True
    """
    sigma = as_positive_numbers(sigma, "sigma")
    return float_or_array((0.5 * np.log(2 * np.pi * np.e) + np.log(sigma)) / log_of_base(base))


def bin_centers(width, half_range=HALF_RANGE):
    r"""The centres :math:`c_k = -L + (k + \tfrac12)\Delta` of the bins of width :math:`\Delta` tiling :math:`[-L, L]`.

    :math:`2L / \Delta` must be a whole number (to 1e-9).

    >>> bin_centers(0.5, half_range=1.0).tolist()
    [-0.75, -0.25, 0.25, 0.75]
    """
    width, half_range = positive(width, "width"), positive(half_range, "half_range")
    count = 2 * half_range / width
    if abs(count - round(count)) > 1e-9 * max(count, 1.0):
        raise ValueError(f"width must divide 2 * half_range = {2 * half_range:g} into whole bins, got {width!r}")
    return -half_range + (np.arange(int(round(count))) + 0.5) * width


def discretize_gaussian(mu, sigma, width, half_range=HALF_RANGE):
    r""":math:`\mathcal N(\mu, \sigma^2)` binned: a distribution over the bins of :func:`bin_centers`.

    Each bin gets the density at its centre, and the results are rescaled to sum to 1
    (the midpoint rule): :math:`p_k \propto f(c_k)`, so :math:`p_k \approx f(c_k)\,\Delta`.
    As :math:`\Delta \to 0`, :math:`H(P_\Delta) + \log \Delta \to h(P)` while
    :math:`D_{KL}(P_\Delta \,\|\, Q_\Delta) \to D_{KL}(P \,\|\, Q)` (Cover & Thomas 2006,
    Theorem 8.3.1 and section 8.5). It is :func:`klhelpers.fits.gaussian_family` on the bin
    indices, with mean :math:`(\mu + L)/\Delta - \tfrac12` and width :math:`\sigma / \Delta`.

    Examples
    --------
    >>> p = discretize_gaussian(0.0, 1.0, 0.01)
    >>> p.size, round(float(p.sum()), 12)
    (6000, 1.0)
    >>> from klhelpers.divergences import entropy
    >>> round(entropy(p) + math.log(0.01), 6) == round(gaussian_entropy(1.0), 6)  # H(P_Δ) + log Δ ≈ h(P)
    True
    """
    centers = bin_centers(width, half_range)
    mu, sigma = bounded_real(mu, "mu"), positive(sigma, "sigma")
    return gaussian_family((mu + half_range) / width - 0.5, sigma / width, centers.size)


def binned_kl_gaussian(mu_p, sigma_p, mu_q, sigma_q, width, half_range=HALF_RANGE):
    r""":math:`D_{KL}(P_\Delta \,\|\, Q_\Delta)` between two Gaussians binned by :func:`discretize_gaussian`, in nats.

    Computed from the bins' log-probabilities (:func:`klhelpers.kl_from_logits` of
    :math:`-(c_k - \mu)^2 / 2\sigma^2`), so a bin where :math:`Q_\Delta` underflows to 0
    in floating point still counts with its true, tiny probability: the result is
    finite, as the divergence of two Gaussians is.

    Examples
    --------
    >>> round(binned_kl_gaussian(0.0, 1.0, 1.0, 2.0, 0.5), 10) == round(kl_gaussian(0.0, 1.0, 1.0, 2.0), 10)
    True
    >>> math.isfinite(binned_kl_gaussian(-3.0, 3.0, 3.0, 0.2, 0.01))  # Q's far bins underflow; no matter
    True
    """
    centers = bin_centers(width, half_range)
    mu_p, mu_q = bounded_real(mu_p, "mu_p"), bounded_real(mu_q, "mu_q")
    sigma_p, sigma_q = positive(sigma_p, "sigma_p"), positive(sigma_q, "sigma_q")
    with np.errstate(over="ignore", under="ignore"):
        logits_p = -0.5 * ((centers - mu_p) / sigma_p) ** 2
        logits_q = -0.5 * ((centers - mu_q) / sigma_q) ** 2
    if np.isfinite(logits_p).all() and np.isfinite(logits_q).all():
        return kl_from_logits(logits_p, logits_q)
    # A width so far below the bins' that a logit overflows: the bins' probabilities themselves
    # (exact 0s where they underflow) are then as good as floating point can do.
    return kl_divergence(discretize_gaussian(mu_p, sigma_p, width, half_range),
                         discretize_gaussian(mu_q, sigma_q, width, half_range))


# -- the ELBO of a conjugate model: z ~ N(0, 1), x | z ~ N(z, s^2) ----------------------------------------

def posterior(x, noise):
    r"""The exact posterior of the conjugate model: :math:`z \mid x \sim \mathcal N\big(\tfrac{x}{1 + s^2}, \tfrac{s^2}{1 + s^2}\big)`.

    Returns ``(mean, standard deviation)``.

    Examples
    --------
    >>> [round(value, 6) for value in posterior(2.0, 1.0)]  # mean 2/2, standard deviation sqrt(1/2)
    [1.0, 0.707107]
    """
    x, s = bounded_real(x, "x"), positive(noise, "noise")
    return x / (1 + s * s), s / math.sqrt(1 + s * s)


def log_evidence(x, noise):
    r"""The log evidence :math:`\log p(x)` of the conjugate model: :math:`x \sim \mathcal N(0, 1 + s^2)`.

    Examples
    --------
    >>> round(log_evidence(0.0, 1.0), 6)  # -log(2 pi * 2) / 2
    -1.265512
    """
    x, s = bounded_real(x, "x"), positive(noise, "noise")
    variance = 1 + s * s
    return -0.5 * (math.log(2 * math.pi * variance) + x * x / variance)


def elbo(x, noise, q_mean, q_std):
    r"""The evidence lower bound of the conjugate model for :math:`q(z) = \mathcal N(m, v^2)`, in nats.

    .. math:: \mathrm{ELBO}(q) = \mathbb E_q[\log p(x \mid z)] + \mathbb E_q[\log p(z)] + h(q)
              = \log p(x) - D_{KL}(q(z) \,\|\, p(z \mid x))

    The first form is computed here, term by term in closed form (never from the
    second), so the identity :math:`\log p(x) = \mathrm{ELBO}(q) + D_{KL}(q \| p(z \mid x))`
    is a fact the tests can check.

    Examples
    --------
    >>> m, v = posterior(2.0, 1.0)
    >>> abs(elbo(2.0, 1.0, m, v) - log_evidence(2.0, 1.0)) < 1e-12  # q = the posterior: no gap
    True
    """
    x, s = bounded_real(x, "x"), positive(noise, "noise")
    m, v = bounded_real(q_mean, "q_mean"), positive(q_std, "q_std")
    likelihood = -0.5 * math.log(2 * math.pi * s * s) - ((x - m) ** 2 + v * v) / (2 * s * s)
    prior = -0.5 * math.log(2 * math.pi) - (m * m + v * v) / 2
    return likelihood + prior + 0.5 * math.log(2 * math.pi * math.e * v * v)
