"""Admin: site import all-or-nothing, uploads with a column mapping, "Pull now" queues and never pulls inline."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sensors.models import DataStream, PullLog, Reading, SensorSite, Source
from sensors.site_import import SiteImportError, import_sites

pytestmark = pytest.mark.django_db

SITES = (
    "code,name,role,latitude,longitude,property,unit,external_id\n"
    "g-01,Gate 1,pilot,37.49,126.88,pm25,ug/m3,11\ng-02,Gate 2,control,37.50,126.89,pm25,,12\n"
)


def test_site_import_creates_sites_and_streams(pilot):
    sites = import_sites(pilot, SITES)
    assert [s.code for s in sites] == ["g-01", "g-02"]
    assert DataStream.objects.get(site__code="g-01").unit == "µg/m³"


def test_site_import_with_a_bad_row_imports_nothing_and_names_the_rows(pilot):
    bad = SITES + "g-03,Gate 3,treated,37.5,abc,pm25,,\ng-01,Again,pilot,37.5,126.9,,,\n"
    with pytest.raises(SiteImportError) as failure:
        import_sites(pilot, bad)
    assert any(e.startswith("Row 4") for e in failure.value.errors)
    assert any(e.startswith("Row 5") and "twice" in e for e in failure.value.errors)
    assert not SensorSite.objects.exists()


def test_site_import_refuses_missing_columns(pilot):
    with pytest.raises(SiteImportError):
        import_sites(pilot, "code,name\nx,y\n")


def test_admin_imports_sites_from_csv(client, administrator, pilot):
    client.force_login(administrator)
    response = client.post(
        reverse("sensors_import_sites"),
        {"pilot": pilot.pk, "csv_file": SimpleUploadedFile("sites.csv", SITES.encode())},
    )
    assert response.status_code == 302
    assert SensorSite.objects.count() == 2


def test_residents_cannot_reach_the_sensor_admin_views(client, resident, pilot):
    client.force_login(resident)
    assert client.get(reverse("sensors_import_sites")).status_code in (302, 403)
    assert client.get(reverse("sensors_upload")).status_code in (302, 403)


def test_upload_maps_columns_checks_units_and_rejects_unknown_streams(
    client, administrator, pilot, make_stream, django_capture_on_commit_callbacks
):
    source = Source.objects.create(name="Files", kind=Source.Kind.UPLOAD)
    make_stream("g-01", source=source, external_id="gate-1")
    content = (
        "측정소,일시,값,단위\ngate-1,2026-05-01 09:00,12,㎍/㎥\ngate-1,2026-05-01 10:00,0.013,mg/m3\n"
        "gate-9,2026-05-01 10:00,5,㎍/㎥\ngate-1,2026-05-01 11:00,NaN,㎍/㎥\n"
    )
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sensors_upload"),
            {
                "source": source.pk,
                "format": "csv",
                "stream_column": "측정소",
                "time_column": "일시",
                "value_column": "값",
                "unit_column": "단위",
                "data_file": SimpleUploadedFile("readings.csv", content.encode("utf-8-sig")),
            },
        )
    assert response.status_code == 302
    log = PullLog.objects.get()
    assert (log.status, log.stored, log.rejected) == (PullLog.Status.OK, 2, 2)
    assert sorted(Reading.objects.values_list("value", flat=True)) == [12.0, 13.0]


def test_upload_with_a_missing_column_fails_with_a_clear_error(
    client, administrator, pilot, make_stream, django_capture_on_commit_callbacks
):
    source = Source.objects.create(name="Files", kind=Source.Kind.UPLOAD)
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("sensors_upload"),
            {
                "source": source.pk,
                "format": "csv",
                "stream_column": "stream",
                "time_column": "time",
                "value_column": "value",
                "data_file": SimpleUploadedFile("r.csv", b"a,b\n1,2\n"),
            },
        )
    log = PullLog.objects.get()
    assert log.status == PullLog.Status.FAILED and "Columns missing" in log.error


def test_pull_now_asks_to_confirm_then_queues(
    client, administrator, sensorthings, source, make_stream, django_capture_on_commit_callbacks
):
    sensorthings.state.add_datastream(3)
    sensorthings.state.observations[3] = [("2026-05-01T00:00:00Z", 10)]
    make_stream("g-01", source=source, external_id="3")
    client.force_login(administrator)
    url = reverse("sensors_pull_now", args=[source.pk])
    assert client.get(url).status_code == 200
    assert not Reading.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    # The task is queued on commit; the immediate backend of the tests runs it there (the worker in production).
    assert Reading.objects.count() == 1


def test_pull_now_is_refused_for_an_upload_source(client, administrator):
    source = Source.objects.create(name="Files", kind=Source.Kind.UPLOAD)
    client.force_login(administrator)
    response = client.post(reverse("sensors_pull_now", args=[source.pk]), follow=True)
    assert "Only a SensorThings source can be pulled" in response.content.decode()
