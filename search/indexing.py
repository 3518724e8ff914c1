"""Keeping the search index in step with proposals. Called by services after their transaction commits.

Writes never wait on the cluster for long and never fail a resident's request: an index write that fails or
times out leaves one pending row per proposal in IndexOutbox. The next successful write replays a few pending
rows, and `manage.py search_index --sync` replays them all, so an outage loses nothing.
With the database backend there is no index, so there is nothing to do.
"""

import contextlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from proposals.models import Proposal

from .models import IndexAction, IndexOutbox

logger = logging.getLogger(__name__)

REPLAY_ON_WRITE = 5
REPLAY_BATCH = 500


def _public_proposal(proposal_id: int) -> Proposal | None:
    return Proposal.objects.public().select_related("category", "area", "area__parent").filter(pk=proposal_id).first()


def proposal_changed(proposal_id: int) -> None:
    """Index (or drop from the index) one proposal after it was created, edited, voted on, hidden or moved."""
    try:
        from .backends.database import forget_browse_counts

        forget_browse_counts()
    except Exception:  # noqa: BLE001 - a cache outage must not fail the request either
        logger.exception("Could not drop the cached search counts")
    if not settings.ELASTICSEARCH_URL:
        return
    action = IndexAction.INDEX
    try:
        proposal = _public_proposal(proposal_id)
        action = IndexAction.INDEX if proposal else IndexAction.DELETE
        write_proposal(proposal_id, proposal)
    except Exception as exc:  # noqa: BLE001 - any failure is queued, the resident's request has succeeded
        logger.warning("Search index write for proposal %s failed, queued in the outbox: %s", proposal_id, exc)
        queue_pending(proposal_id, action=action, error=f"{type(exc).__name__}: {exc}")
        return
    try:
        IndexOutbox.objects.filter(proposal_id=proposal_id).delete()
        replay_outbox(limit=REPLAY_ON_WRITE)
    except Exception:  # noqa: BLE001 - the write itself succeeded; replay is best effort
        logger.exception("Replaying the search outbox after a write failed")


def write_proposal(proposal_id: int, proposal: Proposal | None, client=None) -> None:
    """Send one proposal's current state to the index: the document if public, a delete otherwise. Raises."""
    from elasticsearch import NotFoundError

    from .backends.elasticsearch import get_client
    from .documents import ProposalDocument, proposals_alias

    client = client or get_client()
    if proposal is not None:
        document = ProposalDocument.from_proposal(proposal).to_dict(skip_empty=True)
        # require_alias: if the alias is missing (no rebuild yet), fail and queue instead of letting the cluster
        # auto-create an index with a guessed mapping under the alias's name.
        client.index(index=proposals_alias(), id=str(proposal.pk), document=document, require_alias=True)
        return
    # NotFoundError: never indexed, or already gone; either way the goal is reached.
    with contextlib.suppress(NotFoundError):
        client.delete(index=proposals_alias(), id=str(proposal_id))


def queue_pending(proposal_id: int, *, action: str, error: str) -> None:
    """Record (or refresh) the pending write for a proposal. Logs instead of raising."""
    now = timezone.now()
    fields = {"action": action, "last_error": error[:2000], "updated_at": now}
    try:
        if IndexOutbox.objects.filter(proposal_id=proposal_id).update(attempts=F("attempts") + 1, **fields):
            return
        try:
            with transaction.atomic():
                IndexOutbox.objects.create(proposal_id=proposal_id, created_at=now, **fields)
        except IntegrityError:
            # Another worker queued the same proposal a moment ago; one row is enough.
            IndexOutbox.objects.filter(proposal_id=proposal_id).update(attempts=F("attempts") + 1, **fields)
    except Exception:  # noqa: BLE001 - never fail the request; the log is the last resort
        logger.exception("Could not queue the search index write for proposal %s", proposal_id)


@dataclass
class ReplayReport:
    sent: int = 0
    failed: int = 0

    @property
    def remaining(self) -> int:
        return IndexOutbox.objects.count()


def replay_outbox(*, limit: int | None = None, client=None) -> ReplayReport:
    """Send the current state of every pending proposal in bulk; rows that succeed are deleted.

    A row whose proposal changed again (and failed again) while the replay ran keeps its newer timestamp, so
    only rows exactly as they were read are deleted.
    """
    from elasticsearch import TransportError
    from elasticsearch.helpers import streaming_bulk

    from .backends.elasticsearch import get_client
    from .documents import delete_action, index_action, proposals_alias

    client = client or get_client()
    alias = proposals_alias()
    report = ReplayReport()
    last_id = 0
    while limit is None or report.sent + report.failed < limit:
        size = REPLAY_BATCH if limit is None else min(REPLAY_BATCH, limit - report.sent - report.failed)
        rows = list(IndexOutbox.objects.filter(id__gt=last_id).order_by("id")[:size])
        if not rows:
            break
        last_id = rows[-1].id
        proposals = (
            Proposal.objects.public()
            .select_related("category", "area", "area__parent")
            .in_bulk([row.proposal_id for row in rows])
        )
        actions = [
            index_action(proposals[row.proposal_id], alias)
            if row.proposal_id in proposals
            else delete_action(row.proposal_id, alias)
            for row in rows
        ]
        outcomes: list[tuple[bool, str]] = []
        try:
            for ok, item in streaming_bulk(
                client,
                actions,
                chunk_size=REPLAY_BATCH,
                raise_on_error=False,
                raise_on_exception=False,
                require_alias=True,
            ):
                operation, info = next(iter(item.items()))
                done = ok or (operation == "delete" and info.get("status") == 404)
                outcomes.append((done, "" if done else str(info.get("error", info))[:2000]))
        except TransportError as exc:
            logger.warning("Replaying the search outbox failed: %s", exc)
        # Results come back in the order the actions were sent; rows without a result failed with the request.
        for index, row in enumerate(rows):
            done, error = outcomes[index] if index < len(outcomes) else (False, "the bulk request failed")
            if done:
                IndexOutbox.objects.filter(pk=row.pk, updated_at=row.updated_at).delete()
                report.sent += 1
            else:
                IndexOutbox.objects.filter(pk=row.pk).update(
                    attempts=F("attempts") + 1, last_error=error, updated_at=timezone.now()
                )
                report.failed += 1
        if len(outcomes) < len(rows):
            break  # The cluster is not answering; stop instead of failing every remaining batch the same way.
    return report
