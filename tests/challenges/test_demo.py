"""Demo challenges: Seongdong-gu in evaluation with its pilots, Guro-gu decided, one in discovery; built once."""

import io

import pytest

from challenges import demo
from challenges.models import ChallengeDecision, ChallengePage, Shortlisting
from challenges.stages import DecisionOutcome, Stage
from home import demo as home_demo
from pilots import demo as pilots_demo
from proposals import demo as proposals_demo
from proposals.models import ProposalStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_site():
    home_demo.build_pages()
    home_demo.build_areas()
    home_demo.build_categories()
    users = home_demo.build_users()
    proposals_demo.build(users=users, stdout=io.StringIO())
    pilots_demo.build(users=users, stdout=io.StringIO())
    return users


def test_demo_builds_three_challenges_at_different_stages(demo_site):
    index = demo.build(users=demo_site, stdout=io.StringIO())
    challenges = {c.slug: c for c in ChallengePage.objects.child_of(index)}
    seongdong = challenges["seongdong-smart-shelters-and-lights"]
    guro = challenges["guro-facility-safety-and-fine-dust"]
    discovery = challenges["digital-inclusion-older-residents"]
    assert seongdong.current_stage == Stage.EVALUATION and not seongdong.is_closed
    assert {p.slug for p in seongdong.pilots} == {"smart-bus-shelter-seongsu", "smart-security-lights-wangsimni"}
    assert guro.current_stage == Stage.DECISION and guro.is_closed
    assert guro.decision.outcome == DecisionOutcome.SCALE_DONGS and guro.decision.dongs.count() == 3
    assert guro.decision.evidence["pilots"][0]["metrics"]
    assert discovery.current_stage == Stage.DISCOVERY and discovery.call_is_open()
    for challenge in challenges.values():
        assert challenge.proposals.exists()
    assert Shortlisting.objects.filter(challenge=seongdong).exists()
    # The decision moved every Guro proposal to a final status through the proposals' service.
    assert set(guro.proposals.values_list("status", flat=True)) <= {ProposalStatus.COMPLETED, ProposalStatus.REJECTED}


def test_demo_is_idempotent(demo_site):
    demo.build(users=demo_site, stdout=io.StringIO())
    out = io.StringIO()
    demo.build(users=demo_site, stdout=out)
    assert ChallengePage.objects.count() == 3 and ChallengeDecision.objects.count() == 1
    assert "0 created, 3 already there" in out.getvalue()
