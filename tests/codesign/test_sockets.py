"""The seats sockets through the real ASGI application: published sessions and live pages only."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from livinglab.asgi import application
from livinglab.live import push_message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
WAIT = 30  # bounds a broken test only; the waits end when the message arrives


def socket(path: str):
    return WebsocketCommunicator(
        application, path, headers=[(b"host", b"testserver"), (b"origin", b"http://testserver")]
    )


async def test_a_published_session_socket_hears_its_seats(session):
    communicator = socket(f"/ws/codesign/sessions/{session.pk}/")
    connected, _ = await communicator.connect()
    assert connected
    await get_channel_layer().group_send(
        f"codesign-session-{session.pk}", push_message({"en": "<span id='seats-1'>1</span>", "ko": "1"})
    )
    assert await communicator.receive_from(timeout=WAIT) == "<span id='seats-1'>1</span>"
    await communicator.disconnect()


async def test_an_unpublished_session_socket_is_refused(make_session):
    hidden = await database_sync_to_async(make_session)(is_published=False)
    communicator = socket(f"/ws/codesign/sessions/{hidden.pk}/")
    connected, _ = await communicator.connect()
    assert connected  # accepted only to say why, so htmx does not retry forever
    assert await communicator.receive_output(timeout=WAIT) == {"type": "websocket.close", "code": 4404}


async def test_a_live_page_socket_is_accepted_and_an_unknown_one_refused(pilot):
    page_socket = socket(f"/ws/codesign/pages/{pilot.pk}/")
    connected, _ = await page_socket.connect()
    assert connected
    await page_socket.disconnect()
    unknown = socket("/ws/codesign/pages/999999/")
    await unknown.connect()
    assert await unknown.receive_output(timeout=WAIT) == {"type": "websocket.close", "code": 4404}
