"""Search on the database: PostgreSQL full text search plus pg_trgm, or plain substring matching on SQLite.

Korean has no spaces between a word and its particles ("가로등이"), so whole-word full text search alone would
miss "가로등". On PostgreSQL every word must begin a word of the proposal (full text search, simple
configuration, prefix query on an exact GIN index); when that finds nothing, every word must appear inside
a word (ILIKE, pg_trgm GIN indexes) or be close to a title word (pg_trgm `%>`, forgives a typo). On SQLite
every word must appear as a substring. See text_condition() and docs/benchmarks.md for why in that order.
"""

import itertools
import math
import re
from datetime import timedelta

from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, DateTimeField, ExpressionWrapper, F, FloatField, IntegerField, Q, Value, When
from django.db.models.functions import ASin, Cast, Cos, Least, Power, Radians, Sin, Sqrt
from django.db.models.lookups import IContains

from proposals.models import Area, Category, Proposal

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

FACET_SIZE = 20
# The plain list (no words, filters or point) is the most visited search and the most expensive to count:
# every public proposal. Its total and facets are cached briefly and dropped whenever a proposal changes.
BROWSE_COUNTS_KEY = "search:browse-counts"
BROWSE_COUNTS_SECONDS = 60
SIMILAR_CANDIDATES = 200
SIMILAR_MIN_SCORE = 0.12
SIMILAR_NEARBY_KM = 2.0
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


class ContainsIgnoringCase(IContains):
    """`icontains` that PostgreSQL's pg_trgm GIN indexes can serve.

    Django writes icontains as UPPER(col::text) LIKE UPPER(...), which no index on the column matches; ILIKE on
    the bare column uses the gin_trgm_ops indexes from migration 0002. Only used on PostgreSQL.
    """

    # A name Django's PostgreSQL backend has no cast for, so the column stays bare for the index.
    lookup_name = "search_ilike_contains"

    def as_postgresql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        # Hangul and digits have no case: LIKE gives the same answer as ILIKE at a third of the cost when a
        # fragment is too short for a trigram and PostgreSQL has to read every row.
        operator = "LIKE" if self.rhs.lower() == self.rhs.upper() else "ILIKE"
        return f"{lhs_sql} {operator} {rhs_sql}", (*lhs_params, *rhs_params)


def contains(field: str, term: str) -> Q:
    if is_postgresql():
        return Q(ContainsIgnoringCase(F(field), term))
    return Q(**{f"{field}__icontains": term})


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


def prefix_query(terms: list[str]) -> SearchQuery:
    """Every word as a prefix ("가로등:*" also matches "가로등이", "light:*" matches "lights").

    Terms come from query_terms(), which keeps only word characters, so they cannot carry tsquery syntax.
    """
    return SearchQuery(" & ".join(f"{term}:*" for term in terms), search_type="raw", config="simple")


def text_condition(request: SearchRequest, *, loose: bool = False) -> Q:
    """Every word must match.

    SQLite: as a substring of the title or the description.
    PostgreSQL, strict (first): every word is a prefix of a word in the title or description ("가로등" finds
    "가로등이"), by full text search with the simple configuration; its GIN index is exact, so PostgreSQL
    never re-reads the text. Loose (only when strict found nothing): every word is a substring of the title
    or description (ILIKE, "로등" finds "가로등"), or close to a title word (pg_trgm `%>`, forgives a typo);
    both are served by the trigram GIN indexes but need a recheck of each candidate row, which is why they
    are the fallback and not the rule (see docs/benchmarks.md).
    """
    if not is_postgresql():
        words = Q()
        for term in request.terms:
            words &= Q(title__icontains=term) | Q(description__icontains=term)
        return words
    if not loose:
        return Q(SearchVectorExact(SearchVector("title", "description", config="simple"), prefix_query(request.terms)))
    words = Q()
    for term in request.terms:
        word = contains("title", term) | contains("description", term)
        if len(term) >= 3:
            word |= Q(title__trigram_word_similar=term)
        words &= word
    return words


def relevance_expression(request: SearchRequest):
    """Words found in the title count double; votes break ties (in the ordering)."""
    score = Value(0.0)
    for term in request.terms:
        if is_postgresql():
            score = score + Case(When(contains("title", term), then=Value(2.0)), default=Value(0.0))
        else:
            score = score + Case(When(title__icontains=term, then=Value(2.0)), default=Value(0.0))
            score = score + Case(When(description__icontains=term, then=Value(1.0)), default=Value(0.0))
    return ExpressionWrapper(score, output_field=FloatField())


def forget_browse_counts() -> None:
    """Called for every proposal change, so the cached counts of the plain list are never stale for long."""
    cache.delete(BROWSE_COUNTS_KEY)


def sort_keys(*, filtered: bool):
    """(votes, created) to order by.

    With a text filter on PostgreSQL they are wrapped in a no-op arithmetic so the planner cannot walk the
    vote or date index and evaluate the text match row by row until it has a page: for a rare word that
    walk reads the whole table. It sorts the (index-found) matches instead.
    """
    if filtered and is_postgresql():
        return (
            ExpressionWrapper(F("vote_count") + 0, output_field=IntegerField()),
            ExpressionWrapper(F("created_at") + Value(timedelta(0)), output_field=DateTimeField()),
        )
    return F("vote_count"), F("created_at")


class DatabaseBackend:
    """Proposal search with the database alone: always available, no index to keep in step."""

    name = "database"
    indexes = False

    def base_queryset(self, request: SearchRequest, *, loose: bool = False):
        queryset = Proposal.objects.public()
        if request.filters.get("status"):
            queryset = queryset.filter(status=request.filters["status"])
        if request.filters.get("category"):
            queryset = queryset.filter(category__slug=request.filters["category"])
        if request.filters.get("area"):
            queryset = queryset.filter(area__slug=request.filters["area"])
        if request.terms:
            queryset = queryset.filter(text_condition(request, loose=loose))
        if request.near:
            queryset = queryset.filter(bounding_box(request.near.point, request.near.radius_km))
            queryset = queryset.annotate(distance_km=distance_expression(request.near.point)).filter(
                distance_km__lte=request.near.radius_km
            )
        return queryset

    def counts(self, queryset) -> tuple[int, dict[str, list[FacetValue]]]:
        """The total and the three facets from one grouped query over the matches.

        Grouping by the foreign keys (no joins) halves the time on 100k rows; the two small lookup tables are
        then read by primary key.
        """
        rows = list(queryset.order_by().values_list("status", "category_id", "area_id").annotate(n=Count("id")))
        category_ids = {category for _, category, _, _ in rows}
        area_ids = {area for _, _, area, _ in rows}
        categories = dict(Category.objects.filter(pk__in=category_ids).values_list("pk", "slug")) if rows else {}
        areas = dict(Area.objects.filter(pk__in=area_ids).values_list("pk", "slug")) if rows else {}
        tallies: dict[str, dict[str, int]] = {"status": {}, "category": {}, "area": {}}
        total = 0
        for status, category, area, count in rows:
            total += count
            for name, key in (("status", status), ("category", categories[category]), ("area", areas[area])):
                tallies[name][key] = tallies[name].get(key, 0) + count
        facets = {
            name: [
                FacetValue(key=key, label="", count=count)
                for key, count in sorted(values.items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE]
            ]
            for name, values in tallies.items()
        }
        return total, facets

    def search(self, request: SearchRequest) -> SearchResult:
        queryset = self.base_queryset(request)
        browsing = not (request.terms or request.filters or request.near)
        cached = cache.get(BROWSE_COUNTS_KEY) if browsing else None
        if cached:
            total = cached[0]
            facets = {name: [FacetValue(key=k, label="", count=n) for k, n in values] for name, values in cached[1]}
        else:
            total, facets = self.counts(queryset)
            if browsing:
                facet_items = [(name, [(v.key, v.count) for v in values]) for name, values in facets.items()]
                cache.set(BROWSE_COUNTS_KEY, (total, facet_items), BROWSE_COUNTS_SECONDS)
        if not total and request.terms and is_postgresql():
            # Nothing starts with these words: look for them inside words, and for near misses.
            queryset = self.base_queryset(request, loose=True)
            total, facets = self.counts(queryset)
        page = min(request.page, max(1, math.ceil(total / request.page_size)))
        votes, created = sort_keys(filtered=bool(request.terms))
        if request.sort == Sort.RELEVANCE and request.terms:
            queryset = queryset.annotate(relevance=relevance_expression(request))
            ordering = ["-relevance", votes.desc(), "-id"]
        elif request.sort == Sort.VOTES:
            ordering = [votes.desc(), created.desc(), "-id"]
        elif request.sort == Sort.DISTANCE and request.near:
            ordering = ["distance_km", "-id"]
        else:
            ordering = [created.desc(), "-id"]
        offset = (page - 1) * request.page_size
        # Order the narrow rows first, then load the page's twenty with their category and area: joining
        # before sorting would carry every match's joined columns through the sort.
        ids = list(queryset.order_by(*ordering).values_list("pk", flat=True)[offset : offset + request.page_size])
        loaded = Proposal.objects.select_related("category", "area", "area__parent").in_bulk(ids) if ids else {}
        proposals = [loaded[pk] for pk in ids if pk in loaded]
        hits = [
            ProposalHit(
                proposal=proposal,
                title_html=mark_terms(proposal.title, request.terms),
                snippet_html=snippet(proposal.description, request.terms),
                distance_km=haversine_km(request.near.point, proposal_point(proposal)) if request.near else None,
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
            facets=facets if total else {},
            filters=request.filters,
            near=request.near,
        )

    def similar(self, *, title: str, text: str, point: Point | None, limit: int) -> list[SimilarProposal]:
        """Open proposals sharing words with the draft, scored by character bigram overlap and nearness.

        Korean words carry particles ("가로등이"), so candidates are found by each word's first two characters
        and then scored in Python on character bigrams, which is what Elasticsearch's cjk_bigram does too.
        """
        candidates = self.similar_candidates(title)
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

    def similar_candidates(self, title: str) -> list[Proposal]:
        """At most 200 open proposals worth scoring, most supported first.

        Each word of the draft becomes a stem (a Korean word's first two syllables, so "가로등이" gives "가로";
        a Latin word whole). SQLite: titles containing any stem. PostgreSQL: proposals with words starting
        with at least two of the stems (or the only one), by full text search on the exact GIN index; a
        single common stem would otherwise make PostgreSQL recheck thousands of rows.
        """
        stems = similar_stems(title)
        if not stems:
            return []
        open_proposals = Proposal.objects.open().select_related("category", "area", "area__parent")
        if is_postgresql():
            if len(stems) == 1:
                expression = f"{stems[0]}:*"
            else:
                expression = " | ".join(f"({a}:* & {b}:*)" for a, b in itertools.combinations(stems[:5], 2))
            query = SearchQuery(expression, search_type="raw", config="simple")
            condition = Q(SearchVectorExact(SearchVector("title", "description", config="simple"), query))
        else:
            condition = Q()
            for stem in stems:
                condition |= Q(title__icontains=stem)
        votes, _created = sort_keys(filtered=True)
        return list(open_proposals.filter(condition).order_by(votes.desc(), "-id")[:SIMILAR_CANDIDATES])


# Words too common to say two English titles are about the same problem.
ENGLISH_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "near",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "the",
        "this",
        "to",
        "was",
        "with",
    ]
)


def similar_stems(title: str) -> list[str]:
    """Distinct stems of the draft's words, in order: Korean words cut to two syllables, stop words dropped."""
    stems: list[str] = []
    for word in query_terms(title):
        stem = word[:2] if _HANGUL.search(word) else word.lower()
        if len(stem) < 2 or stem in ENGLISH_STOP_WORDS or stem.lower() in (s.lower() for s in stems):
            continue
        stems.append(stem)
    return stems


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
