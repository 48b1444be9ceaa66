"""Input checks shared by every klhelpers function that takes numbers.

One module decides what counts as valid input and how bad input is reported, so
that :mod:`klhelpers.divergences`, :mod:`klhelpers.llm` and :mod:`klhelpers.fits`
answer it the same way: a :class:`ValueError` whose message names the argument
and the problem and, for arrays, the index and the value, e.g.
``q has a negative entry at index 2 (-0.1)``. Nothing here repairs input (see
:func:`klhelpers.normalize` for turning weights into probabilities), and no
check lets a TypeError, OverflowError or IndexError from numpy through.

Arrays (returned as float64 ndarrays)
    as_finite_array      finite numbers, at least one entry on the last axis
    as_nonnegative_array the same, none negative
    as_distribution      probability vectors along the last axis
    distribution_pair    two distributions of equal shape
    same_shape           a shape check naming both arguments
    as_finite_numbers    a number or an array of numbers (any shape), all finite
    as_log_array         like as_finite_numbers, but -inf (the log of 0) allowed

Single values
    log_of_base, positive, bounded_real, count, pair, as_generator

Each function is also a doctest of what it accepts:

>>> as_distribution([0.5, 0.5], "p")
array([0.5, 0.5])
>>> as_distribution([0.5, -0.1, 0.6], "q")
Traceback (most recent call last):
    ...
ValueError: q has a negative entry at index 1 (-0.1)
"""

import math
import numbers
import types
from collections.abc import Iterator, Mapping, Set

import numpy as np

__all__ = [
    "SUM_TOLERANCE",
    "position",
    "as_finite_array",
    "as_nonnegative_array",
    "as_distribution",
    "as_joint",
    "distribution_pair",
    "same_shape",
    "as_finite_numbers",
    "as_positive_numbers",
    "as_vector",
    "as_covariance",
    "as_log_array",
    "log_of_base",
    "positive",
    "bounded_real",
    "count",
    "pair",
    "as_generator",
]

#: A probability vector must sum to 1 within this tolerance.
SUM_TOLERANCE = 1e-6

# Longest repr of a bad value quoted in a message (a huge list or integer is abbreviated).
_MAX_REPR = 60


def _quote(value):
    """repr(value), shortened to at most _MAX_REPR characters."""
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR - 3] + "..."


def position(flat_index, shape):
    """Index of a flat position, as a reader would type it: 2 or (1, 3).

    >>> position(5, (2, 3))
    (1, 2)
    """
    index = np.unravel_index(flat_index, shape)
    return int(index[0]) if len(shape) == 1 else tuple(int(i) for i in index)


def _at(flat_index, shape):
    """' at index 2' for an entry of an array; '' for a single number."""
    return f" at index {position(flat_index, shape)}" if shape else ""


# -- arrays ---------------------------------------------------------------------------------------

def _not_a_container(values, name, expected):
    """Reject the inputs numpy would turn into a 0-d object array or silently into bytes."""
    if values is None:
        problem = "None"
    elif isinstance(values, (str, bytes, bytearray)):
        problem = f"the string {_quote(values)}"
    elif isinstance(values, Mapping):
        problem = f"a {type(values).__name__} (pass its values as a list)"
    elif isinstance(values, Set):
        problem = f"a {type(values).__name__} (unordered; pass a list)"
    elif isinstance(values, types.GeneratorType):
        problem = "a generator (pass a list)"
    elif isinstance(values, Iterator):
        problem = f"an iterator ({type(values).__name__}; pass a list)"
    else:
        return
    raise ValueError(f"{name} must be {expected}, got {problem}")


def _check_entries(raw, name):
    """Name the first entry of a non-float array that is not a real number (None, 'x', True, 2j...)."""
    entries = raw.ravel()
    for flat_index, entry in enumerate(entries):
        where = _at(flat_index, raw.shape)
        if isinstance(entry, (np.ndarray, np.generic)) and np.ndim(entry) == 0:
            entry = entry.item()  # a 0-d array or numpy scalar: judge (and quote) the Python value it holds
        if isinstance(entry, (bool, np.bool_)):
            raise ValueError(f"{name} must hold numbers, not booleans ({entry!r}{where})")
        if isinstance(entry, numbers.Complex) and not isinstance(entry, numbers.Real):
            raise ValueError(f"{name} has a complex entry{where} ({_quote(entry)}); "
                             f"it must hold real numbers")
        if not isinstance(entry, numbers.Real):
            raise ValueError(f"{name} has a non-numeric entry{where} ({_quote(entry)})")
        try:
            float(entry)
        except OverflowError:
            raise ValueError(f"{name} has an entry too large for a float{where} "
                             f"(an integer of {len(str(abs(int(entry))))} digits)") from None


def _float_array(values, name, expected):
    """`values` as a float64 array of any shape (entries not yet checked to be finite)."""
    _not_a_container(values, name, expected)
    try:
        raw = np.asarray(values)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a rectangular array of numbers; "
                         f"its rows have different lengths") from None
    kind = raw.dtype.kind
    if kind == "b":
        raise ValueError(f"{name} must hold numbers, not booleans")
    if kind == "c":
        imaginary = np.flatnonzero(raw.imag != 0)
        first = imaginary[0] if imaginary.size else 0
        example = f"{_at(first, raw.shape)} ({_quote(raw.ravel()[first].item())})" if raw.size else ""
        raise ValueError(f"{name} has a complex entry{example}; it must hold real numbers")
    if kind not in "iuf":
        if raw.ndim == 0 and not isinstance(raw.item(), numbers.Number):
            raise ValueError(f"{name} must be {expected}, got {_quote(values)}")
        # Judge the entries as typed: numpy turns [0.5, 'x'] into the strings ['0.5', 'x'].
        _check_entries(raw if isinstance(values, np.ndarray) else np.asarray(values, dtype=object), name)
    elif not isinstance(values, np.ndarray) and raw.ndim:
        typed = np.asarray(values, dtype=object)
        if {bool, np.bool_} & set(map(type, typed.flat)):  # one C-speed pass over the entries
            _check_entries(typed, name)  # numpy turned [True, 0.5] into [1.0, 0.5]: name the boolean
    with np.errstate(over="ignore", invalid="ignore"):
        array = raw.astype(float, copy=False)
    if kind == "f" and raw.dtype.itemsize > 8:  # long double: may not fit in a float64
        too_large = np.flatnonzero(np.isinf(array) & np.isfinite(raw))
        if too_large.size:
            raise ValueError(f"{name} has an entry too large for a float"
                             f"{_at(too_large[0], raw.shape)} (beyond 1.8e308)")
    return array


def _check_finite(array, name, allow_negative_infinity=False):
    """Raise for the first NaN or infinite entry (one pass over the array when all is well)."""
    if np.isfinite(array).all():
        return
    tests = [(np.isnan, "a NaN"), (np.isposinf, "an infinite")]
    if not allow_negative_infinity:
        tests.append((np.isneginf, "an infinite"))
    for test, what in tests:
        bad = np.flatnonzero(test(array))
        if bad.size:
            value = array.ravel()[bad[0]]
            hint = "; it must hold numbers or -inf" if allow_negative_infinity else ""
            if array.ndim == 0:
                raise ValueError(f"{name} must be finite, got {value}{hint}")
            raise ValueError(f"{name} has {what} entry at index {position(bad[0], array.shape)} "
                             f"({value}){hint}")


def as_finite_array(values, name):
    """`values` as a float array of finite numbers, vocabulary on the last axis.

    Accepts lists, tuples and numpy arrays of real numbers with at least one
    dimension and at least one entry along the last axis. Rejects, naming
    ``name``: None, strings, dicts, sets, generators, ragged nested lists,
    booleans, complex numbers, non-numbers (naming the index), integers too
    large for a float, a single number, empty input, NaN and infinities.

    >>> as_finite_array([1, 2.5], "logits")
    array([1. , 2.5])
    >>> as_finite_array([0.5, None], "p")
    Traceback (most recent call last):
        ...
    ValueError: p has a non-numeric entry at index 1 (None)
    """
    array = _float_array(values, name, "a sequence of numbers")
    if array.ndim == 0:
        raise ValueError(f"{name} must be a sequence of numbers "
                         f"(vocabulary on the last axis), got the single number {array.item()!r}")
    if array.size == 0 or array.shape[-1] == 0:
        raise ValueError(f"{name} is empty: it needs at least one entry")
    _check_finite(array, name)
    return array


def as_nonnegative_array(values, name):
    """`values` as a float array of finite, non-negative numbers (see :func:`as_finite_array`)."""
    array = as_finite_array(values, name)
    negative = np.flatnonzero(array < 0)
    if negative.size:
        raise ValueError(f"{name} has a negative entry at index {position(negative[0], array.shape)} "
                         f"({array.ravel()[negative[0]]:g})")
    return array


def as_distribution(values, name):
    """`values` checked to be probability vectors along the last axis.

    Non-negative, finite, and each row summing to 1 within :data:`SUM_TOLERANCE`.
    """
    array = as_nonnegative_array(values, name)
    with np.errstate(over="ignore"):  # entries near 1e308 sum to inf: reported below
        totals = array.sum(axis=-1)
    off = np.flatnonzero(np.abs(totals - 1.0) > SUM_TOLERANCE)
    if off.size:
        total = totals.ravel()[off[0]]
        where = "" if array.ndim == 1 else f" in row {position(off[0], totals.shape)}"
        raise ValueError(f"{name} sums to {total:.10g}{where}, not 1 "
                         f"(tolerance {SUM_TOLERANCE:g}); klhelpers.normalize({name}) "
                         f"rescales non-negative weights into probabilities")
    return array


def as_joint(values, name):
    """`values` checked to be one joint distribution: a 2-D table (rows index X, columns Y)
    of non-negative, finite numbers that sum to 1 over all its cells.

    >>> float(as_joint([[0.5, 0.0], [0.25, 0.25]], "pxy").sum())
    1.0
    >>> as_joint([0.5, 0.5], "pxy")
    Traceback (most recent call last):
        ...
    ValueError: pxy must be a 2-D table (rows index X, columns index Y), got shape (2,)
    """
    array = as_nonnegative_array(values, name)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D table (rows index X, columns index Y), got shape {array.shape}")
    with np.errstate(over="ignore"):
        total = array.sum()
    if not abs(total - 1.0) <= SUM_TOLERANCE:
        raise ValueError(f"{name} sums to {total:.10g} over all its cells, not 1 (tolerance "
                         f"{SUM_TOLERANCE:g}); klhelpers.normalize({name}.ravel()) rescales weights")
    return array


def same_shape(first, second, names):
    """Raise unless two arrays have the same shape, naming both arguments."""
    if first.shape != second.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, "
                         f"got {first.shape} and {second.shape}")


def distribution_pair(first, second, names=("p", "q")):
    """Two probability arrays of equal shape, each checked under its own name."""
    a = as_distribution(first, names[0])
    b = as_distribution(second, names[1])
    same_shape(a, b, names)
    return a, b


def as_finite_numbers(values, name):
    """A finite number or an array of them, of any shape (a mean, a batch of widths).

    >>> as_finite_numbers(2, "mean")
    array(2.)
    >>> as_finite_numbers("3", "mean")
    Traceback (most recent call last):
        ...
    ValueError: mean must be a number or an array of numbers, got the string '3'
    """
    array = _float_array(values, name, "a number or an array of numbers")
    _check_finite(array, name)
    return array


def as_positive_numbers(values, name):
    """Like :func:`as_finite_numbers`, every entry > 0 (standard deviations, say)."""
    array = as_finite_numbers(values, name)
    bad = np.flatnonzero(~(array > 0))
    if bad.size:
        raise ValueError(f"{name} must be positive, got {array.ravel()[bad[0]]:g}")
    return array


def as_vector(values, name):
    """A non-empty 1-D array of finite numbers (a mean vector, say)."""
    array = as_finite_numbers(values, name)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a vector (shape (d,)), got shape {array.shape}")
    return array


def as_covariance(values, name, d):
    """A d x d covariance matrix: finite, symmetric and positive definite.

    >>> as_covariance([[1.0, 2.0], [2.0, 1.0]], "cov", 2)
    Traceback (most recent call last):
        ...
    ValueError: cov must be positive definite (every eigenvalue > 0); its eigenvalues are [-1.  3.]
    """
    matrix = as_finite_numbers(values, name)
    if matrix.shape != (d, d):
        raise ValueError(f"{name} must be a {d} x {d} matrix, got shape {matrix.shape}")
    if not np.allclose(matrix, matrix.T, rtol=1e-12, atol=0):
        raise ValueError(f"{name} must be symmetric")
    eigenvalues = np.linalg.eigvalsh(matrix)
    if not eigenvalues.min() > 0:
        raise ValueError(f"{name} must be positive definite (every eigenvalue > 0); "
                         f"its eigenvalues are {np.round(eigenvalues, 6)}")
    return matrix


def as_log_array(values, name):
    """Logarithms: numbers of any shape, where -inf (the log of 0) is allowed but NaN and +inf are not.

    >>> as_log_array([0.0, -np.inf], "log_ratio")
    array([  0., -inf])
    """
    array = _float_array(values, name, "a number or an array of numbers")
    _check_finite(array, name, allow_negative_infinity=True)
    return array


# -- single values --------------------------------------------------------------------------------

def _real_number(value, name, expected):
    """`value` as a Python float (possibly inf or nan), or a ValueError if it is no real number.

    A 0-d numeric array (what numpy returns for ``a.sum()`` of a 0-d input) counts as its number.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be {expected}, got {_quote(value)}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{name} is too large for a float "
                         f"(an integer of {len(str(abs(int(value))))} digits)") from None


def log_of_base(base):
    """ln(base), the divisor that converts nats into units of `base`; 1.0 for None (nats).

    A base must be a finite real number greater than 1: ``2`` gives bits, ``10``
    hartleys (bans). A base below 1 would turn every divergence negative, so it is refused.

    >>> log_of_base(None), round(log_of_base(2), 6)
    (1.0, 0.693147)
    >>> log_of_base(0.5)
    Traceback (most recent call last):
        ...
    ValueError: base must be a number greater than 1 (2 for bits) or None for nats, got 0.5
    """
    if base is None:
        return 1.0
    expected = "a number greater than 1 (2 for bits) or None for nats"
    value = _real_number(base, "base", expected)
    if not (value > 1.0 and math.isfinite(value)):
        raise ValueError(f"base must be {expected}, got {_quote(base)}")
    return math.log(value)


def positive(value, name):
    """A finite number > 0 (a temperature, a KL coefficient), as a float."""
    number = _real_number(value, name, "a positive number")
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be positive and finite, got {_quote(value)}")
    return number


def bounded_real(value, name, low=-math.inf, high=math.inf, low_open=False):
    """A finite number in [low, high] (or (low, high] with ``low_open``), as a float."""
    number = _real_number(value, name, "a finite number")
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {_quote(value)}")
    if number < low or number > high or (low_open and number == low):
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must lie in {bracket}{low:g}, {high:g}], got {_quote(value)}")
    return number


def count(value, name, minimum=1):
    """A whole number >= minimum (a sample size, a number of positions), as an int.

    It must also be a possible array length (at most 2**63 - 1 on 64-bit machines).
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {_quote(value)}")
    if value > np.iinfo(np.intp).max:
        raise ValueError(f"{name} is too large to be an array length, got {_quote(value)}")
    return int(value)


def pair(values, name):
    """Exactly two entries given as a list, tuple or 1-D array; the caller checks each number.

    >>> pair((11.0, 27.0), "centers")
    (11.0, 27.0)
    >>> pair((11.0,), "centers")
    Traceback (most recent call last):
        ...
    ValueError: centers must be a pair of numbers such as (11.0, 27.0), got (11.0,)
    """
    problem = None
    if values is None or isinstance(values, (str, bytes, bytearray, Mapping, Set, Iterator)):
        problem = True
    else:
        try:
            problem = np.ndim(values) != 1 or len(values) != 2
        except (TypeError, ValueError):  # no len(), or ragged
            problem = True
    if problem:
        raise ValueError(f"{name} must be a pair of numbers such as (11.0, 27.0), got {_quote(values)}")
    return tuple(values)


def as_generator(rng):
    """A numpy Generator from a Generator, a non-negative integer seed, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be a numpy Generator, a non-negative integer seed or None, "
                     f"got {_quote(rng)}")
