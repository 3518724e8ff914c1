"""Services: each success paired with the refusals around it, and side effects only after commit."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from wagtail.models import ModelLogEntry

from livinglab.events import AFTER_COMMIT, subscribe, unsubscribe
from proposals import services
from proposals.models import (
    Assessment,
    Comment,
    FilingChannel,
    Proposal,
    ProposalPhoto,
    ProposalStatus,
    Report,
    StatusChange,
    Vote,
)
from proposals.services import ActionRefused
from tests.factories import (
    CategoryFactory,
    CommentFactory,
    DongFactory,
    ExpertFactory,
    ProposalFactory,
    ResidentFactory,
    VoteFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(emitted):
    """Record the domain events services announce, as after-commit receivers see them."""
    return {"events": emitted}


def event_names(calls):
    return [name for name, _data in calls["events"]]


def submission(**overrides):
    data = {
        "title": "Dark alley behind the school",
        "description": "The alley behind Seongsu elementary has no working lights after 7 pm.",
        "category": CategoryFactory(),
        "area": DongFactory(),
    }
    data.update(overrides)
    return data


def jpeg_upload(name="photo.jpg", size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# --- submit --------------------------------------------------------------------------------------------


def test_submit_creates_published_proposal_with_timeline_and_events(
    resident, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.submit_proposal(
            author=resident, latitude="37.55", longitude="127.03", photos=[jpeg_upload()], **submission()
        )
    assert proposal.status == ProposalStatus.PUBLISHED
    assert proposal.channel == FilingChannel.ONLINE
    assert str(proposal.latitude) == "37.550000"
    change = StatusChange.objects.get(proposal=proposal)
    assert (change.from_status, change.to_status, change.changed_by) == ("", "published", resident)
    photo = ProposalPhoto.objects.get(proposal=proposal)
    assert (photo.width, photo.height) == (64, 48)
    assert photo.thumbnail.name
    assert event_names(published) == ["proposal.created"]


def test_submit_announces_nothing_before_commit(resident, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.submit_proposal(author=resident, **submission())
    assert published["events"] == []
    assert len(callbacks) >= 2


def test_submit_refuses_unverified_email(published):
    user = ResidentFactory(verified=False)
    with pytest.raises(ActionRefused) as refused:
        services.submit_proposal(author=user, **submission())
    assert refused.value.status == 403
    assert "confirm your e-mail" in refused.value.message
    assert not Proposal.objects.exists()


def test_submit_refuses_anonymous():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ActionRefused) as refused:
        services.submit_proposal(author=AnonymousUser(), **submission())
    assert refused.value.status == 403


def test_submit_rate_limit(resident, settings, django_capture_on_commit_callbacks):
    settings.PROPOSAL_RATE_LIMIT = "2/h"
    for n in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.submit_proposal(author=resident, **submission(title=f"Dark alley number {n}"))
    with pytest.raises(ActionRefused) as refused:
        services.submit_proposal(author=resident, **submission())
    assert refused.value.status == 429
    assert "wait" in refused.value.message
    assert Proposal.objects.count() == 2


def test_rate_limit_is_per_user(resident, settings, django_capture_on_commit_callbacks):
    settings.PROPOSAL_RATE_LIMIT = "1/h"
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_proposal(author=resident, **submission())
        services.submit_proposal(author=ResidentFactory(), **submission())
    assert Proposal.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "Hi"}, "title"),
        ({"title": "x" * 141}, "title"),
        ({"description": "Too short"}, "description"),
        ({"description": "y" * 5001}, "description"),
        ({"title": "Look <script>alert(1)</script>"}, "title"),
        ({"description": "Please click [here](javascript:alert(1)) to see more"}, "description"),
        ({"description": "An image <img src=x onerror=alert(1)> in the text here"}, "description"),
        ({"description": "See [the map](data:text/html;base64,PHNjcmlwdD4=) for details"}, "description"),
    ],
)
def test_submit_rejects_bad_text_and_saves_nothing(resident, overrides, field):
    with pytest.raises(ValidationError) as error:
        services.submit_proposal(author=resident, **submission(**overrides))
    assert field in error.value.message_dict
    assert not Proposal.objects.exists()


def test_submit_accepts_simple_markdown(resident):
    proposal = services.submit_proposal(
        author=resident,
        **submission(description="**Urgent**: the lamp at [this corner](https://map.example.org/x) is out."),
    )
    assert proposal.pk


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("nan", "127.0"), ("37.5", "inf"), ("-infinity", "127.0"), ("10.0", "127.0"), ("37.5", None), ("abc", "127")],
)
def test_submit_rejects_bad_coordinates(resident, latitude, longitude):
    with pytest.raises(ValidationError) as error:
        services.submit_proposal(author=resident, latitude=latitude, longitude=longitude, **submission())
    assert "latitude" in error.value.message_dict
    assert not Proposal.objects.exists()


def test_submit_rejects_more_than_three_photos(resident):
    with pytest.raises(ValidationError) as error:
        services.submit_proposal(author=resident, photos=[jpeg_upload() for _ in range(4)], **submission())
    assert "photos" in error.value.message_dict
    assert not Proposal.objects.exists()


def test_submit_with_one_bad_photo_saves_nothing(resident):
    bad = SimpleUploadedFile("evil.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        services.submit_proposal(author=resident, photos=[jpeg_upload(), bad], **submission())
    assert "evil.jpg" in error.value.message_dict["photos"][0]
    assert not Proposal.objects.exists()
    assert not ProposalPhoto.objects.exists()


def test_administrator_files_on_behalf_with_audit_log(administrator, resident):
    proposal = services.submit_proposal(
        author=resident, filed_by=administrator, channel=FilingChannel.PHONE, **submission()
    )
    assert proposal.filed_by == administrator
    assert proposal.channel == FilingChannel.PHONE
    entry = ModelLogEntry.objects.get(action="livinglab.proposal.filed_on_behalf")
    assert entry.object_id == str(proposal.pk)
    assert entry.user_id == administrator.pk
    assert StatusChange.objects.get(proposal=proposal).changed_by == administrator


def test_resident_cannot_file_on_behalf(resident):
    with pytest.raises(ActionRefused) as refused:
        services.submit_proposal(
            author=ResidentFactory(), filed_by=resident, channel=FilingChannel.IN_PERSON, **submission()
        )
    assert refused.value.status == 403


def test_filing_on_behalf_does_not_need_verified_email(administrator):
    walk_in = ResidentFactory(verified=False)
    proposal = services.submit_proposal(
        author=walk_in, filed_by=administrator, channel=FilingChannel.IN_PERSON, **submission()
    )
    assert proposal.author == walk_in


# --- edit and withdraw -----------------------------------------------------------------------------------


def test_author_edits_within_window(resident, published, django_capture_on_commit_callbacks):
    proposal = ProposalFactory(author=resident)
    data = submission(title="Dark alley, now with details")
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_proposal(proposal, user=resident, latitude=37.6, longitude=127.0, **data)
    proposal.refresh_from_db()
    assert proposal.title == "Dark alley, now with details"
    assert proposal.has_point
    assert event_names(published) == ["proposal.edited"]


def test_other_user_cannot_edit(resident):
    proposal = ProposalFactory()
    with pytest.raises(ActionRefused) as refused:
        services.edit_proposal(proposal, user=resident, **submission())
    assert refused.value.status == 403


def test_edit_refused_after_first_vote(resident):
    proposal = ProposalFactory(author=resident)
    services.cast_vote(proposal, user=ResidentFactory())
    with pytest.raises(ActionRefused) as refused:
        services.edit_proposal(proposal, user=resident, **submission())
    assert refused.value.status == 409


def test_edit_refused_after_thirty_minutes(resident):
    proposal = ProposalFactory(author=resident, created_at=timezone.now() - timedelta(minutes=31))
    with pytest.raises(ActionRefused):
        services.edit_proposal(proposal, user=resident, **submission())


def test_edit_with_bad_text_changes_nothing(resident):
    proposal = ProposalFactory(author=resident)
    before = proposal.title
    with pytest.raises(ValidationError):
        services.edit_proposal(proposal, user=resident, **submission(title="<b>bold</b> title"))
    proposal.refresh_from_db()
    assert proposal.title == before


def test_author_withdraws(resident, published, django_capture_on_commit_callbacks):
    proposal = ProposalFactory(author=resident)
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_proposal(proposal, user=resident, reason="Fixed already")
    assert proposal.status == ProposalStatus.WITHDRAWN
    change = StatusChange.objects.get(proposal=proposal)
    assert (change.from_status, change.to_status, change.official_response) == (
        "published",
        "withdrawn",
        "Fixed already",
    )
    assert (
        "proposal.status_changed",
        {
            "proposal_id": proposal.pk,
            "actor_id": resident.pk,
            "status_change_id": change.pk,
            "from_status": "published",
            "to_status": "withdrawn",
        },
    ) in published["events"]


def test_withdraw_refused_for_others_and_after_acceptance(resident, administrator):
    proposal = ProposalFactory(author=resident, status=ProposalStatus.ACCEPTED)
    with pytest.raises(ActionRefused) as refused:
        services.withdraw_proposal(proposal, user=resident)
    assert refused.value.status == 409
    with pytest.raises(ActionRefused) as refused:
        services.withdraw_proposal(ProposalFactory(), user=resident)
    assert refused.value.status == 403


# --- status --------------------------------------------------------------------------------------------


def test_administrator_walks_the_whole_workflow(administrator):
    proposal = ProposalFactory()
    for to_status in ("under_review", "accepted", "piloting", "completed"):
        services.change_status(proposal, to_status=to_status, by=administrator, response=f"Now {to_status}")
    assert proposal.status == ProposalStatus.COMPLETED
    assert list(StatusChange.objects.filter(proposal=proposal).values_list("to_status", flat=True)) == [
        "under_review",
        "accepted",
        "piloting",
        "completed",
    ]
    assert ModelLogEntry.objects.filter(action="livinglab.proposal.status", object_id=str(proposal.pk)).count() == 4


def test_invalid_transition_names_both_states(administrator):
    proposal = ProposalFactory()
    with pytest.raises(ActionRefused) as refused:
        services.change_status(proposal, to_status=ProposalStatus.ACCEPTED, by=administrator)
    assert refused.value.status == 409
    assert "Published" in refused.value.message and "Accepted" in refused.value.message
    assert not StatusChange.objects.exists()


def test_unknown_status_is_a_bad_request(administrator):
    with pytest.raises(ActionRefused) as refused:
        services.change_status(ProposalFactory(), to_status="teleported", by=administrator)
    assert refused.value.status == 400


def test_rejection_needs_a_response(administrator):
    proposal = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    with pytest.raises(ValidationError):
        services.change_status(proposal, to_status=ProposalStatus.REJECTED, by=administrator)
    services.change_status(proposal, to_status=ProposalStatus.REJECTED, by=administrator, response="Out of budget.")
    assert proposal.status == ProposalStatus.REJECTED


@pytest.mark.parametrize("role_factory", [ResidentFactory, ExpertFactory])
def test_non_administrators_cannot_change_status(role_factory):
    proposal = ProposalFactory()
    with pytest.raises(ActionRefused) as refused:
        services.change_status(proposal, to_status=ProposalStatus.UNDER_REVIEW, by=role_factory())
    assert refused.value.status == 403


def test_administrator_cannot_withdraw_for_the_author(administrator):
    with pytest.raises(ActionRefused) as refused:
        services.change_status(ProposalFactory(), to_status=ProposalStatus.WITHDRAWN, by=administrator)
    assert refused.value.status == 403


def test_automatic_move_without_user():
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    change = services.change_status(proposal, to_status=ProposalStatus.PILOTING, by=None, response="Pilot started")
    assert change.changed_by is None
    assert proposal.status == ProposalStatus.PILOTING


# --- votes ---------------------------------------------------------------------------------------------


def test_vote_counts_and_is_idempotent(resident, published, django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.cast_vote(proposal, user=resident)
        second = services.cast_vote(proposal, user=resident)
    assert first.pk == second.pk
    proposal.refresh_from_db()
    assert proposal.vote_count == 1
    assert Vote.objects.count() == 1
    assert ("proposal.voted", {"proposal_id": proposal.pk, "actor_id": resident.pk, "vote_count": 1}) in published[
        "events"
    ]
    assert event_names(published).count("proposal.voted") == 1


def test_author_cannot_vote_for_own_proposal(resident):
    proposal = ProposalFactory(author=resident)
    with pytest.raises(ActionRefused) as refused:
        services.cast_vote(proposal, user=resident)
    assert refused.value.status == 403
    assert not Vote.objects.exists()


def test_administrator_does_not_vote(administrator):
    with pytest.raises(ActionRefused) as refused:
        services.cast_vote(ProposalFactory(), user=administrator)
    assert refused.value.status == 403


@pytest.mark.parametrize("status", ["accepted", "rejected", "piloting", "completed", "withdrawn"])
def test_voting_closed_outside_voting_states(resident, status):
    proposal = ProposalFactory(status=status)
    with pytest.raises(ActionRefused) as refused:
        services.cast_vote(proposal, user=resident)
    assert refused.value.status == 409
    assert "closed" in refused.value.message
    proposal.refresh_from_db()
    assert proposal.vote_count == 0


def test_voting_on_hidden_proposal_is_refused(resident):
    with pytest.raises(ActionRefused):
        services.cast_vote(ProposalFactory(is_hidden=True), user=resident)


def test_threshold_moves_to_review_exactly_once(settings, published, django_capture_on_commit_callbacks):
    settings.PROPOSAL_REVIEW_THRESHOLD = 3
    proposal = ProposalFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            services.cast_vote(proposal, user=ResidentFactory())
    proposal.refresh_from_db()
    assert proposal.vote_count == 5
    assert proposal.status == ProposalStatus.UNDER_REVIEW
    change = StatusChange.objects.get(proposal=proposal, to_status=ProposalStatus.UNDER_REVIEW)
    assert change.changed_by is None
    assert "3 supporters" in change.official_response
    assert event_names(published).count("proposal.review_threshold_reached") == 1
    assert ModelLogEntry.objects.filter(action="livinglab.proposal.vote_threshold").count() == 1


def test_threshold_does_not_reopen_review_after_unvote_and_revote(settings):
    settings.PROPOSAL_REVIEW_THRESHOLD = 1
    proposal = ProposalFactory()
    voter = ResidentFactory()
    services.cast_vote(proposal, user=voter)
    services.withdraw_vote(proposal, user=voter)
    services.cast_vote(proposal, user=voter)
    assert StatusChange.objects.filter(to_status=ProposalStatus.UNDER_REVIEW).count() == 1


def test_withdraw_vote_is_idempotent(resident, published, django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    services.cast_vote(proposal, user=resident)
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_vote(proposal, user=resident)
        services.withdraw_vote(proposal, user=resident)
    proposal.refresh_from_db()
    assert proposal.vote_count == 0
    assert not Vote.objects.exists()
    assert event_names(published) == ["proposal.unvoted"]


def test_withdraw_vote_refused_once_voting_closed(resident, administrator):
    proposal = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    services.cast_vote(proposal, user=resident)
    services.change_status(proposal, to_status=ProposalStatus.ACCEPTED, by=administrator)
    with pytest.raises(ActionRefused) as refused:
        services.withdraw_vote(proposal, user=resident)
    assert refused.value.status == 409
    assert Vote.objects.count() == 1


# --- comments ------------------------------------------------------------------------------------------


def test_comment_snapshots_role_and_counts(expert, published, django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.post_comment(proposal, author=expert, body="Lighting is cheap to fix here.")
    assert comment.author_role == "expert"
    proposal.refresh_from_db()
    assert proposal.comment_count == 1
    assert published["events"] == [
        (
            "proposal.commented",
            {"proposal_id": proposal.pk, "actor_id": expert.pk, "comment_id": comment.pk, "parent_id": None},
        )
    ]


def test_reply_to_a_reply_joins_the_top_comment(resident):
    proposal = ProposalFactory()
    top = services.post_comment(proposal, author=resident, body="Top comment")
    reply = services.post_comment(proposal, author=ResidentFactory(), body="A reply", parent=top)
    nested = services.post_comment(proposal, author=resident, body="A reply to the reply", parent=reply)
    assert reply.parent == top
    assert nested.parent == top


def test_reply_to_another_proposals_comment_is_refused(resident):
    other = CommentFactory()
    with pytest.raises(ActionRefused) as refused:
        services.post_comment(ProposalFactory(), author=resident, body="Hello there", parent=other)
    assert refused.value.status == 400


def test_reply_to_removed_comment_is_refused(resident):
    proposal = ProposalFactory()
    top = services.post_comment(proposal, author=resident, body="Top comment")
    services.remove_comment(top, user=resident)
    with pytest.raises(ActionRefused) as refused:
        services.post_comment(proposal, author=ResidentFactory(), body="Reply", parent=top)
    assert refused.value.status == 409


@pytest.mark.parametrize("body", ["", "x", "z" * 2001, "<script>alert(1)</script>", "[x](javascript:alert(1))"])
def test_comment_bad_body_saves_nothing(resident, body):
    proposal = ProposalFactory()
    with pytest.raises(ValidationError):
        services.post_comment(proposal, author=resident, body=body)
    proposal.refresh_from_db()
    assert proposal.comment_count == 0
    assert not Comment.objects.exists()


def test_comment_on_withdrawn_proposal_refused(resident):
    with pytest.raises(ActionRefused) as refused:
        services.post_comment(ProposalFactory(status=ProposalStatus.WITHDRAWN), author=resident, body="Hello there")
    assert refused.value.status == 409


def test_comment_rate_limit(resident, settings, django_capture_on_commit_callbacks):
    settings.COMMENT_RATE_LIMIT = "2/m"
    proposal = ProposalFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_comment(proposal, author=resident, body="One")
        services.post_comment(proposal, author=resident, body="Two")
    with pytest.raises(ActionRefused) as refused:
        services.post_comment(proposal, author=resident, body="Three")
    assert refused.value.status == 429
    assert Comment.objects.count() == 2


def test_edit_comment_within_fifteen_minutes(resident):
    comment = services.post_comment(ProposalFactory(), author=resident, body="Original text")
    services.edit_comment(comment, user=resident, body="Corrected text")
    comment.refresh_from_db()
    assert comment.body == "Corrected text"
    assert comment.edited_at is not None


def test_edit_comment_refused_for_others_and_late(resident):
    comment = services.post_comment(ProposalFactory(), author=resident, body="Original text")
    with pytest.raises(ActionRefused) as refused:
        services.edit_comment(comment, user=ResidentFactory(), body="Hijacked")
    assert refused.value.status == 403
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    comment.refresh_from_db()
    with pytest.raises(ActionRefused) as refused:
        services.edit_comment(comment, user=resident, body="Too late")
    assert refused.value.status == 409


def test_remove_comment_keeps_placeholder_and_decrements(resident):
    proposal = ProposalFactory()
    comment = services.post_comment(proposal, author=resident, body="I regret this")
    services.remove_comment(comment, user=resident)
    services.remove_comment(comment, user=resident)
    comment.refresh_from_db()
    proposal.refresh_from_db()
    assert comment.is_removed
    assert proposal.comment_count == 0


def test_remove_comment_refused_for_others(resident):
    comment = services.post_comment(ProposalFactory(), author=resident, body="Mine")
    with pytest.raises(ActionRefused) as refused:
        services.remove_comment(comment, user=ResidentFactory())
    assert refused.value.status == 403


def test_one_official_answer_per_proposal(administrator, published, django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    first = services.post_comment(proposal, author=administrator, body="We are looking into it.")
    second = services.post_comment(proposal, author=administrator, body="The lamp is fixed on Friday.")
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_official_answer(first, by=administrator)
        services.mark_official_answer(second, by=administrator)
    assert list(Comment.objects.filter(is_official_answer=True)) == [second]
    assert ModelLogEntry.objects.filter(action="livinglab.comment.official").count() == 2
    assert event_names(published).count("proposal.official_answer") == 2


def test_official_answer_refusals(administrator, resident):
    proposal = ProposalFactory()
    resident_comment = services.post_comment(proposal, author=resident, body="My opinion")
    with pytest.raises(ActionRefused) as refused:
        services.mark_official_answer(resident_comment, by=administrator)
    assert refused.value.status == 409
    admin_comment = services.post_comment(proposal, author=administrator, body="Official words")
    with pytest.raises(ActionRefused) as refused:
        services.mark_official_answer(admin_comment, by=resident)
    assert refused.value.status == 403


# --- assessments ---------------------------------------------------------------------------------------

ASSESSMENT = {
    "feasibility": 4,
    "cost_range": "under_10m",
    "risks": "Needs consent from the building owner.",
    "recommendation": "pilot",
    "text": "Solar lights on the alley wall would solve this within a month.",
}


def test_expert_assesses_and_updates_own(expert, published, django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.submit_assessment(proposal, expert=expert, **ASSESSMENT)
        second = services.submit_assessment(proposal, expert=expert, **{**ASSESSMENT, "feasibility": 2})
    assert first.pk == second.pk
    assert Assessment.objects.get().feasibility == 2
    assert event_names(published) == ["proposal.assessed", "proposal.assessed"]


def test_assessment_refusals(resident, expert):
    with pytest.raises(ActionRefused) as refused:
        services.submit_assessment(ProposalFactory(), expert=resident, **ASSESSMENT)
    assert refused.value.status == 403
    with pytest.raises(ActionRefused) as refused:
        services.submit_assessment(ProposalFactory(status=ProposalStatus.COMPLETED), expert=expert, **ASSESSMENT)
    assert refused.value.status == 409
    with pytest.raises(ActionRefused) as refused:
        services.submit_assessment(ProposalFactory(author=expert), expert=expert, **ASSESSMENT)
    assert refused.value.status == 403


@pytest.mark.parametrize(
    "bad",
    [{"feasibility": 6}, {"feasibility": 0}, {"cost_range": "free"}, {"recommendation": "panic"}, {"text": "short"}],
)
def test_assessment_bad_values(expert, bad):
    with pytest.raises(ValidationError):
        services.submit_assessment(ProposalFactory(), expert=expert, **{**ASSESSMENT, **bad})
    assert not Assessment.objects.exists()


# --- reports and moderation ----------------------------------------------------------------------------


def test_report_once_per_item(resident):
    proposal = ProposalFactory()
    report = services.report_content(reporter=resident, reason="Advertising", proposal=proposal)
    assert report.pk
    with pytest.raises(ActionRefused) as refused:
        services.report_content(reporter=resident, reason="Again", proposal=proposal)
    assert refused.value.status == 409
    assert "already reported" in refused.value.message
    comment = CommentFactory(proposal=proposal)
    services.report_content(reporter=resident, reason="Rude", comment=comment)
    assert Report.objects.count() == 2


def test_report_refusals(resident):
    proposal = ProposalFactory(author=resident)
    with pytest.raises(ActionRefused) as refused:
        services.report_content(reporter=resident, reason="Mine", proposal=proposal)
    assert refused.value.status == 403
    with pytest.raises(ActionRefused) as refused:
        services.report_content(reporter=resident, reason="Both", proposal=proposal, comment=CommentFactory())
    assert refused.value.status == 400
    with pytest.raises(ValidationError):
        services.report_content(reporter=ResidentFactory(), reason="", proposal=proposal)


def test_hide_and_unhide_proposal(administrator, published, django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    services.report_content(reporter=ResidentFactory(), reason="Spam", proposal=proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.hide_proposal(proposal, by=administrator, reason="Advertising")
    assert proposal.is_hidden and proposal.hidden_reason == "Advertising"
    assert not Proposal.objects.visible().filter(pk=proposal.pk).exists()
    assert Report.objects.get().resolved_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.unhide_proposal(proposal, by=administrator)
    proposal.refresh_from_db()
    assert not proposal.is_hidden and proposal.hidden_reason == ""
    actions = list(ModelLogEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["livinglab.proposal.hide", "livinglab.proposal.unhide"]
    assert event_names(published) == ["proposal.hidden", "proposal.unhidden"]


def test_hide_needs_reason_and_administrator(administrator, resident):
    proposal = ProposalFactory()
    with pytest.raises(ValidationError):
        services.hide_proposal(proposal, by=administrator, reason="  ")
    with pytest.raises(ActionRefused) as refused:
        services.hide_proposal(proposal, by=resident, reason="I dislike it")
    assert refused.value.status == 403
    proposal.refresh_from_db()
    assert not proposal.is_hidden


def test_hide_comment_uncounts_and_unhide_recounts(
    administrator, resident, published, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory()
    comment = services.post_comment(proposal, author=resident, body="Something rude")
    with django_capture_on_commit_callbacks(execute=True):
        services.hide_comment(comment, by=administrator, reason="Insults")
    proposal.refresh_from_db()
    assert proposal.comment_count == 0
    assert (
        "proposal.comment_hidden",
        {"proposal_id": proposal.pk, "actor_id": administrator.pk, "comment_id": comment.pk},
    ) in published["events"]
    services.unhide_comment(comment, by=administrator)
    proposal.refresh_from_db()
    assert proposal.comment_count == 1
    assert list(ModelLogEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "livinglab.comment.hide",
        "livinglab.comment.unhide",
    ]


def test_hide_comment_refused_for_expert(expert):
    comment = CommentFactory()
    with pytest.raises(ActionRefused):
        services.hide_comment(comment, by=expert, reason="No")


def test_votes_survive_vote_factory_rows(resident):
    # A vote created outside the service (e.g. by a fixture) is still found: casting again is a no-op.
    proposal = ProposalFactory()
    existing = VoteFactory(proposal=proposal, user=resident)
    assert services.cast_vote(proposal, user=resident).pk == existing.pk


def test_failing_side_effect_never_fails_the_action(resident, django_capture_on_commit_callbacks):
    def broken(event):
        raise ConnectionError("cluster down")

    subscribe("proposal.voted", phase=AFTER_COMMIT)(broken)
    try:
        proposal = ProposalFactory()
        with django_capture_on_commit_callbacks(execute=True):
            services.cast_vote(proposal, user=resident)
    finally:
        unsubscribe("proposal.voted", broken, phase=AFTER_COMMIT)
    assert Vote.objects.filter(proposal=proposal, user=resident).exists()


def test_action_refused_carries_status_and_message():
    refused = ActionRefused("Nope", status=403)
    assert (refused.status, refused.message, str(refused)) == (403, "Nope", "Nope")
    assert ActionRefused("State").status == 409


def test_dismiss_report_is_for_moderators(administrator, resident):
    report = services.report_content(reporter=resident, reason="Spam", proposal=ProposalFactory())
    with pytest.raises(ActionRefused) as refused:
        services.dismiss_report(report, by=ResidentFactory())
    assert refused.value.status == 403
    services.dismiss_report(report, by=administrator)
    report.refresh_from_db()
    assert report.resolved_at is not None
    assert ModelLogEntry.objects.filter(action="livinglab.report.dismiss").count() == 1


def test_failed_submission_leaves_no_photo_files(resident, settings, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(StatusChange.objects, "create", fail)
    with pytest.raises(RuntimeError):
        services.submit_proposal(author=resident, photos=[jpeg_upload(), jpeg_upload()], **submission())
    assert not Proposal.objects.exists()
    assert not ProposalPhoto.objects.exists()
    media = settings.MEDIA_ROOT
    assert not [p for p in media.rglob("*") if p.is_file()] if media.exists() else True


def test_hide_and_unhide_counters_stay_exact_with_replies_and_removals(administrator, resident):
    proposal = ProposalFactory()
    parent = services.post_comment(proposal, author=resident, body="Top comment")
    reply = services.post_comment(proposal, author=ResidentFactory(), body="A reply", parent=parent)
    services.post_comment(proposal, author=ResidentFactory(), body="Another reply", parent=parent)

    def count():
        proposal.refresh_from_db()
        return proposal.comment_count

    assert count() == 3
    services.hide_comment(parent, by=administrator, reason="Off topic")
    assert count() == 2  # only the comment itself, its replies still count
    services.hide_comment(parent, by=administrator, reason="Again")
    assert count() == 2  # hiding twice changes nothing
    services.remove_comment(reply, user=reply.author)
    assert count() == 1
    services.hide_comment(reply, by=administrator, reason="Removed already")
    assert count() == 1  # a removed comment was already uncounted
    services.unhide_comment(reply, by=administrator)
    assert count() == 1  # ... and stays uncounted when shown again
    services.unhide_comment(parent, by=administrator)
    services.unhide_comment(parent, by=administrator)
    assert count() == 2
