"""The ASGI application routes HTTP to Django and checks WebSocket origins against an allow-list."""

import pytest
from channels.routing import ProtocolTypeRouter
from channels.testing import HttpCommunicator

from livinglab.asgi import application


def test_application_is_a_protocol_router():
    assert isinstance(application, ProtocolTypeRouter)
    assert set(application.application_mapping) == {"http", "websocket"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_http_goes_through_django():
    communicator = HttpCommunicator(application, "GET", "/accounts/login/", headers=[(b"host", b"testserver")])
    response = await communicator.get_response()
    assert response["status"] == 200
