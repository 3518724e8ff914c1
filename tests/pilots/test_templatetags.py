"""The pilot summary a proposal's page shows."""

import pytest
from django.template import Context, Template

from pilots.models import PilotStatus
from pilots.templatetags.pilot_tags import krw, trim_number
from proposals.models import ProposalStatus
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

TEMPLATE = Template("{% load pilot_tags %}{% proposal_pilot_summary proposal %}")


def render(proposal) -> str:
    return TEMPLATE.render(Context({"proposal": proposal}))


def test_a_proposal_shows_its_pilot_with_a_results_summary(make_pilot, django_assert_max_num_queries):
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    pilot = make_pilot(
        title="Smart lights <b>now</b>",
        status=PilotStatus.EVALUATING,
        proposals=[proposal],
        metrics=[
            {
                "name": "Repair time",
                "unit": "hours",
                "baseline": 72,
                "target": 24,
                "actual": 18,
                "higher_is_better": False,
            },
            {"name": "Lights working", "unit": "%", "baseline": 91, "target": 99, "actual": 95},
            {"name": "Feeling safe", "unit": "%", "baseline": 48, "target": 70, "actual": None},
        ],
    )
    with django_assert_max_num_queries(3):
        html = render(proposal)
    assert f'href="{pilot.url}"' in html
    assert "Smart lights &lt;b&gt;now&lt;/b&gt;" in html
    assert "Evaluating" in html
    assert "1 of 2 measured targets met" in html
    assert "Repair time:" in html and "18 hours" in html and "112% of the way" in html
    assert "not measured yet" in html


def test_nothing_shows_without_a_published_pilot(make_pilot):
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    assert render(proposal).strip() == ""
    make_pilot(proposals=[proposal], publish=False)
    assert render(proposal).strip() == ""


def test_number_filters():
    from decimal import Decimal

    assert krw(180000000) == "₩180,000,000"
    assert krw(None) == ""
    assert trim_number(Decimal("12.500")) == "12.5"
    assert trim_number(Decimal("3.000")) == "3"
    assert trim_number(None) == ""
