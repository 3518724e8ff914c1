"""The notifications app listens to domain events (``livinglab.events``); imported by its ``AppConfig.ready()``.

Quick: automatic follows are one row for the actor (a voter's inside the vote's transaction); everything that fans out to followers or
sends e-mail is handed to the ``deliver_notifications`` task.
"""

import logging

from livinglab.events import AFTER_COMMIT, IN_TRANSACTION, Event, subscribe
from livinglab.live import enqueue_push_on_commit

from . import events
from .services import follow_automatically, follows_on_comment
from .tasks import deliver_notifications

logger = logging.getLogger(__name__)


@subscribe("proposal.created", phase=AFTER_COMMIT)
def author_follows(event: Event) -> None:
    """Authors follow what they filed (the actor is the author, or the staff member filing for them)."""
    from_author = events.author_of(event.proposal_id)
    if from_author is not None:
        follow_automatically(user_id=from_author, proposal_id=event.proposal_id)


@subscribe("proposal.voted", phase=IN_TRANSACTION)
def voter_follows(event: Event) -> None:
    """In the vote's own transaction: one more statement there, instead of a transaction of its own after it."""
    if event.actor_id:
        follow_automatically(user_id=event.actor_id, proposal_id=event.proposal_id)


@subscribe("proposal.commented", phase=AFTER_COMMIT)
def commenter_follows(event: Event) -> None:
    """Who comments follows the proposal, unless they turned that off in their notification settings."""
    if event.data.get("edited") or event.data.get("removed") or event.data.get("unhidden") or not event.actor_id:
        return
    if events.author_of(event.proposal_id) is not None and follows_on_comment(event.actor_id):
        follow_automatically(user_id=event.actor_id, proposal_id=event.proposal_id)


@subscribe(tuple(events.HANDLERS), phase=IN_TRANSACTION)
def enqueue_notifications(event: Event) -> None:
    # Queued in the action's own transaction where the worker reads its queue from the database; its fan-out ends
    # in each follower's bell, pushed live, so it runs here after the commit where the worker's push would reach
    # no socket (livinglab.live.enqueue_push_on_commit).
    enqueue_push_on_commit(deliver_notifications, event.as_json())
