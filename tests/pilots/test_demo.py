"""Demo pilots: three Seoul-style pilots with a year of data, linked to demo proposals, built once."""

import io

import pytest

from accounts.models import Role
from home import demo as home_demo
from pilots import demo
from pilots.models import PilotIndexPage, PilotPage, PilotStatus, ResultDataPoint
from proposals.models import Category, ProposalStatus, StatusChange
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users():
    home_demo.build_pages()
    home_demo.build_areas()
    home_demo.build_categories()
    return home_demo.build_users()


def test_demo_builds_three_pilots_with_a_year_of_data(demo_users):
    out = io.StringIO()
    demo.build(users=demo_users, stdout=out)
    assert "3 created" in out.getvalue()
    assert PilotIndexPage.objects.count() == 1
    pilots = list(PilotPage.objects.live())
    assert len(pilots) == 3
    for pilot in pilots:
        assert pilot.phases.count() >= 3
        assert pilot.partners.count() >= 2
        assert pilot.metrics.count() == 3
        for series in pilot.series.all():
            assert ResultDataPoint.objects.filter(series=series).count() == 12
    assert {p.status for p in pilots} == {PilotStatus.EVALUATING, PilotStatus.RUNNING, PilotStatus.COMPLETED}


def test_demo_links_proposals_and_moves_them_through_the_services(demo_users):
    safety = Category.objects.get(slug="safety")
    mobility = Category.objects.get(slug="mobility")
    accepted = ProposalFactory(category=mobility, status=ProposalStatus.ACCEPTED)
    published = ProposalFactory(category=safety, status=ProposalStatus.PUBLISHED, vote_count=80)
    demo.build(users=demo_users)
    accepted.refresh_from_db()
    published.refresh_from_db()
    assert accepted.status == ProposalStatus.PILOTING  # the shelter pilot is evaluating
    steps = list(StatusChange.objects.filter(proposal=published).values_list("to_status", flat=True))
    assert steps[:2] == [ProposalStatus.UNDER_REVIEW, ProposalStatus.ACCEPTED]
    assert published.status in (ProposalStatus.PILOTING, ProposalStatus.COMPLETED)
    assert StatusChange.objects.filter(proposal=published, pilot__isnull=False).exists()


def test_demo_is_idempotent(demo_users):
    ProposalFactory(category=Category.objects.get(slug="mobility"), status=ProposalStatus.ACCEPTED)
    demo.build(users=demo_users)
    counts = (PilotPage.objects.count(), ResultDataPoint.objects.count(), StatusChange.objects.count())
    out = io.StringIO()
    demo.build(users=demo_users, stdout=out)
    assert (PilotPage.objects.count(), ResultDataPoint.objects.count(), StatusChange.objects.count()) == counts
    assert "0 created, 3 already there" in out.getvalue()


def test_the_load_demo_data_command_runs_the_pilots_builder():
    from django.core.management import call_command

    call_command("load_demo_data", "--quiet-credentials", stdout=io.StringIO())
    call_command("load_demo_data", "--quiet-credentials", stdout=io.StringIO())
    # The pilots builder's three, and the sensors demo's fine-dust pilot (sensors/demo.py), each once.
    from sensors.demo import GURO_SLUG

    assert PilotPage.objects.live().count() == 4
    assert PilotPage.objects.filter(slug=GURO_SLUG).count() == 1


def test_demo_users_are_the_ones_from_home(demo_users):
    assert set(demo_users) == {Role.ADMINISTRATOR, Role.EXPERT, Role.MODERATOR, Role.RESIDENT}
