"""The synthetic series behind the sensor demo (sensors/generate.py): a stuck window is exactly its length."""

import datetime

import numpy as np

from sensors import demo
from sensors.generate import pm25_series


def _run_around(values, first: int) -> tuple[int, int]:
    """The first index and the end of the run of equal values that holds ``first``."""
    start, end = first, first
    while start > 0 and values[start - 1] == values[first]:
        start -= 1
    while end < len(values) and values[end] == values[first]:
        end += 1
    return start, end


def test_the_stuck_window_is_exactly_as_long_whenever_the_demo_is_built():
    # The demo's year starts at the hour it is built, so the shape of the series (season, rush hours) moves with
    # the clock: built at 02:00 UTC on 1 Dec 2026, a reading beside monitor 16's stuck window happened to round
    # to the held value and the run was one reading longer than the two days. Every hour of a week is tried.
    first, end = demo.STUCK
    count = end + demo.PER_DAY  # the series is the same prefix whatever its length (the same seeds)
    begin = datetime.datetime(2025, 11, 25, tzinfo=datetime.UTC)
    for hours in range(7 * 24):
        start = begin + datetime.timedelta(hours=hours)
        for number in demo.STUCK_MONITORS:
            _epochs, values = pm25_series(start, count, step_seconds=demo.STEP, seed=100 + number, stuck=demo.STUCK)
            assert _run_around(values, first) == (first, end), (start, number)


def test_a_series_without_a_stuck_window_is_left_as_drawn():
    start = datetime.datetime(2025, 12, 1, 2, tzinfo=datetime.UTC)
    _epochs, plain = pm25_series(start, 1000, step_seconds=600, seed=115)
    _epochs, again = pm25_series(start, 1000, step_seconds=600, seed=115)
    assert np.array_equal(plain, again)
    _epochs, stuck = pm25_series(start, 1000, step_seconds=600, seed=115, stuck=(100, 200))
    assert np.array_equal(stuck[:99], plain[:99]) and np.array_equal(stuck[201:], plain[201:])
    assert set(stuck[100:200]) == {plain[100]}
