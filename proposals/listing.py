"""The proposal list's cheap parts: a cached count per filter set, and pages ordered on narrow rows first.

Counting every public proposal on every request is a sequential scan (56 ms at 100,000 proposals). The
count of each filter set is cached instead, under a *generation* number that the events changing which
proposals a list holds (a new one, a status change, an edit of category or area, hiding, unhiding, removal) move on;
an old generation's entries are simply never read again and expire. Votes and comments do not change the
count, so they leave it alone.

For anonymous visitors the rendered list itself (count, cards, pages) is cached per filter set and language for
``PAGE_TTL`` seconds, under the same generation and a second one, the *page generation*, that every event
changing what a card shows (a vote, a comment, a status change, an edit, hiding) moves on. A repeated anonymous
view then skips the list's queries and rendering. Signed-in people always get a fresh render (their page differs
by who they are), and while Redis is away nothing is cached: each worker's local fallback would not see the
other workers' invalidations.

A page is chosen on the proposals table alone (ids, in the list's order, with the covering indexes of
``Proposal.Meta.indexes``), then its twenty rows are loaded with their joins: a deep page sorted by votes
no longer sorts the wide joined rows.
"""

import hashlib
from urllib.parse import parse_qsl

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property
from django.utils.translation import get_language

from livinglab import fragments
from livinglab.events import AFTER_COMMIT, Event, subscribe

GENERATION_KEY = "proposals:list-generation"
PAGE_GENERATION_KEY = "proposals:list-page-generation"
COUNT_TTL = 60 * 60
PAGE_TTL = 60
MEMBERSHIP_EVENTS = (
    "proposal.created",
    "proposal.edited",
    "proposal.status_changed",
    "proposal.hidden",
    "proposal.unhidden",
    "proposal.removed",
)
# What else changes a card: its counters, a status reached by the vote threshold.
CARD_EVENTS = (
    "proposal.voted",
    "proposal.unvoted",
    "proposal.review_threshold_reached",
    "proposal.commented",
    "proposal.comment_hidden",
)
# The query parameters of the list (its filters, sort and page): any other one is not cached.
PAGE_PARAMETERS = frozenset({"category", "area", "status", "sort", "page", "per_page"})
MAX_CACHED_QUERY = 200


def generation(key: str = GENERATION_KEY) -> int:
    """The lists' counter (or ``key``'s). Search keys its cached results on it too (search.backends.database):
    the same events change them."""
    return fragments.generation(key)


@subscribe(MEMBERSHIP_EVENTS, phase=AFTER_COMMIT)
def list_membership_changed(event: Event) -> None:
    """Every cached count was made for the lists as they were: move to a new generation."""
    fragments.next_generation(GENERATION_KEY)


@subscribe(CARD_EVENTS + MEMBERSHIP_EVENTS, phase=AFTER_COMMIT)
def list_cards_changed(event: Event) -> None:
    """Every cached anonymous page shows the cards as they were: move to a new page generation."""
    fragments.next_generation(PAGE_GENERATION_KEY)


def anonymous_page_key(request, taxonomy) -> str | None:
    """The cache key of this anonymous list page, or None when it is not to be cached.

    The key holds the language, both generations, the query string exactly as sent (the page's links repeat
    it) and ``taxonomy`` (the categories and areas as read for the filters, so a renamed one shows at once).
    Signed-in people, unknown parameters and a Redis outage get no key.
    """
    query = request.META.get("QUERY_STRING", "")
    if not request.user.is_anonymous or len(query) > MAX_CACHED_QUERY:
        return None
    if {name for name, _ in parse_qsl(query, keep_blank_values=True)} - PAGE_PARAMETERS:
        return None
    described = repr((get_language(), query, taxonomy)).encode()
    key = (
        f"proposals:list-page:{generation()}:{generation(PAGE_GENERATION_KEY)}:"
        f"{hashlib.sha256(described).hexdigest()[:32]}"
    )
    # Read after the generations: a call that found Redis away has switched the cache to its local fallback.
    return None if getattr(cache, "redis_is_down", False) else key


def cache_key(kind: str, filters: dict) -> str:
    """The key of what is cached for one filter set (``kind``: "count", "map") in the current generation."""
    described = "&".join(f"{key}={filters[key]}" for key in sorted(filters) if filters[key])
    digest = hashlib.sha256(described.encode()).hexdigest()[:24]
    return f"proposals:list-{kind}:{generation()}:{digest}"


class NarrowPaginator(Paginator):
    """Django's paginator over a queryset of ids: the count from the cache, the page's rows loaded afterwards.

    ``rows`` is the queryset the page's proposals are loaded from (``Proposal.objects.for_list()``); the
    ordered ids come from ``object_list`` (a ``values_list("pk", flat=True)`` of the filtered list).
    """

    def __init__(self, ids, per_page, *, rows, filters: dict):
        super().__init__(ids, per_page)
        self.rows = rows
        self.filters = filters

    @cached_property
    def count(self) -> int:
        key = cache_key("count", self.filters)
        count = cache.get(key)
        if count is None:
            count = self.object_list.count()
            cache.set(key, count, COUNT_TTL)
        return count

    def _get_page(self, ids, number, paginator):
        ids = list(ids)
        by_id = self.rows.in_bulk(ids) if ids else {}
        return Page([by_id[pk] for pk in ids if pk in by_id], number, paginator)
