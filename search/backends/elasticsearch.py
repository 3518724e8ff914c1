"""Proposal search on Elasticsearch 8 through elasticsearch-dsl.

The query builders are pure functions of a SearchRequest, so tests can compare the exact request bodies; the
backend only sends them and turns the response into the same SearchResult the database backend returns.
Proposals themselves are loaded from the database by id: the index answers "which, in what order", the
database stays the source of truth for what is shown.
"""

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch_dsl import Q, Search

from proposals.models import OPEN_STATUSES, Proposal

from ..analysis import analyse, cluster_query, topic_tokens
from ..documents import proposals_alias
from ..highlighting import HIGHLIGHT_END, HIGHLIGHT_START, escape, from_highlight, snippet
from ..models import IndexAction, IndexOutbox
from ..types import (
    FacetValue,
    Point,
    ProposalHit,
    SearchRequest,
    SearchResult,
    SimilarProposal,
    Sort,
    haversine_km,
    proposal_point,
)
from .base import SearchBackend, SearchUnavailable

# The main fields use Nori (or the CJK bigram chain), `.bigram` finds fragments inside words, `.unigram` single
# syllables (low boost: it matches loosely), `.en` English stems. See search/documents.py.
TEXT_FIELDS = [
    "title^3",
    "title.bigram^1.5",
    "title.unigram^0.3",
    "title.en^2",
    "description",
    "description.bigram^0.5",
    "description.unigram^0.1",
    "description.en",
    "place^0.5",
    "place.en^0.5",
]
# More pending deletes than this and the totals may include a few hidden proposals until the replay catches up.
MAX_EXCLUDED_IDS = 1000
QUERY_FLAGS = "AND|OR|NOT|PHRASE|PREFIX|PRECEDENCE|WHITESPACE"
FACET_SIZE = 20
SNIPPET_FRAGMENT = 200
SIMILAR_PIVOT = "1km"

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def _client(url: str, timeout: float) -> Elasticsearch:
    # No retries: a write that fails goes to the outbox at once instead of making the resident wait twice.
    return Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)


def get_client(timeout: float | None = None) -> Elasticsearch:
    """A client for ELASTICSEARCH_URL that gives up after ELASTICSEARCH_TIMEOUT seconds (or `timeout`)."""
    return _client(settings.ELASTICSEARCH_URL, float(timeout or settings.ELASTICSEARCH_TIMEOUT))


def get_read_client() -> Elasticsearch:
    """The client searches use: a short read timeout (ELASTICSEARCH_READ_TIMEOUT), so a hung cluster costs little."""
    return get_client(timeout=settings.ELASTICSEARCH_READ_TIMEOUT)


T = TypeVar("T")


class CircuitBreaker:
    """Stops calling a cluster that keeps failing, for every read in this worker (proposals and pages alike).

    Closed: calls go through and consecutive failures are counted. After ``failures`` of them in a row it
    opens: for ``reset_after`` seconds calls fail at once with SearchUnavailable, without touching the
    cluster, and callers answer from the database. Then one trial call is let through (half-open): success
    closes it, failure opens it again.
    """

    def __init__(self, *, failures: int, reset_after: float, clock: Callable[[], float] = time.monotonic):
        self.threshold = failures
        self.reset_after = reset_after
        self.clock = clock
        self.consecutive_failures = 0
        self.opened_at: float | None = None
        self._trial_running = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self.opened_at is not None and self.clock() - self.opened_at < self.reset_after

    def _admit(self) -> bool:
        with self._lock:
            if self.opened_at is None:
                return True
            if self.clock() - self.opened_at < self.reset_after or self._trial_running:
                return False
            self._trial_running = True
            return True

    def _record(self, ok: bool) -> None:
        with self._lock:
            self._trial_running = False
            if ok:
                self.consecutive_failures = 0
                self.opened_at = None
                return
            self.consecutive_failures += 1
            if self.opened_at is not None or self.consecutive_failures >= self.threshold:
                if self.opened_at is None:
                    logger.error("Search cluster failed %s times in a row: reads skip it for a while", self.threshold)
                self.opened_at = self.clock()

    def call(self, function: Callable[[], T], *, is_failure: Callable[[Exception], bool] = lambda exc: True) -> T:
        """Run ``function`` unless the breaker is open; count its cluster failures (``is_failure``)."""
        if not self._admit():
            raise SearchUnavailable("search cluster circuit open")
        try:
            result = function()
        except Exception as exc:
            self._record(ok=not is_failure(exc))
            raise
        self._record(ok=True)
        return result

    def reset(self) -> None:
        with self._lock:
            self.consecutive_failures = 0
            self.opened_at = None
            self._trial_running = False


_breakers: dict[tuple, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def read_breaker() -> CircuitBreaker:
    """The one breaker of this worker for reads from ELASTICSEARCH_URL, shared by proposal and page search."""
    key = (settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_BREAKER_FAILURES, settings.ELASTICSEARCH_BREAKER_RESET)
    with _breakers_lock:
        breaker = _breakers.get(key)
        if breaker is None:
            breaker = _breakers[key] = CircuitBreaker(failures=key[1], reset_after=key[2])
        return breaker


def is_cluster_failure(exc: Exception) -> bool:
    """Whether an error says the cluster is unwell (unreachable, timing out, 5xx, 429), not that a query was bad."""
    if isinstance(exc, SearchUnavailable):
        return exc.cluster_down
    if isinstance(exc, ApiError):
        return exc.status_code >= 500 or exc.status_code == 429
    return True


def point_dict(point: Point) -> dict:
    return {"lat": point.latitude, "lon": point.longitude}


def analysed_query(request: SearchRequest) -> str:
    """The words after Korean analysis (search.analysis.cluster_query), as the text sent to the cluster.

    "가로등이" is sent as "가로등": with the bigram chain the particle would add a required bigram ("등이") that
    "가로등을" lacks. Words without content ("에서") drop out; a query of nothing but such words is sent as typed.
    """
    return cluster_query(request.terms) or " ".join(request.terms)


def build_search(
    request: SearchRequest, *, using=None, index: str | None = None, exclude_ids: list[int] = ()
) -> Search:
    """The search request body for a normalised search: query, filters, facets, sort, highlight, page.

    `exclude_ids` are proposals hidden or withdrawn whose delete has not reached the cluster yet (the outbox):
    excluded in the query, so neither the total nor the facet counts include them.
    """
    search = Search(using=using, index=index or proposals_alias())
    if request.terms:
        # simple_query_string never fails on syntax, so Lucene specials typed by a resident are harmless.
        search = search.query(
            "simple_query_string",
            query=analysed_query(request),
            fields=TEXT_FIELDS,
            default_operator="and",
            flags=QUERY_FLAGS,
        )
    if exclude_ids:
        search = search.exclude("ids", values=[str(pk) for pk in exclude_ids])
    for name in ("status", "category", "area"):
        if request.filters.get(name):
            search = search.filter("term", **{name: request.filters[name]})
    if request.near:
        search = search.filter(
            "geo_distance", distance=f"{request.near.radius_km:g}km", location=point_dict(request.near.point)
        )
    for name in ("status", "category", "area"):
        search.aggs.bucket(name, "terms", field=name, size=FACET_SIZE)

    newest = {"created_at": {"order": "desc"}}
    if request.sort == Sort.RELEVANCE and request.terms:
        sort = ["_score", {"vote_count": {"order": "desc"}}, newest]
    elif request.sort == Sort.VOTES:
        sort = [{"vote_count": {"order": "desc"}}, newest]
    elif request.sort == Sort.DISTANCE and request.near:
        sort = [
            {
                "_geo_distance": {
                    "location": point_dict(request.near.point),
                    "order": "asc",
                    "unit": "km",
                    "distance_type": "arc",
                }
            },
            newest,
        ]
    else:
        sort = [newest]
    search = search.sort(*sort)

    if request.terms:
        search = search.highlight_options(pre_tags=[HIGHLIGHT_START], post_tags=[HIGHLIGHT_END])
        search = search.highlight("title", "title.bigram", "title.en", number_of_fragments=0)
        search = search.highlight(
            "description", "description.bigram", "description.en", fragment_size=SNIPPET_FRAGMENT, number_of_fragments=1
        )
    offset = (request.page - 1) * request.page_size
    return search.source(False).extra(track_total_hits=True)[offset : offset + request.page_size]


def build_similar(*, title: str, text: str, point: Point | None, limit: int, index: str | None = None) -> Search:
    """more_like_this over title and description among open proposals, nearer ones boosted when a point is given.

    The draft is an artificial document (`like: [{"doc": ...}]`): the cluster picks terms per field with that
    field's own analyzer, instead of analysing free `like` text with the first field's analyzer.
    """
    draft = {"title": title}
    if text.strip():
        draft["description"] = text
    query = Q(
        "more_like_this",
        fields=["title", "description"],
        like=[{"doc": draft}],
        min_term_freq=1,
        min_doc_freq=1,
        max_query_terms=25,
        minimum_should_match="30%",
    )
    if point is not None:
        query = Q(
            "bool",
            must=[query],
            should=[Q("distance_feature", field="location", origin=point_dict(point), pivot=SIMILAR_PIVOT)],
        )
    search = Search(index=index or proposals_alias()).query(query).filter("terms", status=list(OPEN_STATUSES))
    return search.source(False)[:limit]


def shares_a_topic(proposal: Proposal, draft: set[str]) -> bool:
    """The relevance floor of the database backend, applied to the cluster's answers: more_like_this also
    matches on a shared place name alone, which is not the same problem (issue 9: streetlight vs wall cracks)."""
    text = getattr(proposal, "search_text", None)
    if text is None:
        return True  # not analysed yet (bulk load): keep the cluster's judgement
    return bool(draft & topic_tokens(f"{text.title_terms} {text.body_terms}".split()))


def pending_deletes() -> list[int]:
    """Proposals whose removal from the index is still queued in the outbox (the cluster was down)."""
    queued = IndexOutbox.objects.filter(action=IndexAction.DELETE).order_by("proposal_id")
    return list(queued.values_list("proposal_id", flat=True)[:MAX_EXCLUDED_IDS])


def _first_highlight(highlight, *fields) -> str | None:
    for name in fields:
        fragments = highlight.get(name) if highlight else None
        if fragments:
            return fragments[0]
    return None


class ElasticsearchBackend(SearchBackend):
    """Proposal search on the configured cluster; any cluster failure becomes SearchUnavailable."""

    name = "elasticsearch"
    indexes = True

    def __init__(self, client: Elasticsearch | None = None, breaker: CircuitBreaker | None = None):
        self.client = client or get_read_client()
        self.breaker = breaker or read_breaker()

    def _execute(self, search: Search):
        return self.breaker.call(lambda: self._send(search), is_failure=is_cluster_failure)

    def _send(self, search: Search):
        try:
            return search.using(self.client).execute()
        except TransportError as exc:
            raise SearchUnavailable(str(exc)) from exc
        except ApiError as exc:
            raise SearchUnavailable(str(exc), cluster_down=exc.status_code >= 500 or exc.status_code == 429) from exc

    def search(self, request: SearchRequest) -> SearchResult:
        response = self._execute(build_search(request, exclude_ids=pending_deletes()))
        ids = [int(hit.meta.id) for hit in response.hits]
        proposals = (
            Proposal.objects.public().select_related("category", "area", "area__parent").in_bulk(ids) if ids else {}
        )
        hits = []
        for hit in response.hits:
            proposal = proposals.get(int(hit.meta.id))
            if proposal is None:
                # Hidden or withdrawn since it was indexed, and the delete has not reached the cluster yet.
                continue
            highlight = hit.meta.to_dict().get("highlight") or {}
            title = _first_highlight(highlight, "title", "title.bigram", "title.en")
            description = _first_highlight(highlight, "description", "description.bigram", "description.en")
            distance = None
            if request.near and (there := proposal_point(proposal)):
                distance = haversine_km(request.near.point, there)
            hits.append(
                ProposalHit(
                    proposal=proposal,
                    title_html=from_highlight(title) if title else escape(proposal.title),
                    snippet_html=from_highlight(description) if description else snippet(proposal.description, []),
                    distance_km=distance,
                )
            )
        total = response.hits.total.value
        facets = {}
        aggregations = response.to_dict().get("aggregations", {})
        for name in ("status", "category", "area"):
            buckets = aggregations.get(name, {}).get("buckets", [])
            facets[name] = [FacetValue(key=str(b["key"]), label="", count=b["doc_count"]) for b in buckets]
        return SearchResult(
            query=request.query,
            hits=hits,
            total=total,
            page=request.page,
            page_size=request.page_size,
            sort=request.sort,
            facets=facets if total else {},
            filters=request.filters,
            near=request.near,
        )

    def similar(self, *, title: str, text: str, point: Point | None, limit: int) -> list[SimilarProposal]:
        response = self._execute(build_similar(title=title, text=text, point=point, limit=limit))
        ids = [int(hit.meta.id) for hit in response.hits]
        related = ("category", "area", "area__parent", "search_text")
        proposals = Proposal.objects.open().select_related(*related).in_bulk(ids) if ids else {}
        draft = topic_tokens(analyse(title))
        similar = []
        for hit in response.hits:
            proposal = proposals.get(int(hit.meta.id))
            if proposal is None or not shares_a_topic(proposal, draft):
                continue
            there = proposal_point(proposal)
            distance = haversine_km(point, there) if point is not None and there is not None else None
            similar.append(SimilarProposal(proposal=proposal, score=float(hit.meta.score or 0), distance_km=distance))
        return similar
