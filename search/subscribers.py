"""Search listens to proposals' domain events (``livinglab.events``); imported by its ``AppConfig.ready()``.

In the transaction: the outbox row, so an index change is stored with the change itself. After the commit: the
``index_proposal`` task is enqueued, so no write waits on the cluster. The database backend's cached results
follow the proposal list's generation (proposals.listing), which the events that change them move on.
"""

from livinglab.events import AFTER_COMMIT, IN_TRANSACTION, Event, subscribe

from . import indexing
from .tasks import index_proposal

# Every event that changes what the index holds about a proposal (its text, status, counts or visibility).
INDEXED_EVENTS = (
    "proposal.created",
    "proposal.edited",
    "proposal.voted",
    "proposal.unvoted",
    "proposal.status_changed",
    "proposal.commented",
    "proposal.comment_hidden",
    "proposal.hidden",
    "proposal.unhidden",
    "proposal.removed",
)


@subscribe(INDEXED_EVENTS, phase=IN_TRANSACTION)
def write_outbox(event: Event) -> None:
    indexing.mark_pending(event.proposal_id)


@subscribe(INDEXED_EVENTS, phase=AFTER_COMMIT)
def index_after_commit(event: Event) -> None:
    if indexing.uses_index():
        index_proposal.enqueue(event.proposal_id)
