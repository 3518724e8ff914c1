"""The pilot page's evidence section: comparisons, flags toggle, sites table and map data, read from rollups."""

import datetime
import json

import pytest
from django.utils import timezone

from pilots.models import PilotMetric
from sensors.ingest import ingest
from sensors.metrics import recompute_metrics
from sensors.models import DataStream, MetricStream, Reading, SiteRole

from .conftest import utc

NOW = utc(2026, 6, 1)

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


def _weeks(html: str) -> dict:
    """The weekly means the chart and its table show, from the page's JSON island."""
    start = html.index('<script id="sensor-weeks" type="application/json">') + len(
        '<script id="sensor-weeks" type="application/json">'
    )
    return {week["week"]: week["pilot"] for week in json.loads(html[start : html.index("</script>", start)])}


def test_flagged_readings_are_left_out_unless_asked(client, pilot, make_stream, evidence_config):
    stream = make_stream("p0")
    # 20 days from 20 February, 30 + day % 3 each day; day 5 (25 February) reads 999: out of range, flagged,
    # and the fall back to 30 the next morning is flagged as a spike.
    _fill(stream, days=20, start=utc(2026, 2, 20), level=30, stuck=True)
    assert Reading.objects.exclude(flags=0).count() == 4
    default = client.get(pilot.url).content.decode()
    included = client.get(pilot.url + "?flagged=1").content.decode()
    assert "Flagged readings are left out." in default
    assert "Flagged readings are included." in included
    # The week of 23 February: daily means 30, 31, (999), 30, 31, 32, 30.
    assert _weeks(default)["2026-02-23"] == 30.7  # 184 / 6, the flagged day left out
    assert _weeks(included)["2026-02-23"] == 169.0  # 1183 / 7
    assert _weeks(default)["2026-03-09"] == _weeks(included)["2026-03-09"]  # no flag that week
    # Before/after: 8 clean days (mean 30.875) or 9 with the flagged one (138.44) against 11 after (30.909).
    assert "56 readings: 8 days before, 11 days after." in default
    assert "60 readings: 9 days before, 11 days after." in included
    assert "<strong>+0.0</strong>" in default and "<strong>−107.5</strong>" in included


def _quality_row(html: str, name: str) -> str:
    table = html[html.index('<table class="sensor-quality">') :]
    row = table[table.index(f'<th scope="row">{name}') :]
    return row[: row.index("</tr>")]


def test_quality_table_names_the_kinds_of_flag_each_stream_has(client, pilot, make_stream, evidence_config):
    clean, odd = make_stream("p0"), make_stream("p1", stuck_after=3, spike_delta=50)
    base = utc(2026, 5, 1)
    ingest([(clean, [(base + datetime.timedelta(minutes=10 * i), 20 + i % 2, None) for i in range(6)])], now=NOW)
    odd_items = [
        (base, 20, None),
        (base + datetime.timedelta(minutes=10), 20, None),
        (base + datetime.timedelta(minutes=20), 20, None),  # the third equal value: stuck
        (base + datetime.timedelta(minutes=30), 90, None),  # a jump of 70: spike
        (base + datetime.timedelta(hours=5), 30, "ppm"),  # after a gap, in the wrong unit
    ]
    ingest([(odd, odd_items)], now=NOW)
    html = client.get(pilot.url).content.decode()
    assert '<td class="flag-kinds">—</td>' in _quality_row(html, "Site p0")
    odd_row = _quality_row(html, "Site p1")
    assert '<td class="flag-kinds">stuck sensor, spike, unit mismatch, 1 gap</td>' in odd_row
    assert "<td>5</td><td>5</td>" in odd_row  # five readings, all five flagged (three stuck, a spike, a unit)


def test_computed_metrics_show_their_value_and_how_old_the_readings_are(client, pilot, make_stream):
    metric = PilotMetric.objects.create(page=pilot, name="Mean PM2.5", unit="µg/m³", baseline=30, target=20)
    MetricStream.objects.create(metric=metric, observed_property="pm25", role=SiteRole.PILOT, days=2)
    stream = make_stream("p0")
    fresh = timezone.now() - datetime.timedelta(hours=1)
    ingest([(stream, [(fresh, 12.5, None)])], now=fresh)
    html = client.get(pilot.url).content.decode()
    section = html[html.index('<ul class="sensor-metrics">') :]
    section = section[: section.index("</ul>")]
    assert "Mean PM2.5:" in section and "<strong>12.5</strong>&nbsp;µg/m³" in section
    assert f"readings up to {timezone.localtime(fresh):%Y-%m-%d %H:%M}" in section
    assert "Not current" not in section


def test_a_computed_metric_from_a_dead_source_is_not_shown_as_current(client, pilot, make_stream):
    metric = PilotMetric.objects.create(page=pilot, name="Mean PM2.5", unit="µg/m³", baseline=30, target=20)
    MetricStream.objects.create(metric=metric, observed_property="pm25", role=SiteRole.PILOT, days=2)
    stream = make_stream("p0")
    old = timezone.now() - datetime.timedelta(days=10)
    ingest([(stream, [(old, 12.5, None)])], now=old)
    recompute_metrics([pilot.pk])  # what the next (failed) pull does
    html = client.get(pilot.url).content.decode()
    section = html[html.index('<ul class="sensor-metrics">') :]
    section = section[: section.index("</ul>")]
    assert "12.5" not in section and "no reading in the last 2 days" in section
    assert f"readings up to {timezone.localtime(old):%Y-%m-%d %H:%M}" in section
    assert "Not current: no new readings" in section


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
