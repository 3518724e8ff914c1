"""The one search interface the rest of the platform calls; the configured backend does the work.

`search_proposals` serves the search page, `similar_proposals` the "is this already reported?" hint on the
submission form. Both return public proposals only (never hidden or withdrawn ones). The values they take
and return are in ``search.types``; what a person typed is cleaned by ``search.query``.
"""

import logging

from django.core.cache import cache

from proposals.models import Area, Category, ProposalStatus

from .backends import DatabaseBackend, SearchUnavailable, get_backend
from .query import MAX_QUERY_LENGTH, clean_filters, normalise_query, query_terms, resolve_sort
from .types import DEFAULT_RADIUS_KM, Near, Point, SearchRequest, SearchResult, SimilarProposal, Sort

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
# Elasticsearch refuses from + size beyond 10,000 (index.max_result_window); nobody pages that far anyway.
MAX_PAGE = 10_000 // PAGE_SIZE
SIMILAR_LIMIT = 5
SIMILAR_MIN_TITLE_LENGTH = 3
MAX_RADIUS_KM = 20.0
# After the cluster fails a read, searches go straight to the database for a while instead of each waiting for
# the timeout again. Writes still try every time: they are what the outbox exists for.
CLUSTER_DOWN_KEY = "search:cluster-unavailable"
CLUSTER_DOWN_SECONDS = 30

# What callers build requests with and read answers from, re-exported so the interface is one import.
__all__ = [
    "CLUSTER_DOWN_KEY",
    "DEFAULT_RADIUS_KM",
    "MAX_QUERY_LENGTH",
    "MAX_RADIUS_KM",
    "PAGE_SIZE",
    "SIMILAR_MIN_TITLE_LENGTH",
    "Near",
    "Point",
    "SearchRequest",
    "SearchResult",
    "SimilarProposal",
    "Sort",
    "clean_filters",
    "normalise_query",
    "query_terms",
    "resolve_sort",
    "search_proposals",
    "similar_proposals",
]


def search_proposals(
    query: str | None,
    filters: dict | None = None,
    sort: str | None = None,
    page: int | str | None = 1,
    near: Near | None = None,
) -> SearchResult:
    """Public proposals matching `query` (words; any operators are taken as text) with facets and highlights."""
    text, _truncated = normalise_query(query)
    try:
        page_number = max(1, int(page or 1))
    except (TypeError, ValueError):
        page_number = 1
    if near is not None:
        near = Near(near.point, min(max(near.radius_km, 0.1), MAX_RADIUS_KM))
    request = SearchRequest(
        query=text,
        terms=query_terms(text),
        filters=clean_filters(filters),
        sort=resolve_sort(sort, query=text, near=near),
        page=min(page_number, MAX_PAGE),
        page_size=PAGE_SIZE,
        near=near,
    )
    if text and not request.terms:
        # Only punctuation or operators: nothing to look for, and no reason to list everything instead.
        return SearchResult(query=text, hits=[], total=0, page=1, page_size=PAGE_SIZE, sort=request.sort, near=near)

    backend = get_backend()
    if backend.indexes and cache.get(CLUSTER_DOWN_KEY):
        result = DatabaseBackend().search(request)
        result.degraded = True
    else:
        try:
            result = backend.search(request)
        except SearchUnavailable as exc:
            logger.warning("Search cluster unavailable; answering from the database", exc_info=True)
            if exc.cluster_down:
                cache.set(CLUSTER_DOWN_KEY, True, CLUSTER_DOWN_SECONDS)
            result = DatabaseBackend().search(request)
            result.degraded = True
    label_facets(result)
    return result


def similar_proposals(title: str | None, text: str | None = "", point: Point | None = None) -> list[SimilarProposal]:
    """Up to five open proposals that look like the one being written, by words and (if given) distance."""
    title, _ = normalise_query(title)
    text = " ".join((text or "").split())[:1000]
    if len(title) < SIMILAR_MIN_TITLE_LENGTH or not query_terms(title):
        return []
    backend = get_backend()
    if backend.indexes and cache.get(CLUSTER_DOWN_KEY):
        backend = DatabaseBackend()
    try:
        return backend.similar(title=title, text=text, point=point, limit=SIMILAR_LIMIT)
    except SearchUnavailable as exc:
        logger.warning("Search cluster unavailable; similar proposals from the database", exc_info=True)
        if exc.cluster_down:
            cache.set(CLUSTER_DOWN_KEY, True, CLUSTER_DOWN_SECONDS)
        return DatabaseBackend().similar(title=title, text=text, point=point, limit=SIMILAR_LIMIT)


def label_facets(result: SearchResult) -> None:
    """Human labels for facet keys (status names, category and area names) and the selected flags."""
    categories = [value.key for value in result.facets.get("category", []) if not value.label]
    areas = [value.key for value in result.facets.get("area", []) if not value.label]
    labels = {
        "status": {value: str(label) for value, label in ProposalStatus.choices},
        "category": {c.slug: c.localized_name for c in Category.objects.filter(slug__in=categories)}
        if categories
        else {},
        "area": {a.slug: a.localized_name for a in Area.objects.filter(slug__in=areas).select_related("parent")}
        if areas
        else {},
    }
    for name, values in result.facets.items():
        for value in values:
            value.label = value.label or labels[name].get(value.key, value.key)
            value.selected = result.filters.get(name) == value.key
