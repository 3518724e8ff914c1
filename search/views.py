"""The search page (proposals, pilots and pages) and the "similar proposals" hint on the submission form.

Pilots and pages are a second request (`pages`): the search page loads them with htmx once it is shown, and
without JavaScript its link opens them as a page of their own. Wagtail's page search was a quarter of the search
page's time, on every request, for a section below the proposals (issue 16 point 5).
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from wagtail.models import Page

from proposals.listing import PAGE_GENERATION_KEY, generation

from .backends.database import RESULTS_GENERATION_KEY
from .backends.elasticsearch import read_breaker
from .interface import (
    DEFAULT_RADIUS_KM,
    MAX_QUERY_LENGTH,
    MAX_RADIUS_KM,
    SIMILAR_MIN_TITLE_LENGTH,
    Near,
    Point,
    Sort,
    normalise_query,
    search_proposals,
    similar_proposals,
)
from .wagtail_index import search_backend

logger = logging.getLogger(__name__)

PAGE_RESULTS = 10
# Wagtail's database search backend, configured beside the cluster (settings) for page search to fall back on.
PAGE_FALLBACK_BACKEND = "wagtail.search.backends.database"
FACET_TITLES = {"status": _("Status"), "category": _("Category"), "area": _("Area")}
RESULTS_SECONDS = 60
# The parameters the results depend on; a query string with any other (or longer than this) is not kept.
RESULT_PARAMETERS = frozenset({"q", "sort", "page", "lat", "lon", "radius", *FACET_TITLES})
MAX_KEPT_QUERY_STRING = 400


def results_key(params) -> str | None:
    """The cache key of the results section for this query string now, or None when it is not to be kept.

    The section (count, filters, sort links, hits, pagination, facets) depends on nothing but the language, the
    query string and the data, never on who is looking. Its key holds the proposal list's two generations and
    the search results' generation (proposals.listing, search.backends.database): every event that changes
    what a card or a count shows (a vote, a comment, a status, an edit, hiding, new analysed text) moves one of
    them on, as for the list's cached pages. Unknown parameters would only multiply the keys, and nothing is kept
    while Redis is away (a worker's local fallback would not see the others' invalidations).
    """
    encoded = params.urlencode()
    if set(params) - RESULT_PARAMETERS or len(encoded) > MAX_KEPT_QUERY_STRING:
        return None
    described = repr((get_language(), sorted(params.lists()))).encode()
    key = (
        f"search:section:{generation()}:{generation(PAGE_GENERATION_KEY)}:{generation(RESULTS_GENERATION_KEY)}:"
        f"{hashlib.sha256(described).hexdigest()[:32]}"
    )
    return None if getattr(cache, "redis_is_down", False) else key


def parse_near(params) -> Near | None:
    point = Point.parse(params.get("lat"), params.get("lon"))
    if point is None:
        return None
    try:
        radius = float(params.get("radius") or DEFAULT_RADIUS_KM)
    except ValueError:
        radius = DEFAULT_RADIUS_KM
    if not 0.1 <= radius <= MAX_RADIUS_KM:
        radius = DEFAULT_RADIUS_KM
    return Near(point, radius)


def url_with(params, **changes) -> str:
    """The current query string with some parameters replaced (None removes one); the page always resets."""
    query = params.copy()
    for key, value in {"page": None, **changes}.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _pages(query: str, *, backend: str = "default", **options) -> list:
    """Search live public pages; ``options`` override the backend's WAGTAILSEARCH_BACKENDS entry for this read."""
    return list(
        search_backend(backend, **options).search(query, Page.objects.live().public().specific())[:PAGE_RESULTS]
    )


def _cluster_pages(query: str) -> list:
    # Reads get the proposal reads' short timeout. The backend entry's own, longer TIMEOUT stays for the
    # index writes (the outbox task, search/wagtail_index.py, and rebuild_modelsearch_index), which build
    # their backend from the settings without this override.
    return _pages(query, TIMEOUT=settings.ELASTICSEARCH_READ_TIMEOUT)


def search_pages(query: str) -> tuple[list | None, bool]:
    """Live public Wagtail pages (pilots, standard pages) through Wagtail's configured search backend.

    On Elasticsearch, page search shares the proposal reads' short timeout (ELASTICSEARCH_READ_TIMEOUT) and
    circuit breaker: while the cluster hangs or fails (or the breaker is open) pages come from Wagtail's
    database backend, which is kept up to date beside the cluster. Returns the pages (None when no backend
    answered) and whether they came from a fallback.
    """
    if not query:
        return [], False
    if settings.ELASTICSEARCH_URL:
        try:
            return read_breaker().call(lambda: _cluster_pages(query)), False
        except Exception:  # noqa: BLE001 - a failing page index must not take the search page down
            logger.warning("Wagtail page search on the cluster failed; answering from the database", exc_info=True)
            return _pages(query, backend=PAGE_FALLBACK_BACKEND), True
    try:
        return _pages(query), False
    except Exception:  # noqa: BLE001 - a failing page index must not take proposal search down with it
        logger.exception("Wagtail page search failed")
        return None, True


@require_GET
def search(request):
    params = request.GET
    query, truncated = normalise_query(params.get("q", ""))
    context = {"query": query, "truncated": truncated, "max_query_length": MAX_QUERY_LENGTH, "degraded": False}
    near = parse_near(params)
    if near:
        context["near"] = near  # the form keeps the point
    key = results_key(params)
    html = cache.get(key) if key else None
    if html is None:
        result = search_proposals(
            query,
            filters={name: params.get(name) for name in FACET_TITLES if params.get(name)},
            sort=params.get("sort"),
            page=params.get("page"),
            near=near,
        )
        html = render_to_string("search/includes/results.html", results_context(params, result, near))
        context["degraded"] = result.degraded
        if key and not result.degraded:  # a fallback's results are not kept past the outage
            cache.set(key, str(html), RESULTS_SECONDS)
    # Rendered by our template with autoescaping; a plain str from the cache is marked safe again.
    context["results_html"] = mark_safe(html)  # noqa: S308
    return render(request, "search/search.html", context)


def results_context(params, result, near) -> dict:
    facets = []
    for name, values in result.facets.items():
        for value in values:
            value.url = url_with(params, **{name: None if value.selected else value.key})
        facets.append({"name": name, "title": FACET_TITLES[name], "values": values})
    active_filters = [
        {"name": name, "title": FACET_TITLES[name], "value": value, "remove_url": url_with(params, **{name: None})}
        for name, value in result.filters.items()
    ]
    sorts = [
        {"value": value, "label": label, "url": url_with(params, sort=value), "current": value == result.sort}
        for value, label in Sort.choices
        if value != Sort.DISTANCE or near
    ]
    return {
        "query": result.query,
        "result": result,
        "facets": facets,
        "active_filters": active_filters,
        "sorts": sorts,
        "near": near,
        "near_remove_url": url_with(params, lat=None, lon=None, radius=None, sort=None),
        "previous_url": url_with(params, page=str(result.page - 1)) if result.has_previous else None,
        "next_url": url_with(params, page=str(result.page + 1)) if result.has_next else None,
    }


@require_GET
@vary_on_headers("HX-Request")
def pages(request):
    """Live public pilots and pages matching the words: the search page's htmx fragment, or a page of its own."""
    query, truncated = normalise_query(request.GET.get("q", ""))
    found, from_fallback = search_pages(query)
    context = {
        "query": query,
        "truncated": truncated,
        "max_query_length": MAX_QUERY_LENGTH,
        "pages": found or [],
        "pages_failed": found is None,
        "pages_degraded": from_fallback and found is not None,
    }
    template = "search/includes/page_hits.html" if request.htmx else "search/pages.html"
    return render(request, template, context)


@require_GET
def similar(request):
    """A fragment for htmx: open proposals like the one being typed, to support instead of filing a duplicate."""
    title, _truncated = normalise_query(request.GET.get("title", ""))
    proposals = []
    if len(title) >= SIMILAR_MIN_TITLE_LENGTH:
        point = Point.parse(request.GET.get("latitude"), request.GET.get("longitude"))
        found = similar_proposals(title, request.GET.get("description", "")[:5000], point=point)
        # Only proposals a resident can still support are worth suggesting instead of a new one.
        proposals = [item for item in found if item.proposal.is_open_for_votes]
    return render(request, "search/includes/similar_proposals.html", {"similar": proposals, "title": title})
