"""The sensor daily rollups and session attendance datasets: public rows only, dictionary, BOM, formulas."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from codesign.models import Session
from livinglab.events import emit
from opendata.build import refresh
from opendata.datasets import DATASETS
from opendata.models import DatasetFile
from opendata.tasks import refresh_datasets
from sensors.models import DailyRollup

from .conftest import SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(public_data, settings, tmp_path):
    settings.OPENDATA_ROOT = str(tmp_path / "opendata")
    refresh_datasets.enqueue()  # the immediate backend runs it here
    return public_data


def _body(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv(client, url) -> list[dict]:
    body = _body(client, url)
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert SECRET not in text
    return list(csv.DictReader(io.StringIO(text)))


def test_sensor_daily_csv_has_public_pilots_rollups_as_seoul_days(client, built):
    rows = _csv(client, "/data/sensor-daily.csv")
    assert len(rows) == 6
    assert {r["pilot_id"] for r in rows} == {str(built["pilot"].pk)}
    assert sorted({r["day"] for r in rows}) == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert {r["site_role"] for r in rows} == {"pilot", "control"}


def test_sensor_daily_json_and_geojson(client, built):
    data = json.loads(_body(client, "/data/sensor-daily.json"))
    assert data["licence"]["code"] == "kogl-1" and len(data["rows"]) == 6
    features = json.loads(_body(client, "/data/sensor-daily.geojson"))["features"]
    assert len(features) == 6
    assert features[0]["geometry"]["type"] == "Point"
    assert SECRET not in json.dumps(features)


def test_session_attendance_counts_ended_published_sessions_only(client, built):
    rows = {r["title"]: r for r in _csv(client, "/data/session-attendance.csv")}
    assert set(rows) == {"Shelter workshop", "Minutes to come"}
    past = rows["Shelter workshop"]
    assert (past["checked_in"], past["walk_ins"], past["attended"], past["capacity"]) == ("1", "3", "4", "10")
    text = _body(client, "/data/session-attendance.json").decode()
    assert "meet.example" not in text and "walk-in names" not in text
    features = json.loads(_body(client, "/data/session-attendance.geojson"))["features"]
    assert [f["id"] for f in features] == [built["session"].pk]


def test_session_titles_that_look_like_formulas_are_neutralised(client, built):
    start = timezone.now() - timedelta(days=3)
    Session.objects.create(
        page=built["pilot"],
        title="=cmd|' /C calc'!A0",
        place="Hall",
        capacity=5,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    assert refresh() == ["session-attendance"]
    titles = {r["title"] for r in _csv(client, "/data/session-attendance.csv")}
    assert "'=cmd|' /C calc'!A0" in titles


def test_new_datasets_have_a_data_dictionary_and_are_listed(client, built):
    page = client.get("/data/").content.decode()
    for slug in ("sensor-daily", "session-attendance"):
        dataset = DATASETS[slug]
        assert dataset.formats == ("csv", "json", "geojson")
        assert all(column.description for column in dataset.columns)
        assert f"/data/{slug}.csv" in page
        assert DatasetFile.objects.filter(dataset=slug).count() == 3
    assert "Sensor daily rollups" in page and "Co-design session attendance" in page


def test_a_sensor_ingest_event_schedules_a_refresh(client, built, settings, django_capture_on_commit_callbacks):
    # A pull rewrites rollups with raw SQL, so no model signal fires: the domain event is what tells us.
    settings.OPENDATA_REFRESH_ON_CHANGE = True
    DailyRollup.objects.filter(stream__site__code="seongsu-pm-01").update(mean=99.5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        emit("sensors.readings_ingested", pilot_id=built["pilot"].pk)
    assert callbacks
    means = {r["mean"] for r in _csv(client, "/data/sensor-daily.csv") if r["site"] == "seongsu-pm-01"}
    assert means == {"99.5"}


def test_without_the_event_the_files_wait_for_the_periodic_refresh(client, built, settings):
    settings.OPENDATA_REFRESH_ON_CHANGE = True
    DailyRollup.objects.filter(stream__site__code="seongsu-pm-01").update(mean=99.5)
    assert "99.5" not in {r["mean"] for r in _csv(client, "/data/sensor-daily.csv")}
    assert refresh() == ["sensor-daily"]
    assert "99.5" in {r["mean"] for r in _csv(client, "/data/sensor-daily.csv")}


def test_unpublishing_a_session_takes_it_out_of_the_dataset(client, built):
    Session.objects.filter(pk=built["session"].pk).update(is_published=False)
    assert refresh() == ["session-attendance"]
    titles = {r["title"] for r in _csv(client, "/data/session-attendance.csv")}
    assert titles == {"Minutes to come"}
