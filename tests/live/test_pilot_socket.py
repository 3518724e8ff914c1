"""The pilot page's socket and what publish() sends it: results and the feedback average, for live pilots only."""

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes the thread's connection after use
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from livinglab.asgi import application
from livinglab.live import push_message
from notifications import events
from notifications.models import Follow, Notification, NotificationKind
from tests.factories import ProposalFactory, ResidentFactory

HEADERS = [(b"host", b"testserver"), (b"origin", b"http://testserver")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_anyone_can_listen_to_a_live_pilot(make_pilot):
    pilot = await sync_to_async(make_pilot)()
    communicator = WebsocketCommunicator(application, f"/ws/pilots/{pilot.pk}/", headers=HEADERS)
    connected, _ = await communicator.connect()
    assert connected
    await get_channel_layer().group_send(f"pilot-{pilot.pk}", push_message({"en": "<p id='r'>new</p>"}))
    assert await communicator.receive_from(timeout=2) == "<p id='r'>new</p>"
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_drafts_other_pages_and_unknown_ids_are_refused(make_pilot, home):
    draft = await sync_to_async(make_pilot)(publish=False)
    for page_id in (draft.pk, home.pk, 999999):
        communicator = WebsocketCommunicator(application, f"/ws/pilots/{page_id}/", headers=HEADERS)
        connected, _ = await communicator.connect()
        assert connected
        assert await communicator.receive_output(timeout=2) == {"type": "websocket.close", "code": 4404}


@pytest.fixture
def pushed(monkeypatch):
    sent = []
    monkeypatch.setattr(events, "broadcast", lambda messages: sent.extend(messages) or True)
    monkeypatch.setattr("notifications.services.broadcast", lambda messages: True)
    return sent


@pytest.mark.django_db
def test_published_pilot_tells_the_followers_of_its_proposals(pushed, make_pilot):
    proposal, unrelated = ProposalFactory(), ProposalFactory()
    follower, other = ResidentFactory(), ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)
    Follow.objects.create(user=other, proposal=unrelated)
    pilot = make_pilot(proposals=[proposal])
    events.publish("pilot.published", pilot_id=pilot.pk, proposal_ids=[proposal.pk])
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind, notification.pilot_id) == (
        follower,
        NotificationKind.PILOT_PUBLISHED,
        pilot.pk,
    )
    assert notification.url == pilot.url


@pytest.mark.django_db
def test_new_results_are_pushed_and_followers_told(pushed, make_pilot):
    proposal = ProposalFactory()
    follower = ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)
    pilot = make_pilot(
        proposals=[proposal],
        metrics=[{"name": "Waiting users", "unit": "people", "baseline": 1, "target": 5, "actual": 3}],
    )
    events.publish("pilot.results_updated", pilot_id=pilot.pk)
    (group, message), *_ = pushed
    assert group == f"pilot-{pilot.pk}"
    assert f'id="pilot-results-{pilot.pk}"' in message["anonymous"]["en"]
    assert "Waiting users" in message["anonymous"]["en"]
    assert Notification.objects.get().kind == NotificationKind.PILOT_RESULTS


@pytest.mark.django_db
def test_the_feedback_average_is_pushed(pushed, make_pilot):
    pilot = make_pilot()
    events.publish("pilot.feedback", pilot_id=pilot.pk, actor_id=None, average=4.25, count=4)
    ((group, message),) = pushed
    assert group == f"pilot-{pilot.pk}"
    html = message["anonymous"]["en"]
    assert f'id="pilot-feedback-average-{pilot.pk}"' in html
    assert "4.2" in html or "4.3" in html
    assert "from 4 ratings" in html


@pytest.mark.django_db
def test_a_draft_pilot_pushes_and_tells_nothing(pushed, make_pilot):
    proposal = ProposalFactory()
    Follow.objects.create(user=ResidentFactory(), proposal=proposal)
    pilot = make_pilot(publish=False, proposals=[proposal])
    for name in ("pilot.published", "pilot.results_updated", "pilot.completed", "pilot.feedback"):
        events.publish(name, pilot_id=pilot.pk, proposal_ids=[proposal.pk], average=3.0, count=1)
    assert pushed == []
    assert not Notification.objects.exists()
