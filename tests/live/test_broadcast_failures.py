"""A broken channel layer costs a log line, never the request that caused the push."""

import asyncio
import logging
import socket

import pytest
from django.urls import reverse

from notifications.models import Follow
from proposals.models import Vote
from tests.factories import ProposalFactory, ResidentFactory


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens here once the probe closes


@pytest.fixture(params=["channels_redis.pubsub.RedisPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"])
def redis_down(settings, request):
    """Either of channels-redis's layers, pointed at a port where no Redis listens."""
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": request.param, "CONFIG": {"hosts": [f"redis://127.0.0.1:{closed_port()}/0"]}}
    }


@pytest.mark.django_db
def test_a_vote_succeeds_while_redis_is_down(client, redis_down, caplog, django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    voter = ResidentFactory()
    client.force_login(voter)
    with caplog.at_level(logging.ERROR, logger="livinglab.live"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("proposals:vote", args=[proposal.pk]))
    assert response.status_code == 302
    assert Vote.objects.filter(user=voter, proposal=proposal).exists()
    assert Follow.objects.filter(user=voter, proposal=proposal).exists()  # the database side effects still ran
    assert "Live update broadcast to proposal-" in caplog.text


@pytest.mark.django_db
def test_an_htmx_vote_gets_its_panel_while_redis_is_down(client, redis_down, django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    client.force_login(ResidentFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("proposals:vote", args=[proposal.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'id="vote-panel-{proposal.pk}"' in response.text


@pytest.mark.django_db
def test_reading_a_notification_succeeds_while_redis_is_down(
    client, redis_down, caplog, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    user = ResidentFactory()
    notification = Notification.objects.create(recipient=user, kind="reply", text="Someone replied")
    client.force_login(user)
    with caplog.at_level(logging.ERROR, logger="livinglab.live"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.is_read
    assert f"Live update broadcast to user-{user.pk} failed" in caplog.text


def test_a_broadcast_from_a_thread_running_an_event_loop_is_delivered(settings):
    """Synchronous code called from a coroutine (or beside a synchronous driver that keeps a loop in its thread)
    used to log "You cannot use AsyncToSync in the same thread as an async event loop" and drop the push."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from livinglab.live import broadcast

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("proposal-7", channel)

    async def from_a_coroutine():
        return broadcast([("proposal-7", {"type": "live.push", "anonymous": {"ko": "x"}})])  # sync, in the loop

    assert asyncio.run(from_a_coroutine()) is True
    assert async_to_sync(layer.receive)(channel)["anonymous"] == {"ko": "x"}
