"""A line's time budget, kept by an interval timer where the platform offers one.

Rules are user patterns: one may backtrack for ever on some line, and a run of millions of
lines must not stop for it. Passing `timeout=` to every regex search costs about a
microsecond a call, and a line makes dozens; an interval timer costs about as much once a
line, and cuts a search (the regex engine checks for signals as it goes), a verbalizer or
anything else the line runs into, on time; over a batch of lines (`ticking`) it is armed
once and each line only notes its deadline. It needs SIGALRM and the main thread; elsewhere
(Windows, a thread of a server, a SIGALRM handler of someone else's) the pipeline falls back
to the searches' own timeouts.

>>> with LineBudget(0.05) as budget:  # doctest: +IGNORE_EXCEPTION_DETAIL
...     while True:
...         pass
Traceback (most recent call last):
...
normalizer.budget.LineTimeout: the line took longer than its budget
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator

try:   # the C module's getsignal: the `signal` module's wraps its answer in an enum, slowly
    from _signal import getsignal as _getsignal
except ImportError:
    _getsignal = signal.getsignal
_SIGALRM = int(getattr(signal, "SIGALRM", 14))
_ITIMER_REAL = getattr(signal, "ITIMER_REAL", 0)
_setitimer = getattr(signal, "setitimer", None)   # None where there is no interval timer


class LineTimeout(BaseException):
    """The line ran out of time. A BaseException, so that no `except Exception` inside a
    stage or a verbalizer can swallow it."""

    def __init__(self) -> None:
        super().__init__("the line took longer than its budget")


_armed = False   # the timer is running for a line; a late signal after it stops is ignored
_current: "LineBudget | None" = None   # the budget of the line being normalized
_ticking = 0.0   # a batch keeps the timer running, at this interval (seconds; 0: no batch)


def _on_alarm(signum, frame) -> None:
    if _armed and _current is not None:
        left = _current.deadline - time.monotonic()
        if left <= 0.001:
            if _ticking:
                _setitimer(_ITIMER_REAL, _ticking)   # the batch's next lines need it too
            raise LineTimeout()
        _setitimer(_ITIMER_REAL, left)   # a tick of a batch, early in the line: wait for its end
    elif _ticking:
        _setitimer(_ITIMER_REAL, _ticking)   # between the lines of a batch: tick on


def _timer_available() -> bool:
    """An interval timer can keep the budget: SIGALRM is ours (or no one's), main thread."""
    if _setitimer is None or threading.get_ident() != threading.main_thread().ident:
        return False
    handler = _getsignal(_SIGALRM)
    if handler is _on_alarm:
        return True
    if handler == signal.SIG_DFL:   # nobody uses SIGALRM: take it (the C module says 0)
        signal.signal(signal.SIGALRM, _on_alarm)
        return True
    return False


class LineBudget:
    """`with LineBudget(seconds) as budget:` runs a line; `budget.timeout()` is what to pass
    as a search's timeout (None while the timer keeps the time)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.timer = False
        self.deadline = 0.0

    def __enter__(self) -> "LineBudget":
        global _armed, _current
        self.deadline = time.monotonic() + self.seconds
        if _ticking:   # the batch's timer is running: the line only notes its deadline
            self.timer = True
        else:
            self.timer = _timer_available()
            if self.timer:
                _setitimer(_ITIMER_REAL, self.seconds)
        _armed = self.timer
        _current = self
        return self

    def __exit__(self, *exc) -> None:
        global _armed, _current
        _current = None
        if self.timer:
            _armed = False
            if not _ticking:
                _setitimer(_ITIMER_REAL, 0)

    def deadline_left(self) -> float:
        """The deadline, for searches to keep by their own timeouts (when there is no timer).
        Raises LineTimeout when it has passed."""
        self.timeout()
        return self.deadline

    def timeout(self) -> float | None:
        """The seconds left for a search to pass as `timeout=`; None while the timer runs.
        Raises LineTimeout when none are left."""
        if self.timer:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise LineTimeout()
        return left


@contextmanager
def ticking(seconds: float) -> Iterator[None]:
    """Many lines in a row (a batch): the timer is armed once and ticks every `seconds`, and
    each line only notes its deadline, instead of arming and stopping the timer every line."""
    global _ticking
    if _ticking or not _timer_available():
        yield
        return
    _ticking = seconds
    _setitimer(_ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _ticking = 0.0
        _setitimer(_ITIMER_REAL, 0)


@contextmanager
def compiling() -> Iterator[None]:
    """Compiling a pattern while a line runs (a stage's combined alternation, see
    stages/base.py: Scanner): the time is not the line's (the deadline moves,
    and the timer waits for the new one)."""
    global _armed
    budget = _current
    if budget is None:
        yield
        return
    started = time.monotonic()
    was_armed, _armed = _armed, False
    try:
        yield
    finally:
        budget.deadline += time.monotonic() - started
        if was_armed:
            _armed = True
            _setitimer(_ITIMER_REAL, max(budget.deadline - time.monotonic(), 0.001))
