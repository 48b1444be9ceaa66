"""Run a student's function safely: on fresh copies of its inputs, with a time limit.

Nothing here knows about exercises. :func:`fresh` copies the arguments of a test case
so that an answer can never change the data it was given (or the module's data the
case was built from); :func:`call_with_limit` runs the answer and stops it when it
takes too long.

On Unix, in the main thread (where Jupyter runs a cell), the limit is a SIGALRM timer
(``signal.setitimer``): its handler raises :class:`TimeLimit` inside the student's code,
which interrupts a Python loop that never ends. Any previous SIGALRM handler and timer
are restored afterwards. Elsewhere (Windows, another thread) the function runs in a
daemon thread that is abandoned after the limit: the check returns, the thread finishes
(or not) in the background, and it only ever sees copies.

>>> call_with_limit(sum, ([1, 2, 3],), seconds=1.0)
6
"""

import copy
import signal
import threading
import time

import numpy as np

__all__ = ["TimeLimit", "call_with_limit", "fresh"]

#: The shortest limit a timer is set to (seconds): setitimer(0) would switch it off.
SHORTEST = 1e-3


class TimeLimit(BaseException):
    """The function did not finish in time.

    A BaseException, like KeyboardInterrupt, so that a student's ``except Exception``
    inside the endless loop does not swallow it.
    """

    def __init__(self, seconds):
        super().__init__(f"did not finish within {seconds:g} s")
        self.seconds = seconds


def fresh(args, writable=False):
    """Copies of the arguments of a test case: arrays copied (read-only unless `writable`).

    >>> p = np.array([0.5, 0.5])
    >>> (copied,) = fresh((p,))
    >>> copied is p, copied.flags.writeable
    (False, False)
    """
    copies = []
    for value in args:
        if isinstance(value, np.ndarray):
            value = value.copy()
            value.flags.writeable = writable
        elif not isinstance(value, (int, float, complex, str, bytes, bool, type(None))):
            value = copy.deepcopy(value)
        copies.append(value)
    return tuple(copies)


def call_with_limit(function, args, seconds):
    """``function(*args)``, or :class:`TimeLimit` when it runs longer than `seconds`.

    Whatever the function raises (SystemExit and KeyboardInterrupt included) propagates.
    """
    seconds = max(float(seconds), SHORTEST)
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        try:
            return _with_alarm(function, args, seconds)
        except _NoAlarm:
            pass  # signals unavailable here (an embedded interpreter): use a thread
    return _in_thread(function, args, seconds)


class _NoAlarm(Exception):
    """SIGALRM cannot be used in this interpreter."""


def _with_alarm(function, args, seconds):
    armed = [True]

    def on_alarm(signum, frame):
        if armed[0]:
            raise TimeLimit(seconds)

    if signal.getsignal(signal.SIGALRM) is None:  # a handler installed outside Python: leave it alone
        raise _NoAlarm()
    try:
        previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    except (ValueError, OSError) as error:
        raise _NoAlarm() from error
    started = time.monotonic()
    previous_delay = previous_interval = 0.0
    try:
        previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return function(*args)
        finally:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:  # someone else's timer was running: give back what is left of it
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, SHORTEST), previous_interval)


def _in_thread(function, args, seconds):
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=run, name="klhelpers-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeLimit(seconds)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
