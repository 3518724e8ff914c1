"""The pilot page's evidence section: comparisons, flags toggle, sites table and map data, read from rollups."""

import datetime

import pytest

from sensors.ingest import ingest
from sensors.models import DataStream, Reading, SiteRole

from .conftest import utc

pytestmark = pytest.mark.django_db


def _fill(stream, *, days, start, level, shift=0.0, pilot_start=datetime.date(2026, 3, 1), stuck=False):
    items = []
    for day in range(days):
        moment = start + datetime.timedelta(days=day)
        value = level + (day % 3) + (shift if moment.date() >= pilot_start else 0)
        for hour in (0, 6, 12):
            items.append((moment + datetime.timedelta(hours=hour), 999 if stuck and day == 5 else value, None))
    return ingest([(stream, items)], now=utc(2026, 6, 1))


@pytest.fixture
def measured(make_stream, evidence_config):
    start = utc(2026, 1, 31)
    for n in range(2):
        _fill(make_stream(f"p{n}"), days=59, start=start, level=30, shift=-5)
        _fill(make_stream(f"c{n}", role=SiteRole.CONTROL), days=59, start=start, level=30)
    return evidence_config


def test_page_shows_comparisons_sites_and_quality(client, pilot, measured):
    response = client.get(pilot.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pilot against control (difference-in-differences)" in html
    assert "−5.0" in html  # the DiD effect
    assert "Site p0" in html and "Control site" in html
    assert 'id="sensor-points"' in html and 'id="sensor-weeks"' in html
    assert "Completeness" in html


def test_page_reads_no_raw_readings_and_its_query_count_does_not_grow(
    client, pilot, measured, django_assert_max_num_queries
):
    client.get(pilot.url)  # warm caches (site, page tree)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(pilot.url)
    assert not [q for q in first.captured_queries if "sensors_reading" in q["sql"]]
    stream = DataStream.objects.get(site__code="p0")
    _fill(stream, days=3, start=utc(2026, 3, 31), level=30)
    with CaptureQueriesContext(connection) as second:
        client.get(pilot.url)
    assert len(second.captured_queries) <= len(first.captured_queries) + 1  # the cache refill after new data


def test_flagged_readings_are_left_out_unless_asked(client, pilot, make_stream, evidence_config):
    stream = make_stream("p0")
    _fill(stream, days=20, start=utc(2026, 2, 20), level=30, stuck=True)
    assert Reading.objects.exclude(flags=0).exists()
    default = client.get(pilot.url).content.decode()
    included = client.get(pilot.url + "?flagged=1").content.decode()
    assert "Flagged readings are left out." in default
    assert "Flagged readings are included." in included


def test_thin_evidence_is_said_in_words(client, pilot, make_stream, evidence_config):
    _fill(make_stream("p0"), days=3, start=utc(2026, 2, 27), level=30)
    html = client.get(pilot.url).content.decode()
    assert "Too little data to conclude" in html


def test_fine_dust_band_has_a_text_label(client, pilot, make_stream):
    stream = make_stream("p0")
    ingest([(stream, [(utc(2026, 5, 1), 40, None)])], now=utc(2026, 6, 1))  # PM2.5 40: 나쁨 (bad)
    html = client.get(pilot.url).content.decode()
    assert 'class="band band-bad">Bad<' in html


def test_a_pilot_without_sensors_shows_no_section(client, pilot):
    assert 'id="sensor-evidence"' not in client.get(pilot.url).content.decode()
