"""What pilot events push (pilots/live.py) and whom they tell (notifications), for live pilots only."""

import pytest
from django.utils import timezone

from codesign.models import ConsentText, LabParticipant
from notifications.models import Follow, Notification, NotificationKind
from pilots import live
from tests.factories import ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed(monkeypatch):
    sent = []
    monkeypatch.setattr(live, "broadcast", lambda messages: sent.extend(messages) or True)
    monkeypatch.setattr("notifications.services.broadcast", lambda messages: True)
    return sent


def test_published_pilot_tells_the_followers_of_its_proposals(pushed, make_pilot, emit_committed):
    proposal, unrelated = ProposalFactory(), ProposalFactory()
    follower, other = ResidentFactory(), ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)
    Follow.objects.create(user=other, proposal=unrelated)
    pilot = make_pilot(proposals=[proposal])
    emit_committed("pilot.published", pilot_id=pilot.pk, proposal_ids=[proposal.pk])
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind, notification.pilot_id) == (
        follower,
        NotificationKind.PILOT_PUBLISHED,
        pilot.pk,
    )
    assert notification.url == pilot.url


def test_new_results_are_pushed_and_followers_told(pushed, make_pilot, emit_committed):
    proposal = ProposalFactory()
    follower = ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)
    pilot = make_pilot(
        proposals=[proposal],
        metrics=[{"name": "Waiting users", "unit": "people", "baseline": 1, "target": 5, "actual": 3}],
    )
    emit_committed("pilot.results_updated", pilot_id=pilot.pk)
    (group, message), *_ = pushed
    assert group == f"pilot-{pilot.pk}"
    assert f'id="pilot-results-{pilot.pk}"' in message["anonymous"]["en"]
    assert "Waiting users" in message["anonymous"]["en"]
    assert Notification.objects.get().kind == NotificationKind.PILOT_RESULTS


def test_a_completed_pilot_pushes_its_results_and_says_so(pushed, make_pilot, emit_committed):
    proposal = ProposalFactory()
    Follow.objects.create(user=ResidentFactory(), proposal=proposal)
    pilot = make_pilot(proposals=[proposal])
    emit_committed("pilot.completed", pilot_id=pilot.pk, proposal_ids=[proposal.pk])
    assert [group for group, _message in pushed] == [f"pilot-{pilot.pk}"]
    notification = Notification.objects.get()
    assert (notification.kind, notification.pilot_id) == (NotificationKind.PILOT_RESULTS, pilot.pk)


def test_new_results_reach_the_residents_testing_the_pilot(pushed, make_pilot, emit_committed):
    pilot = make_pilot()
    consent = ConsentText.objects.create(page=pilot, version=1, text="I agree to test the shelter.")
    tester, withdrawn = ResidentFactory(), ResidentFactory()
    LabParticipant.objects.create(page=pilot, user=tester, consent=consent)
    LabParticipant.objects.create(page=pilot, user=withdrawn, consent=consent, withdrawn_at=timezone.now())
    emit_committed("pilot.results_updated", pilot_id=pilot.pk)
    told = Notification.objects.filter(kind=NotificationKind.PILOT_RESULTS).values_list("recipient_id", flat=True)
    assert list(told) == [tester.pk]


def test_the_feedback_average_is_pushed(pushed, make_pilot, emit_committed):
    pilot = make_pilot()
    emit_committed("pilot.feedback", pilot_id=pilot.pk, actor_id=None, average=4.25, count=4)
    ((group, message),) = pushed
    assert group == f"pilot-{pilot.pk}"
    html = message["anonymous"]["en"]
    assert f'id="pilot-feedback-average-{pilot.pk}"' in html
    assert "4.2" in html or "4.3" in html
    assert "from 4 ratings" in html


def test_a_draft_pilot_pushes_and_tells_nothing(pushed, make_pilot, emit_committed):
    proposal = ProposalFactory()
    Follow.objects.create(user=ResidentFactory(), proposal=proposal)
    pilot = make_pilot(publish=False, proposals=[proposal])
    for name in ("pilot.published", "pilot.completed"):
        emit_committed(name, pilot_id=pilot.pk, proposal_ids=[proposal.pk])
    emit_committed("pilot.results_updated", pilot_id=pilot.pk)
    emit_committed("pilot.feedback", pilot_id=pilot.pk, average=3.0, count=1)
    assert pushed == []
    assert not Notification.objects.exists()
