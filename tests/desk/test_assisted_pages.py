"""The desk's "for the resident" pages (support, comment, rating) behave alike: the form on GET, one service
call on POST with a message and the way back to the resident, 400 for bad input, the service's refusal
status, and 404 for another centre's resident."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.models import ModelLogEntry

from pilots.models import PilotFeedback, PilotStatus
from proposals.models import Comment, Proposal, Vote
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(db):
    return ProposalFactory()


@pytest.fixture
def pilot(make_pilot):
    return make_pilot(status=PilotStatus.EVALUATING)


def _cases(proposal, pilot):
    return {
        "support": ({"proposal": proposal.pk, "channel": "phone"}, Vote, "Support a proposal", "proposal.voted"),
        "comment": (
            {"proposal": proposal.pk, "channel": "in_person", "body": "저도 불편해요"},
            Comment,
            "comment",
            "comment.posted",
        ),
        "rate_pilot": (
            {"pilot": pilot.pk, "rating": 4, "channel": "paper"},
            PilotFeedback,
            "Rate a pilot",
            "pilot.rated",
        ),
    }


@pytest.mark.parametrize("name", ["support", "comment", "rate_pilot"])
def test_each_page_records_the_action_and_goes_back_to_the_resident(
    client, staff, desk_resident, proposal, pilot, name
):
    data, model, heading, action = _cases(proposal, pilot)[name]
    url = reverse(f"desk:{name}", args=[desk_resident.pk])
    client.force_login(staff)
    page = client.get(url)
    assert page.status_code == 200 and heading in page.content.decode() and "김순자" in page.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:resident", args=[desk_resident.pk])
    assert model.objects.count() == 1
    entry = ModelLogEntry.objects.get(action=f"livinglab.{action}_on_behalf")
    assert entry.user_id == staff.pk


def test_the_proposal_page_files_with_a_photo_and_goes_to_the_proposal(client, staff, desk_resident, category, dong):
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (10, 120, 200)).save(buffer, "JPEG")
    photo = SimpleUploadedFile("stairs.jpg", buffer.getvalue(), content_type="image/jpeg")
    client.force_login(staff)
    response = client.post(
        reverse("desk:file_proposal", args=[desk_resident.pk]),
        {
            "title": "경로당 앞 계단 손잡이가 없어요",
            "description": "경로당 앞 계단에 손잡이가 없어서 어르신들이 넘어질까 걱정됩니다. 설치해 주세요.",
            "category": category.pk,
            "area": dong.pk,
            "channel": "in_person",
            "photos": photo,
            "photo_alt_text": "손잡이 없는 계단",
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert proposal.author == desk_resident.user and proposal.filed_by == staff and proposal.channel == "in_person"
    stored = proposal.photos.get()
    assert (stored.width, stored.height) == (320, 200) and stored.alt_text == "손잡이 없는 계단"
    assert stored.image.storage.exists(stored.image.name)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Submitted with help at 성수1가1동 주민센터" in page
    assert stored.image.url in page or stored.thumbnail.url in page


@pytest.mark.parametrize("name", ["support", "comment", "rate_pilot"])
def test_each_page_answers_400_to_a_missing_channel(client, staff, desk_resident, proposal, pilot, name):
    data, model, *_rest = _cases(proposal, pilot)[name]
    client.force_login(staff)
    response = client.post(reverse(f"desk:{name}", args=[desk_resident.pk]), {**data, "channel": ""})
    assert response.status_code == 400
    assert not model.objects.exists()


@pytest.mark.parametrize("name", ["support", "comment", "rate_pilot", "file_proposal"])
def test_each_page_is_404_for_another_centres_resident(client, other_staff, desk_resident, proposal, pilot, name):
    data = _cases(proposal, pilot).get(name, ({},))[0]
    client.force_login(other_staff)
    url = reverse(f"desk:{name}", args=[desk_resident.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert not Vote.objects.exists() and not Comment.objects.exists() and not PilotFeedback.objects.exists()


def test_the_rating_page_answers_the_services_refusal_status(client, staff, desk_resident, make_pilot):
    running = make_pilot(status=PilotStatus.RUNNING)
    client.force_login(staff)
    url = reverse("desk:rate_pilot", args=[desk_resident.pk])
    # A running pilot is not offered: choosing it anyway is bad input.
    assert client.post(url, {"pilot": running.pk, "rating": 4, "channel": "phone"}).status_code == 400
    assert not PilotFeedback.objects.exists()


def test_supporting_twice_from_the_desk_is_a_no_op(client, staff, desk_resident, proposal):
    client.force_login(staff)
    url = reverse("desk:support", args=[desk_resident.pk])
    assert client.post(url, {"proposal": proposal.pk, "channel": "phone"}).status_code == 302
    assert client.post(url, {"proposal": proposal.pk, "channel": "phone"}).status_code == 302
    assert Vote.objects.count() == 1


def test_residents_get_403_on_the_desk_pages(client, resident, desk_resident):
    client.force_login(resident)
    assert client.get(reverse("desk:support", args=[desk_resident.pk])).status_code == 403
