"""Pilot fixtures: the page tree, a pilot factory and a recorder for published events."""

import datetime
from decimal import Decimal

import pytest

from home import demo as home_demo
from pilots.models import (
    PilotIndexPage,
    PilotMetric,
    PilotPage,
    PilotPhase,
    PilotProposal,
    PilotStatus,
    ResultDataPoint,
    ResultSeries,
)
from pilots.services import set_up_pilot_index
from tests.factories import CategoryFactory, DongFactory


@pytest.fixture
def home(db):
    return home_demo.build_pages()


@pytest.fixture
def pilot_index(home):
    index = PilotIndexPage(title="Pilots", slug="pilots", intro="What we try out.")
    home.add_child(instance=index)
    index.save_revision().publish()
    set_up_pilot_index(index)
    return index


@pytest.fixture
def make_pilot(pilot_index):
    def make(*, publish=True, status=PilotStatus.RUNNING, proposals=(), series=(), metrics=(), **fields):
        count = PilotPage.objects.count()
        fields.setdefault("title", f"Smart bus shelter {count + 1}")
        fields.setdefault("slug", f"pilot-{count + 1}")
        fields.setdefault("summary", "A shelter that keeps people cool while they wait for the bus.")
        if "area" not in fields:
            fields["area"] = DongFactory()
        if "category" not in fields:
            fields["category"] = CategoryFactory()
        pilot = PilotPage(status=status, live=False, **fields)
        pilot.pilot_proposals = [PilotProposal(proposal=p) for p in proposals]
        pilot.series = [ResultSeries(name=name, unit=unit) for name, unit in series]
        pilot.metrics = [PilotMetric(**m) for m in metrics]
        pilot.phases = [PilotPhase(title="Installation", start=datetime.date(2026, 1, 1), status="done")]
        pilot_index.add_child(instance=pilot)
        if publish:
            pilot.save_revision().publish()
        else:
            pilot.save_revision()
        return PilotPage.objects.get(pk=pilot.pk)

    return make


def add_points(pilot: PilotPage, name: str, values: list) -> ResultSeries:
    series = ResultSeries.objects.get(page=pilot, name=name)
    ResultDataPoint.objects.bulk_create(
        ResultDataPoint(series=series, date=datetime.date(2026, month, 1), value=Decimal(str(value)))
        for month, value in enumerate(values, start=1)
    )
    return series


@pytest.fixture
def published_events(emitted):
    """Events the pilot code announces (after commit), as (name, payload) pairs."""
    return emitted
