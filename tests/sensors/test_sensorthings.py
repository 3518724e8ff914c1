"""Pulls from a loopback SensorThings server: paging, incremental pulls, repeats, failures, time travel."""

import datetime
import socket
from decimal import Decimal
from unittest import mock

import pytest

from pilots.models import PilotMetric
from sensors import ingest as ingest_module
from sensors import live, metrics, pulls, rollups
from sensors.models import DataStream, MetricStream, PullLog, Reading, SiteRole, Source
from sensors.pulls import pull_source
from sensors.sensorthings import SensorThingsClient
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
    sensorthings.state.ignore_filter = True  # the server sends everything again, whatever the cursor
    log = pull_source(source)
    assert (log.stored, log.duplicates) == (0, 30)
    assert Reading.objects.count() == 30


def _client(source, sleeps: list, *, retries=2, backoff=1.5) -> SensorThingsClient:
    """The pull's client with the waits recorded instead of slept: no test waits on the clock."""
    return SensorThingsClient(
        source.url, timeout=2, page_size=source.page_size, retries=retries, backoff=backoff, sleep=sleeps.append
    )


def test_backoff_doubles_from_the_configured_delay(source, settings):
    settings.SENSORS_PULL_RETRIES, settings.SENSORS_PULL_BACKOFF_SECONDS = 3, 2.0
    assert SensorThingsClient(source.url).delays() == [2.0, 4.0, 8.0]
    assert SensorThingsClient(source.url, retries=0).delays() == []


def test_a_500_is_retried_after_the_backoff_then_succeeds(sensorthings, source, linked):
    sensorthings.state.observations[7] = _observations(0, 3)
    sensorthings.state.fail_next = 2
    sleeps = []
    log = pull_source(source, client=_client(source, sleeps, retries=3))
    assert (log.status, log.stored) == (PullLog.Status.OK, 3)
    assert sleeps == [1.5, 3.0]  # two failures, two waits, doubling


def test_a_source_that_keeps_failing_waits_between_a_bounded_number_of_attempts(sensorthings, source, linked):
    sensorthings.state.fail_next = 100
    sleeps = []
    log = pull_source(source, client=_client(source, sleeps, retries=2))
    assert log.status == PullLog.Status.FAILED and "after 3 attempts" in log.error
    assert sleeps == [1.5, 3.0]
    assert len(sensorthings.state.requests) == 3


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_connection_is_recorded_after_bounded_retries(make_stream):
    source = Source.objects.create(name="Gone", url=f"http://127.0.0.1:{_closed_port()}/v1.1", timeout_seconds=2)
    for n in range(3):
        make_stream(f"pm-{n}", source=source, external_id=str(n))
    sleeps = []
    log = pull_source(source, client=_client(source, sleeps, retries=2))
    source.refresh_from_db()
    assert log.status == PullLog.Status.FAILED
    assert "no answer" in source.last_error and "refused" in source.last_error.lower()
    # One request retried twice for the whole pull, not once per stream: no retry storm.
    assert sleeps == [1.5, 3.0]
    assert source.last_success_at is None and source.last_attempt_at is not None


def test_a_404_is_recorded_at_once_without_retrying(sensorthings, source, linked):
    source.url = sensorthings.url + "/no-such-service"
    source.save()
    sleeps = []
    log = pull_source(source, client=_client(source, sleeps, retries=2))
    source.refresh_from_db()
    assert log.status == PullLog.Status.FAILED and "HTTP 404: Nothing found." in source.last_error
    assert sleeps == [] and len(sensorthings.state.requests) == 1


def test_a_404_keeps_the_last_success_of_an_earlier_pull(sensorthings, source, linked):
    sensorthings.state.observations[7] = _observations(0, 2)
    pull_source(source)
    source.refresh_from_db()
    succeeded = source.last_success_at
    source.url = sensorthings.url + "/moved"
    source.save()
    pull_source(source, client=_client(source, []))
    source.refresh_from_db()
    assert source.last_success_at == succeeded and "HTTP 404" in source.last_error


def test_the_pull_reads_datastreams_without_expanding_things(sensorthings, source, linked):
    sensorthings.state.observations[7] = _observations(0, 2)
    pull_source(source)
    datastreams = [r for r in sensorthings.state.requests if r.split("?")[0].endswith("/Datastreams")]
    assert len(datastreams) == 1 and "expand" not in datastreams[0]
    assert not [r for r in sensorthings.state.requests if "/Things" in r]
    assert Reading.objects.count() == 2


@pytest.fixture
def five_streams(sensorthings, source, make_stream, pilot):
    """Five linked streams of three pages each (20 + 20 + 5 observations), and a metric computed from them."""
    sensorthings.state.max_top = 20
    streams = []
    for n in range(5):
        sensorthings.state.add_datastream(100 + n)
        sensorthings.state.observations[100 + n] = _observations(0, 45)
        streams.append(make_stream(f"pm-{n}", source=source, external_id=str(100 + n)))
    metric = PilotMetric.objects.create(page=pilot, name="PM2.5", baseline=30, target=20, higher_is_better=False)
    MetricStream.objects.create(metric=metric, observed_property="pm25", role=SiteRole.PILOT, days=366)
    return streams


@pytest.fixture
def spies(monkeypatch):
    """The real functions, wrapped to count their calls."""
    recompute = mock.Mock(wraps=metrics.recompute_metrics)
    monkeypatch.setattr(ingest_module, "recompute_metrics", recompute)
    monkeypatch.setattr(pulls, "recompute_metrics", recompute)
    found = {
        "recompute": recompute,
        "ingest": mock.Mock(wraps=ingest_module.ingest),
        "refresh": mock.Mock(wraps=rollups.refresh),
        "broadcast": mock.Mock(wraps=live.broadcast),
        "render": mock.Mock(wraps=live.render_to_string),
    }
    monkeypatch.setattr(pulls, "ingest", found["ingest"])
    monkeypatch.setattr(ingest_module.rollups, "refresh", found["refresh"])
    monkeypatch.setattr(live, "broadcast", found["broadcast"])
    monkeypatch.setattr(live, "render_to_string", found["render"])
    return found


def test_a_pull_of_many_pages_and_streams_is_stored_and_announced_once(
    sensorthings, source, five_streams, spies, pilot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        log = pull_source(source)
    assert (log.status, log.stored) == (PullLog.Status.OK, 5 * 45)
    assert len([r for r in sensorthings.state.requests if "Observations" in r]) == 5 * 3
    assert spies["ingest"].call_count == 1
    assert spies["refresh"].call_count == 1
    assert spies["recompute"].call_count == 1
    assert spies["broadcast"].call_count == 1
    ((group, _message),) = spies["broadcast"].call_args.args[0]
    assert group == f"pilot-{pilot.pk}"
    assert spies["render"].call_count == 2  # the fragment, once in each language
    metric = PilotMetric.objects.get(page=pilot)
    assert metric.actual == Decimal("12.000")  # 10, 11, 12, 13, 14 repeated at every site


def test_a_backlog_is_stored_in_batches_but_announced_once(
    sensorthings, source, five_streams, spies, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        log = pull_source(source, batch_readings=50)
    assert log.stored == 5 * 45 and Reading.objects.count() == 5 * 45
    # 225 readings in pages of 20, 20 and 5: stored when 65, 65, 50 have come, then the last 45.
    assert spies["ingest"].call_count == 4
    assert (spies["recompute"].call_count, spies["broadcast"].call_count) == (1, 1)
    # Each stream's state is what one ingest would have left: every reading counted once, the latest last.
    for stream in DataStream.objects.all():
        assert stream.reading_count == 45
        assert stream.latest_time == datetime.datetime(2026, 5, 1, 7, 20, tzinfo=datetime.UTC)


def test_a_pull_with_nothing_new_announces_nothing(
    sensorthings, source, five_streams, spies, django_capture_on_commit_callbacks
):
    pull_source(source)
    for spy in spies.values():
        spy.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        log = pull_source(source)
    assert (log.status, log.stored) == (PullLog.Status.OK, 0)
    assert (spies["ingest"].call_count, spies["refresh"].call_count, spies["broadcast"].call_count) == (0, 0, 0)
    assert spies["recompute"].call_count == 1  # the metric's window still moves on


def test_a_source_failing_half_way_keeps_and_announces_what_it_sent(
    sensorthings, source, five_streams, spies, django_capture_on_commit_callbacks
):
    sensorthings.state.max_top = 45  # one page per stream
    original = SensorThingsClient.observations

    def failing_after_two(client, datastream_id, **kwargs):
        if datastream_id in ("102", "103", "104"):
            sensorthings.state.fail_next = 100
        yield from original(client, datastream_id, **kwargs)

    with (
        mock.patch.object(SensorThingsClient, "observations", failing_after_two),
        django_capture_on_commit_callbacks(execute=True),
    ):
        log = pull_source(source, client=_client(source, [], retries=1))
    assert log.status == PullLog.Status.FAILED and log.stored == 2 * 45
    assert (spies["ingest"].call_count, spies["recompute"].call_count, spies["broadcast"].call_count) == (1, 1, 1)


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
    cursor, latest_value = linked.latest_time, linked.latest_value
    # The server was restored from an old backup and ignores the filter: it answers with older data only,
    # four readings already stored and two from before the first pull.
    sensorthings.state.ignore_filter = True
    sensorthings.state.observations[7] = _observations(0, 4) + _observations(-3, 2)
    sensorthings.state.requests.clear()
    log = pull_source(source)
    linked.refresh_from_db()
    assert "phenomenonTime%20gt%202026-05-01T01%3A30%3A00" in next(
        r for r in sensorthings.state.requests if "Observations" in r
    )
    assert (log.stored, log.duplicates) == (2, 4)
    assert (linked.latest_time, linked.latest_value) == (cursor, latest_value)
    assert linked.first_time == datetime.datetime(2026, 4, 30, 23, 30, tzinfo=datetime.UTC)
    assert linked.reading_count == 12 and Reading.objects.count() == 12
    # The next pull still asks from the same cursor.
    sensorthings.state.ignore_filter = False
    sensorthings.state.requests.clear()
    assert pull_source(source).stored == 0
    assert "phenomenonTime%20gt%202026-05-01T01%3A30%3A00" in next(
        r for r in sensorthings.state.requests if "Observations" in r
    )


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
