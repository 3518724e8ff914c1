"""The sensor demo: the Guro fine-dust pilot's 24 monitors with a year of 10-minute readings, two stuck sensors
and a three-day gap, and the Seongsu shelters' occupancy counters (issue 12, "Demo data")."""

import datetime

import pytest
from django.db import transaction
from django.db.models import Count, F

from home import demo as home_demo
from pilots import demo as pilots_demo
from pilots.models import PilotMetric, PilotPage
from sensors import demo
from sensors.models import DailyRollup, DataStream, Flag, Gap, MetricStream, PilotEvidence, Reading, SiteRole

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

YEAR = 365 * 144  # 10-minute readings


@pytest.fixture(scope="module")
def demo_year(django_db_setup, django_db_blocker):
    """Built once for this module (1.47 million readings), inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            home_demo.build_pages()
            home_demo.build_areas()
            home_demo.build_categories()
            users = home_demo.build_users()
            pilots_demo.build(users=users)
            demo.build(users=users)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def guro(demo_year):
    return PilotPage.objects.get(slug=demo.GURO_SLUG)


def _streams(pilot, observed_property="pm25"):
    return DataStream.objects.filter(site__pilot=pilot, observed_property=observed_property).order_by("site__code")


def _stuck_counts(pilot) -> dict:
    stuck = Reading.objects.annotate(stuck=F("flags").bitand(Flag.STUCK)).filter(stuck__gt=0, stream__site__pilot=pilot)
    return dict(stuck.values("stream__site__code").annotate(n=Count("pk")).values_list("stream__site__code", "n"))


def test_guro_has_twelve_pilot_and_twelve_control_monitors_every_ten_minutes(guro):
    streams = list(_streams(guro))
    assert len(streams) == 24
    roles = [stream.site.role for stream in streams]
    assert roles.count(SiteRole.PILOT) == 12 and roles.count(SiteRole.CONTROL) == 12
    assert {stream.interval_seconds for stream in streams} == {600}
    assert {stream.reading_count for stream in streams if stream.site.code != "guro-pm-06"} == {YEAR}
    latest = max(stream.latest_time for stream in streams)
    first = min(stream.first_time for stream in streams)
    assert latest - first == datetime.timedelta(days=365) - datetime.timedelta(minutes=10)


def test_a_year_of_daily_rollups_per_monitor(guro):
    rows = DailyRollup.objects.filter(stream__site__pilot=guro).values("stream__site__code").annotate(n=Count("pk"))
    days = {row["stream__site__code"]: row["n"] for row in rows}
    assert len(days) == 24
    silent = days.pop("guro-pm-06")
    (year,) = set(days.values())
    assert year in (365, 366)  # a year of Seoul days, the first and last cut short unless it began at midnight
    assert year - 3 <= silent <= year - 2  # the three silent days hold two or three whole Seoul days


def test_exactly_the_two_stuck_sensors_are_flagged_for_their_two_days(guro):
    stuck_streams = {s.site.code for s in _streams(guro) if s.flags_seen & Flag.STUCK}
    assert stuck_streams == {"guro-pm-03", "guro-pm-16"}
    assert _stuck_counts(guro) == {"guro-pm-03": 2 * 144, "guro-pm-16": 2 * 144}  # the whole run, nothing else


def test_the_three_day_gap_is_flagged_on_one_monitor(guro):
    gap = Gap.objects.get(stream__site__pilot=guro)
    assert gap.stream.site.code == "guro-pm-06"
    assert gap.duration == datetime.timedelta(days=3, minutes=10)  # last reading before to first after
    assert gap.stream.reading_count == YEAR - 3 * 144


def test_no_other_reading_is_flagged(guro):
    flagged = {s.site.code: s.flagged_count for s in _streams(guro) if s.flagged_count}
    assert flagged == {"guro-pm-03": 288, "guro-pm-16": 288}


def test_the_pilot_compares_and_computes_its_metric(guro):
    config = PilotEvidence.objects.get(pilot=guro)
    assert config.pilot_start == (min(s.first_time for s in _streams(guro)) + datetime.timedelta(days=180)).date()
    metric = PilotMetric.objects.get(page=guro)
    assert metric.actual is not None and 5 < metric.actual < 40
    assert MetricStream.objects.get(metric=metric).as_of == max(s.latest_time for s in _streams(guro))


def test_the_seongsu_shelters_count_their_users(demo_year):
    shelter = PilotPage.objects.get(slug=demo.SHELTER_SLUG)
    streams = list(_streams(shelter, "shelter_occupancy"))
    assert [s.site.code for s in streams] == [f"seongsu-shelter-{n}" for n in range(1, 5)]
    assert {s.reading_count for s in streams} == {YEAR}
    assert {s.unit for s in streams} == {"people"}
    assert all(not s.flags_seen for s in streams)  # a shelter empty all night is not a stuck counter
    peak = Reading.objects.filter(stream=streams[0]).order_by("-value").values_list("value", flat=True).first()
    assert peak >= 5


def test_the_pilot_page_names_the_flags_of_the_stuck_and_silent_monitors(client, guro):
    html = client.get(guro.url).content.decode()
    table = html[html.index('<table class="sensor-quality">') :]
    assert table.count('<td class="flag-kinds">stuck sensor</td>') == 2
    assert table.count('<td class="flag-kinds">1 gap</td>') == 1
    assert table.count('<td class="flag-kinds">—</td>') == 21
