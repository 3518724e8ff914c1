"""Pulls from a loopback SensorThings server: paging, incremental pulls, repeats, failures, time travel."""

import datetime

import pytest

from sensors.models import PullLog, Reading, Source
from sensors.pulls import pull_source
from sensors.services import enqueue_due_pulls

pytestmark = pytest.mark.django_db


def _observations(start_minute: int, count: int):
    base = datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    return [
        ((base + datetime.timedelta(minutes=10 * (start_minute + i))).isoformat().replace("+00:00", "Z"), 10 + i % 5)
        for i in range(count)
    ]


@pytest.fixture
def linked(sensorthings, source, make_stream):
    sensorthings.state.add_datastream(7)
    sensorthings.state.max_top = 20
    return make_stream(source=source, external_id="7")


def test_pull_follows_next_links_and_stores_every_page(sensorthings, source, linked):
    sensorthings.state.observations[7] = _observations(0, 55)
    log = pull_source(source)
    assert (log.status, log.stored) == (PullLog.Status.OK, 55)
    assert Reading.objects.count() == 55
    observation_requests = [r for r in sensorthings.state.requests if "Observations" in r]
    assert len(observation_requests) == 3  # 20 + 20 + 15, through @iot.nextLink
    assert "%24orderby=phenomenonTime%20asc" in observation_requests[0]
    source.refresh_from_db()
    assert source.last_success_at is not None and source.last_error == ""


def test_second_pull_asks_only_for_newer_observations(sensorthings, source, linked):
    sensorthings.state.observations[7] = _observations(0, 10)
    pull_source(source)
    sensorthings.state.observations[7] += _observations(10, 5)
    sensorthings.state.requests.clear()
    log = pull_source(source)
    assert (log.stored, log.duplicates) == (5, 0)
    first = next(r for r in sensorthings.state.requests if "Observations" in r)
    assert "phenomenonTime%20gt%202026-05-01T01%3A30%3A00" in first


def test_repeated_pull_stores_nothing_twice(sensorthings, source, linked):
    sensorthings.state.observations[7] = _observations(0, 30)
    pull_source(source)
    linked.latest_time = None  # as if the cursor were lost: the server sends everything again
    linked.save(update_fields=["latest_time"])
    log = pull_source(source)
    assert (log.stored, log.duplicates) == (0, 30)
    assert Reading.objects.count() == 30


def test_a_500_is_retried_then_succeeds(sensorthings, source, linked):
    sensorthings.state.observations[7] = _observations(0, 3)
    sensorthings.state.fail_next = 1
    log = pull_source(source)
    assert (log.status, log.stored) == (PullLog.Status.OK, 3)


def test_a_source_that_keeps_failing_records_its_error_and_keeps_the_last_success(sensorthings, source, linked):
    sensorthings.state.fail_next = 100
    log = pull_source(source)
    source.refresh_from_db()
    assert log.status == PullLog.Status.FAILED
    assert "HTTP 500" in source.last_error and source.last_success_at is None
    assert source.last_attempt_at is not None


def test_a_malformed_body_is_an_error_not_a_crash(sensorthings, source, linked):
    sensorthings.state.malformed = True
    log = pull_source(source)
    assert log.status == PullLog.Status.FAILED and "malformed" in log.error


def test_a_hanging_server_times_out_with_an_error(sensorthings, source, linked, settings):
    settings.SENSORS_PULL_RETRIES = 0
    source.timeout_seconds = 1
    source.save()
    sensorthings.state.hang.set()
    log = pull_source(source)
    assert log.status == PullLog.Status.FAILED and "no answer" in log.error


def test_a_source_that_goes_back_in_time_duplicates_nothing_and_keeps_the_cursor(sensorthings, source, linked):
    sensorthings.state.observations[7] = _observations(0, 10)
    pull_source(source)
    linked.refresh_from_db()
    cursor = linked.latest_time
    # The server was restored from an old backup and ignores the filter: it answers with older data.
    sensorthings.state.observations[7] = _observations(0, 4) + _observations(-3, 2)
    linked.latest_time = None
    linked.save(update_fields=["latest_time"])
    log = pull_source(source)
    linked.refresh_from_db()
    assert (log.stored, log.duplicates) == (2, 4)
    assert linked.latest_time == cursor or linked.latest_time >= cursor - datetime.timedelta(hours=2)


def test_unit_of_the_datastream_is_checked(sensorthings, source, make_stream):
    sensorthings.state.add_datastream(8, unit="ppm")
    sensorthings.state.observations[8] = _observations(0, 2)
    make_stream("pm-08", source=source, external_id="8")
    pull_source(source)
    assert all(flags & 16 for flags in Reading.objects.values_list("flags", flat=True))


def test_scheduler_queues_due_sources_once(source, linked, django_capture_on_commit_callbacks):
    assert enqueue_due_pulls() == [source.pk]  # runs at once in tests (immediate backend)
    Source.objects.filter(pk=source.pk).update(last_attempt_at=datetime.datetime.now(datetime.UTC))
    assert enqueue_due_pulls() == []
