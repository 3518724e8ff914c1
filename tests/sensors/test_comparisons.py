"""Comparisons checked against values worked out by hand."""

import datetime

import pytest

from sensors.comparisons import compare, difference_in_differences


def test_before_after_effect_and_effect_size_match_hand_computed_values():
    before = [10, 12, 14, 10, 12, 14, 12]  # mean 12, sample variance 8/3
    after = [8, 10, 12, 8, 10, 12, 10]  # mean 10, the same spread
    estimate = compare(before, after, readings=140)
    assert estimate.effect == pytest.approx(-2.0)
    # Cohen's d: -2 / sqrt(8/3) = -1.2247
    assert estimate.effect_size == pytest.approx(-1.22, abs=0.01)
    assert estimate.low < -2.0 < estimate.high < 0
    assert estimate.verdict == "better"
    assert (estimate.days_before, estimate.days_after, estimate.readings) == (7, 7, 140)


def test_a_constant_shift_has_a_zero_width_interval():
    estimate = compare([5] * 8, [3] * 8, readings=16)
    assert (estimate.effect, estimate.low, estimate.high) == (-2.0, -2.0, -2.0)
    assert estimate.effect_size is None  # no spread: no standardised size


def test_no_real_effect_gives_an_interval_that_includes_zero():
    before = [10, 14, 9, 13, 11, 12, 15, 8]
    after = [13, 9, 12, 14, 8, 11, 15, 10]  # the same values reordered: no effect at all
    estimate = compare(before, after, readings=16)
    assert estimate.effect == 0.0
    assert estimate.includes_zero
    assert estimate.verdict == "unclear"


def test_too_few_days_is_called_thin_and_gives_no_number():
    estimate = compare([1, 2, 3], [4, 5, 6, 7, 8, 9, 10], readings=10)
    assert estimate.verdict == "thin" and estimate.effect is None


def test_higher_is_better_turns_the_verdict():
    assert compare([1] * 7, [2] * 7, readings=14, lower_is_better=False).verdict == "better"
    assert compare([1] * 7, [2] * 7, readings=14, lower_is_better=True).verdict == "worse"


def test_difference_in_differences_removes_the_shared_change():
    start = datetime.date(2026, 3, 1)
    days = [start + datetime.timedelta(days=d) for d in range(-7, 7)]
    # Both fall by 5 after the start (a season); the pilot falls by 2 more: the DiD is -2.
    control = {d: (30 if d < start else 25) for d in days}
    pilot = {d: (31 if d < start else 24) for d in days}
    estimate = difference_in_differences(pilot, control, start, readings=28)
    assert estimate.effect == pytest.approx(-2.0)
    assert estimate.low == estimate.high == pytest.approx(-2.0)


def test_difference_in_differences_with_parallel_change_includes_zero():
    start = datetime.date(2026, 3, 1)
    days = [start + datetime.timedelta(days=d) for d in range(-10, 10)]
    noise = [0.5, -0.3, 0.2, -0.6, 0.1, 0.4, -0.2, 0.3, -0.5, 0.1] * 2
    control = {d: 20 + (0 if d < start else -4) for d in days}
    pilot = {d: control[d] + 1 + noise[i] for i, d in enumerate(days)}
    estimate = difference_in_differences(pilot, control, start, readings=40)
    assert estimate.includes_zero and estimate.verdict == "unclear"
