"""Search on the database: PostgreSQL full text search plus pg_trgm, or plain substring matching on SQLite.

Korean has no spaces between a word and its particles ("가로등이"), so whole-word full text search alone would
miss "가로등". On PostgreSQL a proposal matches when the simple-configuration text search matches the query, or
when every word is found as a substring (ILIKE, served by the pg_trgm GIN indexes) or as a close word
(`%>`, pg_trgm word similarity, which forgives a typo). On SQLite every word must appear as a substring.
"""

import math
import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.db import connection
from django.db.models import Case, Count, ExpressionWrapper, FloatField, Q, Value, When
from django.db.models.functions import ASin, Cast, Cos, Least, Power, Radians, Sin, Sqrt

from proposals.models import Proposal

from ..interface import (
    EARTH_RADIUS_KM,
    FacetValue,
    Point,
    ProposalHit,
    SearchRequest,
    SearchResult,
    SimilarProposal,
    Sort,
    haversine_km,
    proposal_point,
    query_terms,
)
from ..snippets import mark_terms, snippet

SIMILAR_CANDIDATES = 200
SIMILAR_MIN_SCORE = 0.12
SIMILAR_NEARBY_KM = 2.0
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def distance_expression(point: Point):
    """Great-circle distance in km from `point` to a proposal's point, as a database expression (haversine)."""
    lat1 = math.radians(point.latitude)
    lat2 = Radians(Cast("latitude", FloatField()))
    lon2 = Radians(Cast("longitude", FloatField()))
    half_lat = Sin((lat2 - Value(lat1)) / Value(2.0))
    half_lon = Sin((lon2 - Value(math.radians(point.longitude))) / Value(2.0))
    h = Power(half_lat, 2) + Value(math.cos(lat1)) * Cos(lat2) * Power(half_lon, 2)
    return ExpressionWrapper(Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(Least(h, Value(1.0)))), output_field=FloatField())


def bounding_box(point: Point, radius_km: float) -> Q:
    """A cheap rectangle around the circle, so the exact distance is computed for few rows."""
    lat_delta = radius_km / 111.32
    lon_delta = radius_km / (111.32 * max(0.01, math.cos(math.radians(point.latitude))))
    return Q(
        latitude__gte=round(point.latitude - lat_delta, 6),
        latitude__lte=round(point.latitude + lat_delta, 6),
        longitude__gte=round(point.longitude - lon_delta, 6),
        longitude__lte=round(point.longitude + lon_delta, 6),
    )


def text_condition(request: SearchRequest) -> Q:
    words = Q()
    for term in request.terms:
        word = Q(title__icontains=term) | Q(description__icontains=term)
        if is_postgresql() and len(term) >= 3:
            word |= Q(title__trigram_word_similar=term)
        words &= word
    if is_postgresql():
        return Q(search_vector=SearchQuery(" ".join(request.terms), config="simple")) | words
    return words


def relevance_expression(request: SearchRequest):
    if is_postgresql():
        vector = SearchVector("title", "description", config="simple")
        return SearchRank(vector, SearchQuery(" ".join(request.terms), config="simple")) + TrigramWordSimilarity(
            request.query, "title"
        )
    score = Value(0.0)
    for term in request.terms:
        score = score + Case(When(title__icontains=term, then=Value(2.0)), default=Value(0.0))
        score = score + Case(When(description__icontains=term, then=Value(1.0)), default=Value(0.0))
    return ExpressionWrapper(score, output_field=FloatField())


class DatabaseBackend:
    """Proposal search with the database alone: always available, no index to keep in step."""

    name = "database"
    indexes = False

    def base_queryset(self, request: SearchRequest):
        queryset = Proposal.objects.public()
        if request.filters.get("status"):
            queryset = queryset.filter(status=request.filters["status"])
        if request.filters.get("category"):
            queryset = queryset.filter(category__slug=request.filters["category"])
        if request.filters.get("area"):
            queryset = queryset.filter(area__slug=request.filters["area"])
        if request.terms:
            if is_postgresql():
                queryset = queryset.annotate(search_vector=SearchVector("title", "description", config="simple"))
            queryset = queryset.filter(text_condition(request))
        if request.near:
            queryset = queryset.filter(bounding_box(request.near.point, request.near.radius_km))
            queryset = queryset.annotate(distance_km=distance_expression(request.near.point)).filter(
                distance_km__lte=request.near.radius_km
            )
        return queryset

    def facets(self, queryset) -> dict[str, list[FacetValue]]:
        facets = {}
        for name, key, label in (
            ("status", "status", None),
            ("category", "category__slug", "category__name"),
            ("area", "area__slug", None),
        ):
            fields = [key, label] if label else [key]
            rows = queryset.values(*fields).annotate(n=Count("id")).order_by("-n", key)[:20]
            facets[name] = [FacetValue(key=row[key], label=row[label] if label else "", count=row["n"]) for row in rows]
        return facets

    def search(self, request: SearchRequest) -> SearchResult:
        queryset = self.base_queryset(request)
        # Facets and the count come from the filtered set without ordering or the rank expression.
        facet_queryset = queryset
        total = queryset.count()
        page = min(request.page, max(1, math.ceil(total / request.page_size)))
        if request.sort == Sort.RELEVANCE and request.terms:
            queryset = queryset.annotate(relevance=relevance_expression(request))
            ordering = ["-relevance", "-vote_count", "-id"]
        elif request.sort == Sort.VOTES:
            ordering = ["-vote_count", "-created_at", "-id"]
        elif request.sort == Sort.DISTANCE and request.near:
            ordering = ["distance_km", "-id"]
        else:
            ordering = ["-created_at", "-id"]
        offset = (page - 1) * request.page_size
        proposals = list(
            queryset.select_related("category", "area", "area__parent").order_by(*ordering)[
                offset : offset + request.page_size
            ]
        )
        hits = [
            ProposalHit(
                proposal=proposal,
                title_html=mark_terms(proposal.title, request.terms),
                snippet_html=snippet(proposal.description, request.terms),
                distance_km=getattr(proposal, "distance_km", None),
            )
            for proposal in proposals
        ]
        return SearchResult(
            query=request.query,
            hits=hits,
            total=total,
            page=page,
            page_size=request.page_size,
            sort=request.sort,
            facets=self.facets(facet_queryset) if total else {},
            filters=request.filters,
            near=request.near,
        )

    def similar(self, *, title: str, text: str, point: Point | None, limit: int) -> list[SimilarProposal]:
        """Open proposals sharing words with the draft, scored by character bigram overlap and nearness.

        Korean words carry particles ("가로등이"), so candidates are found by each word's first two characters
        and then scored in Python on character bigrams, which is what Elasticsearch's cjk_bigram does too.
        """
        stems = []
        for word in query_terms(title):
            stem = word[:2] if _HANGUL.search(word) else word
            if len(stem) >= 2 and stem.lower() not in (s.lower() for s in stems):
                stems.append(stem)
        if not stems:
            return []
        condition = Q()
        for stem in stems:
            condition |= Q(title__icontains=stem)
        if is_postgresql():
            condition |= Q(title__trigram_similar=title)
        candidates = list(
            Proposal.objects.open()
            .filter(condition)
            .select_related("category", "area", "area__parent")
            .order_by("-vote_count", "-id")[:SIMILAR_CANDIDATES]
        )
        draft = bigrams(title) | bigrams(text[:300])
        draft_title = bigrams(title)
        scored = []
        for proposal in candidates:
            score = 0.7 * dice(draft_title, bigrams(proposal.title)) + 0.3 * dice(
                draft, bigrams(proposal.title + " " + proposal.description[:300])
            )
            distance = None
            there = proposal_point(proposal)
            if point is not None and there is not None:
                distance = haversine_km(point, there)
                score += 0.2 * max(0.0, 1 - distance / SIMILAR_NEARBY_KM)
            if score >= SIMILAR_MIN_SCORE:
                scored.append(SimilarProposal(proposal=proposal, score=round(score, 4), distance_km=distance))
        scored.sort(key=lambda item: (-item.score, -item.proposal.vote_count, -item.proposal.pk))
        return scored[:limit]


def bigrams(text: str) -> set[str]:
    """Lower-cased character bigrams inside each word (a one-character word counts as itself)."""
    grams = set()
    for word in re.findall(r"\w+", text.lower()):
        if len(word) == 1:
            grams.add(word)
        grams.update(word[i : i + 2] for i in range(len(word) - 1))
    return grams


def dice(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


__all__ = ["DatabaseBackend"]
