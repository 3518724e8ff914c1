"""Bad readings are flagged or rejected with a reason; the rest of the batch is stored, once."""

import datetime
import math

import pytest

from sensors.ingest import ingest
from sensors.models import DailyRollup, Flag, Gap, HourlyRollup, Reading

from .conftest import utc

NOW = utc(2026, 6, 1)
pytestmark = pytest.mark.django_db


def test_bad_values_are_rejected_with_reasons_and_the_good_ones_kept(make_stream):
    stream = make_stream()
    items = [
        ("2026-05-01T00:00:00Z", 12.0, "µg/m³"),
        ("2026-05-01T00:10:00Z", math.nan, "µg/m³"),
        ("2026-05-01T00:20:00Z", math.inf, "µg/m³"),
        ("2026-05-01T00:30:00Z", "high", "µg/m³"),
        ("not a time", 5, "µg/m³"),
        ("2026-05-01T00:40:00Z", "13.5", "ug/m3"),
        ("2026-05-01T00:40:00Z", 14.0, "µg/m³"),
    ]
    result = ingest([(stream, items)], now=NOW)
    assert result.stored == 2
    reasons = sorted(r["reason"] for r in result.rejections)
    assert reasons == sorted(
        [
            "not a finite number",
            "not a finite number",
            "not a number",
            "unreadable time",
            "duplicate timestamp in this batch",
        ]
    )
    assert list(Reading.objects.order_by("time").values_list("value", flat=True)) == [12.0, 13.5]


def test_flags_out_of_range_future_and_unit_mismatch_but_keeps_them(make_stream):
    stream = make_stream()
    items = [
        ("2026-05-01T00:00:00Z", 900.0, "µg/m³"),
        ("2026-07-01T00:00:00Z", 10.0, "µg/m³"),
        ("2026-05-01T00:10:00Z", 10.0, "ppm"),
    ]
    result = ingest([(stream, items)], now=NOW)
    assert result.stored == 3 and result.flagged == 3
    flags = dict(Reading.objects.values_list("time", "flags"))
    assert flags[utc(2026, 5, 1)] == Flag.OUT_OF_RANGE
    assert flags[utc(2026, 7, 1)] == Flag.FUTURE
    assert flags[utc(2026, 5, 1, 0, 10)] & Flag.UNIT_MISMATCH


def test_convertible_units_are_converted(make_stream):
    stream = make_stream()
    ingest([(stream, [("2026-05-01T00:00:00Z", 0.02, "mg/m3")])], now=NOW)
    assert Reading.objects.get().value == pytest.approx(20.0)


def test_times_are_stored_in_utc_and_naive_times_read_as_seoul(make_stream):
    stream = make_stream()
    items = [
        ("2026-05-01T09:00:00+09:00", 1, None),
        ("2026-05-01 09:10:00", 2, None),
        ("2026-05-01T00:20:00Z", 3, None),
    ]
    ingest([(stream, items)], now=NOW)
    assert list(Reading.objects.order_by("time").values_list("time", flat=True)) == [
        utc(2026, 5, 1, 0, 0),
        utc(2026, 5, 1, 0, 10),
        utc(2026, 5, 1, 0, 20),
    ]


def test_seoul_midnight_starts_the_daily_rollup(make_stream):
    stream = make_stream()
    # 14:59 and 15:00 UTC are 23:59 and 00:00 in Seoul: two different days.
    ingest([(stream, [(utc(2026, 5, 1, 14, 59), 10, None), (utc(2026, 5, 1, 15, 0), 20, None)])], now=NOW)
    assert list(DailyRollup.objects.order_by("start").values_list("start", "mean")) == [
        (utc(2026, 4, 30, 15), 10.0),
        (utc(2026, 5, 1, 15), 20.0),
    ]


def test_a_repeated_batch_stores_nothing_twice(make_stream):
    stream = make_stream()
    items = [(utc(2026, 5, 1, 0, m), 10 + m, None) for m in range(0, 60, 10)]
    first = ingest([(stream, items)], now=NOW)
    second = ingest([(stream, items)], now=NOW)
    assert (first.stored, second.stored, second.duplicates) == (6, 0, 6)
    assert Reading.objects.count() == 6
    stream.refresh_from_db()
    assert stream.reading_count == 6


def test_stuck_sensor_flags_the_whole_run_and_only_it(make_stream):
    stream = make_stream(stuck_after=4)
    values = [10, 11, 12, 12, 12, 12, 12, 13, 14]
    base = utc(2026, 5, 1)
    first = [(base + datetime.timedelta(minutes=10 * i), v, None) for i, v in enumerate(values[:4])]
    rest = [(base + datetime.timedelta(minutes=10 * i), v, None) for i, v in enumerate(values) if i >= 4]
    ingest([(stream, first)], now=NOW)
    ingest([(stream, rest)], now=NOW)
    flags = [f & Flag.STUCK for f in Reading.objects.order_by("time").values_list("flags", flat=True)]
    assert flags == [0, 0, Flag.STUCK, Flag.STUCK, Flag.STUCK, Flag.STUCK, Flag.STUCK, 0, 0]


def test_spike_and_gap_are_flagged(make_stream):
    stream = make_stream(spike_delta=20)
    base = utc(2026, 5, 1)
    items = [
        (base, 10, None),
        (base + datetime.timedelta(minutes=10), 50, None),
        (base + datetime.timedelta(hours=5), 12, None),
    ]
    ingest([(stream, items)], now=NOW)
    flags = list(Reading.objects.order_by("time").values_list("flags", flat=True))
    assert flags[1] & Flag.SPIKE and not flags[0] & Flag.SPIKE
    gap = Gap.objects.get()
    assert (gap.start, gap.end) == (base + datetime.timedelta(minutes=10), base + datetime.timedelta(hours=5))


def test_rollups_keep_flagged_readings_out_of_the_clean_mean(make_stream):
    stream = make_stream()
    base = utc(2026, 5, 1)
    items = [
        (base, 10, None),
        (base + datetime.timedelta(minutes=10), 20, None),
        (base + datetime.timedelta(minutes=20), 900, None),
    ]
    ingest([(stream, items)], now=NOW)
    hour = HourlyRollup.objects.get()
    assert (hour.count, hour.clean_count, hour.mean, hour.minimum, hour.maximum, hour.p50) == (3, 2, 15.0, 10, 20, 15.0)
    assert hour.mean_all == pytest.approx(310.0)


def test_one_streams_bad_batch_does_not_cost_another_stream(make_stream):
    good, bad = make_stream("a"), make_stream("b")
    result = ingest([(bad, [("x", "y", None)]), (good, [(utc(2026, 5, 1), 10, None)])], now=NOW)
    assert (result.stored, result.rejected) == (1, 1)


def test_a_reading_from_the_future_is_kept_flagged_but_never_moves_the_stream_on(make_stream):
    stream = make_stream(spike_delta=20)
    ingest([(stream, [("2026-05-31T23:00:00Z", 10.0, "µg/m³"), ("2026-07-01T00:00:00Z", 11.0, "µg/m³")])], now=NOW)
    stream.refresh_from_db()
    assert stream.latest_time == utc(2026, 5, 31, 23)  # a clock running ahead does not become the cursor
    assert stream.latest_value == 10.0
    assert Reading.objects.get(time=utc(2026, 7, 1)).flags == Flag.FUTURE

    # The next pull asks for what came after 23:00, and the readings in between are stored and checked in order
    # (the source sends the future one again; it is not stored twice).
    later = NOW + datetime.timedelta(minutes=30)
    items = [("2026-05-31T23:10:00Z", 10.0, "µg/m³"), ("2026-05-31T23:20:00Z", 90.0, "µg/m³")]
    result = ingest([(stream, [*items, ("2026-07-01T00:00:00Z", 11.0, "µg/m³")])], now=later)
    assert result.stored == 2 and result.duplicates == 1
    stream.refresh_from_db()
    assert stream.latest_time == utc(2026, 5, 31, 23, 20)
    assert Reading.objects.get(time=utc(2026, 5, 31, 23, 20)).flags & Flag.SPIKE  # checked against 23:10
    assert Reading.objects.count() == 4
