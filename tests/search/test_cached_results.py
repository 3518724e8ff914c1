"""The database backend reads a search's matches once (issue 16, search page scale): one query gives the total, the
facets and the first pages in order, which are cached per request (without its page) until an event changes which
proposals a search holds. Query counts, not timings, are what is checked."""

import pytest
from django.core.cache import caches
from django.db.models import Q

from proposals.models import Proposal
from search.backends import database
from search.backends.database import DatabaseBackend, forget_cached_results
from search.interface import PAGE_SIZE, Near, Point, SearchRequest, Sort, query_terms, search_proposals
from search.models import ProposalSearchText
from search.search_text import refresh_search_text
from tests.factories import CategoryFactory, DongFactory, ProposalFactory

from .conftest import NEAR_MARKET

pytestmark = pytest.mark.django_db

# A search with words that is not cached: the matches (one query), the facets' category and area slugs (two),
# the page's proposals (one) and the facet labels (two).
FIRST_VISIT_QUERIES = 6
# The same search again, or another page of it: the page's proposals and the facet labels.
CACHED_QUERIES = 3


def ids(result):
    return [hit.proposal.pk for hit in result.hits]


def test_a_search_with_words_reads_its_matches_in_one_query_and_then_from_the_cache(world, django_assert_num_queries):
    with django_assert_num_queries(FIRST_VISIT_QUERIES):
        first = search_proposals("가로등")
    with django_assert_num_queries(CACHED_QUERIES):
        again = search_proposals("가로등")
    assert ids(again) == ids(first) and again.total == first.total == 3
    assert [(v.key, v.count) for v in again.facets["category"]] == [(v.key, v.count) for v in first.facets["category"]]


def test_the_first_visit_costs_the_same_queries_whatever_the_number_of_matches(db, django_assert_num_queries):
    ProposalFactory(title="Bench repair request 0")
    with django_assert_num_queries(FIRST_VISIT_QUERIES):
        assert search_proposals("bench").total == 1
    for number in range(1, 45):
        ProposalFactory(title=f"Bench repair request {number}", category=CategoryFactory(), area=DongFactory())
    forget_cached_results()
    with django_assert_num_queries(FIRST_VISIT_QUERIES):
        result = search_proposals("bench")
    assert result.total == 45 and len(result.hits) == 20
    with django_assert_num_queries(CACHED_QUERIES):
        second_page = search_proposals("bench", page=2)
    assert len(second_page.hits) == 20 and not set(ids(second_page)) & set(ids(result))


@pytest.mark.parametrize("sort", [Sort.RELEVANCE, Sort.VOTES, Sort.NEWEST, Sort.DISTANCE])
def test_matches_read_once_come_in_the_order_the_database_gives(world, sort):
    """The order worked out from the one query's rows is the order the database sorts by (DatabaseBackend.ordered)."""
    for number in range(6):
        ProposalFactory(
            title=f"가로등 {number}번 점검",
            category=world["alley_light"].category,
            area=world["alley_light"].area,
            vote_count=number % 3,
            latitude=NEAR_MARKET[0] + number / 1000,
            longitude=NEAR_MARKET[1],
        )
    near = Near(Point(*NEAR_MARKET), 20.0)
    backend = DatabaseBackend()
    result = search_proposals("가로등", sort=sort, near=near)
    request = backend_request("가로등", sort=sort, near=near)
    expected = list(backend.ordered(request, backend.base_queryset(request)).values_list("pk", flat=True))
    assert len(expected) > 3
    assert ids(result) == expected


def backend_request(query, *, sort, near=None, page=1):
    return SearchRequest(
        query=query, terms=query_terms(query), filters={}, sort=sort, page=page, page_size=PAGE_SIZE, near=near
    )


def test_pages_past_the_cached_ones_are_ordered_by_the_database(world, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(database, "CACHED_IDS", 1)
    for number in range(25):
        ProposalFactory(title=f"Bench {number}", vote_count=number)
    first = search_proposals("bench", sort=Sort.VOTES)
    assert [hit.proposal.vote_count for hit in first.hits][:3] == [24, 23, 22]
    with django_assert_num_queries(CACHED_QUERIES + 1):  # the page's ids, ordered by the database
        second = search_proposals("bench", sort=Sort.VOTES, page=2)
    assert [hit.proposal.vote_count for hit in second.hits] == [4, 3, 2, 1, 0]


def test_above_the_one_query_limit_counts_and_order_come_from_the_database(world, monkeypatch):
    expected = search_proposals("가로등")
    forget_cached_results()
    monkeypatch.setattr(database, "ONE_PASS_LIMIT", 1)
    result = search_proposals("가로등")
    assert ids(result) == ids(expected) and result.total == expected.total == 3
    assert {(v.key, v.count) for v in result.facets["area"]} == {(v.key, v.count) for v in expected.facets["area"]}


def test_hiding_a_proposal_takes_it_out_of_cached_results_and_counts(world, emit_committed):
    assert search_proposals("가로등").total == 3
    proposal = world["alley_light"]
    Proposal.objects.filter(pk=proposal.pk).update(is_hidden=True)
    # Before the event: still counted (cached for at most a minute), but never shown.
    stale = search_proposals("가로등")
    assert proposal.pk not in ids(stale)
    emit_committed("proposal.hidden", proposal_id=proposal.pk, actor_id=None, reason="spam")
    fresh = search_proposals("가로등")
    assert fresh.total == 2 and proposal.pk not in ids(fresh)
    assert {(v.key, v.count) for v in fresh.facets["category"]} == {("safety", 1), ("environment", 1)}


@pytest.mark.parametrize("event", ["proposal.created", "proposal.status_changed", "proposal.removed"])
def test_events_that_change_which_proposals_a_search_holds_drop_cached_results(world, emit_committed, event):
    assert search_proposals("가로등").total == 3
    added = ProposalFactory(title="새 가로등 설치", category=world["alley_light"].category)
    assert search_proposals("가로등").total == 3  # nothing said so yet
    payload = {"proposal_id": added.pk, "actor_id": None}
    if event == "proposal.status_changed":
        payload.update(status_change_id=1, from_status="published", to_status="published")
    emit_committed(event, **payload)
    assert search_proposals("가로등").total == 4


EVENT_PAYLOADS = {
    "proposal.voted": {"vote_count": 13},
    "proposal.commented": {"comment_id": 1, "parent_id": None, "edited": False, "removed": False, "unhidden": False},
}


@pytest.mark.parametrize("event", sorted(EVENT_PAYLOADS))
def test_votes_and_comments_leave_cached_results_alone(world, emit_committed, event, django_assert_num_queries):
    search_proposals("가로등")
    emit_committed(event, proposal_id=world["alley_light"].pk, actor_id=None, **EVENT_PAYLOADS[event])
    with django_assert_num_queries(CACHED_QUERIES):
        search_proposals("가로등")


def test_a_changed_text_drops_cached_results_after_its_commit(world, django_capture_on_commit_callbacks):
    assert search_proposals("온열").total == 1
    proposal = world["dust"]
    Proposal.objects.filter(pk=proposal.pk).update(title="공원 온열 의자 설치")
    with django_capture_on_commit_callbacks(execute=False):
        refresh_search_text([proposal.pk])
    assert search_proposals("온열").total == 1  # not committed yet: the old results stand
    with django_capture_on_commit_callbacks(execute=True):
        refresh_search_text([proposal.pk])
    assert search_proposals("온열").total == 2


def test_different_filters_sorts_and_points_are_cached_apart(world):
    assert search_proposals("가로등").total == 3
    assert search_proposals("가로등", filters={"category": "environment"}).total == 1
    assert search_proposals("가로등", filters={"category": "safety"}).total == 2
    votes = search_proposals("가로등", sort=Sort.VOTES)
    assert [hit.proposal.vote_count for hit in votes.hits] == [30, 12, 1]
    near = search_proposals("가로등", near=Near(Point(*NEAR_MARKET), 0.5))
    assert near.total == 1 and near.hits[0].proposal == world["alley_light"]


def test_a_typo_s_correction_is_cached_with_its_results(world, django_assert_num_queries):
    first = search_proposals("가로둥")
    assert first.total == 3 and "<mark>가로등</mark>" in first.hits[0].title_html
    with django_assert_num_queries(CACHED_QUERIES):
        again = search_proposals("가로둥")
    assert ids(again) == ids(first) and "<mark>가로등</mark>" in again.hits[0].title_html


def test_nothing_is_cached_while_redis_is_away(world, monkeypatch, django_assert_num_queries):
    # As livinglab.cache.FallbackRedisCache says while Redis is away (a property there; set on the class here).
    monkeypatch.setattr(type(caches["default"]), "redis_is_down", property(lambda self: True), raising=False)
    search_proposals("가로등")
    with django_assert_num_queries(FIRST_VISIT_QUERIES):
        assert search_proposals("가로등").total == 3


def test_withdrawn_and_hidden_proposals_are_never_among_the_matches_read(world):
    found = DatabaseBackend().matches(backend_request("가로등", sort=Sort.RELEVANCE))
    mentions = Q(title__contains="가로등") | Q(description__contains="가로등")
    public = set(Proposal.objects.public().filter(mentions).values_list("pk", flat=True))
    assert set(found.ids) == public
    assert world["hidden_light"].pk not in found.ids and world["withdrawn_light"].pk not in found.ids


def test_words_that_analyse_to_no_token_are_looked_for_inside_the_text(db):
    # "는데요" is an ending: the analysis keeps no token of it, so the strict match is empty by construction
    # (on PostgreSQL the statement is never sent) and the search looks for the word inside titles and bodies.
    ProposalFactory(title="공원 가로등", description="저녁마다 불이 안 들어오는데요 확인 부탁드립니다")
    ProposalFactory(title="Bench repair", description="The bench is broken")
    result = search_proposals("는데요")
    assert result.total == 1 and result.hits[0].proposal.title == "공원 가로등"
    assert {(v.key, v.count) for v in result.facets["status"]} == {("published", 1)}


@pytest.mark.parametrize("sort", [Sort.RELEVANCE, Sort.VOTES, Sort.NEWEST])
def test_words_written_apart_or_together_are_counted_and_ordered_as_the_database_orders_them(db, sort):
    crossing = CategoryFactory()
    for number in range(6):
        title = f"횡단보도 {number}번 신호" if number % 2 else f"횡단 보도 {number}번 도색"
        ProposalFactory(title=title, vote_count=number % 3, category=crossing if number < 3 else CategoryFactory())
    request = backend_request("횡단 보도", sort=sort)
    backend = DatabaseBackend()
    expected = list(backend.ordered(request, backend.base_queryset(request)).values_list("pk", flat=True))
    found = backend.matches(request)
    assert found.total == len(expected) == 6 and found.ids == expected
    assert sum(count for _, count in dict(found.facets)["category"]) == 6


def test_a_proposal_without_analysed_text_is_still_found_inside_its_words(db):
    # A row the analysis has not reached (a bulk import before `search_index --analyse`): the strict match cannot
    # see it, and the fragment search (found on the proposal, scored on its analysed text) must not drop it.
    proposal = ProposalFactory(title="보도블록 파손", description="휠체어가 걸립니다")
    ProposalSearchText.objects.filter(proposal=proposal).delete()
    result = search_proposals("블록")
    assert result.total == 1 and result.hits[0].proposal == proposal


def test_the_word_as_typed_in_a_title_ranks_it_first_and_follows_an_edited_title(
    db, django_capture_on_commit_callbacks
):
    # Both titles hold the token 가로등; only one holds "가로등을" as typed, which adds to its relevance, and an edit
    # must drop the cached order with the old title.
    plain = ProposalFactory(title="가로등 교체", description="", vote_count=9)
    typed = ProposalFactory(title="가로등을 고쳐 주세요", description="", vote_count=1)
    assert ids(search_proposals("가로등을", sort=Sort.RELEVANCE)) == [typed.pk, plain.pk]
    with django_capture_on_commit_callbacks(execute=True):
        typed.title = "가로등 수리"
        typed.save()
    assert ids(search_proposals("가로등을", sort=Sort.RELEVANCE)) == [plain.pk, typed.pk]  # now by votes
