"""Sensor fixtures: a pilot with sites and streams, and the loopback SensorThings server."""

import datetime

import pytest

from sensors.models import DataStream, PilotEvidence, SensorSite, SiteRole, Source
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401 - shared fixtures

from .sensorthings_server import SensorThingsServer


@pytest.fixture
def sensorthings():
    with SensorThingsServer() as server:
        yield server


@pytest.fixture
def pilot(make_pilot):  # noqa: F811
    return make_pilot(title="Fine dust pilot", slug="fine-dust")


@pytest.fixture
def make_stream(pilot):
    def make(code="pm-01", *, role=SiteRole.PILOT, source=None, external_id="", **fields):
        site = SensorSite.objects.create(
            pilot=pilot, code=code, name=f"Site {code}", role=role, latitude=37.5, longitude=126.9
        )
        fields.setdefault("observed_property", "pm25")
        return DataStream.objects.create(site=site, source=source, external_id=external_id, **fields)

    return make


@pytest.fixture
def source(sensorthings):
    return Source.objects.create(name="City platform", url=sensorthings.url, timeout_seconds=2, page_size=50)


@pytest.fixture
def evidence_config(pilot):
    return PilotEvidence.objects.create(pilot=pilot, pilot_start=datetime.date(2026, 3, 1), baseline_days=30)


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)
