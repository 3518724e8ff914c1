"""Proposal search on Elasticsearch 8 through elasticsearch-dsl.

The query builders are pure functions of a SearchRequest, so tests can compare the exact request bodies; the
backend only sends them and turns the response into the same SearchResult the database backend returns.
Proposals themselves are loaded from the database by id: the index answers "which, in what order", the
database stays the source of truth for what is shown.
"""

import functools

from django.conf import settings
from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch_dsl import Q, Search

from proposals.models import OPEN_STATUSES, Proposal

from ..documents import proposals_alias
from ..interface import (
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
from ..snippets import HIGHLIGHT_END, HIGHLIGHT_START, escape, from_highlight, snippet
from .base import SearchUnavailable

TEXT_FIELDS = ["title^3", "title.en^2", "description", "description.en"]
QUERY_FLAGS = "AND|OR|NOT|PHRASE|PREFIX|PRECEDENCE|WHITESPACE"
FACET_SIZE = 20
SNIPPET_FRAGMENT = 200
SIMILAR_PIVOT = "1km"


@functools.lru_cache(maxsize=8)
def _client(url: str, timeout: float) -> Elasticsearch:
    # No retries: a write that fails goes to the outbox at once instead of making the resident wait twice.
    return Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)


def get_client(timeout: float | None = None) -> Elasticsearch:
    """A client for ELASTICSEARCH_URL that gives up after ELASTICSEARCH_TIMEOUT seconds (or `timeout`)."""
    return _client(settings.ELASTICSEARCH_URL, float(timeout or settings.ELASTICSEARCH_TIMEOUT))


def point_dict(point: Point) -> dict:
    return {"lat": point.latitude, "lon": point.longitude}


def build_search(request: SearchRequest, *, using=None, index: str | None = None) -> Search:
    """The search request body for a normalised search: query, filters, facets, sort, highlight, page."""
    search = Search(using=using, index=index or proposals_alias())
    if request.terms:
        # simple_query_string never fails on syntax, so Lucene specials typed by a resident are harmless.
        search = search.query(
            "simple_query_string",
            query=request.query,
            fields=TEXT_FIELDS,
            default_operator="and",
            flags=QUERY_FLAGS,
        )
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
        search = search.highlight("title", "title.en", number_of_fragments=0)
        search = search.highlight(
            "description", "description.en", fragment_size=SNIPPET_FRAGMENT, number_of_fragments=1
        )
    offset = (request.page - 1) * request.page_size
    return search.source(False).extra(track_total_hits=True)[offset : offset + request.page_size]


def build_similar(*, title: str, text: str, point: Point | None, limit: int, index: str | None = None) -> Search:
    """more_like_this over title and description among open proposals, nearer ones boosted when a point is given."""
    like = f"{title}\n{text}".strip()
    query = Q(
        "more_like_this",
        fields=["title", "description"],
        like=like,
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


def _first_highlight(highlight, *fields) -> str | None:
    for name in fields:
        fragments = highlight.get(name) if highlight else None
        if fragments:
            return fragments[0]
    return None


class ElasticsearchBackend:
    """Proposal search on the configured cluster; any cluster failure becomes SearchUnavailable."""

    name = "elasticsearch"
    indexes = True

    def __init__(self, client: Elasticsearch | None = None):
        self.client = client or get_client()

    def _execute(self, search: Search):
        try:
            return search.using(self.client).execute()
        except TransportError as exc:
            raise SearchUnavailable(str(exc)) from exc
        except ApiError as exc:
            raise SearchUnavailable(str(exc), cluster_down=exc.status_code >= 500 or exc.status_code == 429) from exc

    def search(self, request: SearchRequest) -> SearchResult:
        response = self._execute(build_search(request))
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
            title = _first_highlight(highlight, "title", "title.en")
            description = _first_highlight(highlight, "description", "description.en")
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
        proposals = (
            Proposal.objects.open().select_related("category", "area", "area__parent").in_bulk(ids) if ids else {}
        )
        similar = []
        for hit in response.hits:
            proposal = proposals.get(int(hit.meta.id))
            if proposal is None:
                continue
            there = proposal_point(proposal)
            distance = haversine_km(point, there) if point is not None and there is not None else None
            similar.append(SimilarProposal(proposal=proposal, score=float(hit.meta.score or 0), distance_km=distance))
        return similar
