"""Search's background tasks (``django.tasks``): index writes and outbox replay, never inside a request."""

from django.tasks import task

from . import indexing, wagtail_index
from .models import IndexOutbox


@task
def index_proposal(proposal_id: int) -> bool:
    """Send one proposal's current state to the cluster; then let a replay task catch up on older failures."""
    written = indexing.proposal_changed(proposal_id, replay=False)
    if written and IndexOutbox.objects.exists():
        replay_search_outbox.enqueue(limit=indexing.REPLAY_ON_WRITE)
    return written


@task
def index_wagtail_object(model: str, object_id: str) -> bool:
    """Send one page's, image's or document's current state to Wagtail's index on the cluster."""
    return wagtail_index.object_changed(model, object_id)


@task
def replay_search_outbox(limit: int | None = None) -> dict:
    """Replay pending index writes (all of them without ``limit``); returns how many were sent and failed.

    Proposals first (when a cluster is configured for them), then Wagtail's pages, images and documents.
    """
    report = indexing.replay_outbox(limit=limit) if indexing.uses_index() else indexing.ReplayReport()
    objects = wagtail_index.replay_outbox(limit=limit)
    return {
        "sent": report.sent,
        "failed": report.failed,
        "wagtail_sent": objects.sent,
        "wagtail_failed": objects.failed,
    }
