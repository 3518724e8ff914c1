"""Pushes rendered by a task reach the sockets on the embedded default too (livinglab.live.enqueue_push).

``make run`` serves the site and runs the task worker in separate processes, each with its own in-memory channel
layer: a vote's push sent by the worker reached no browser. There the push runs in the web process; with a layer
shared between processes (Redis) it is enqueued for the worker, as production does.
"""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.tasks import task_backends
from django_tasks_db.models import DBTaskResult

from livinglab.live import layer_reaches_other_processes, proposal_group, user_group
from notifications.models import Follow, Notification
from proposals import services
from tests.conftest import skip_or_fail
from tests.factories import ProposalFactory, ResidentFactory

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
DATABASE_TASKS = {"default": {"BACKEND": "livinglab.task_backend.DatabaseBackend", "QUEUES": []}}


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


@pytest.fixture
def shared_layer(settings):
    # Redis carries a worker's messages to every web process, as in production.
    if not settings.REDIS_URL:
        skip_or_fail("needs Redis (REDIS_URL)")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": "livinglab-test-enqueue-push"},
        }
    }
    assert layer_reaches_other_processes()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_a_shared_layer_the_push_is_queued_in_the_votes_own_transaction(settings, shared_layer):
    """The request only queues the push, as an outbox row of the vote's transaction: one commit, not two."""
    settings.TASKS = DATABASE_TASKS
    proposal = ProposalFactory()
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        services.cast_vote(proposal, user=ResidentFactory())
    assert _queued("proposals.live.push_vote") == 1
    queued = [inside for sql, inside in statements if DBTaskResult._meta.db_table in sql]
    assert queued == [True]
    assert any("proposals_vote" in sql and inside for sql, inside in statements)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_vote_rolled_back_leaves_no_push_behind(settings, shared_layer):
    settings.TASKS = DATABASE_TASKS
    proposal = ProposalFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.cast_vote(proposal, user=ResidentFactory())
        assert _queued("proposals.live.push_vote") == 1  # in the transaction, not yet seen by a worker
        raise RuntimeError("the outer action failed")
    assert _queued("proposals.live.push_vote") == 0


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_queue_outside_the_database_gets_the_push_after_the_commit(settings, shared_layer):
    """A queue that is not a table of this database cannot be part of the transaction: enqueued after the commit,
    and not at all when the vote is rolled back."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]

    def pushes():
        return [result for result in backend.results if result.task.name == "push_vote"]

    proposal = ProposalFactory()
    with transaction.atomic():
        services.cast_vote(proposal, user=ResidentFactory())
        assert pushes() == []
    assert len(pushes()) == 1
    other = ProposalFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.cast_vote(other, user=ResidentFactory())
        raise RuntimeError("the outer action failed")
    assert len(pushes()) == 1
