"""The pilot page's heavy parts (results, sensor evidence, story) are rendered once per page generation.

Each event that changes them moves the generation on (``livinglab.fragments``); a publish changes their key
itself. Personal parts (the rating form, "you take part", CSRF) are rendered for each request.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from codesign import services as codesign_services
from codesign.models import ConsentText
from livinglab import fragments
from pilots.csv_import import import_results
from pilots.models import PilotFeedback, PilotMetric, PilotStatus, ResultSeries
from pilots.services import submit_feedback
from sensors.ingest import ingest
from sensors.models import DataStream, PilotEvidence, SensorSite, SiteRole
from tests.factories import ResidentFactory

from .conftest import add_points
from .test_csv_import import upload

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)


def _sensors(pilot, sites: int) -> list[DataStream]:
    PilotEvidence.objects.create(pilot=pilot, pilot_start=datetime.date(2026, 3, 1), baseline_days=30)
    streams = []
    for n in range(sites):
        role = SiteRole.PILOT if n % 2 == 0 else SiteRole.CONTROL
        site = SensorSite.objects.create(
            pilot=pilot, code=f"s{pilot.pk}-{n}", name=f"Site {n}", role=role, latitude=37.5, longitude=126.9
        )
        streams.append(DataStream.objects.create(site=site, observed_property="pm25"))
    return streams


def _fill(
    stream: DataStream, *, value: float, days: int = 40, start=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC)
):
    items = [(start + datetime.timedelta(days=day, hours=hour), value, None) for day in range(days) for hour in (0, 12)]
    return ingest([(stream, items)], now=NOW)


def _pilot(make_pilot, *, metrics: int, series: int, sites: int):
    pilot = make_pilot(
        status=PilotStatus.EVALUATING,
        metrics=[
            {"name": f"Metric {n}", "unit": "people", "baseline": 0, "target": 100, "actual": 10 * n}
            for n in range(metrics)
        ],
        series=[(f"Series {n}", "") for n in range(series)],
    )
    for n in range(series):
        add_points(pilot, f"Series {n}", [n + 1, n + 2, n + 3])
    for stream in _sensors(pilot, sites):
        _fill(stream, value=30)
    return pilot


def _queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def _forget(client, pilot) -> None:
    """Everything the page caches forgotten; Wagtail's site roots read again (by the index) before measuring."""
    cache.clear()
    client.get(pilot.get_parent().url)


def test_the_page_makes_a_constant_number_of_queries_cold_and_warm_at_two_sizes(
    client, make_pilot, django_assert_num_queries
):
    small = _pilot(make_pilot, metrics=1, series=1, sites=2)
    large = _pilot(make_pilot, metrics=6, series=4, sites=8)
    _forget(client, small)
    cold = _queries(client, small.url)
    _forget(client, large)
    with django_assert_num_queries(len(cold)):
        client.get(large.url)
    client.get(small.url)  # the large page is warm already; the small one renders into the cache again
    warm = _queries(client, small.url)
    with django_assert_num_queries(len(warm)):
        response = client.get(large.url)
    assert len(warm) < len(cold)
    # A warm page reads none of the cached parts' rows.
    for table in ("pilots_pilotmetric", "pilots_resultdatapoint", "sensors_datastream", "sensors_dailyrollup"):
        assert not [sql for sql in warm if table in sql], table
    html = response.content.decode()
    assert "Metric 5" in html and "Series 3" in html and "Site 7" in html


def test_a_results_import_shows_at_once(client, make_pilot, django_capture_on_commit_callbacks):
    pilot = make_pilot(series=[("Users", "people")])
    # The table cell, not the bare number: a factory's area name ("Dong 1234") may hold it.
    assert "<td>1234</td>" not in client.get(pilot.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        import_results(pilot, upload("series,date,value\nUsers,2026-01-31,1234\n"))
    assert "<td>1234</td>" in client.get(pilot.url).content.decode()


def test_without_the_event_the_cached_results_stay(client, make_pilot):
    """The cache is really used: a change that announces nothing is not seen until the generation moves."""
    pilot = make_pilot(series=[("Users", "people")])
    client.get(pilot.url)
    add_points(pilot, "Users", [4321])
    assert "<td>4321</td>" not in client.get(pilot.url).content.decode()
    fragments.page_changed(pilot.pk)
    assert "<td>4321</td>" in client.get(pilot.url).content.decode()


def test_a_sensor_pull_shows_its_readings_and_comparisons_at_once(
    client, make_pilot, django_capture_on_commit_callbacks
):
    pilot = make_pilot()
    (stream,) = _sensors(pilot, 1)
    _fill(stream, value=30)
    assert "31.0&nbsp;" not in client.get(pilot.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _fill(stream, value=31, days=1, start=datetime.datetime(2026, 5, 30, tzinfo=datetime.UTC))
    html = client.get(pilot.url).content.decode()
    assert "31.0&nbsp;" in html  # the site's latest reading


def test_a_metric_computed_from_sensors_moves_the_results(client, make_pilot, django_capture_on_commit_callbacks):
    pilot = make_pilot(metrics=[{"name": "Fine dust", "unit": "µg/m³", "baseline": 40, "target": 30}])
    client.get(pilot.url)
    PilotMetric.objects.filter(page=pilot).update(actual=Decimal("33"))
    # What sensors.ingest.announce_readings emits after recomputing the pilot's metrics.
    with django_capture_on_commit_callbacks(execute=True):
        from livinglab.events import emit

        emit("sensors.readings_ingested", pilot_id=pilot.pk)
    assert "now <strong>33</strong>" in client.get(pilot.url).content.decode()


def test_a_publish_shows_the_edited_metric_and_a_draft_does_not(client, make_pilot):
    pilot = make_pilot(metrics=[{"name": "Daily users", "baseline": 0, "target": 400, "actual": 300}])
    assert "Daily users" in client.get(pilot.url).content.decode()
    pilot.metrics = [PilotMetric(name="Riders per day", baseline=0, target=400, actual=300)]
    pilot.save_revision()  # a draft: the live page keeps what was published
    html = client.get(pilot.url).content.decode()
    assert "Daily users" in html and "Riders per day" not in html
    pilot.get_latest_revision().publish()
    html = client.get(pilot.url).content.decode()
    assert "Riders per day" in html and "Daily users" not in html


def test_a_preview_is_never_cached_nor_served_from_the_cache(admin_client, client, make_pilot):
    pilot = make_pilot(metrics=[{"name": "Daily users", "baseline": 0, "target": 400, "actual": 300}])
    client.get(pilot.url)
    pilot.metrics = [PilotMetric(name="Draft name", baseline=0, target=400, actual=300)]
    revision = pilot.save_revision()
    preview = admin_client.get(f"/admin/pages/{pilot.pk}/revisions/{revision.pk}/view/")
    assert preview.status_code == 200
    assert "Draft name" in preview.content.decode()
    assert "Draft name" not in client.get(pilot.url).content.decode()


def test_an_unpublished_pilot_is_not_served_from_the_cache(client, make_pilot):
    pilot = make_pilot(metrics=[{"name": "Daily users", "baseline": 0, "target": 400, "actual": 300}])
    assert client.get(pilot.url).status_code == 200
    pilot.unpublish()
    assert client.get(pilot.url).status_code == 404


def test_each_language_has_its_own_fragments(client, make_pilot):
    pilot = make_pilot(series=[("Users", "people")])
    add_points(pilot, "Users", [1, 2])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "The numbers as a table" in client.get(pilot.url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    korean = client.get(pilot.url).content.decode()
    assert "The numbers as a table" not in korean
    assert "표로 보기" in korean


def test_a_new_rating_moves_the_generation_and_shows(client, make_pilot, django_capture_on_commit_callbacks):
    pilot = make_pilot(status=PilotStatus.EVALUATING)
    client.get(pilot.url)
    before = fragments.generation(fragments.page_generation_key(pilot.pk))
    with django_capture_on_commit_callbacks(execute=True):
        submit_feedback(pilot, user=ResidentFactory(), rating=2, comment="Too slow to cool down")
    assert fragments.generation(fragments.page_generation_key(pilot.pk)) > before
    html = client.get(pilot.url).content.decode()
    assert "Too slow to cool down" in html


def test_personal_parts_are_not_shared_between_people(client, make_pilot):
    pilot = make_pilot(status=PilotStatus.RUNNING)
    ConsentText.objects.create(page=pilot, version=1, text="I agree.")
    rater, other = ResidentFactory(), ResidentFactory()
    codesign_services.volunteer_for_pilot(pilot, user=rater, consent_version=1)
    pilot.status = PilotStatus.EVALUATING  # ratings open once there are results to judge
    pilot.save_revision().publish()
    PilotFeedback.objects.create(pilot=pilot, user=rater, rating=5, comment="My own words")

    client.force_login(rater)
    mine = client.get(pilot.url).content.decode()
    rater_token = re.search(r'"X-CSRFToken": "([^"]+)"', mine).group(1)
    assert "Update my rating" in mine and 'data-participant="active"' in mine

    client.logout()
    client.force_login(other)
    theirs = client.get(pilot.url).content.decode()
    assert "Update my rating" not in theirs and "Save my rating" in theirs
    assert 'data-participant="active"' not in theirs
    assert "My own words" in theirs  # a public comment, with a report button for others
    assert re.search(r'"X-CSRFToken": "([^"]+)"', theirs).group(1) != rater_token

    client.logout()
    anonymous = client.get(pilot.url).content.decode()
    assert "Save my rating" not in anonymous and "Update my rating" not in anonymous
    assert "to rate this pilot's results" in anonymous


def test_nothing_is_cached_while_redis_is_away(client, make_pilot, monkeypatch):
    pilot = make_pilot(series=[("Users", "people")])
    monkeypatch.setattr(type(cache), "redis_is_down", True, raising=False)
    client.get(pilot.url)
    add_points(pilot, "Users", [777])
    assert "<td>777</td>" in client.get(pilot.url).content.decode()


def test_a_series_added_by_publish_has_its_own_table(client, make_pilot):
    pilot = make_pilot(series=[("Users", "people")])
    client.get(pilot.url)
    pilot.series.add(ResultSeries(name="Heat", unit="°C", label="Peak heat"))
    pilot.save_revision().publish()
    assert "Peak heat" in client.get(pilot.url).content.decode()


def test_the_index_routes_to_live_pilots_only(client, make_pilot):
    live = make_pilot()
    draft = make_pilot(publish=False)
    assert client.get(live.url).status_code == 200
    index_url = live.get_parent().url
    assert client.get(f"{index_url}{draft.slug}/").status_code == 404
    assert client.get(f"{index_url}no-such-pilot/").status_code == 404
    assert client.get(f"{live.url}deeper/").status_code == 404
