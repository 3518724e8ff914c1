"""The pilot page's socket: live pilots only. What is pushed to it is tested in tests/pilots/test_live.py."""

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes the thread's connection after use
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from livinglab.asgi import application
from livinglab.live import push_message

HEADERS = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
# Waits end when the message arrives; this only bounds how long a broken test hangs on a busy machine.
WAIT = 30


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_anyone_can_listen_to_a_live_pilot(make_pilot):
    pilot = await sync_to_async(make_pilot)()
    communicator = WebsocketCommunicator(application, f"/ws/pilots/{pilot.pk}/", headers=HEADERS)
    connected, _ = await communicator.connect()
    assert connected
    await get_channel_layer().group_send(f"pilot-{pilot.pk}", push_message({"en": "<p id='r'>new</p>"}))
    assert await communicator.receive_from(timeout=WAIT) == "<p id='r'>new</p>"
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_drafts_other_pages_and_unknown_ids_are_refused(make_pilot, home):
    draft = await sync_to_async(make_pilot)(publish=False)
    for page_id in (draft.pk, home.pk, 999999):
        communicator = WebsocketCommunicator(application, f"/ws/pilots/{page_id}/", headers=HEADERS)
        connected, _ = await communicator.connect()
        assert connected
        assert await communicator.receive_output(timeout=WAIT) == {"type": "websocket.close", "code": 4404}
