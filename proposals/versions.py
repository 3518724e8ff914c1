"""A version stamp per proposal page, so a page whose socket (re)opens refetches only what changed.

Every event about a proposal (a vote, a comment, a status change, an assessment, hiding...) moves its
stamp on, after commit. The page is rendered with the stamp read *before* its rows were read, and sends it
with the refetches its socket makes when it opens; a fragment view answers ``204 No Content`` (htmx swaps
nothing) while the stamp is still current. Any doubt means refetch: a stamp missing from the cache (evicted,
Redis restarted) never matches.

Stamps need a cache every server process shares (Redis): with a per-process memory cache a vote served by
one process would leave another's stamp unchanged, and its pages would miss the vote. So they are off with
the local-memory cache (``settings.PROPOSAL_PAGE_STAMPS`` overrides) and while Redis is away; pages then
refetch everything on reconnect, as before.
"""

import uuid

from django.conf import settings
from django.core.cache import cache

from livinglab.events import AFTER_COMMIT, EVENTS, Event, subscribe

STAMP_TTL = 7 * 24 * 60 * 60
PROPOSAL_EVENTS = tuple(name for name, keys in EVENTS.items() if name.startswith("proposal.") and "proposal_id" in keys)


def stamps_shared() -> bool:
    configured = getattr(settings, "PROPOSAL_PAGE_STAMPS", None)
    if configured is None:
        configured = not settings.CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
    return bool(configured) and not getattr(cache, "redis_is_down", False)


def _key(pk: int) -> str:
    return f"proposals:page-version:{int(pk)}"


def current(pk: int) -> str:
    """The proposal's stamp now (one is made on first use); "" when stamps are off."""
    if not stamps_shared():
        return ""
    stamp = cache.get(_key(pk))
    if stamp is None:
        stamp = uuid.uuid4().hex[:12]
        if not cache.add(_key(pk), stamp, STAMP_TTL):
            stamp = cache.get(_key(pk)) or stamp
    return stamp


def unchanged_since(pk: int, stamp: str | None) -> bool:
    return bool(stamp) and stamps_shared() and cache.get(_key(pk)) == stamp


@subscribe(PROPOSAL_EVENTS, phase=AFTER_COMMIT)
def proposal_changed(event: Event) -> None:
    if event.proposal_id is not None:
        cache.set(_key(event.proposal_id), uuid.uuid4().hex[:12], STAMP_TTL)
