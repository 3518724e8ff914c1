"""The call for problems: proposals submitted into a challenge during discovery, within its dates and areas."""

import pytest
from django.urls import reverse

from challenges.services import change_stage, record_decision  # noqa: F401
from challenges.stages import Stage
from livinglab.errors import ActionRefused
from proposals.models import Proposal
from proposals.services import submit_proposal
from tests.challenges.conftest import stage_rows
from tests.factories import AreaFactory, CategoryFactory, DongFactory

pytestmark = pytest.mark.django_db


def submit(author, *, area, challenge=None):
    return submit_proposal(
        author=author,
        title="Dark alley behind the market",
        description="The alley behind the market has no light at all after nine in the evening.",
        category=CategoryFactory(),
        area=area,
        challenge=challenge,
    )


def test_a_resident_submits_into_an_open_challenge(challenge, dong, resident):
    proposal = submit(resident, area=dong, challenge=challenge)
    assert Proposal.objects.get().challenge == challenge == proposal.challenge


def test_proposals_outside_any_challenge_work_as_before(challenge, dong, resident):
    proposal = submit(resident, area=dong)
    assert proposal.challenge is None and Proposal.objects.count() == 1


@pytest.mark.parametrize(("call_from", "call_to"), [(-30, -1), (1, 30)])
def test_outside_the_calls_dates_a_submission_is_refused_with_409(make_challenge, resident, call_from, call_to):
    challenge = make_challenge(stages=stage_rows(call_from, call_to))
    with pytest.raises(ActionRefused) as refused:
        submit(resident, area=DongFactory(), challenge=challenge)
    assert refused.value.status == 409
    assert "call for problems" in refused.value.message
    assert not Proposal.objects.exists()


def test_a_neighbourhood_the_challenge_does_not_cover_is_refused(challenge, resident):
    elsewhere = DongFactory(parent=AreaFactory(name="구로구", slug="guro-gu"))
    with pytest.raises(ActionRefused) as refused:
        submit(resident, area=elsewhere, challenge=challenge)
    assert refused.value.status == 409
    assert not Proposal.objects.exists()


def test_after_discovery_the_challenge_takes_no_proposal(challenge, dong, resident, administrator):
    change_stage(challenge, to_stage=Stage.CODESIGN, by=administrator, early=True)
    with pytest.raises(ActionRefused) as refused:
        submit(resident, area=dong, challenge=challenge)
    assert refused.value.status == 409
    assert not Proposal.objects.exists()


def test_the_form_offers_the_open_challenges_of_the_residents_area(make_challenge, resident, client):
    dong = DongFactory()
    resident.home_area = dong
    resident.save()
    mine = make_challenge(title="Seongdong nights", areas=[dong.parent])
    elsewhere = make_challenge(title="Guro air", areas=[AreaFactory(slug="guro-gu", name="구로구")])
    make_challenge(title="Old call", areas=[dong.parent], stages=stage_rows(-40, -10))
    client.force_login(resident)
    body = client.get(reverse("proposals:create") + f"?challenge={mine.pk}").content.decode()
    assert f'<option value="{mine.pk}" selected>Seongdong nights</option>' in body
    assert elsewhere.title not in body and "Old call" not in body


def test_the_form_answers_409_for_a_closed_call_and_creates_nothing(make_challenge, resident, client):
    dong = DongFactory()
    over = make_challenge(stages=stage_rows(-40, -10), areas=[dong.parent])
    client.force_login(resident)
    response = client.post(
        reverse("proposals:create"),
        {
            "title": "Dark alley behind the market",
            "description": "The alley behind the market has no light at all after nine in the evening.",
            "category": CategoryFactory().pk,
            "area": dong.pk,
            "challenge": over.pk,
        },
    )
    assert response.status_code == 409
    assert "The call for problems of this challenge runs from" in response.content.decode()
    assert not Proposal.objects.exists()
