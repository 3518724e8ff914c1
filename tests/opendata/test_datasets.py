"""Dataset files: built by the task (never in a request), public rows only, BOM, neutralised formulas, ranges."""

import csv
import io
import json

import pytest

from opendata.build import refresh
from opendata.models import DatasetFile
from opendata.tasks import refresh_datasets
from tests.factories import ProposalFactory

from .conftest import SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(public_data, settings, tmp_path):
    settings.OPENDATA_ROOT = str(tmp_path / "opendata")
    refresh_datasets.enqueue()  # the immediate backend runs it here
    return public_data


def _get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, b"".join(response.streaming_content) if response.streaming else response.content


def test_files_exist_for_every_dataset_and_format(client, built):
    assert DatasetFile.objects.count() == 8 * 2 + 3
    page = client.get("/data/")
    assert page.status_code == 200
    assert b"Korea Open Government License" in page.content
    assert b"Data dictionary" in page.content


def test_csv_has_a_bom_public_rows_only_and_no_live_formulas(client, built):
    response, body = _get(client, "/data/proposals.csv")
    assert response.status_code == 200
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert SECRET not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {int(r["id"]) for r in rows} == {built["visible"].pk, built["other"].pk}
    titles = {r["title"] for r in rows}
    assert '\'=HYPERLINK("http://evil") dark alley' in titles
    assert "kim-private@example.org" not in text


@pytest.mark.parametrize("name", ["status-history.json", "assessments.json", "pilot-metrics.json", "pilot-series.json"])
def test_json_datasets_leave_out_hidden_and_unpublished(client, built, name):
    response, body = _get(client, f"/data/{name}")
    data = json.loads(body)
    assert data["licence"]["code"] == "kogl-1"
    assert data["rows"]
    assert SECRET not in body.decode()


def test_geojson_has_points_of_public_proposals(client, built):
    _response, body = _get(client, "/data/proposals.geojson")
    data = json.loads(body)
    assert [f["id"] for f in data["features"]] == [built["visible"].pk]


def test_licence_is_configurable(client, built, settings):
    settings.OPENDATA_LICENCE = "cc-by-4.0"
    refresh(force=True)
    _response, body = _get(client, "/data/assessments.json")
    assert json.loads(body)["licence"]["code"] == "cc-by-4.0"


def test_ranges_and_etags(client, built):
    full, body = _get(client, "/data/proposals.csv")
    etag = full["ETag"]
    assert full["Accept-Ranges"] == "bytes"
    assert client.get("/data/proposals.csv", headers={"If-None-Match": etag}).status_code == 304
    part, chunk = _get(client, "/data/proposals.csv", Range="bytes=0-9")
    assert part.status_code == 206
    assert chunk == body[:10]
    assert part["Content-Range"] == f"bytes 0-9/{len(body)}"
    tail, last = _get(client, "/data/proposals.csv", Range="bytes=-5")
    assert last == body[-5:]
    assert client.get("/data/proposals.csv", headers={"Range": f"bytes={len(body) + 10}-"}).status_code == 416
    stale, whole = _get(client, "/data/proposals.csv", Range="bytes=0-9", **{"If-Range": '"old"'})
    assert stale.status_code == 200 and whole == body


def test_unknown_dataset_or_format_is_404(client, built):
    assert client.get("/data/assessments.geojson").status_code == 404
    assert client.get("/data/nothing.csv").status_code == 404


def test_refresh_rebuilds_only_what_changed(built):
    assert refresh() == []
    ProposalFactory(area=built["dong"], category=built["category"])
    assert refresh() == ["proposals"]


def test_a_change_schedules_a_refresh_after_commit(built, settings, django_capture_on_commit_callbacks):
    settings.OPENDATA_REFRESH_ON_CHANGE = True
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ProposalFactory(area=built["dong"], category=built["category"], title="Another public problem")
    assert callbacks
    assert DatasetFile.objects.get(dataset="proposals", format="csv").rows == 3


def test_no_refresh_without_a_commit(built, settings, django_capture_on_commit_callbacks):
    settings.OPENDATA_REFRESH_ON_CHANGE = True
    with django_capture_on_commit_callbacks(execute=False):
        ProposalFactory(area=built["dong"], category=built["category"])
    assert DatasetFile.objects.get(dataset="proposals", format="csv").rows == 2


def test_stats_page_has_tables_for_each_chart(client, public_data):
    response = client.get("/stats/")
    html = response.content.decode()
    assert html.count("<table>") == 5
    assert html.count("data-stat-chart") == 5
    assert "1 of 2 proposals have an official answer" in html
    assert SECRET not in html
