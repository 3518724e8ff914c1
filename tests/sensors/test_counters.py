"""A stream's cached counts (readings stored, readings flagged) stay equal to its readings.

Readings are never deleted one by one (quality flags keep them); they go only with their stream, site or pilot,
and the counts go with the stream. What changes a count is a reading becoming flagged after it was stored (a
stuck run found later), and what could undo one is a save of the stream that writes back counts it read earlier.
"""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sensors.ingest import ingest
from sensors.models import DataStream, Flag, Reading

from .conftest import utc

NOW = utc(2026, 6, 1)
pytestmark = pytest.mark.django_db


def assert_counts_match_readings(stream: DataStream) -> None:
    stream.refresh_from_db()
    readings = Reading.objects.filter(stream=stream)
    assert stream.reading_count == readings.count()
    assert stream.flagged_count == readings.exclude(flags=0).count()


def batch(values, *, start=0):
    base = utc(2026, 5, 1)
    return [(base + datetime.timedelta(minutes=10 * (start + i)), v, None) for i, v in enumerate(values)]


def test_readings_flagged_stuck_after_they_were_stored_are_counted(make_stream):
    """The run of 12s reaches four readings in the second batch: the two stored earlier become stuck too."""
    stream = make_stream(stuck_after=4)
    ingest([(stream, batch([10, 11, 12, 12]))], now=NOW)
    assert_counts_match_readings(stream)
    assert stream.flagged_count == 0
    ingest([(stream, batch([12, 12, 12, 13], start=4))], now=NOW)
    assert_counts_match_readings(stream)
    assert (stream.reading_count, stream.flagged_count) == (8, 5)


def test_a_stored_reading_flagged_already_is_not_counted_twice(make_stream):
    stream = make_stream(stuck_after=3, max_valid=11)
    ingest([(stream, batch([10, 12, 12]))], now=NOW)  # 12 is out of range: flagged when stored
    assert_counts_match_readings(stream)
    assert stream.flagged_count == 2
    ingest([(stream, batch([12, 12], start=3))], now=NOW)  # the run of 12s turns stuck
    assert Reading.objects.filter(stream=stream, flags=Flag.OUT_OF_RANGE | Flag.STUCK).count() == 4
    assert_counts_match_readings(stream)
    assert stream.flagged_count == 4


def test_an_admin_edit_keeps_readings_stored_meanwhile(make_stream):
    stream = make_stream()
    as_loaded = DataStream.objects.get(pk=stream.pk)  # the admin's edit view loads the row at the request's start
    ingest([(stream, batch([10, 900, 11]))], now=NOW)
    as_loaded.min_valid = 0
    as_loaded.save()
    assert_counts_match_readings(stream)
    assert (stream.reading_count, stream.flagged_count, stream.min_valid) == (3, 2, 0)  # out of range, then a spike
    assert stream.latest_time == utc(2026, 5, 1, 0, 20)


def test_deleting_a_stream_takes_its_readings_and_counts_with_it(make_stream):
    stream = make_stream()
    other = make_stream("pm-02")
    ingest([(stream, batch([10, 11])), (other, batch([12]))], now=NOW)
    DataStream.objects.filter(pk=stream.pk).delete()
    assert not Reading.objects.filter(stream_id=stream.pk).exists()
    assert_counts_match_readings(other)


# --- the repair tool ---------------------------------------------------------------------------------------


def recount(*args) -> str:
    out = StringIO()
    call_command("recount_readings", *args, stdout=out)
    return out.getvalue()


def test_recount_readings_reports_clean_counters(make_stream):
    stream = make_stream()
    ingest([(stream, batch([10, 900]))], now=NOW)
    assert "All counters match" in recount()


def test_recount_readings_repairs_drift(make_stream):
    drifted = make_stream()
    fine = make_stream("pm-02")
    empty = make_stream("pm-03")
    ingest([(drifted, batch([10, 900, 11])), (fine, batch([10]))], now=NOW)
    DataStream.objects.filter(pk=drifted.pk).update(reading_count=7, flagged_count=0)
    DataStream.objects.filter(pk=empty.pk).update(reading_count=2)
    output = recount()
    assert f"Stream {drifted.pk}: readings 7 -> 3, flagged 0 -> 2" in output
    assert f"Stream {empty.pk}: readings 2 -> 0, flagged 0 -> 0" in output
    assert f"Stream {fine.pk}:" not in output
    assert "Repaired 2 stream(s)" in output
    for stream in (drifted, fine, empty):
        assert_counts_match_readings(stream)
    assert "All counters match" in recount()


def test_recount_readings_dry_run_reports_without_repairing(make_stream):
    stream = make_stream()
    ingest([(stream, batch([10]))], now=NOW)
    DataStream.objects.filter(pk=stream.pk).update(reading_count=0)
    with pytest.raises(CommandError, match="1 stream"):
        recount("--dry-run")
    stream.refresh_from_db()
    assert stream.reading_count == 0
