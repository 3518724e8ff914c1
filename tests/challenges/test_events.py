"""What challenge events push (challenges/live.py) and whom they tell (notifications)."""

import datetime

import pytest
from django.utils import timezone

from challenges import live
from challenges.models import ChallengeFollow
from challenges.services import change_stage, record_decision, shortlist_proposal
from challenges.stages import Stage
from codesign.models import (
    ConsentText,
    LabParticipant,
    Registration,
    RegistrationStatus,
    Session,
    SessionFormat,
    SurveyAnswer,
    SurveyAudience,
    SurveyPage,
)
from notifications.models import Follow, Notification, NotificationKind
from tests.factories import ProposalFactory, ResidentFactory, VoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed(monkeypatch):
    sent = []
    monkeypatch.setattr(live, "broadcast", lambda messages: sent.extend(messages) or True)
    monkeypatch.setattr("notifications.services.broadcast", lambda messages: True)
    monkeypatch.setattr("proposals.live.broadcast", lambda messages: True)
    return sent


def test_a_stage_change_is_pushed_and_followers_told(
    challenge, administrator, pushed, django_capture_on_commit_callbacks
):
    follower, bystander = ResidentFactory(), ResidentFactory()
    ChallengeFollow.objects.create(user=follower, challenge=challenge)
    ChallengeFollow.objects.create(user=administrator, challenge=challenge)
    with django_capture_on_commit_callbacks(execute=True):
        change_stage(challenge, to_stage=Stage.CODESIGN, by=administrator, early=True)
    (group, message), *_ = pushed
    assert group == f"challenge-{challenge.pk}"
    assert f'id="challenge-stage-{challenge.pk}"' in message["anonymous"]["en"]
    assert "Co-design" in message["anonymous"]["en"] and "공동" in message["anonymous"]["ko"]
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (follower, NotificationKind.CHALLENGE_STAGE)
    assert notification.url == challenge.url
    assert not Notification.objects.filter(recipient=bystander).exists()


def test_the_decision_tells_everyone_who_took_part(
    challenge, administrator, pushed, django_capture_on_commit_callbacks
):
    author, voter, follower, proposal_follower, bystander = (ResidentFactory() for _ in range(5))
    proposal = ProposalFactory(challenge=challenge, author=author)
    VoteFactory(proposal=proposal, user=voter)
    Follow.objects.create(user=proposal_follower, proposal=proposal)
    ChallengeFollow.objects.create(user=follower, challenge=challenge)
    shortlist_proposal(challenge, proposal, by=administrator)
    for stage in (Stage.CODESIGN, Stage.PILOT, Stage.EVALUATION):
        change_stage(challenge, to_stage=stage, by=administrator, early=True)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        record_decision(
            challenge, by=administrator, outcome="adapt", reasons="Works in summer only.", budget_consequence="Same."
        )
    told = set(
        Notification.objects.filter(kind=NotificationKind.CHALLENGE_DECISION).values_list("recipient_id", flat=True)
    )
    assert told == {author.pk, voter.pk, follower.pk, proposal_follower.pk}
    # Each proposal's own move is told to its followers too, through the proposals' status service.
    assert Notification.objects.filter(recipient=proposal_follower, kind=NotificationKind.STATUS_CHANGED).exists()
    assert not Notification.objects.filter(recipient=bystander).exists()
    assert [group for group, _m in pushed][-1] == f"challenge-{challenge.pk}"


def test_the_decision_also_tells_session_registrants_lab_participants_and_survey_respondents(
    challenge, administrator, django_capture_on_commit_callbacks
):
    seated, waiting, cancelled, tester, respondent = (ResidentFactory() for _ in range(5))
    start = timezone.now() + datetime.timedelta(days=2)
    session = Session.objects.create(
        page=challenge,
        title="Co-design workshop",
        format=SessionFormat.OFFLINE,
        place="Residents' Hall",
        capacity=5,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    Registration.objects.create(session=session, user=seated, status=RegistrationStatus.REGISTERED)
    Registration.objects.create(session=session, user=waiting, status=RegistrationStatus.WAITING)
    Registration.objects.create(session=session, user=cancelled, status=RegistrationStatus.CANCELLED)
    consent = ConsentText.objects.create(page=challenge, version=1, text="I agree to test it.")
    LabParticipant.objects.create(page=challenge, user=tester, consent=consent)
    survey = challenge.add_child(
        instance=SurveyPage(title="Before", slug="before", subject_page=challenge, audience=SurveyAudience.RESIDENTS)
    )
    SurveyAnswer.objects.create(page=survey, user=respondent, form_data={})
    for stage in (Stage.CODESIGN, Stage.PILOT, Stage.EVALUATION):
        change_stage(challenge, to_stage=stage, by=administrator, early=True)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        record_decision(challenge, by=administrator, outcome="stop", reasons="No effect.", budget_consequence="None.")
    told = set(
        Notification.objects.filter(kind=NotificationKind.CHALLENGE_DECISION).values_list("recipient_id", flat=True)
    )
    assert told == {seated.pk, waiting.pk, tester.pk, respondent.pk}  # a cancelled registration is not taking part


def test_drafts_are_neither_pushed_nor_announced(make_challenge, emit_committed, pushed):
    draft = make_challenge(publish=False)
    ChallengeFollow.objects.create(user=ResidentFactory(), challenge=draft)
    emit_committed(
        "challenge.stage_changed", challenge_id=draft.pk, actor_id=None, stage_change_id=1, from_stage="a", to_stage="b"
    )
    assert pushed == [] and not Notification.objects.exists()
