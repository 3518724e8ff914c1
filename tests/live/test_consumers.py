"""Each socket through the real ASGI application: who may connect, which groups it hears, what it sends."""

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes the thread's connection after use
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from livinglab.asgi import application
from livinglab.live import push_message
from tests.factories import ProposalFactory, ResidentFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
# Waits end when the message arrives; this only bounds how long a broken test hangs on a busy machine.
WAIT = 30

ORIGIN = (b"origin", b"http://testserver")


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(path: str, *, origin=ORIGIN, cookie: bytes | None = None, language: bytes | None = None):
    headers = [(b"host", b"testserver")]
    if origin:
        headers.append(origin)
    if cookie:
        headers.append((b"cookie", cookie))
    if language:
        headers.append((b"accept-language", language))
    return WebsocketCommunicator(application, path, headers=headers)


async def assert_refused(communicator, code: int):
    connected, _ = await communicator.connect()
    assert connected  # accepted only to tell the browser why, so htmx does not retry forever
    closed = await communicator.receive_output(timeout=WAIT)
    assert closed == {"type": "websocket.close", "code": code}
    await communicator.wait()


async def send_to_group(group: str, message: dict):
    await get_channel_layer().group_send(group, message)


def fragments(text: str) -> dict:
    return {"en": f"<p id='x'>{text}</p>", "ko": f"<p id='x'>{text} (ko)</p>"}


# --- ws/proposals/<id>/ ------------------------------------------------------------------------------


async def test_anyone_can_listen_to_a_visible_proposal():
    proposal = await sync_to_async(ProposalFactory)()
    communicator = socket(f"/ws/proposals/{proposal.pk}/")
    connected, _ = await communicator.connect()
    assert connected
    await send_to_group(f"proposal-{proposal.pk}", push_message(fragments("3 supporters")))
    assert await communicator.receive_from(timeout=WAIT) == "<p id='x'>3 supporters</p>"
    await communicator.disconnect()


async def test_a_proposal_socket_hears_only_its_own_proposal():
    proposal, other = await sync_to_async(lambda: (ProposalFactory(), ProposalFactory()))()
    communicator = socket(f"/ws/proposals/{proposal.pk}/")
    await communicator.connect()
    await send_to_group(f"proposal-{other.pk}", push_message(fragments("elsewhere")))
    # A push sent afterwards to its own group is the first thing it hears: the other one never came.
    await send_to_group(f"proposal-{proposal.pk}", push_message(fragments("own")))
    assert await communicator.receive_from(timeout=WAIT) == "<p id='x'>own</p>"
    await communicator.disconnect()


async def test_an_unknown_proposal_is_refused():
    await assert_refused(socket("/ws/proposals/999999/"), 4404)


async def test_a_hidden_proposal_is_refused():
    proposal = await sync_to_async(ProposalFactory)(is_hidden=True, hidden_reason="Spam")
    await assert_refused(socket(f"/ws/proposals/{proposal.pk}/"), 4404)


async def test_a_non_numeric_proposal_path_is_not_routed():
    communicator = socket("/ws/proposals/abc/")
    with pytest.raises(ValueError, match="No route found"):
        await communicator.connect()


async def test_the_socket_sends_the_viewers_language():
    proposal = await sync_to_async(ProposalFactory)()
    communicator = socket(f"/ws/proposals/{proposal.pk}/", language=b"ko-KR,ko;q=0.9,en;q=0.5")
    await communicator.connect()
    await send_to_group(f"proposal-{proposal.pk}", push_message(fragments("3")))
    assert await communicator.receive_from(timeout=WAIT) == "<p id='x'>3 (ko)</p>"
    await communicator.disconnect()


async def test_signed_in_viewers_get_their_variant_and_the_actor_gets_nothing():
    proposal, viewer, actor = await sync_to_async(lambda: (ProposalFactory(), ResidentFactory(), ResidentFactory()))()
    viewer_cookie, actor_cookie = await sync_to_async(lambda: (session_cookie(viewer), session_cookie(actor)))()
    anonymous = socket(f"/ws/proposals/{proposal.pk}/")
    signed_in = socket(f"/ws/proposals/{proposal.pk}/", cookie=viewer_cookie)
    acting = socket(f"/ws/proposals/{proposal.pk}/", cookie=actor_cookie)
    for communicator in (anonymous, signed_in, acting):
        await communicator.connect()
    message = push_message(fragments("panel"), signed_in=fragments("count only"), actor_id=actor.pk)
    await send_to_group(f"proposal-{proposal.pk}", message)
    assert await anonymous.receive_from(timeout=WAIT) == "<p id='x'>panel</p>"
    assert await signed_in.receive_from(timeout=WAIT) == "<p id='x'>count only</p>"
    await send_to_group(f"proposal-{proposal.pk}", push_message(fragments("next push")))
    assert await acting.receive_from(timeout=WAIT) == "<p id='x'>next push</p>"  # the first it hears
    for communicator in (anonymous, signed_in, acting):
        await communicator.disconnect()


async def test_a_proposal_socket_closes_when_the_proposal_is_hidden():
    proposal = await sync_to_async(ProposalFactory)()
    communicator = socket(f"/ws/proposals/{proposal.pk}/")
    await communicator.connect()
    await send_to_group(f"proposal-{proposal.pk}", {"type": "live.close"})
    assert await communicator.receive_output(timeout=WAIT) == {"type": "websocket.close", "code": 4404}


async def test_messages_from_the_client_are_ignored():
    proposal = await sync_to_async(ProposalFactory)()
    communicator = socket(f"/ws/proposals/{proposal.pk}/")
    await communicator.connect()
    await communicator.send_to(text_data='{"type": "live.close"}')
    # Still open and listening: the next push arrives instead of a close.
    await send_to_group(f"proposal-{proposal.pk}", push_message(fragments("still here")))
    assert await communicator.receive_from(timeout=WAIT) == "<p id='x'>still here</p>"
    await communicator.disconnect()


# --- ws/proposals/ -----------------------------------------------------------------------------------


async def test_the_list_socket_counts_new_proposals_per_socket():
    early = socket("/ws/proposals/")
    await early.connect()
    await send_to_group("proposal-list", {"type": "live.new_proposal", "proposal_id": 1})
    assert "1 new proposal: show it" in await early.receive_from(timeout=WAIT)
    late = socket("/ws/proposals/")
    await late.connect()
    await send_to_group("proposal-list", {"type": "live.new_proposal", "proposal_id": 2})
    assert "2 new proposals: show them" in await early.receive_from(timeout=WAIT)
    assert "1 new proposal: show it" in await late.receive_from(timeout=WAIT)
    await early.disconnect()
    await late.disconnect()


async def test_the_list_socket_relays_card_counts():
    communicator = socket("/ws/proposals/")
    await communicator.connect()
    await send_to_group("proposal-list", push_message({"en": '<span id="card-votes-4">7</span>'}))
    assert await communicator.receive_from(timeout=WAIT) == '<span id="card-votes-4">7</span>'
    await communicator.disconnect()


# --- ws/notifications/ -------------------------------------------------------------------------------


async def test_notifications_refuse_anonymous_sockets_with_4401():
    await assert_refused(socket("/ws/notifications/"), 4401)


async def test_notifications_refuse_a_forged_session_cookie():
    await assert_refused(socket("/ws/notifications/", cookie=b"sessionid=not-a-real-session"), 4401)


async def test_notifications_reach_only_their_recipient():
    alice, bob = await sync_to_async(lambda: (ResidentFactory(), ResidentFactory()))()
    alice_cookie = await sync_to_async(session_cookie)(alice)
    communicator = socket("/ws/notifications/", cookie=alice_cookie)
    connected, _ = await communicator.connect()
    assert connected
    await send_to_group(f"user-{bob.pk}", push_message(fragments("bob's bell")))
    # Alice's own bell, sent afterwards, is the first thing her socket hears.
    await send_to_group(f"user-{alice.pk}", push_message(fragments("alice's bell")))
    assert await communicator.receive_from(timeout=WAIT) == "<p id='x'>alice's bell</p>"
    await communicator.disconnect()


async def test_notifications_refuse_a_deactivated_user():
    user = await sync_to_async(ResidentFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    user.is_active = False
    await sync_to_async(user.save)()
    await assert_refused(socket("/ws/notifications/", cookie=cookie), 4401)


# --- origins -----------------------------------------------------------------------------------------


async def test_a_foreign_origin_is_refused_at_the_handshake():
    proposal = await sync_to_async(ProposalFactory)()
    communicator = socket(f"/ws/proposals/{proposal.pk}/", origin=(b"origin", b"https://evil.example"))
    connected, _ = await communicator.connect()
    assert not connected


async def test_a_handshake_without_origin_is_refused():
    proposal = await sync_to_async(ProposalFactory)()
    connected, _ = await socket(f"/ws/proposals/{proposal.pk}/", origin=None).connect()
    assert not connected


async def test_a_wildcard_allowed_hosts_does_not_open_the_sockets(settings):
    settings.ALLOWED_HOSTS = ["*"]
    proposal = await sync_to_async(ProposalFactory)()
    communicator = socket(f"/ws/proposals/{proposal.pk}/", origin=(b"origin", b"https://evil.example"))
    connected, _ = await communicator.connect()
    assert not connected
    allowed = socket(f"/ws/proposals/{proposal.pk}/", origin=(b"origin", b"http://localhost"))
    connected, _ = await allowed.connect()
    assert connected
    await allowed.disconnect()


async def test_a_foreign_origin_cannot_open_the_notification_socket_even_with_a_session():
    user = await sync_to_async(ResidentFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    communicator = socket("/ws/notifications/", origin=(b"origin", b"https://evil.example"), cookie=cookie)
    connected, _ = await communicator.connect()
    assert not connected


async def test_a_new_notification_moves_the_bell_live():
    from notifications import services
    from notifications.models import NotificationKind

    user = await sync_to_async(ResidentFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    communicator = socket("/ws/notifications/", cookie=cookie)
    await communicator.connect()
    await sync_to_async(services.notify)([user.pk], kind=NotificationKind.REPLY, text="Someone replied")
    pushed = await communicator.receive_from(timeout=WAIT)
    assert 'id="notification-bell"' in pushed
    assert '<span class="badge bell-count">1<span class="visually-hidden"> unread</span></span>' in pushed
    await communicator.disconnect()


async def test_sockets_of_one_worker_share_one_group_subscription():
    from livinglab.live import worker_groups

    proposal = await sync_to_async(ProposalFactory)()
    group = f"proposal-{proposal.pk}"
    registry = worker_groups()
    first, second = socket(f"/ws/proposals/{proposal.pk}/"), socket(f"/ws/proposals/{proposal.pk}/")
    await first.connect()
    await second.connect()
    assert len(registry.members[group]) == 2
    assert list(registry.listeners) == [group]  # one listener, one channel-layer subscription, two sockets
    await send_to_group(group, push_message(fragments("both")))
    assert await first.receive_from(timeout=WAIT) == "<p id='x'>both</p>"
    assert await second.receive_from(timeout=WAIT) == "<p id='x'>both</p>"
    await first.disconnect()
    assert group in registry.listeners  # the second socket still listens
    await second.disconnect()
    assert group not in registry.listeners  # the last one out unsubscribes the worker
    assert group not in registry.members


async def test_a_failing_layer_at_connect_leaves_no_member_behind(monkeypatch):
    from livinglab.live import worker_groups

    proposal = await sync_to_async(ProposalFactory)()
    layer = get_channel_layer()

    async def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(layer, "group_add", broken)
    communicator = socket(f"/ws/proposals/{proposal.pk}/")
    with pytest.raises(ConnectionError):
        await communicator.connect()
    assert f"proposal-{proposal.pk}" not in worker_groups().members
