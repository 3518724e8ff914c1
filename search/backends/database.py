"""Search on the database: PostgreSQL full text search plus pg_trgm, or plain substring matching on SQLite.

Korean has no spaces between a word and its particles ("가로등이"), so words are matched after Korean
analysis (search.analysis: nouns, stems, Latin and digit tokens), stored per proposal in ProposalSearchText.
On PostgreSQL the tokens are matched by full text search ('simple' configuration, exact GIN index), on SQLite
on the stored space-delimited tokens. When that finds nothing, every word must appear inside a word (ILIKE,
pg_trgm GIN indexes) or be close to a title word (pg_trgm `%>`, forgives a typo). See text_condition() and
docs/benchmarks.md for why in that order.

A search reads its matches once (DatabaseBackend.matches: one query for the total, the facets and the order) and
keeps what it found for a minute per request without its page, until an event changes which proposals it holds
(see results_key). Repeated searches and further pages then cost the page's twenty rows, whatever the number of
matches.
"""

import dataclasses
import difflib
import hashlib
import heapq
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ASin, Cast, Coalesce, Cos, Least, Power, Radians, Sin, Sqrt
from django.db.models.lookups import IContains, Lookup

from livinglab.fragments import next_generation
from proposals.listing import generation
from proposals.models import Area, Category, Proposal

from ..analysis import analyse, boost_tokens, joined_tokens, query_token_groups, topic_tokens
from ..highlighting import mark_terms, snippet
from ..models import ProposalSearchText
from ..types import (
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
)
from .base import SearchBackend

FACET_SIZE = 20
# What a search found (total, facets, the first pages' ids in its order) is cached per request without its page
# (see DatabaseBackend.search), under the proposal list's generation (proposals.listing: created, edited, status
# changed, hidden, unhidden, removed) and search's own, which a change of any proposal's analysed text moves on.
RESULTS_GENERATION_KEY = "search:results-generation"
RESULTS_SECONDS = 60
CACHED_IDS = 1000  # fifty pages (a few kB); deeper ones are ordered by the database on each request
# On SQLite a search with words reads its matches once, in one query (DatabaseBackend.matches); above this many the
# total and facets are counted and the page ordered by the database instead, so a word in every proposal never comes
# to Python. (PostgreSQL counts and orders them in the database whatever their number.)
ONE_PASS_LIMIT = 20_000
VOCABULARY_KEY = "search:title-vocabulary"
VOCABULARY_SECONDS = 600
# difflib's ratio: "가로둥" against "가로등" is 0.67; unrelated words of three syllables share at most one.
TYPO_CUTOFF = 0.6
# Latin words are longer and share letters by chance ("lcd" and "led" are 0.67): only near-identical ones.
LATIN_TYPO_CUTOFF = 0.8
SIMILAR_CANDIDATES = 200
# The relevance floor, calibrated on the judged duplicates (search/relevance/duplicates.json, docs/benchmarks.md).
SIMILAR_MIN_SCORE = 0.15
SIMILAR_QUERY_TOKENS = 6
SIMILAR_TEXT_CHARS = 600
SIMILAR_NEARBY_KM = 2.0
_TOKEN = re.compile(r"\w+")


class ContainsIgnoringCase(IContains):
    """`icontains` that PostgreSQL's pg_trgm GIN indexes can serve.

    Django writes icontains as UPPER(col::text) LIKE UPPER(...), which no index on the column matches; ILIKE on
    the bare column uses the gin_trgm_ops indexes from migration 0002. Only used on PostgreSQL.
    """

    # A name Django's PostgreSQL backend has no cast for, so the column stays bare for the index.
    lookup_name = "search_ilike_contains"

    def as_postgresql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        caseless = is_caseless(self.rhs)
        if caseless and len(self.rhs) < 3:
            # Too short for a trigram, so PostgreSQL reads every row (in_title_or_description sends two characters
            # to the word-bigram index instead): strpos() finds a fragment in half the time LIKE takes, same answer.
            return f"strpos({lhs_sql}, %s) > 0", (*lhs_params, self.rhs)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        # Hangul and digits have no case: LIKE gives the same answer as ILIKE at a third of the cost when a
        # fragment is too short for a trigram and PostgreSQL has to read every row.
        operator = "LIKE" if caseless else "ILIKE"
        return f"{lhs_sql} {operator} {rhs_sql}", (*lhs_params, *rhs_params)


class WordBigram(Func):
    """PostgreSQL: a two-character caseless fragment ("로등") is inside a word of the title or the description.

    Written exactly as migration 0008's index expression, so the GIN index of every word's character pairs answers
    it (5 ms at 100,000 proposals, where reading every title and description took 65). Query words hold no
    whitespace, so a pair of some word is the same as a substring of either text.
    """

    output_field = BooleanField()

    def __init__(self, fragment: str):
        super().__init__(F("title"), F("description"), Value(fragment))

    def as_sql(self, compiler, connection, **extra_context):
        (title, title_params), (description, description_params), (fragment, fragment_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = f"search_word_bigrams({title} || ' ' || {description}) @> ARRAY[{fragment}]::text[]"
        return sql, (*title_params, *description_params, *fragment_params)


class InArray(Lookup):
    """``pk IN (subquery)`` written as ``pk = ANY(ARRAY(subquery))``: PostgreSQL then looks each match up by primary
    key. With IN it planned a hash join over a sequential scan of every proposal (80 ms at 100,000 proposals,
    whatever the number of matches; docs/benchmarks.md). Only used on PostgreSQL."""

    lookup_name = "search_in_array"

    def as_sql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = compiler.compile(self.rhs)
        return f"{lhs_sql} = ANY(ARRAY({rhs_sql}))", (*lhs_params, *rhs_params)


class Epoch(Func):
    """A date and time as seconds (days on SQLite), a float to sort by: Django turns each timestamp it reads into
    an aware datetime, 20 µs apiece, which for thousands of matches cost more than the query."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="julianday(%(expressions)s)", **extra_context)


def contains(field: str, term: str) -> Q:
    if is_postgresql():
        return Q(ContainsIgnoringCase(F(field), term))
    return Q(**{f"{field}__icontains": term})


def in_title_or_description(term: str) -> Q:
    """The word is inside the title or the description, by whichever index serves a fragment of its length."""
    if is_postgresql() and len(term) == 2 and is_caseless(term):
        return Q(WordBigram(term))  # too short for a trigram: the word-bigram index (migration 0008)
    return contains("title", term) | contains("description", term)


def is_caseless(term: str) -> bool:
    """Hangul and digits: LIKE and ILIKE give the same answer."""
    return term.lower() == term.upper()


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


def query_tokens(request: SearchRequest) -> list[str]:
    """The analysed tokens every match must contain (search.analysis): "사거리에서" asks for "사거리"."""
    tokens = [token for group in query_token_groups(request.terms) for token in group]
    return [token for token in dict.fromkeys(tokens) if _TOKEN.fullmatch(token)]


def is_prefix(token: str) -> bool:
    # A one-character token ("비", "3") must match whole: as a prefix it would match "비용", "30".
    return len(token) >= 2


def token_condition(tokens: list[str], *, prefix: bool = True) -> Q:
    """Every token is (the start of) a token of the analysed title or body.

    PostgreSQL: full text search on the stored analysed text ('simple' configuration, exact GIN index).
    SQLite: the same test on the space-delimited stored tokens.
    """
    if is_postgresql():
        # A subquery on the analysed-text table, where the GIN index of migration 0005 serves it; the same test
        # through the join would be a filter after a hash join over every row (measured: 1.2 s at 20k rows).
        matching = ProposalSearchText.objects.filter(analysed_text_match(tokens, prefix=prefix)).values("proposal_id")
        return Q(InArray(F("pk"), matching.query))
    condition = Q()
    for token in tokens:
        needle = f" {token}" if prefix and is_prefix(token) else f" {token} "
        condition &= Q(search_text__title_terms__contains=needle) | Q(search_text__body_terms__contains=needle)
    return condition


def analysed_text_match(tokens: list[str], *, prefix: bool = True) -> Q:
    """PostgreSQL: the analysed text (ProposalSearchText) holds every token, by its GIN index."""
    return analysed_text_query(" & ".join(f"{token}:*" if prefix and is_prefix(token) else token for token in tokens))


def analysed_text_query(expression: str) -> Q:
    """PostgreSQL: the analysed text matches a raw tsquery of tokens (word characters only, so no syntax)."""
    query = SearchQuery(expression, search_type="raw", config="simple")
    vector = SearchVector("title_terms", "body_terms", config="simple")
    return Q(SearchVectorExact(vector, query))


def strict_match(request: SearchRequest, match=None) -> Q:
    """Every analysed token of the words, or of the words written together ("횡단 보도" finds "횡단보도"), by
    ``match`` (token_condition on proposals; analysed_text_match on the analysed-text table itself)."""
    match = match or token_condition
    tokens = query_tokens(request)
    condition = match(tokens) if tokens else Q(pk__in=[])
    joined = [token for token in joined_tokens(request.terms) if _TOKEN.fullmatch(token)]
    if joined and joined != tokens:
        condition |= match(joined)
    return condition


def text_condition(request: SearchRequest, *, loose: bool = False) -> Q:
    """Every word must match.

    Strict (first): every word's analysed tokens are in the proposal's analysed text (search.analysis), so
    "사거리에서" finds "행당역 사거리", "LED" finds "LED가로등" and "고장났어요" finds "고장". Loose (only when strict
    found nothing, e.g. a fragment inside a compound such as "로등", or a typo): every word is a substring of
    the title or description; on PostgreSQL also close to a title word (pg_trgm `%>`, forgives a typo). Both
    are served by the trigram GIN indexes (a two-character fragment, too short for a trigram, by the word-bigram
    index: WordBigram) but need a recheck of each candidate row, which is why they are the fallback and not the
    rule (see docs/benchmarks.md).
    """
    if not loose:
        return strict_match(request)
    words = Q()
    for term in request.terms:
        word = in_title_or_description(term)
        if len(term) >= 3 and is_postgresql():
            word |= Q(title__trigram_word_similar=term)
        words &= word
    return words


def token_score(request: SearchRequest, *, through: str = ""):
    """The analysed-token part of relevance: a token in the title counts 2, in the body 1, a whole boost token
    (a place name typed in full) 1.5 more. ``through`` is the path to the analysed text ("" on its own table)."""

    def weight(field: str, needle: str, value: float):
        return Case(When(**{f"{through}{field}__contains": needle}, then=Value(value)), default=Value(0.0))

    score = Value(0.0)
    for token in query_tokens(request):
        needle = f" {token}" if is_prefix(token) else f" {token} "
        score = score + weight("title_terms", needle, 2.0) + weight("body_terms", needle, 1.0)
    for token in boost_tokens(request.terms):
        if _TOKEN.fullmatch(token):
            score = score + weight("title_terms", f" {token} ", 1.5)
    return score


def relevance_expression(request: SearchRequest):
    """A token in the title counts double, in the body once; the whole place name typed and the raw word add more.

    The token part is a correlated subquery on the analysed text, so PostgreSQL computes it for the matches only,
    after the match; through a join it scored every public proposal before filtering (250 ms at 20k rows).
    """
    tokens = token_score(request)
    scored = ProposalSearchText.objects.filter(proposal_id=OuterRef("pk")).annotate(
        score=ExpressionWrapper(tokens, output_field=FloatField())
    )
    score = Coalesce(Subquery(scored.values("score")[:1]), Value(0.0)) + title_score(request)
    return ExpressionWrapper(score, output_field=FloatField())


def highlight_terms(request: SearchRequest) -> list[str]:
    """What to mark in titles and snippets: the words as typed and their analysed tokens ("사거리" of "사거리에서")."""
    tokens = [token for token in query_tokens(request) if is_prefix(token) or token in request.terms]
    return [*request.terms, *tokens]


def title_vocabulary() -> frozenset[str]:
    """Every analysed token of public titles, kept in the cache for ten minutes (typo correction reads it)."""
    words = cache.get(VOCABULARY_KEY)
    if words is None:
        rows = ProposalSearchText.objects.filter(proposal__in=Proposal.objects.public()).values_list(
            "title_terms", flat=True
        )
        words = frozenset(token for terms in rows.iterator(chunk_size=2000) for token in terms.split())
        cache.set(VOCABULARY_KEY, words, VOCABULARY_SECONDS)
    return words


def corrected_request(request: SearchRequest) -> SearchRequest | None:
    """The request with each unknown word (of three or more characters) replaced by the closest title word."""
    vocabulary = title_vocabulary()
    terms, changed = [], False
    for term in request.terms:
        tokens = [token for group in query_token_groups([term]) for token in group]
        if len(term) < 3 or (tokens and all(token in vocabulary for token in tokens)):
            terms.append(term)
            continue
        cutoff = LATIN_TYPO_CUTOFF if term.isascii() else TYPO_CUTOFF
        close = difflib.get_close_matches(term.lower(), vocabulary, n=1, cutoff=cutoff)
        terms.append(close[0] if close else term)
        changed = changed or bool(close)
    return dataclasses.replace(request, terms=terms) if changed else None


def forget_cached_results() -> None:
    """Every cached search result was found in the old analysed text: move to a new generation (after a commit)."""
    next_generation(RESULTS_GENERATION_KEY)


def results_key(request: SearchRequest) -> str | None:
    """The cache key of what ``request`` finds, whatever its page; None while Redis is away (as for the list: a
    worker's local fallback cache would not see the other workers' invalidations)."""
    near = (request.near.point.latitude, request.near.point.longitude, request.near.radius_km) if request.near else None
    described = repr((request.terms, sorted(request.filters.items()), request.sort, near)).encode()
    key = (
        f"search:results:{generation()}:{generation(RESULTS_GENERATION_KEY)}:"
        f"{hashlib.sha256(described).hexdigest()[:32]}"
    )
    return None if getattr(cache, "redis_is_down", False) else key


def row_relevance(request: SearchRequest):
    """relevance_expression() over the joined analysed text, for the one query that reads every match on SQLite
    (PostgreSQL scores the two tables apart: DatabaseBackend.tallied_in_database).

    The correlated subquery of relevance_expression() would be a second lookup per match.
    """
    return Cast(token_score(request, through="search_text__") + title_score(request), FloatField())


def title_score(request: SearchRequest):
    """The part of relevance_expression() read from the proposal: each word as typed in its title adds 1."""
    score = Value(0.0)
    for term in request.terms:
        score = score + Case(When(contains("title", term), then=Value(1.0)), default=Value(0.0))
    return score


@dataclass
class Found:
    """What a search found, whatever its page: cached, so a second page or a second visitor reads no match again.

    ``ids`` are the first CACHED_IDS in the requested order; ``terms`` are the words that found them (a typo's
    correction), ``loose`` whether they were found inside words.
    """

    total: int
    facets: list[tuple[str, list[tuple[str, int]]]]
    ids: list[int]
    terms: list[str]
    loose: bool = False

    def facet_values(self) -> dict[str, list[FacetValue]]:
        return {
            name: [FacetValue(key=key, label="", count=count) for key, count in values] for name, values in self.facets
        }


def _order_key(sort: str):
    """How DatabaseBackend.matches' rows (id, status, category, area, votes, created, relevance, distance) sort: the same
    keys, ties and directions as DatabaseBackend.ordered()."""
    if sort == Sort.RELEVANCE:
        return lambda row: (-row[6], -row[4], -row[0])
    if sort == Sort.VOTES:
        return lambda row: (-row[4], -row[5], -row[0])
    if sort == Sort.DISTANCE:
        return lambda row: (row[7], -row[0])
    return lambda row: (-row[5], -row[0])


def match_columns(request: SearchRequest) -> list[str]:
    """What DatabaseBackend.matches reads of each match: id, facet keys, sort keys, relevance (and distance)."""
    columns = ["pk", "status", "category_id", "area_id", "vote_count", "created", "relevance"]
    return [*columns, "distance_km"] if request.near else columns


def _order_sql(request: SearchRequest) -> str:
    """The ORDER BY of match_columns() in the database: the same keys, ties and directions as
    DatabaseBackend.ordered() and _order_key()."""
    if request.sort == Sort.RELEVANCE:
        return "relevance DESC, vote_count DESC, pk DESC"
    if request.sort == Sort.VOTES:
        return "vote_count DESC, created DESC, pk DESC"
    if request.sort == Sort.DISTANCE and request.near:
        return "distance_km ASC, pk DESC"
    return "created DESC, pk DESC"


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


class DatabaseBackend(SearchBackend):
    """Proposal search with the database alone: always available, no index to keep in step."""

    name = "database"
    indexes = False

    def base_queryset(self, request: SearchRequest, *, loose: bool = False, text: Q | None = None):
        """The public proposals the request asks for; ``text`` in place of text_condition() for its words."""
        queryset = Proposal.objects.public()
        if request.filters.get("status"):
            queryset = queryset.filter(status=request.filters["status"])
        if request.filters.get("category"):
            queryset = queryset.filter(category__slug=request.filters["category"])
        if request.filters.get("area"):
            queryset = queryset.filter(area__slug=request.filters["area"])
        if request.terms:
            queryset = queryset.filter(text if text is not None else text_condition(request, loose=loose))
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
        return self.tally(rows)

    def tally(self, rows) -> tuple[int, dict[str, list[FacetValue]]]:
        """The total and the facets of (status, category id, area id, count) rows."""
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
        key = results_key(request)
        found = cache.get(key) if key else None
        if found is None:
            found = self.find(request)
            if key:
                cache.set(key, found, RESULTS_SECONDS)
        if found.terms != request.terms:
            request = dataclasses.replace(request, terms=found.terms)  # a typo, corrected
        page = min(request.page, max(1, math.ceil(found.total / request.page_size)))
        offset = (page - 1) * request.page_size
        if offset + request.page_size <= len(found.ids) or len(found.ids) == found.total:
            ids = found.ids[offset : offset + request.page_size]
        else:
            queryset = self.ordered(request, self.base_queryset(request, loose=found.loose))
            ids = list(queryset.values_list("pk", flat=True)[offset : offset + request.page_size])
        return SearchResult(
            query=request.query,
            hits=self.hits(request, ids),
            total=found.total,
            page=page,
            page_size=request.page_size,
            sort=request.sort,
            facets=found.facet_values() if found.total else {},
            filters=request.filters,
            near=request.near,
        )

    def find(self, request: SearchRequest) -> Found:
        """The matches of the request (or, if none, of its words inside words, or of its typos corrected)."""
        found = self.matches(request)
        if not found.total and request.terms:
            # No analysed token matched: look for the words inside words, and for near misses.
            found = self.matches(request, loose=True)
        if not found.total and (corrected := corrected_request(request)):
            # Still nothing: a typo ("가로둥")? Try the closest words that titles actually use.
            corrected_found = self.matches(corrected)
            found = corrected_found if corrected_found.total else found
        return found

    def matches(self, request: SearchRequest, *, loose: bool = False) -> Found:
        """Total, facets and the first CACHED_IDS ids in order.

        With words on PostgreSQL: one statement counts, groups and orders the matches (tallied_in_database).
        With words on SQLite: one query reads every match's id, facet keys, sort keys and relevance, and the rest
        is worked out here (the database would otherwise go over the matches twice, once to count and once to
        rank). Without words (the plain list, a filter, near me) or above ONE_PASS_LIMIT matches: a grouped
        count, and the ids ordered by the database.
        """
        if request.terms and is_postgresql():
            return self.found(*self.tallied_in_database(request, loose), request, loose)
        queryset = self.base_queryset(request, loose=loose)
        if request.terms:
            rows = queryset.annotate(created=Epoch("created_at"), relevance=row_relevance(request))
            rows = list(rows.order_by().values_list(*match_columns(request))[: ONE_PASS_LIMIT + 1])
            if len(rows) <= ONE_PASS_LIMIT:
                tallies = Counter((status, category, area) for _, status, category, area, *_ in rows)
                total, facets = self.tally([(*group, count) for group, count in tallies.items()])
                order = _order_key(request.sort)
                ids = [row[0] for row in heapq.nsmallest(CACHED_IDS, rows, key=order)]
                return self.found(total, facets, ids, request, loose)
        total, facets = self.counts(queryset)
        ids = list(self.ordered(request, queryset).values_list("pk", flat=True)[:CACHED_IDS]) if total else []
        return self.found(total, facets, ids, request, loose)

    def tallied_in_database(self, request: SearchRequest, loose: bool) -> tuple[int, dict[str, list[FacetValue]], list]:
        """PostgreSQL: the total, the facets and the first CACHED_IDS ids of a search with words, in one statement.

        The matches are read once into a CTE with their facet keys, sort keys and relevance; the grouping and the
        top-N sort run in the database, so only the groups and the ids come back, however many proposals match
        (bringing 14,600 matches of a common word to Python to count and sort them cost as much as finding them).
        The relevance's analysed-text part is scored on that table for the matches' ids only, and its
        proposal part on the proposals: strict matches are found on the analysed text (GIN index) and their
        proposals looked up by primary key; loose ones are found on the proposals (trigram index, or a scan for
        a fragment too short for one) and their analysed text looked up by primary key. Joining the two tables
        instead probed or scanned one of them a second time.
        """
        columns = match_columns(request)
        names = ", ".join(columns)
        scored = ProposalSearchText.objects.all()
        if loose:
            found = self.base_queryset(request, loose=True)
            scored = scored.filter(InArray(F("proposal_id"), RawSQL("SELECT pk FROM found", ())))
        else:
            scored = scored.filter(strict_match(request, analysed_text_match))
            found = self.base_queryset(request, text=Q(InArray(F("pk"), RawSQL("SELECT proposal_id FROM scored", ()))))
        scored = scored.annotate(score=Cast(token_score(request), FloatField())).values_list("proposal_id", "score")
        found = found.annotate(relevance=Cast(title_score(request), FloatField()), created=Epoch("created_at"))
        found = found.order_by().values_list(*columns)
        try:
            found_sql, found_params = found.query.sql_with_params()
            scored_sql, scored_params = scored.query.sql_with_params()
        except EmptyResultSet:  # words that analyse to no token
            return 0, {}, []
        scored_cte = (f"scored(proposal_id, score) AS MATERIALIZED ({scored_sql})", scored_params)
        found_cte = (f"found({names}) AS MATERIALIZED ({found_sql})", found_params)
        # Whichever table finds the matches comes first; the other is read for their ids.
        first, second = (found_cte, scored_cte) if loose else (scored_cte, found_cte)
        summed = ", ".join(
            "found.relevance + COALESCE(scored.score, 0)" if column == "relevance" else f"found.{column}"
            for column in columns
        )
        # The four arrays of groups come from one aggregation over the same rows, so they line up.
        statement = (
            f"WITH {first[0]}, {second[0]}, matches({names}) AS MATERIALIZED "  # noqa: S608 - compiled querysets
            f"(SELECT {summed} FROM found LEFT JOIN scored ON scored.proposal_id = found.pk) "
            f"SELECT ARRAY(SELECT pk FROM matches ORDER BY {_order_sql(request)} LIMIT %s), "
            "array_agg(status), array_agg(category_id), array_agg(area_id), array_agg(n) "
            "FROM (SELECT status, category_id, area_id, COUNT(*) AS n FROM matches GROUP BY 1, 2, 3) AS groups"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, (*first[1], *second[1], CACHED_IDS))
            ids, statuses, categories, areas, counts = cursor.fetchone()
        total, facets = self.tally(list(zip(statuses or [], categories or [], areas or [], counts or [], strict=True)))
        return total, facets, ids

    @staticmethod
    def found(total, facets, ids, request: SearchRequest, loose: bool) -> Found:
        items = [(name, [(value.key, value.count) for value in values]) for name, values in facets.items()]
        return Found(total=total, facets=items, ids=ids, terms=list(request.terms), loose=loose)

    @staticmethod
    def ordered(request: SearchRequest, queryset):
        """The matches in the requested order, with the id as the last tie-breaker."""
        votes, created = sort_keys(filtered=bool(request.terms))
        if request.sort == Sort.RELEVANCE and request.terms:
            return queryset.annotate(relevance=relevance_expression(request)).order_by(
                "-relevance", votes.desc(), "-id"
            )
        if request.sort == Sort.VOTES:
            return queryset.order_by(votes.desc(), created.desc(), "-id")
        if request.sort == Sort.DISTANCE and request.near:
            return queryset.order_by("distance_km", "-id")
        return queryset.order_by(created.desc(), "-id")

    def hits(self, request: SearchRequest, ids: list[int]) -> list[ProposalHit]:
        """The page's proposals, loaded after the ids were ordered (joining before sorting would carry every
        match's joined columns through the sort). Public ones only: a result cached just before a proposal was
        hidden never shows it."""
        loaded = (
            Proposal.objects.public().select_related("category", "area", "area__parent").in_bulk(ids) if ids else {}
        )
        marks = highlight_terms(request)
        return [
            ProposalHit(
                proposal=proposal,
                title_html=mark_terms(proposal.title, marks),
                snippet_html=snippet(proposal.description, marks),
                distance_km=haversine_km(request.near.point, proposal_point(proposal)) if request.near else None,
            )
            for proposal in (loaded[pk] for pk in ids if pk in loaded)
        ]

    def similar(self, *, title: str, text: str, point: Point | None, limit: int) -> list[SimilarProposal]:
        """Open proposals about the same problem as the draft, by shared analysed words, above a relevance floor.

        The draft is analysed like every proposal (search.analysis), so "가로등이 나갔어요" meets "가로등을 고쳐
        주세요". A candidate must share a topic word (not only a place name or a common word such as "설치") and
        score at least SIMILAR_MIN_SCORE: a streetlight draft is not shown retaining-wall cracks on the same street.
        """
        draft_title = topic_tokens(analyse(title))
        draft = draft_title | topic_tokens(analyse(text[:SIMILAR_TEXT_CHARS]))
        places = set(analyse(title)) - draft_title
        scored = []
        for proposal in self.similar_candidates(sorted(draft_title)):
            words = proposal.search_text.title_terms.split()
            body = set(proposal.search_text.body_terms.split())
            candidate_title = topic_tokens(words)
            candidate = candidate_title | topic_tokens(body)
            if not draft_title & candidate:
                continue
            score = 0.5 * dice(draft_title, candidate_title) + 0.3 * dice(draft, candidate)
            score += 0.25 * bool(places & (set(words) | body))
            distance = None
            there = proposal_point(proposal)
            if point is not None and there is not None:
                distance = haversine_km(point, there)
                score += 0.2 * max(0.0, 1 - distance / SIMILAR_NEARBY_KM)
            if score >= SIMILAR_MIN_SCORE:
                scored.append(SimilarProposal(proposal=proposal, score=round(score, 4), distance_km=distance))
        scored.sort(key=lambda item: (-item.score, -item.proposal.vote_count, -item.proposal.pk))
        return scored[:limit]

    def similar_candidates(self, tokens: list[str]) -> list[Proposal]:
        """At most 200 open proposals worth scoring, most supported first: those sharing two of the draft
        title's topic words (or its only one), found on the analysed text (GIN index on PostgreSQL)."""
        tokens = [token for token in tokens if _TOKEN.fullmatch(token)][:SIMILAR_QUERY_TOKENS]
        if not tokens:
            return []
        pairs = list(itertools.combinations(tokens, 2)) or [(tokens[0],)]
        if is_postgresql():
            # One tsquery, (a & b) | (a & c) | …: one scan of the GIN index instead of one per pair.
            either = analysed_text_query(" | ".join(f"({' & '.join(pair)})" for pair in pairs))
            condition = Q(InArray(F("pk"), ProposalSearchText.objects.filter(either).values("proposal_id").query))
        else:
            condition = Q()
            for pair in pairs:
                condition |= token_condition(list(pair), prefix=False)
        votes, _created = sort_keys(filtered=True)
        # The ids first, then 200 rows with their joins: sorting thousands of joined rows (a common pair at 100k
        # proposals matches 11,000) cost more than finding them.
        ids = Proposal.objects.open().filter(condition).order_by(votes.desc(), "-id").values_list("pk", flat=True)
        ids = list(ids[:SIMILAR_CANDIDATES])
        open_proposals = Proposal.objects.open().select_related("category", "area", "area__parent", "search_text")
        loaded = open_proposals.in_bulk(ids) if ids else {}
        return [loaded[pk] for pk in ids if pk in loaded]


def dice(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


__all__ = ["DatabaseBackend"]
