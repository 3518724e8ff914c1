"""New readings reach open pilot pages (sensors/live.py) and metrics computed from streams."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pilots.models import PilotMetric
from sensors import live
from sensors.ingest import ingest
from sensors.metrics import recompute_metrics
from sensors.models import MetricStream, PullLog, SiteRole
from sensors.pulls import pull_source

from .conftest import utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed(monkeypatch):
    sent = []
    monkeypatch.setattr(live, "broadcast", lambda messages: sent.extend(messages) or True)
    return sent


def test_new_readings_push_the_latest_readings_to_the_pilot_group(
    pushed, pilot, make_stream, django_capture_on_commit_callbacks
):
    stream = make_stream("p0")
    with django_capture_on_commit_callbacks(execute=True):
        ingest([(stream, [(utc(2026, 5, 1), 80, None)])], now=utc(2026, 6, 1))
    ((group, message),) = pushed
    assert group == f"pilot-{pilot.pk}"
    assert f'id="sensor-latest-{pilot.pk}"' in message["anonymous"]["ko"]
    assert "매우나쁨" in message["anonymous"]["ko"] or "매우 나쁨" in message["anonymous"]["ko"]


def test_a_draft_pilot_gets_no_push(pushed, make_pilot, django_capture_on_commit_callbacks):
    from sensors.models import DataStream, SensorSite

    draft = make_pilot(publish=False, slug="draft-pilot")
    site = SensorSite.objects.create(pilot=draft, code="d", name="d", latitude=37, longitude=127)
    stream = DataStream.objects.create(site=site, observed_property="pm25")
    with django_capture_on_commit_callbacks(execute=True):
        ingest([(stream, [(utc(2026, 5, 1), 10, None)])], now=utc(2026, 6, 1))
    assert pushed == []


def test_metric_actual_is_the_mean_of_the_last_days_at_the_chosen_sites(pilot, make_stream):
    metric = PilotMetric.objects.create(page=pilot, name="PM2.5", baseline=30, target=20, higher_is_better=False)
    MetricStream.objects.create(metric=metric, observed_property="pm25", role=SiteRole.PILOT, days=2)
    pilot_stream, control = make_stream("p0"), make_stream("c0", role=SiteRole.CONTROL)
    base = utc(2026, 5, 1)
    items = [(base + datetime.timedelta(days=d), v, None) for d, v in enumerate([50, 10, 20])]
    ingest([(pilot_stream, items), (control, [(base, 99, None)])], now=utc(2026, 5, 3, 12))
    metric.refresh_from_db()
    assert metric.actual == Decimal("15.000")  # the last two days at the pilot site: (10 + 20) / 2
    assert MetricStream.objects.get().as_of == utc(2026, 5, 3)


def test_a_dead_sources_old_readings_are_not_shown_as_current(pilot, make_stream):
    metric = PilotMetric.objects.create(page=pilot, name="PM2.5", baseline=30, target=20, higher_is_better=False)
    MetricStream.objects.create(metric=metric, observed_property="pm25", role=SiteRole.PILOT, days=2)
    stream = make_stream("p0")
    ingest([(stream, [(utc(2026, 5, 1), 10, None), (utc(2026, 5, 2), 20, None)])], now=utc(2026, 5, 2, 12))
    metric.refresh_from_db()
    assert metric.actual == Decimal("15.000")
    # A week later the source has sent nothing since: the window (the last two days) holds no reading.
    recompute_metrics([pilot.pk], now=utc(2026, 5, 9))
    metric.refresh_from_db()
    link = MetricStream.objects.get()
    assert metric.actual is None
    assert (link.as_of, link.computed_at) == (utc(2026, 5, 2), utc(2026, 5, 9))


def test_a_failed_pull_still_moves_the_metric_window_on(pilot, make_stream, sensorthings, source, settings):
    settings.SENSORS_PULL_RETRIES = 0
    metric = PilotMetric.objects.create(page=pilot, name="PM2.5", baseline=30, target=20, higher_is_better=False)
    MetricStream.objects.create(metric=metric, observed_property="pm25", role=SiteRole.PILOT, days=2)
    stream = make_stream("p0", source=source, external_id="1")
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    ingest([(stream, [(three_days_ago, 10, None)])], now=three_days_ago)
    metric.refresh_from_db()
    assert metric.actual == Decimal("10.000")
    sensorthings.state.fail_next = 100
    assert pull_source(source).status == PullLog.Status.FAILED
    metric.refresh_from_db()
    assert metric.actual is None


def test_a_metric_without_readings_stays_unmeasured(pilot, make_stream):
    metric = PilotMetric.objects.create(page=pilot, name="PM2.5", baseline=30, target=20)
    MetricStream.objects.create(metric=metric, observed_property="pm10", role=SiteRole.PILOT)
    ingest([(make_stream("p0"), [(utc(2026, 5, 1), 10, None)])], now=utc(2026, 6, 1))
    metric.refresh_from_db()
    assert metric.actual is None
