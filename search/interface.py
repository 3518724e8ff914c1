"""The one search interface the rest of the platform calls; the configured backend does the work.

`search_proposals` serves the search page, `similar_proposals` the "is this already reported?" hint on the
submission form. Both return public proposals only (never hidden or withdrawn ones).
"""

import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import models
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from proposals.models import Area, Category, Proposal, ProposalStatus

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
PAGE_SIZE = 20
# Elasticsearch refuses from + size beyond 10,000 (index.max_result_window); nobody pages that far anyway.
MAX_PAGE = 10_000 // PAGE_SIZE
SIMILAR_LIMIT = 5
SIMILAR_MIN_TITLE_LENGTH = 3
DEFAULT_RADIUS_KM = 1.0
MAX_RADIUS_KM = 20.0
EARTH_RADIUS_KM = 6371.0088
FACETS = ("status", "category", "area")
# After the cluster fails a read, searches go straight to the database for a while instead of each waiting for
# the timeout again. Writes still try every time: they are what the outbox exists for.
CLUSTER_DOWN_KEY = "search:cluster-unavailable"
CLUSTER_DOWN_SECONDS = 30


class Sort(models.TextChoices):
    RELEVANCE = "relevance", _("Best match")
    VOTES = "votes", _("Most supported")
    NEWEST = "newest", _("Newest")
    DISTANCE = "distance", _("Nearest")


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float

    @classmethod
    def parse(cls, latitude, longitude) -> "Point | None":
        """A point from two strings (form or query values), or None when either is missing or out of range."""
        try:
            lat, lon = float(latitude), float(longitude)
        except (TypeError, ValueError):
            return None
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        return cls(lat, lon)


@dataclass(frozen=True)
class Near:
    """Proposals within `radius_km` of a point ("near me")."""

    point: Point
    radius_km: float = DEFAULT_RADIUS_KM


@dataclass
class ProposalHit:
    proposal: Proposal
    title_html: SafeString
    snippet_html: SafeString
    distance_km: float | None = None


@dataclass
class FacetValue:
    key: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResult:
    query: str
    hits: list[ProposalHit]
    total: int
    page: int
    page_size: int
    sort: str
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)
    near: Near | None = None
    # True when the configured cluster failed and the database answered instead.
    degraded: bool = False

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def end_index(self) -> int:
        return min(self.total, self.page * self.page_size)


@dataclass
class SimilarProposal:
    proposal: Proposal
    score: float
    distance_km: float | None = None


@dataclass(frozen=True)
class SearchRequest:
    """A search after normalisation: what a backend receives."""

    query: str
    terms: list[str]
    filters: dict[str, str]
    sort: str
    page: int
    page_size: int
    near: Near | None


_CONTROL = re.compile(r"[\x00-\x1f\x7f\ue000\ue001]")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_query(raw: str | None) -> tuple[str, bool]:
    """(query, truncated): NFKC-normalised, control characters removed, spaces collapsed, at most 200 chars."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = " ".join(_CONTROL.sub(" ", text).split())
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH].rstrip(), True
    return text, False


def query_terms(query: str) -> list[str]:
    """The words of a query, without operators or punctuation, at most eight, each once, in order."""
    terms: list[str] = []
    for word in _WORD.findall(query.replace("_", " ")):
        if word.lower() not in (term.lower() for term in terms):
            terms.append(word)
    return terms[:MAX_TERMS]


def clean_filters(filters: dict | None) -> dict[str, str]:
    """Only known facets with a plausible value; unknown keys and junk are dropped, not errors."""
    cleaned = {}
    for key in FACETS:
        value = (filters or {}).get(key)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if not value or not isinstance(value, str) or len(value) > 80:
            continue
        if key == "status" and value not in ProposalStatus.values:
            continue
        if key == "status" and value == ProposalStatus.WITHDRAWN:
            continue
        cleaned[key] = value
    return cleaned


def resolve_sort(sort: str | None, *, query: str, near: Near | None) -> str:
    if sort == Sort.DISTANCE and near is None:
        sort = None
    if sort in Sort.values:
        return sort
    if near is not None:
        return Sort.DISTANCE
    return Sort.RELEVANCE if query else Sort.NEWEST


def haversine_km(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def proposal_point(proposal: Proposal) -> Point | None:
    if proposal.latitude is None or proposal.longitude is None:
        return None
    return Point(float(proposal.latitude), float(proposal.longitude))


def search_proposals(
    query: str | None,
    filters: dict | None = None,
    sort: str | None = None,
    page: int | str | None = 1,
    near: Near | None = None,
) -> SearchResult:
    """Public proposals matching `query` (words; any operators are taken as text) with facets and highlights."""
    from .backends import DatabaseBackend, SearchUnavailable, get_backend

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
    from .backends import DatabaseBackend, SearchUnavailable, get_backend

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
    from proposals.forms import localized_name

    labels = {
        "status": {value: str(label) for value, label in ProposalStatus.choices},
        "category": {c.slug: localized_name(c) for c in Category.objects.filter(slug__in=categories)}
        if categories
        else {},
        "area": {a.slug: localized_name(a) for a in Area.objects.filter(slug__in=areas).select_related("parent")}
        if areas
        else {},
    }
    for name, values in result.facets.items():
        for value in values:
            value.label = value.label or labels[name].get(value.key, value.key)
            value.selected = result.filters.get(name) == value.key
