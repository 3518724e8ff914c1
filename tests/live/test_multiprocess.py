"""Live updates between real processes: two ASGI servers on one Redis, and a Redis that restarts.

A vote is an HTTP request to one daphne process; the WebSocket listening for it is on another. Nothing is
mocked: the servers, Redis and the sockets are real, as in production behind a load balancer.
"""

import asyncio
import time

import pytest
import websockets
from django.conf import settings
from websockets.asyncio.client import connect

from tests.conftest import skip_or_fail

from .servers import Listener, LiveSite, RedisServer, Server, group_is_subscribed, post

pytestmark = [pytest.mark.redis, pytest.mark.asyncio, pytest.mark.slow]
# Waits end when their event happens; this only bounds how long a broken run hangs (busy machines included).
LIVENESS = 60


@pytest.fixture
def shared_redis_url():
    if not settings.REDIS_URL:
        skip_or_fail("needs Redis: set REDIS_URL=redis://...")
    return settings.REDIS_URL


async def wait_until(predicate, *, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(interval)
    return False


async def test_a_vote_on_one_server_reaches_a_socket_on_another(live_site_directory, shared_redis_url):
    site = LiveSite(live_site_directory, redis_url=shared_redis_url)
    data = await asyncio.to_thread(site.seed, 1)
    port_a, port_b = site.reserve_ports(2)
    server_a, server_b = Server(site, port_a), Server(site, port_b)
    await asyncio.gather(asyncio.to_thread(server_a.start), asyncio.to_thread(server_b.start))
    proposal = data["proposal"]
    listener = Listener(f"{server_b.ws_url}/ws/proposals/{proposal}/", site.origin(port_b))
    try:
        await listener.start()
        status, body = await asyncio.to_thread(
            post, server_a, f"/proposals/{proposal}/vote/", session=data["voters"][0]["session"]
        )
        assert status == 200, body[:500]
        pushed = await listener.next_message(timeout=LIVENESS)
        assert f'id="vote-panel-{proposal}"' in pushed
        assert f'<strong id="vote-count-{proposal}">1</strong>' in pushed
        assert "Log in to support it" in pushed  # an anonymous socket gets the panel rendered for everyone
    finally:
        await listener.stop()
        server_a.stop()
        server_b.stop()


async def test_a_foreign_origin_is_refused_by_a_real_server(live_site_directory, shared_redis_url):
    site = LiveSite(live_site_directory, redis_url=shared_redis_url)
    data = await asyncio.to_thread(site.seed, 0)
    (port,) = site.reserve_ports(1)
    server = await asyncio.to_thread(Server(site, port).start)
    try:
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connect(f"{server.ws_url}/ws/proposals/{data['proposal']}/", origin="https://evil.example"):
                pass
        assert refused.value.response.status_code == 403
    finally:
        server.stop()


async def test_sockets_resubscribe_after_a_redis_restart_and_votes_survive_the_outage(live_site_directory):
    if not RedisServer.available():
        skip_or_fail("redis-server is not installed")
    redis_server = RedisServer(live_site_directory).start()
    site = LiveSite(live_site_directory, redis_url=redis_server.url)
    data = await asyncio.to_thread(site.seed, 3)
    proposal = data["proposal"]
    group = f"proposal-{proposal}"
    port_a, port_b = site.reserve_ports(2)
    server_a, server_b = Server(site, port_a), Server(site, port_b)
    await asyncio.gather(asyncio.to_thread(server_a.start), asyncio.to_thread(server_b.start))
    listeners = [
        Listener(f"{server.ws_url}/ws/proposals/{proposal}/", site.origin(server.port))
        for server in (server_a, server_b, server_b)
    ]
    first, second, third = data["voters"]
    try:
        for listener in listeners:
            await listener.start()

        redis_server.stop()
        status, body = await asyncio.to_thread(post, server_a, f"/proposals/{proposal}/vote/", session=first["session"])
        assert status == 200, body[:500]  # the vote is stored; only its push is lost
        assert f'<strong id="vote-count-{proposal}">1</strong>' in body
        status, body = await asyncio.to_thread(
            post, server_b, f"/proposals/{proposal}/vote/", session=second["session"]
        )
        assert status == 200, body[:500]

        redis_server.start()  # same port, empty: every subscription and group is gone
        # Both workers must be back on the group before the next vote, or one of them would miss its push.
        assert await wait_until(
            lambda: group_is_subscribed(redis_server.url, site.prefix, group, servers=2), timeout=LIVENESS
        ), "the servers did not all subscribe again after the restart:\n" + server_a.output()[-2000:]
        for listener in listeners:
            await asyncio.wait_for(listener.connected.wait(), timeout=LIVENESS)
            while not listener.messages.empty():
                listener.messages.get_nowait()  # anything from before the outage

        status, body = await asyncio.to_thread(post, server_a, f"/proposals/{proposal}/vote/", session=third["session"])
        assert status == 200, body[:500]
        for listener in listeners:
            pushed = await listener.next_message(timeout=LIVENESS)
            # Re-rendered from the database: the two votes cast during the outage are counted.
            assert f'<strong id="vote-count-{proposal}">3</strong>' in pushed
    finally:
        for listener in listeners:
            await listener.stop()
        server_a.stop()
        server_b.stop()
        redis_server.stop()
