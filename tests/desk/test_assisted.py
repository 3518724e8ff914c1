"""Acting for a resident: the existing services with an ``assisted`` context, stamped and audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import ModelLogEntry

from desk import services
from livinglab.assisted import Assisted
from livinglab.errors import ActionRefused
from proposals import services as proposal_services
from proposals.models import Comment, Proposal, Vote
from proposals.rules import can
from tests.factories import ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _jpeg() -> SimpleUploadedFile:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return SimpleUploadedFile("street.jpg", buffer.getvalue(), content_type="image/jpeg")


def _fields(category, dong):
    return {
        "title": "경로당 앞 계단 손잡이가 없어요",
        "description": "경로당 앞 계단에 손잡이가 없어서 어르신들이 넘어질까 걱정됩니다. 설치해 주세요.",
        "category": category,
        "area": dong,
    }


def test_staff_file_a_proposal_with_photos_for_their_resident(staff, desk_resident, category, dong):
    proposal = services.file_proposal_for(
        desk_resident, staff=staff, channel="phone", photos=[_jpeg()], photo_alt_texts=[""], **_fields(category, dong)
    )
    assert proposal.author == desk_resident.user
    assert proposal.filed_by == staff and proposal.channel == "phone"
    assert proposal.helped_at == "성수1가1동 주민센터"
    assert proposal.photos.get().alt_text == "Photo of the problem: 경로당 앞 계단 손잡이가 없어요"
    entry = ModelLogEntry.objects.get(action="livinglab.proposal.filed_on_behalf")
    assert entry.user_id == staff.pk
    assert entry.data["channel"] == "phone" and entry.data["resident_id"] == desk_resident.user_id


def test_the_proposal_page_says_where_help_was_given(client, staff, desk_resident, category, dong):
    proposal = services.file_proposal_for(desk_resident, staff=staff, channel="in_person", **_fields(category, dong))
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Submitted with help at 성수1가1동 주민센터" in page


def test_staff_of_another_centre_cannot_act_for_the_resident(other_staff, desk_resident, category, dong):
    proposal = ProposalFactory()
    attempts = [
        lambda: services.file_proposal_for(
            desk_resident, staff=other_staff, channel="paper", **_fields(category, dong)
        ),
        lambda: services.support_for(desk_resident, staff=other_staff, channel="phone", proposal=proposal),
        lambda: services.comment_for(
            desk_resident, staff=other_staff, channel="phone", proposal=proposal, body="좋아요"
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ActionRefused) as exc:
            attempt()
        assert exc.value.status == 404
    assert Proposal.objects.count() == 1 and not Vote.objects.exists() and not Comment.objects.exists()


def test_assisted_context_cannot_be_used_for_someone_else_or_online(staff, desk_resident, category, dong):
    stranger = ResidentFactory()
    context = Assisted(staff=staff, resident_id=desk_resident.user_id, channel="phone", centre="x")
    with pytest.raises(ActionRefused) as exc:
        proposal_services.submit_proposal(author=stranger, assisted=context, **_fields(category, dong))
    assert exc.value.status == 400
    online = Assisted(staff=staff, resident_id=desk_resident.user_id, channel="online", centre="x")
    with pytest.raises(ActionRefused) as exc:
        proposal_services.submit_proposal(author=desk_resident.user, assisted=online, **_fields(category, dong))
    assert exc.value.status == 400
    not_staff = Assisted(staff=stranger, resident_id=desk_resident.user_id, channel="phone", centre="x")
    with pytest.raises(ActionRefused) as exc:
        proposal_services.cast_vote(ProposalFactory(), user=desk_resident.user, assisted=not_staff)
    assert exc.value.status == 403
    assert not Vote.objects.exists()


def test_support_and_comment_are_stamped_and_audited(client, staff, desk_resident):
    proposal = ProposalFactory()
    vote = services.support_for(desk_resident, staff=staff, channel="in_person", proposal=proposal)
    assert vote.user == desk_resident.user
    proposal.refresh_from_db()
    assert proposal.vote_count == 1
    voted = ModelLogEntry.objects.get(action="livinglab.proposal.voted_on_behalf")
    assert voted.user_id == staff.pk and voted.data["channel"] == "in_person"
    comment = services.comment_for(desk_resident, staff=staff, channel="phone", proposal=proposal, body="저도 불편해요")
    assert comment.author == desk_resident.user and comment.filed_by == staff
    assert comment.channel == "phone" and comment.helped_at == "성수1가1동 주민센터"
    assert ModelLogEntry.objects.filter(action="livinglab.comment.posted_on_behalf", user_id=staff.pk).exists()

    # The proposal itself was not filed at a desk: the line on its page is the comment's.
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "저도 불편해요" in page
    assert page.count("Submitted with help at 성수1가1동 주민센터") == 1


def test_support_page_refuses_an_unknown_proposal_number(client, staff, desk_resident):
    client.force_login(staff)
    response = client.post(reverse("desk:support", args=[desk_resident.pk]), {"proposal": 99999, "channel": "phone"})
    assert response.status_code == 400
    assert not Vote.objects.exists()


def test_desk_staff_cannot_moderate_or_change_status(staff):
    proposal = ProposalFactory()
    for perm in ("proposals.moderate", "proposals.change_status", "proposals.file_on_behalf"):
        assert not can(staff, perm, proposal)
    with pytest.raises(ActionRefused) as exc:
        proposal_services.change_status(proposal, to_status="under_review", by=staff)
    assert exc.value.status == 403
    with pytest.raises(ActionRefused) as exc:
        proposal_services.hide_proposal(proposal, by=staff, reason="스팸")
    assert exc.value.status == 403
    proposal.refresh_from_db()
    assert proposal.status == "published" and not proposal.is_hidden


def test_staff_rate_a_pilot_for_their_resident_and_the_page_says_so(client, staff, desk_resident, make_pilot):
    from pilots.models import PilotStatus

    pilot = make_pilot(status=PilotStatus.EVALUATING)
    feedback, created = services.rate_pilot_for(
        desk_resident, staff=staff, channel="paper", pilot=pilot, rating=4, comment="밤길이 밝아졌어요"
    )
    assert created and feedback.user == desk_resident.user
    assert feedback.channel == "paper" and feedback.filed_by == staff
    assert ModelLogEntry.objects.filter(action="livinglab.pilot.rated_on_behalf", user_id=staff.pk).exists()
    page = client.get(pilot.url).content.decode()
    assert "Submitted with help at 성수1가1동 주민센터" in page


def test_rating_a_pilot_not_yet_evaluated_is_refused_for_the_resident_too(staff, desk_resident, make_pilot):
    from pilots.models import PilotFeedback, PilotStatus

    pilot = make_pilot(status=PilotStatus.RUNNING)
    with pytest.raises(ActionRefused) as exc:
        services.rate_pilot_for(desk_resident, staff=staff, channel="phone", pilot=pilot, rating=5)
    assert exc.value.status == 409
    assert not PilotFeedback.objects.exists()
