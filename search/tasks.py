"""Search's background tasks (``django.tasks``): index writes and outbox replay, never inside a request."""

from django.tasks import task

from . import indexing
from .models import IndexOutbox


@task
def index_proposal(proposal_id: int) -> bool:
    """Send one proposal's current state to the cluster; then let a replay task catch up on older failures."""
    written = indexing.proposal_changed(proposal_id, replay=False)
    if written and IndexOutbox.objects.exists():
        replay_search_outbox.enqueue(limit=indexing.REPLAY_ON_WRITE)
    return written


@task
def replay_search_outbox(limit: int | None = None) -> dict:
    """Replay pending index writes (all of them without ``limit``); returns how many were sent and failed."""
    report = indexing.replay_outbox(limit=limit)
    return {"sent": report.sent, "failed": report.failed}
