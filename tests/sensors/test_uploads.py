"""JSON uploads (a list of objects, or SensorThings' ``{"value": [...]}``) through the column mapping: stored,
converted, flagged or rejected with a reason; a file that is not JSON fails as a whole with a clear error."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sensors.models import Flag, PullLog, Reading, SensorUpload, Source
from sensors.pulls import process_upload

from .conftest import utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def files_source(make_stream):
    source = Source.objects.create(name="Files", kind=Source.Kind.UPLOAD)
    make_stream("g-01", source=source, external_id="gate-1")
    return source


def _upload(source, content, **mapping) -> SensorUpload:
    mapping.setdefault("stream_column", "station")
    mapping.setdefault("time_column", "measured_at")
    mapping.setdefault("value_column", "pm25")
    return SensorUpload.objects.create(source=source, format=SensorUpload.Format.JSON, content=content, **mapping)


def test_a_json_list_is_mapped_converted_and_checked(files_source):
    rows = [
        {"station": "gate-1", "measured_at": "2026-05-01T09:00:00+09:00", "pm25": 12, "unit": "㎍/㎥"},
        {"station": "gate-1", "measured_at": "2026-05-01 10:00", "pm25": "0.013", "unit": "mg/m3"},
        {"station": "gate-1", "measured_at": "2026-05-01 11:00", "pm25": 7, "unit": "ppm"},
        {"station": "gate-1", "measured_at": "2026-05-01 12:00", "pm25": None, "unit": "㎍/㎥"},
        {"station": "gate-9", "measured_at": "2026-05-01 12:00", "pm25": 5, "unit": "㎍/㎥"},
        {"measured_at": "2026-05-01 13:00", "pm25": 5},
    ]
    log = process_upload(_upload(files_source, json.dumps(rows, ensure_ascii=False), unit_column="unit"))
    assert (log.status, log.stored, log.flagged, log.rejected) == (PullLog.Status.OK, 3, 1, 3)
    stored = dict(Reading.objects.values_list("time", "value"))
    assert stored[utc(2026, 5, 1, 0)] == 12.0
    assert stored[utc(2026, 5, 1, 1)] == pytest.approx(13.0)  # mg/m³ converted, Seoul time stored as UTC
    assert Reading.objects.get(time=utc(2026, 5, 1, 2)).flags == Flag.UNIT_MISMATCH
    assert sorted(r["reason"] for r in log.rejections) == [
        "no stream gate-9 at this source",
        "no stream — at this source",
        "not a number",
    ]


def test_a_sensorthings_style_value_list_with_one_unit_for_the_file(files_source):
    content = json.dumps(
        {"value": [{"ds": "gate-1", "phenomenonTime": "2026-05-01T00:00:00Z", "result": 21.5}]}, ensure_ascii=False
    )
    upload = _upload(
        files_source, content, stream_column="ds", time_column="phenomenonTime", value_column="result", unit="µg/m³"
    )
    log = process_upload(upload)
    assert (log.status, log.stored) == (PullLog.Status.OK, 1)
    assert Reading.objects.get().value == 21.5


def test_uploading_the_same_json_again_stores_nothing_twice(files_source):
    content = json.dumps([{"station": "gate-1", "measured_at": "2026-05-01 09:00", "pm25": 12}])
    process_upload(_upload(files_source, content, unit="µg/m³"))
    log = process_upload(_upload(files_source, content, unit="µg/m³"))
    assert (log.stored, log.duplicates) == (0, 1)
    assert Reading.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("[{'station': 'gate-1'}]", "The file is not valid JSON."),
        ('{"station": "gate-1"}', "The JSON file must hold a list of objects"),
        ("[1, 2, 3]", "The JSON file must hold a list of objects"),
        ('"gate-1"', "The JSON file must hold a list of objects"),
    ],
)
def test_a_file_that_is_not_a_json_list_of_objects_fails_with_a_clear_error(files_source, content, error):
    log = process_upload(_upload(files_source, content))
    assert log.status == PullLog.Status.FAILED and error in log.error
    assert log.stored == 0 and not Reading.objects.exists()


def test_the_admin_queues_a_json_upload(client, administrator, files_source, django_capture_on_commit_callbacks):
    content = json.dumps([{"station": "gate-1", "measured_at": "2026-05-01 09:00", "pm25": 12}])
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sensors_upload"),
            {
                "source": files_source.pk,
                "format": "json",
                "stream_column": "station",
                "time_column": "measured_at",
                "value_column": "pm25",
                "unit": "µg/m³",
                "data_file": SimpleUploadedFile("readings.json", content.encode()),
            },
        )
    assert response.status_code == 302
    log = PullLog.objects.get()
    assert (log.status, log.stored) == (PullLog.Status.OK, 1)
    assert log.upload.format == SensorUpload.Format.JSON
