"""A line's time budget (normalizer/budget.py): an interval timer in the main thread, the
searches' own timeouts elsewhere; either way a line out of time is passed through, flagged."""

import signal
import textwrap
import threading
import time

import pytest

import normalizer
from normalizer.budget import LineBudget, LineTimeout, compiling


@pytest.fixture
def slow(tmp_path):
    (tmp_path / "slow.yaml").write_text(textwrap.dedent(r"""
        rules:
          - id: nested
            pattern: '(?:a|aa)+b'
            replace: z
    """), encoding="utf-8")
    (tmp_path / "p.yaml").write_text(
        "line_timeout: 0.2\nstages: [{name: slow, kind: rules, rules: [slow.yaml]}]\n", encoding="utf-8")
    return normalizer.load(tmp_path / "p.yaml")


TEXT = "a" * 60 + "! ab"   # backtracks for ever; the "ab" opens the rule's gate


def timed_out(pipe, text):
    started = time.monotonic()
    result = pipe.normalize(text)
    seconds = time.monotonic() - started
    return [flag.rule for flag in result.flags] == ["timeout"] and result.text is text, seconds


def test_in_the_main_thread_the_timer_keeps_the_time():
    with LineBudget(1.0) as budget:
        assert budget.timer and budget.timeout() is None   # no search pays for a timeout


def test_the_timer_cuts_a_line_on_time(slow):
    flagged, seconds = timed_out(slow, TEXT)
    assert flagged and seconds < 1.7   # a 0.2 s budget; the pattern alone would run for ever
    assert slow.normalize("aab").text == "z"   # and the next line runs as usual


def test_in_a_thread_the_searches_keep_the_time(slow):
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(timed_out(slow, TEXT)))
    thread.start()
    thread.join(30)
    assert outcome and outcome[0][0] and outcome[0][1] < 5


def test_someone_elses_alarm_handler_is_left_alone(slow):
    calls = []
    theirs = lambda *_: calls.append(1)   # noqa: E731
    previous = signal.signal(signal.SIGALRM, theirs)
    try:
        flagged, seconds = timed_out(slow, TEXT)
        assert flagged and seconds < 5
        assert signal.getsignal(signal.SIGALRM) is theirs and not calls
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_no_except_exception_swallows_it():
    with pytest.raises(LineTimeout):
        with LineBudget(0.05):
            try:
                while True:
                    pass
            except Exception:   # what a verbalizer might do
                pass


def test_compiling_is_not_the_lines_time():
    with LineBudget(0.1):
        with compiling():
            time.sleep(0.2)   # a slow first compile
        time.sleep(0.05)      # the line itself is still within its budget


def test_a_late_signal_after_the_line_is_ignored():
    with LineBudget(0.01):
        pass
    signal.setitimer(signal.ITIMER_REAL, 0.01)   # as if the timer fired just after the line
    time.sleep(0.05)


def test_a_batch_keeps_one_timer_and_still_cuts_a_line_on_time(slow):
    started = time.monotonic()
    results = slow.normalize_batch(["aab", TEXT, "ab", TEXT, "aab"])
    assert [result.text for result in results] == ["z", TEXT, "z", TEXT, "z"]
    assert [[flag.rule for flag in result.flags] for result in results] == [
        [], ["timeout"], [], ["timeout"], []]
    assert time.monotonic() - started < 3.5      # two 0.2 s budgets, each cut on time
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)   # nothing left armed after it


def test_a_batch_of_quick_lines_outlasting_the_budget_is_not_cut(slow):
    """The timer ticks once a budget (0.2 s here); a tick early in a line waits for its end."""
    lines = ["aab"] * 20000
    started = time.monotonic()
    results = slow.normalize_batch(lines)
    assert time.monotonic() - started > 0.2 or pytest.skip("the batch ran faster than one tick")
    assert all(result.text == "z" and not result.flags for result in results)
