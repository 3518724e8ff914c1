"""Domain events: how proposals and pilots announce what happened without knowing who listens.

A service calls ``emit("proposal.voted", proposal_id=..., actor_id=..., vote_count=...)`` inside its
transaction. Receivers subscribe to events by name in one of two phases:

- ``IN_TRANSACTION`` receivers run at once, inside the emitter's transaction, and roll back with it. They
  are for writes that must never be lost and never wait on anything outside the database (search writes its
  outbox row here, and a live push its task row where the queue is a table of this database:
  ``livinglab.live.enqueue_push_on_commit``). An exception in one of them fails the action: keep them to a few cheap queries.
- ``AFTER_COMMIT`` receivers run once the transaction has committed, each on its own: a failure is logged
  and neither fails the request nor stops the other receivers. A rolled-back transaction runs none of them.
  They are for live pushes and for enqueueing background tasks (``django.tasks``): they must be quick.

Subscribers register in their app's ``AppConfig.ready()`` (``<app>/subscribers.py`` or ``<app>/live.py``),
so emitters import nothing from them. The events and their payloads are listed in ``EVENTS`` below and in
``docs/events.md``; ``emit`` refuses a name or a payload key that is not listed there, so the list stays true.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)

IN_TRANSACTION = "in_transaction"
AFTER_COMMIT = "after_commit"
PHASES = (IN_TRANSACTION, AFTER_COMMIT)

# Every event, with every payload key it may carry. Ids are primary keys; "actor_id" is the person whose
# action it was (None for moves code makes on its own, such as the vote threshold or a pilot page publish).
EVENTS: dict[str, tuple[str, ...]] = {
    "proposal.created": ("proposal_id", "actor_id"),
    "proposal.edited": ("proposal_id", "actor_id"),
    "proposal.voted": ("proposal_id", "actor_id", "vote_count"),
    "proposal.unvoted": ("proposal_id", "actor_id", "vote_count"),
    "proposal.status_changed": (
        "proposal_id",
        "actor_id",
        "status_change_id",
        "from_status",
        "to_status",
    ),
    "proposal.review_threshold_reached": ("proposal_id", "actor_id", "status_change_id", "vote_count", "threshold"),
    "proposal.commented": ("proposal_id", "actor_id", "comment_id", "parent_id", "edited", "removed", "unhidden"),
    "proposal.comment_hidden": ("proposal_id", "actor_id", "comment_id"),
    "proposal.official_answer": ("proposal_id", "actor_id", "comment_id"),
    "proposal.assessed": ("proposal_id", "actor_id", "assessment_id"),
    "proposal.hidden": ("proposal_id", "actor_id", "reason"),
    "proposal.unhidden": ("proposal_id", "actor_id"),
    "proposal.removed": ("proposal_id", "actor_id"),
    "moderation.reported": ("proposal_id", "comment_id", "actor_id", "report_id"),
    "moderation.warned": ("proposal_id", "comment_id", "actor_id", "recipient_id", "reason"),
    "pilot.published": ("pilot_id", "proposal_ids"),
    "pilot.completed": ("pilot_id", "proposal_ids"),
    "pilot.results_updated": ("pilot_id",),
    "pilot.feedback": ("pilot_id", "actor_id", "average", "count"),
    "pilot.feedback_reported": ("pilot_id", "feedback_id", "actor_id", "report_id"),
    "codesign.registration_changed": ("session_id", "page_id", "actor_id", "registration_id", "status", "seats_left"),
    "codesign.promoted": ("session_id", "registration_id", "user_id"),
    "codesign.session_reminder": ("session_id", "user_ids"),
    "codesign.participant_update": ("page_id", "actor_id", "survey_id"),
    "challenge.stage_changed": ("challenge_id", "actor_id", "stage_change_id", "from_stage", "to_stage"),
    "challenge.shortlisted": ("challenge_id", "actor_id", "proposal_id"),
    "challenge.decided": ("challenge_id", "actor_id", "decision_id", "outcome", "proposal_ids"),
    "sensors.readings_ingested": ("pilot_id",),
}


@dataclass(frozen=True)
class Event:
    """One thing that happened: its dotted name and the payload it was emitted with (JSON-safe values)."""

    name: str
    payload: dict = field(default_factory=dict)

    @property
    def proposal_id(self) -> int | None:
        return self.payload.get("proposal_id")

    @property
    def pilot_id(self) -> int | None:
        return self.payload.get("pilot_id")

    @property
    def challenge_id(self) -> int | None:
        return self.payload.get("challenge_id")

    @property
    def actor_id(self) -> int | None:
        return self.payload.get("actor_id")

    @property
    def data(self) -> dict:
        return self.payload

    def as_json(self) -> dict:
        """What a background task receives: tasks take JSON arguments only."""
        return {"name": self.name, "payload": dict(self.payload)}

    @classmethod
    def from_json(cls, value: dict) -> "Event":
        return cls(value["name"], dict(value.get("payload") or {}))


Receiver = Callable[[Event], None]

_receivers: dict[tuple[str, str], list[Receiver]] = defaultdict(list)


class UnknownEvent(LookupError):
    """An event name or payload key that ``EVENTS`` does not list: a programming error, not bad input."""


def _check(name: str, payload: dict | None = None) -> None:
    if name not in EVENTS:
        raise UnknownEvent(f"{name!r} is not a documented event (see livinglab.events.EVENTS)")
    unknown = set(payload or ()) - set(EVENTS[name])
    if unknown:
        raise UnknownEvent(f"{name} carries no {', '.join(sorted(unknown))} (see livinglab.events.EVENTS)")


def subscribe(names: str | Iterable[str], *, phase: str = AFTER_COMMIT) -> Callable[[Receiver], Receiver]:
    """Decorator: call the function with the ``Event`` whenever one of ``names`` is emitted, in ``phase``."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}")
    names = (names,) if isinstance(names, str) else tuple(names)

    def register(receiver: Receiver) -> Receiver:
        for name in names:
            _check(name)
            if receiver not in _receivers[(name, phase)]:
                _receivers[(name, phase)].append(receiver)
        return receiver

    return register


def unsubscribe(names: str | Iterable[str], receiver: Receiver, *, phase: str = AFTER_COMMIT) -> None:
    names = (names,) if isinstance(names, str) else tuple(names)
    for name in names:
        if receiver in _receivers[(name, phase)]:
            _receivers[(name, phase)].remove(receiver)


def receivers(name: str, phase: str) -> list[Receiver]:
    return list(_receivers[(name, phase)])


def emit(name: str, **payload) -> Event:
    """Announce ``name`` with ``payload``: in-transaction receivers now, after-commit ones after the commit.

    Called outside a transaction (autocommit), after-commit receivers run at once, as Django's
    ``on_commit`` does.
    """
    _check(name, payload)
    event = Event(name, payload)
    for receiver in receivers(name, IN_TRANSACTION):
        receiver(event)
    for receiver in receivers(name, AFTER_COMMIT):
        transaction.on_commit(partial(_deliver, receiver, event))
    return event


def _deliver(receiver: Receiver, event: Event) -> None:
    try:
        receiver(event)
    except Exception:
        logger.exception(
            "%s of %s failed (payload %s)", getattr(receiver, "__qualname__", receiver), event.name, event.payload
        )
