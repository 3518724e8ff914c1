"""Pushes rendered by a task reach the sockets on the embedded default too (livinglab.live.enqueue_push).

``make run`` serves the site and runs the task worker in separate processes, each with its own in-memory channel
layer: a vote's push sent by the worker reached no browser. There the push runs in the web process; with a layer
shared between processes (Redis) it is enqueued for the worker, as production does.
"""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django_tasks_db.models import DBTaskResult

from livinglab.live import layer_reaches_other_processes, proposal_group, user_group
from notifications.models import Follow, Notification
from proposals import services
from tests.factories import ProposalFactory, ResidentFactory

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def _listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def _received(channel: str) -> dict:
    """The next message to ``channel``; a push that never comes fails the test instead of hanging it."""

    async def receive():
        return await asyncio.wait_for(get_channel_layer().receive(channel), timeout=30)

    return async_to_sync(receive)()


def _queued(path: str) -> int:
    return DBTaskResult.objects.filter(task_path=path).count()


@pytest.fixture
def embedded(settings):
    """The embedded default: in-memory channel layer, tasks into the database for a worker process."""
    settings.CHANNEL_LAYERS = IN_MEMORY
    settings.TASKS = DATABASE_TASKS
    assert not layer_reaches_other_processes()


@pytest.mark.django_db(transaction=True)
def test_on_the_embedded_default_a_vote_is_pushed_by_the_web_process(embedded):
    proposal = ProposalFactory()
    channel = _listen(proposal_group(proposal.pk))
    services.cast_vote(proposal, user=ResidentFactory())
    message = _received(channel)
    assert message["type"] == "live.push"
    assert f'<strong id="vote-count-{proposal.pk}">1</strong>' in message["signed_in"]["en"]
    # Nothing was left for a worker whose push would have reached no socket.
    assert _queued("proposals.live.push_vote") == 0


@pytest.mark.django_db(transaction=True)
def test_on_the_embedded_default_a_followers_bell_is_pushed_by_the_web_process(embedded):
    proposal = ProposalFactory()
    follower = ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)
    channel = _listen(user_group(follower.pk))
    services.post_comment(proposal, author=ResidentFactory(), body="The light has been out for a week.")
    assert Notification.objects.filter(recipient=follower).exists()
    assert _received(channel)["type"] == "live.push"
    assert _queued("notifications.tasks.deliver_notifications") == 0


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_a_shared_layer_the_push_is_left_to_the_worker(settings):
    # Redis carries a worker's messages to every web process: the request only enqueues, as production does.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": "livinglab-test-enqueue-push"},
        }
    }
    settings.TASKS = DATABASE_TASKS
    assert layer_reaches_other_processes()
    proposal = ProposalFactory()
    services.cast_vote(proposal, user=ResidentFactory())
    assert _queued("proposals.live.push_vote") == 1
