"""The Korean air-quality bands (좋음/보통/나쁨/매우나쁨) at their boundaries, always with a text label."""

import pytest
from django.utils import translation

from sensors.bands import band_for
from sensors.ingest import ingest

from .conftest import utc

# (property, value, band key, Korean label): both sides of every boundary, and halves rounded up (반올림).
BOUNDARIES = [
    ("pm25", 0, "good", "좋음"),
    ("pm25", 15, "good", "좋음"),
    ("pm25", 15.4, "good", "좋음"),
    ("pm25", 15.5, "moderate", "보통"),
    ("pm25", 16, "moderate", "보통"),
    ("pm25", 35, "moderate", "보통"),
    ("pm25", 36, "bad", "나쁨"),
    ("pm25", 75, "bad", "나쁨"),
    ("pm25", 76, "very-bad", "매우나쁨"),
    ("pm25", 400, "very-bad", "매우나쁨"),
    ("pm10", 30, "good", "좋음"),
    ("pm10", 30.5, "moderate", "보통"),
    ("pm10", 31, "moderate", "보통"),
    ("pm10", 80, "moderate", "보통"),
    ("pm10", 80.5, "bad", "나쁨"),
    ("pm10", 81, "bad", "나쁨"),
    ("pm10", 150, "bad", "나쁨"),
    ("pm10", 150.5, "very-bad", "매우나쁨"),
    ("pm10", 151, "very-bad", "매우나쁨"),
]


@pytest.mark.parametrize(("observed_property", "value", "key", "korean"), BOUNDARIES)
def test_band_boundaries_with_their_korean_labels(observed_property, value, key, korean):
    band = band_for(observed_property, value)
    assert band.key == key and band.css_class == f"band-{key}"
    with translation.override("ko"):
        assert str(band.label) == korean


def test_other_properties_and_missing_values_have_no_band():
    assert band_for("temperature", 20) is None
    assert band_for("noise", 80) is None
    assert band_for("pm25", None) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "key", "label"), [(15, "good", "좋음"), (16, "moderate", "보통"), (76, "very-bad", "매우나쁨")]
)
def test_the_sites_table_shows_the_band_in_words_as_well_as_colour(client, pilot, make_stream, value, key, label):
    ingest([(make_stream("p0"), [(utc(2026, 5, 1), value, None)])], now=utc(2026, 6, 1))
    html = client.get(pilot.url, headers={"accept-language": "ko"}).content.decode()
    table = html[html.index('<table class="sensor-sites">') :]
    table = table[: table.index("</table>")]
    assert f'<td><span class="band band-{key}">{label}</span></td>' in table
    assert table.count('class="band ') == 1
