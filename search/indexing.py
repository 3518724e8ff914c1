"""Keeping the search index in step with proposals, without a write ever waiting on the cluster.

Search subscribes to proposals' domain events (``search/subscribers.py``). Inside the emitting transaction,
``mark_pending`` writes (or refreshes) the proposal's row in IndexOutbox, so the index change is stored with
the change itself and rolls back with it. After the commit, the ``index_proposal`` background task
(``search/tasks.py``) calls ``proposal_changed``, which sends the proposal's current state and deletes the
row only if no newer change refreshed it meanwhile. A write that fails or times out leaves the row pending
with its error; the next successful write replays a few pending rows, and ``manage.py search_index --sync``
queues a task that replays them all, so an outage loses nothing. With the database backend there is no index
and no outbox.
"""

import contextlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from proposals.models import Proposal

from .models import IndexAction, IndexOutbox, IndexRebuild

logger = logging.getLogger(__name__)

REPLAY_ON_WRITE = 5
REPLAY_BATCH = 500


def _public_proposal(proposal_id: int) -> Proposal | None:
    return Proposal.objects.public().select_related("category", "area", "area__parent").filter(pk=proposal_id).first()


def uses_index() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


def mark_pending(proposal_id: int) -> None:
    """Inside the writer's transaction: record that this proposal's index entry must be brought up to date.

    One row per proposal (the replay always sends the current state); a newer change refreshes ``updated_at``
    so that a send of the older state, finishing later, does not delete the row. Raises: a write whose index
    change cannot be stored does not happen either.
    """
    if not uses_index():
        return
    now = timezone.now()
    action = IndexAction.INDEX if Proposal.objects.public().filter(pk=proposal_id).exists() else IndexAction.DELETE
    if IndexOutbox.objects.filter(proposal_id=proposal_id).update(action=action, updated_at=now):
        return
    try:
        with transaction.atomic():
            IndexOutbox.objects.create(
                proposal_id=proposal_id, action=action, attempts=0, created_at=now, updated_at=now
            )
    except IntegrityError:
        # Another transaction queued the same proposal a moment ago (and committed): refresh that row.
        IndexOutbox.objects.filter(proposal_id=proposal_id).update(action=action, updated_at=now)


def proposal_changed(proposal_id: int, *, replay: bool = True) -> bool:
    """Index (or drop from the index) one proposal; True if the cluster took it. Runs in a background task.

    On failure the proposal's outbox row stays (or is created) with the error, for a later replay.
    """
    if not uses_index():
        return False
    pending = IndexOutbox.objects.filter(proposal_id=proposal_id).values_list("updated_at", flat=True).first()
    action = IndexAction.INDEX
    try:
        proposal = _public_proposal(proposal_id)
        action = IndexAction.INDEX if proposal else IndexAction.DELETE
        write_proposal(proposal_id, proposal)
    except Exception as exc:  # noqa: BLE001 - any failure is queued, the resident's request has succeeded
        logger.warning("Search index write for proposal %s failed, queued in the outbox: %s", proposal_id, exc)
        queue_pending(proposal_id, action=action, error=f"{type(exc).__name__}: {exc}")
        return False
    if IndexRebuild.running():
        # The rebuild's bulk fill may have read this proposal before the write: replayed after its swap.
        queue_pending(proposal_id, action=action, error="written during an index rebuild")
        return True
    if pending is not None:
        # Only the row as it was before the state we sent was read: a newer change keeps its own row.
        IndexOutbox.objects.filter(proposal_id=proposal_id, updated_at=pending).delete()
    if replay:
        try:
            replay_outbox(limit=REPLAY_ON_WRITE)
        except Exception:  # noqa: BLE001 - the write itself succeeded; replay is best effort
            logger.exception("Replaying the search outbox after a write failed")
    return True


def write_proposal(proposal_id: int, proposal: Proposal | None, client=None) -> None:
    """Send one proposal's current state to the index: the document if public, a delete otherwise. Raises."""
    from elasticsearch import NotFoundError

    from .backends.elasticsearch import get_client
    from .documents import proposal_source, proposals_alias

    client = client or get_client()
    if proposal is not None:
        document = proposal_source(proposal)
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
    def handled(self) -> int:
        return self.sent + self.failed


def replay_outbox(*, limit: int | None = None, client=None) -> ReplayReport:
    """Send the current state of every pending proposal in bulk (at most ``limit``); rows that succeed are deleted.

    A row whose proposal changed again (and failed again) while the replay ran keeps its newer timestamp, so
    only rows exactly as they were read are deleted. Stops early when the cluster does not answer a batch.
    """
    from .backends.elasticsearch import get_client
    from .documents import proposals_alias

    client = client or get_client()
    alias = proposals_alias()
    report = ReplayReport()
    last_id = 0
    while limit is None or report.handled < limit:
        size = REPLAY_BATCH if limit is None else min(REPLAY_BATCH, limit - report.handled)
        rows = list(IndexOutbox.objects.filter(id__gt=last_id).order_by("id")[:size])
        if not rows:
            break
        last_id = rows[-1].id
        outcomes = _send_bulk(client, _replay_actions(rows, alias))
        _settle(rows, outcomes, report)
        if len(outcomes) < len(rows):
            break  # The cluster is not answering; stop instead of failing every remaining batch the same way.
    return report


def _replay_actions(rows: list[IndexOutbox], alias: str) -> list[dict]:
    """One bulk action per outbox row: the proposal's current document if it is public, a delete otherwise."""
    from .documents import delete_action, index_action

    proposals = (
        Proposal.objects.public()
        .select_related("category", "area", "area__parent")
        .in_bulk([row.proposal_id for row in rows])
    )
    return [
        index_action(proposals[row.proposal_id], alias)
        if row.proposal_id in proposals
        else delete_action(row.proposal_id, alias)
        for row in rows
    ]


def _send_bulk(client, actions: list[dict]) -> list[tuple[bool, str]]:
    """(done, error) per action, in the order sent; shorter than ``actions`` when the request itself failed.

    A delete the cluster answers with 404 is done: the document was never indexed, or is gone already.
    """
    from elasticsearch import TransportError
    from elasticsearch.helpers import streaming_bulk

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
    return outcomes


def _settle(rows: list[IndexOutbox], outcomes: list[tuple[bool, str]], report: ReplayReport) -> None:
    """Delete the rows that were sent (unless refreshed meanwhile); count a failed attempt on the others."""
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
