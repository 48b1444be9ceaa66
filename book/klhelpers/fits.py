r"""Forward vs reverse KL: fitting a one-peaked model to a two-peaked distribution.

A model can only be as good as its family. Here the family :math:`Q_\theta` is a
*discretised Gaussian* over ``n`` positions 0, 1, ..., n - 1 with two parameters,
a mean :math:`\mu` and a width :math:`\sigma`:

.. math:: q_\theta(x) = \frac{e^{-(x - \mu)^2 / 2\sigma^2}}{\sum_{x'} e^{-(x' - \mu)^2 / 2\sigma^2}}

It has one peak; the target P (see :func:`two_peaks`) has two. Which one-peaked
compromise is "closest" depends on the direction of the divergence:

* **forward** (*inclusive*), :math:`\min_\theta D_{KL}(P \| Q_\theta)`: every position P uses
  must get probability under Q, so the fit spreads over both peaks (mass-covering);
* **reverse** (*exclusive*), :math:`\min_\theta D_{KL}(Q_\theta \| P)`: Q pays for putting
  probability where P has little, and pays :math:`-\log w` for the mass w of P it keeps
  (see the book, chapter 7), so the fit settles where it keeps the most (mode-seeking).

:func:`local_fits` finds every local minimum of a direction's objective in the
(mean, width) plane, :func:`fit_gaussian` the best of them. The search is a grid
followed by shrinking local grids, plain numpy; its settings, :data:`SEARCH`, are
handed to the website's ``klmath.js``, which runs the same search in the browser.
Every divergence comes from :func:`klhelpers.kl_divergence`.
"""

import math
from typing import NamedTuple

import numpy as np

from .divergences import kl_divergence
from .logits import kl_from_logits
from .validate import as_distribution, as_finite_numbers, bounded_real, count, pair, position

__all__ = ["N_POSITIONS", "FLOOR", "SEARCH", "DIRECTIONS", "gaussian_family", "two_peaks", "Fit",
           "fit_objective", "local_fits", "fit_gaussian", "fit_forward", "fit_reverse", "share_kept"]

#: Number of positions of the book's example (0, 1, ..., 39).
N_POSITIONS = 40
#: Probability spread evenly under the two peaks of :func:`two_peaks` (0.1 % in all).
FLOOR = 1e-3
DIRECTIONS = ("forward", "reverse")
#: The search, in one place for both runtimes (the widgets hand it to klmath.js).
SEARCH = {
    "meanStep": 0.5,         # coarse grid: a mean every half position over [0, n - 1] ...
    "minWidth": 0.5,         # ... times log-spaced widths from 0.5 ...
    "maxWidthPerPosition": 10.0,  # ... to 10 n (400 for 40 positions), where a bump is all
                             # but flat: the flattest spread a bump can reach is the uniform's
    "nWidths": 64,
    "gridPoints": 9,         # then local grids of 9 x 9 points around each valley,
    "zoom": 4.0,             # 4 times finer each round whose best point lies inside,
    "maxRounds": 60,         # moved along otherwise,
    "stepTolerance": 1e-6,   # until the mean step is below this
    "sameFit": 1e-3,         # valleys that end within this (mean, log width) are one
}


def _family(mean, width, n_positions, names):
    """gaussian_family with its arguments checked under the caller's names (mean or means...)."""
    log_weights = _log_weights(mean, width, n_positions, names)
    weights = np.exp(log_weights)  # the nearest position gets e^0 = 1
    return weights / weights.sum(axis=-1, keepdims=True)


def _log_weights(mean, width, n_positions, names):
    """The family's log-probabilities up to a constant: -(x - mu)^2 / 2 sigma^2, the largest exactly 0."""
    x = np.arange(count(n_positions, "n_positions", minimum=2), dtype=float)  # the positions 0 ... n - 1
    mean = as_finite_numbers(mean, names[0])
    width = as_finite_numbers(width, names[1])
    not_positive = np.flatnonzero(width <= 0)
    if not_positive.size:
        where = f" at index {position(not_positive[0], width.shape)}" if width.ndim else ""
        raise ValueError(f"{names[1]} must be positive, got {width.ravel()[not_positive[0]]:g}{where}")
    try:
        shape = np.broadcast_shapes(mean.shape, width.shape)
    except ValueError:
        raise ValueError(f"{names[0]} and {names[1]} must broadcast against each other, "
                         f"got shapes {mean.shape} and {width.shape}") from None
    mean, width = np.broadcast_to(mean, shape)[..., None], np.broadcast_to(width, shape)[..., None]
    # Measure every squared distance from the nearest position's, (x - mu)^2 - (x* - mu)^2, and
    # factor it as (x - x*)(x + x* - 2 mu): no cancellation, and no overflow for a mean of 1e200
    # (whose square would be inf). Halving the second factor keeps it finite even near 1e308.
    nearest = np.clip(np.round(mean), 0.0, x[-1])
    excess = 2.0 * (x - nearest) * ((x - mean) / 2.0 + (nearest - mean) / 2.0)  # >= 0
    # Divide by sigma twice rather than by sigma^2, which underflows to 0 for sigma = 1e-200.
    return -(excess / width / width) / 2.0


def gaussian_family(mean, width, n_positions=N_POSITIONS):
    r"""The model family :math:`Q_\theta`: a Gaussian bump discretised on positions 0 ... n - 1.

    .. math:: q_\theta(x) \propto \exp\!\left(-\frac{(x - \mu)^2}{2 \sigma^2}\right)

    normalised over the positions. Each exponent is measured from the nearest
    position's, so the largest is exactly 0: a very narrow bump is exact (far
    positions underflow to 0), and so is a mean far outside the positions (all
    the probability goes to the nearest end).

    Parameters
    ----------
    mean, width : float or array_like
        :math:`\mu` (any finite number) and :math:`\sigma > 0`, in positions.
        Arrays broadcast against each other, giving a batch of distributions.
    n_positions : int, optional
        Size of the vocabulary of positions (default 40).

    Returns
    -------
    ndarray, shape (broadcast(mean, width).shape + (n_positions,))

    Examples
    --------
    >>> gaussian_family(1.0, 1.0, n_positions=3).round(4)
    array([0.2741, 0.4519, 0.2741])
    >>> gaussian_family([0.0, 2.0], 0.01, n_positions=3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    >>> gaussian_family(0.5, 1e-200, n_positions=3)  # halfway between two positions
    array([0.5, 0.5, 0. ])
    """
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        return _family(mean, width, n_positions, ("mean", "width"))


def two_peaks(centers=(11.0, 27.0), widths=(2.0, 3.5), share_a=0.6,
              n_positions=N_POSITIONS, floor=None):
    r"""A two-peaked target P: a mixture of two discretised Gaussian bumps plus a thin floor.

    .. math:: P = (1 - \varepsilon)\,\big(w\, G_{c_1, s_1} + (1 - w)\, G_{c_2, s_2}\big) + \varepsilon\, U

    with G from :func:`gaussian_family`, U uniform over the positions and
    :math:`\varepsilon` = ``floor``. The floor keeps every position possible: a
    Gaussian Q gives every position some probability, so a P with zeros would
    make :math:`D_{KL}(Q \| P)` infinite for every Q.

    Parameters
    ----------
    centers : pair of float
        Positions of the two peaks, A and B, each in [0, n - 1] (either may be the left one).
    widths : pair of float
        Their widths, each > 0.
    share_a : float
        Share w of peak A, in [0, 1]; peak B has 1 - w.
    n_positions : int
        Number of positions (default 40).
    floor : float, optional
        Default :data:`FLOOR`. Total probability :math:`\varepsilon` spread evenly over all positions, in [0, 1).

    Returns
    -------
    ndarray, shape (n_positions,)

    Examples
    --------
    >>> p = two_peaks()
    >>> round(float(p.sum()), 12), int(p.argmax()), bool(p.min() > 0)
    (1.0, 11, True)
    """
    centers, widths = pair(centers, "centers"), pair(widths, "widths")
    # over and under: the far tails of a very narrow bump are exactly 0.
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        x = np.arange(count(n_positions, "n_positions", minimum=2), dtype=float)
        c = [bounded_real(value, f"centers[{i}]", 0.0, x[-1]) for i, value in enumerate(centers)]
        s = [bounded_real(value, f"widths[{i}]", 0.0, math.inf, low_open=True) for i, value in enumerate(widths)]
        w = bounded_real(share_a, "share_a", 0.0, 1.0)
        eps = bounded_real(FLOOR if floor is None else floor, "floor", 0.0, 1.0)
        if eps == 1.0:
            raise ValueError("floor must be below 1, got 1.0")
        bumps = _family(np.array(c), np.array(s), len(x), ("centers", "widths"))
        mixture = w * bumps[0] + (1.0 - w) * bumps[1]
        return (1.0 - eps) * mixture + eps / len(x)


class Fit(NamedTuple):
    """A member of the family that minimises one direction (globally, or in one valley)."""

    direction: str      #: "forward" (D(P || Q)) or "reverse" (D(Q || P))
    mean: float         #: fitted mu, in positions
    width: float        #: fitted sigma, in positions
    q: np.ndarray       #: the fitted distribution Q
    divergence: float   #: the minimised divergence, in nats
    at_bound: tuple     #: the search bounds the fit sits on: () or some of "mean" and "width"


def _direction(direction):
    if not isinstance(direction, str) or direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'forward' (D(P||Q)) or 'reverse' (D(Q||P)), got {direction!r}")
    return direction


def _target(p):
    p = as_distribution(p, "p")
    if p.ndim != 1 or p.size < 2:
        raise ValueError(f"p must be one distribution over at least 2 positions, got shape {p.shape}")
    return p


def fit_objective(p, means, widths, direction):
    r"""The divergence between P and :math:`Q_{\mu, \sigma}` for many (mean, width) at once.

    ``forward`` gives :math:`D_{KL}(P \| Q_\theta)`, ``reverse`` gives
    :math:`D_{KL}(Q_\theta \| P)`, both in nats. The reverse direction sums over
    Q's probabilities with :func:`klhelpers.kl_divergence`: a position where a narrow
    bump underflows to 0 rightly adds 0. The forward direction needs
    :math:`\log q_\theta` where P has probability, and there a narrow bump's
    probability can underflow to 0 although it is not 0 (an infinite divergence
    where the true one is finite): so it works from log-probabilities,
    with :func:`klhelpers.kl_from_logits`, whenever P has no zeros.

    Parameters
    ----------
    p : array_like, shape (n,)
        The target distribution over positions 0 ... n - 1.
    means, widths : array_like
        Broadcast against each other.
    direction : {"forward", "reverse"}

    Returns
    -------
    ndarray, shape broadcast(means, widths).shape

    Examples
    --------
    >>> p = gaussian_family(5.0, 2.0, n_positions=12)
    >>> fit_objective(p, [4.0, 5.0], 2.0, "forward").round(4)  # near (1/2)(1/2)**2 = 0.125
    array([0.1199, 0.    ])
    """
    with np.errstate(over="ignore", under="ignore", divide="warn", invalid="warn"):
        p = _target(p)
        direction = _direction(direction)
        log_q = _log_weights(means, widths, p.size, ("means", "widths"))
        if log_q.size == 0:  # an empty batch of (mean, width) pairs
            return np.zeros(log_q.shape[:-1])
        if direction == "forward" and p.min() > 0 and np.isfinite(log_q).all():
            return np.asarray(kl_from_logits(np.broadcast_to(np.log(p), log_q.shape), log_q))
        q = np.exp(log_q)
        q /= q.sum(axis=-1, keepdims=True)
        target = np.broadcast_to(p, q.shape)
        if direction == "forward":
            return np.asarray(kl_divergence(target, q))
        return np.asarray(kl_divergence(q, target))


def _grid(n):
    """The coarse grid: means, log widths, and the bounds of log width."""
    low, high = math.log(SEARCH["minWidth"]), math.log(SEARCH["maxWidthPerPosition"] * n)
    means = np.arange(0.0, n - 1 + 1e-9, SEARCH["meanStep"])
    return means, np.linspace(low, high, SEARCH["nWidths"]), low, high


def _valleys(values):
    """Grid points no higher than any of their (up to 8) neighbours, lowest first.

    An infinite value is no valley: where Q rules out part of P (very narrow bumps in
    the forward direction) the objective is infinite on whole plateaus.
    """
    padded = np.pad(values, 1, constant_values=np.inf)
    rows, cols = values.shape
    lowest = np.isfinite(values)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lowest &= values <= padded[1 + di:1 + di + rows, 1 + dj:1 + dj + cols]
    found = np.argwhere(lowest)
    return found[np.argsort(values[lowest], kind="stable")]


def _descend(p, direction, mean, log_width, value, low, high):
    """Shrinking local grids from one grid point down to the bottom of its valley."""
    n, points = p.size, SEARCH["gridPoints"]
    offsets = np.linspace(-1.0, 1.0, points)
    step_m, step_lw = SEARCH["meanStep"], (high - low) / (SEARCH["nWidths"] - 1)
    for _ in range(SEARCH["maxRounds"]):
        m = np.clip(mean + step_m * offsets, 0.0, n - 1.0)
        lw = np.clip(log_width + step_lw * offsets, low, high)
        values = fit_objective(p, m[:, None], np.exp(lw)[None, :], direction)
        i, j = np.unravel_index(np.argmin(values), values.shape)
        on_edge = False
        if values[i, j] < value:
            mean, log_width, value = m[i], lw[j], values[i, j]
            on_edge = i in (0, points - 1) or j in (0, points - 1)
        if not on_edge:  # the best point is inside the local grid: zoom in; else follow it
            step_m, step_lw = step_m / SEARCH["zoom"], step_lw / SEARCH["zoom"]
        if step_m < SEARCH["stepTolerance"]:
            break
    return float(mean), float(log_width), float(value)


def local_fits(p, direction):
    r"""Every local minimum of one direction's objective in the (mean, width) plane, best first.

    A gradient method started in a valley ends at that valley's fit; the
    reverse objective of a two-peaked P typically has several valleys. The
    search evaluates the objective on a coarse grid (a mean every half position
    over [0, n - 1] times log-spaced widths from 0.5 to 10 n, see
    :data:`SEARCH`), takes every grid point no higher than its neighbours, and
    follows each down with shrinking 9 x 9 local grids. Valleys that end at
    the same point count once. A fit that stops on the edge of the searched
    region says so in :attr:`Fit.at_bound`: for the width's upper bound, P is
    more spread out than any bump of the family can be.

    Parameters
    ----------
    p : array_like, shape (n,)
        The target distribution over positions 0 ... n - 1.
    direction : {"forward", "reverse"}

    Returns
    -------
    list of Fit
        Sorted by divergence (ties: the smaller mean first).

    Examples
    --------
    >>> [(round(fit.mean, 1), round(fit.width, 1)) for fit in local_fits(two_peaks(), "reverse")]
    [(11.0, 2.0), (21.1, 8.6), (26.9, 3.8)]
    """
    with np.errstate(under="ignore", over="warn", divide="warn", invalid="warn"):
        p, direction = _target(p), _direction(direction)
        means, log_widths, low, high = _grid(p.size)
        values = fit_objective(p, means[:, None], np.exp(log_widths)[None, :], direction)
        ends = []
        for i, j in _valleys(values):
            mean, log_width, value = _descend(p, direction, means[i], log_widths[j], values[i, j], low, high)
            if all(abs(mean - m) > SEARCH["sameFit"] or abs(log_width - lw) > SEARCH["sameFit"]
                   for m, lw, _ in ends):
                ends.append((mean, log_width, value))
        ends.sort(key=lambda end: (end[2], end[0]))
        return [_fit(p, direction, mean, log_width, value, low, high) for mean, log_width, value in ends]


def _fit(p, direction, mean, log_width, value, low, high):
    close = SEARCH["stepTolerance"] * 10
    at_bound = tuple(name for name, at in (("mean", min(mean, p.size - 1 - mean) < close),
                                           ("width", min(log_width - low, high - log_width) < close)) if at)
    width = math.exp(log_width)
    return Fit(direction, mean, width, gaussian_family(mean, width, p.size), value, at_bound)


def fit_gaussian(p, direction):
    r"""The best member of the family in one direction: the lowest of :func:`local_fits`.

    ``forward``: :math:`\hat\theta = \arg\min_\theta D_{KL}(P \| Q_\theta)`, what maximum
    likelihood on samples of P does (inclusive, mass-covering). ``reverse``:
    :math:`\hat\theta = \arg\min_\theta D_{KL}(Q_\theta \| P)` (exclusive, mode-seeking).

    Parameters
    ----------
    p : array_like, shape (n,)
        The target distribution over positions 0 ... n - 1.
    direction : {"forward", "reverse"}

    Returns
    -------
    Fit
        ``(direction, mean, width, q, divergence, at_bound)``.

    Examples
    --------
    >>> fit = fit_gaussian(gaussian_family(17.3, 4.2), "reverse")
    >>> round(fit.mean, 3), round(fit.width, 3), round(fit.divergence, 8), fit.at_bound
    (17.3, 4.2, 0.0, ())
    """
    return local_fits(p, direction)[0]


def fit_forward(p):
    r"""The inclusive fit: :func:`fit_gaussian` ``(p, "forward")``, minimising :math:`D_{KL}(P \| Q_\theta)`."""
    return fit_gaussian(p, "forward")


def fit_reverse(p):
    r"""The exclusive fit: :func:`fit_gaussian` ``(p, "reverse")``, minimising :math:`D_{KL}(Q_\theta \| P)`."""
    return fit_gaussian(p, "reverse")


def share_kept(p, centers, mean):
    r"""The share of P on the side of the valley where a fit with this mean sits.

    The two peaks at ``centers`` split the positions at their midpoint; the
    result is P's total probability on the side of ``mean``. A Q that keeps to
    that side pays at least about :math:`-\log w` for the rest of P's mass it
    leaves out (chapter 7): :math:`D_{KL}(Q \| P) \ge d(Q(A) \| P(A))`, the binary
    divergence of the two masses on the side A, which tends to :math:`-\log P(A)`
    as :math:`Q(A) \to 1`.

    Examples
    --------
    >>> round(share_kept(two_peaks(), (11.0, 27.0), 11.02), 4)  # peak A's 0.6, its tail, the floor
    0.6062
    """
    p = _target(p)
    a, b = pair(centers, "centers")
    middle = (float(a) + float(b)) / 2.0
    x = np.arange(p.size)
    side = x <= middle if float(mean) <= middle else x > middle
    return float(p[side].sum())
