"""The database backend: the behaviour residents rely on when no cluster is configured (SQLite and PostgreSQL)."""

import pytest

from proposals.models import Proposal
from search.backends.database import WordBigram
from search.interface import Near, Point, Sort, search_proposals, similar_proposals
from tests.factories import ProposalFactory

from .conftest import FAR_AWAY, NEAR_MARKET, NEAR_SCHOOL

pytestmark = pytest.mark.django_db


def titles(result):
    return [hit.proposal.title for hit in result.hits]


def test_korean_fragment_finds_the_proposal_that_contains_it(world):
    result = search_proposals("가로등")
    assert set(titles(result)) == {"골목 가로등 고장", "공원 미세먼지 측정기 설치", "가로등 교체 요청"}
    assert result.total == 3


def test_korean_fragment_inside_a_longer_word_matches(world):
    # "로등" is only ever part of "가로등": substring matching is what finds it.
    assert "골목 가로등 고장" in titles(search_proposals("로등"))


def test_a_fragment_that_analyses_to_a_lone_syllable_still_looks_inside_words(world):
    # Kiwi reads "로등" as 로 + 등; asked for as the noun 로, it found this text (로 after Markdown marks, before
    # the marks were dropped) or any text with the noun 로, and never looked inside "가로등".
    ProposalFactory(title="옹벽 균열", description="옹벽에 금이 갔어요. 기울기 **센서**로 지켜봐 주세요. 길 로 표지")
    found = set(titles(search_proposals("로등")))
    assert found == {"골목 가로등 고장", "공원 미세먼지 측정기 설치", "가로등 교체 요청"}
    hit = next(hit for hit in search_proposals("로등이").hits if hit.proposal.title == "골목 가로등 고장")
    assert str(hit.title_html) == "골목 <mark>가로등</mark> 고장"  # the word that holds the piece
    assert search_proposals("비가").total == 0  # a one-syllable noun with its particle is still the noun
    assert titles(search_proposals("로")) == ["옹벽 균열"]  # the syllable alone is the noun, as typed


def test_korean_fragment_inside_a_description_word_matches(world):
    # "두워" only occurs inside "어두워서"; on PostgreSQL it is found by the substring fallback.
    assert titles(search_proposals("두워")) == ["골목 가로등 고장"]


def test_a_word_with_its_particle_finds_the_word_in_any_form(world):
    # Korean analysis drops the particle: "가로등을" asks for "가로등", written "가로등", "가로등을" or "가로등 옆에".
    assert set(titles(search_proposals("가로등을"))) == {
        "골목 가로등 고장",
        "공원 미세먼지 측정기 설치",
        "가로등 교체 요청",
    }


def test_a_particle_with_a_word_that_is_nowhere_finds_nothing(world):
    assert search_proposals("신호등을").total == 0


def test_latin_letters_joined_to_hangul_are_words_of_their_own(world):
    ProposalFactory(title="LED가로등으로 바꿔 주세요", description="3번출구 앞이 어두워요.")
    assert set(titles(search_proposals("LED"))) == {"LED가로등으로 바꿔 주세요", "가로등 교체 요청"}
    assert titles(search_proposals("출구")) == ["LED가로등으로 바꿔 주세요"]
    assert search_proposals("LCD").total == 0


def test_a_typo_finds_the_word_titles_use(world):
    assert set(titles(search_proposals("가로둥"))) == {
        "골목 가로등 고장",
        "가로등 교체 요청",
        "공원 미세먼지 측정기 설치",
    }
    assert search_proposals("가로둥").query == "가로둥"


def test_spacing_variants_find_the_compound(world):
    ProposalFactory(title="횡단보도 신호가 짧아요", description="")
    assert titles(search_proposals("횡단 보도")) == ["횡단보도 신호가 짧아요"]


def test_highlights_mark_the_analysed_word_when_the_query_carries_a_particle(world):
    hit = next(hit for hit in search_proposals("가로등에서").hits if hit.proposal.title == "골목 가로등 고장")
    assert str(hit.title_html) == "골목 <mark>가로등</mark> 고장"


def test_hidden_and_withdrawn_proposals_are_never_found(world):
    result = search_proposals("가로등")
    assert "숨겨진 가로등 제안" not in titles(result)
    assert "철회된 가로등 제안" not in titles(result)
    assert result.total == 3
    assert search_proposals("숨겨진").total == 0
    assert search_proposals("철회된").total == 0


def test_english_word_matches_case_insensitively(world):
    assert titles(search_proposals("LIGHT")) == ["Broken street light by the school"]


def test_every_word_must_match(world):
    assert titles(search_proposals("street school")) == ["Broken street light by the school"]
    assert search_proposals("street 미세먼지").total == 0


def test_unmatched_words_find_nothing(world):
    result = search_proposals("zeppelin")
    assert result.total == 0
    assert result.hits == []
    assert result.facets == {}


def test_title_matches_rank_above_description_matches(world):
    order = titles(search_proposals("가로등", sort=Sort.RELEVANCE))
    assert order[-1] == "공원 미세먼지 측정기 설치"


def test_highlights_mark_the_matched_fragment(world):
    hit = next(hit for hit in search_proposals("가로등").hits if hit.proposal.title == "골목 가로등 고장")
    assert str(hit.title_html) == "골목 <mark>가로등</mark> 고장"
    assert "<mark>가로등</mark>을 고쳐 주세요" in hit.snippet_html


def test_snippets_escape_markup_before_marking(world):
    ProposalFactory(title="Dangerous crossing", description='<script>alert("x")</script> near the crossing light')
    hit = search_proposals("crossing").hits[0]
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in hit.snippet_html
    assert "<mark>crossing</mark>" in hit.snippet_html


def test_an_empty_query_lists_every_public_proposal_newest_first(world):
    result = search_proposals("")
    assert titles(result) == [
        "Broken street light by the school",
        "버스 정류장 온열 의자",
        "공원 미세먼지 측정기 설치",
        "골목 가로등 고장",
        "가로등 교체 요청",
    ]
    assert result.sort == Sort.NEWEST


def test_operators_and_punctuation_only_find_nothing_without_error(world):
    for query in ['"(AND OR * ? : \\ / [ ] { } ~ ^ !', "***", "  ", "<>"]:
        result = search_proposals(query)
        assert result.hits == [] or query.strip() == ""


def test_lucene_specials_around_a_word_are_ignored(world):
    assert titles(search_proposals('"가로등" +(고장)!')) == ["골목 가로등 고장"]


def test_facets_count_status_category_and_area_with_labels(world):
    facets = search_proposals("").facets
    assert {(v.key, v.count) for v in facets["status"]} == {("published", 3), ("under_review", 1), ("rejected", 1)}
    assert {(v.key, v.label, v.count) for v in facets["category"]} == {
        ("safety", "Safety", 3),
        ("environment", "Environment", 1),
        ("mobility", "Mobility", 1),
    }
    assert {(v.key, v.count) for v in facets["area"]} == {("seongsu", 3), ("oksu", 2)}
    assert next(v for v in facets["status"] if v.key == "under_review").label == "Under review"


def test_plain_list_counts_are_cached_until_a_proposal_changes(world, emit_committed):
    assert search_proposals("").total == 5
    added = ProposalFactory(title="Overflowing bins")
    assert search_proposals("").total == 5  # cached: nothing said that a proposal changed
    emit_committed("proposal.created", proposal_id=added.pk, actor_id=added.author_id)
    assert search_proposals("").total == 6
    # Searches with words, filters or a point are cached apart, each counted on its first visit.
    ProposalFactory(title="Overflowing bins again")
    assert search_proposals("bins").total == 2
    assert search_proposals("", filters={"status": "published"}).total == 5


def test_facet_labels_follow_the_reader_s_language(world):
    from django.utils import translation

    with translation.override("ko"):
        facets = search_proposals("").facets
    assert {v.label for v in facets["category"]} == {"안전", "환경", "교통"}
    assert {v.label for v in facets["area"]} == {"성동구 성수동", "성동구 옥수동"}
    assert next(v for v in facets["area"] if v.key == "oksu").label == "성동구 옥수동"


def test_facets_follow_the_query(world):
    facets = search_proposals("가로등").facets
    assert {(v.key, v.count) for v in facets["category"]} == {("safety", 2), ("environment", 1)}


def test_filters_narrow_by_status_category_and_area(world):
    assert titles(search_proposals("", filters={"status": "under_review"})) == ["버스 정류장 온열 의자"]
    assert set(titles(search_proposals("가로등", filters={"category": "safety"}))) == {
        "골목 가로등 고장",
        "가로등 교체 요청",
    }
    result = search_proposals("", filters={"area": "oksu", "category": "safety"})
    assert titles(result) == ["Broken street light by the school"]
    assert next(v for v in result.facets["area"] if v.key == "oksu").selected


def test_unknown_filter_values_find_nothing_and_junk_filters_are_ignored(world):
    assert search_proposals("", filters={"category": "no-such-category"}).total == 0
    # Not a status, the withdrawn status, unknown keys: dropped, so everything public is listed.
    for junk in ({"status": "bogus"}, {"status": "withdrawn"}, {"colour": "red"}, {"area": "x" * 500}):
        assert search_proposals("", filters=junk).total == 5


def test_sort_by_votes_and_newest(world):
    assert titles(search_proposals("", sort=Sort.VOTES))[:3] == [
        "공원 미세먼지 측정기 설치",
        "골목 가로등 고장",
        "버스 정류장 온열 의자",
    ]
    assert titles(search_proposals("가로등", sort=Sort.NEWEST)) == [
        "공원 미세먼지 측정기 설치",
        "골목 가로등 고장",
        "가로등 교체 요청",
    ]


def test_unknown_sort_falls_back_to_relevance_for_a_query(world):
    assert search_proposals("가로등", sort="rand()").sort == Sort.RELEVANCE


def test_near_me_keeps_proposals_within_the_radius_nearest_first(world):
    result = search_proposals("", near=Near(Point(*NEAR_SCHOOL), radius_km=1))
    assert titles(result) == ["Broken street light by the school", "골목 가로등 고장"]
    assert result.sort == Sort.DISTANCE
    assert result.hits[0].distance_km == pytest.approx(0, abs=0.01)
    assert result.hits[1].distance_km == pytest.approx(0.14, abs=0.02)


def test_near_me_excludes_far_and_unplaced_proposals(world):
    result = search_proposals("", near=Near(Point(*NEAR_MARKET), radius_km=2))
    assert "버스 정류장 온열 의자" not in titles(result)  # about 7 km away
    assert "공원 미세먼지 측정기 설치" not in titles(result)  # no point on the map
    assert "버스 정류장 온열 의자" in titles(search_proposals("", near=Near(Point(*FAR_AWAY), radius_km=1)))


def test_near_me_combines_with_words_and_sorts(world):
    result = search_proposals("가로등", near=Near(Point(*NEAR_SCHOOL), radius_km=1), sort=Sort.VOTES)
    assert titles(result) == ["골목 가로등 고장"]
    assert result.hits[0].distance_km == pytest.approx(0.14, abs=0.02)


def test_distance_sort_without_a_point_is_not_used(world):
    assert search_proposals("", sort=Sort.DISTANCE).sort == Sort.NEWEST


def test_pagination_pages_through_twenty_at_a_time(db):
    for number in range(25):
        ProposalFactory(title=f"Bench repair request number {number}")
    first = search_proposals("bench")
    second = search_proposals("bench", page=2)
    assert (first.total, len(first.hits), first.num_pages) == (25, 20, 2)
    assert (first.has_next, first.has_previous) == (True, False)
    assert (len(second.hits), second.has_next, second.has_previous, second.start_index) == (5, False, True, 21)
    assert not {hit.proposal.pk for hit in first.hits} & {hit.proposal.pk for hit in second.hits}


def test_page_beyond_the_end_or_garbage_is_clamped(db):
    for number in range(3):
        ProposalFactory(title=f"Bench repair request number {number}")
    assert search_proposals("bench", page=99).page == 1
    assert len(search_proposals("bench", page=99).hits) == 3
    assert search_proposals("bench", page="abc").page == 1
    assert search_proposals("bench", page=-4).page == 1


def test_similar_finds_open_proposals_with_a_korean_word_and_a_particle(world):
    found = [item.proposal.title for item in similar_proposals("가로등이 고장났어요", "골목이 어두워요")]
    assert found[0] == "골목 가로등 고장"
    assert "가로등 교체 요청" not in found  # rejected: no longer open
    assert "숨겨진 가로등 제안" not in found
    assert "철회된 가로등 제안" not in found


def test_similar_reports_distance_and_prefers_nearby(world):
    found = similar_proposals("broken light", "", point=Point(*NEAR_MARKET))
    assert found[0].proposal.title == "Broken street light by the school"
    assert found[0].distance_km == pytest.approx(0.14, abs=0.02)
    assert similar_proposals("broken light", "")[0].distance_km is None


def test_similar_returns_at_most_five(db):
    for number in range(8):
        ProposalFactory(title=f"Broken street light number {number}")
    assert len(similar_proposals("broken street light", "")) == 5


def test_similar_ignores_short_titles_and_unrelated_text(world):
    assert similar_proposals("가로", "") == []
    assert similar_proposals("", "가로등") == []
    assert similar_proposals("?!*", "") == []
    assert similar_proposals("zeppelin landing field", "") == []


def test_similar_leaves_out_an_off_topic_proposal_at_the_same_place(db):
    # Issue 9, point 9: a broken streetlight was shown retaining-wall cracks on the same street.
    wall = ProposalFactory(title="행당동 언덕길 옹벽에 금이 커지고 있어요", description="비가 오면 물이 배어 나옵니다.")
    light = ProposalFactory(title="행당동 언덕길 가로등이 꺼져 있어요", description="밤에 너무 어둡습니다.")
    found = [item.proposal for item in similar_proposals("행당동 언덕길 가로등이 나갔어요", "밤마다 깜깜해요")]
    assert found == [light]
    assert wall not in found


def test_similar_offers_only_open_proposals(db):
    for status in ("rejected", "piloting", "completed", "withdrawn"):
        ProposalFactory(title=f"가로등이 고장났어요 ({status})", status=status)
    open_one = ProposalFactory(title="가로등이 고장났어요", status="under_review")
    assert [item.proposal for item in similar_proposals("가로등 고장", "")] == [open_one]


def test_one_shared_everyday_word_does_not_make_a_duplicate(db):
    # One shared everyday word in a long, otherwise different title is not a duplicate.
    ProposalFactory(title="공원 화장실 청소와 쓰레기통 설치, 산책로 정비와 벤치 교체를 함께 요청합니다")
    assert similar_proposals("공원 분수 고장", "") == []
    assert similar_proposals("공원 벤치 교체", "")


@pytest.mark.postgres
def test_postgresql_forgives_a_typo_through_trigram_word_similarity(world):
    assert titles(search_proposals("streeet")) == ["Broken street light by the school"]


@pytest.mark.postgres
def test_postgresql_search_indexes_exist(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'proposals_proposal'")
        indexes = dict(cursor.fetchall())
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)
    assert "gin_trgm_ops" in indexes["search_proposal_title_trgm"]
    assert "gin_trgm_ops" in indexes["search_proposal_description_trgm"]
    assert "search_proposal_fts" not in indexes  # unused since words match the analysed text; every vote paid for it
    assert "(latitude, longitude)" in indexes["search_proposal_point"]
    assert "search_word_bigrams" in indexes["search_proposal_word_bigrams"]


@pytest.mark.postgres
def test_postgresql_finds_a_two_character_fragment_through_the_word_bigram_index(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ProposalFactory(title="(LED가로등) 고장", description="")  # inside a word with brackets and Latin
    ProposalFactory(title="가로 등", description="")  # the two characters apart: not the fragment
    ProposalFactory(title="신호", description="첫 줄\n가로등은 둘째 줄에")  # on a later line
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_word_bigrams('골목 가로등이\n(로등)')")
        assert sorted(cursor.fetchone()[0]) == sorted(["골목", "가로", "로등", "등이", "(로", "등)"])
    with CaptureQueriesContext(connection) as queries:
        found = set(titles(search_proposals("로등")))
    assert found == {"골목 가로등 고장", "공원 미세먼지 측정기 설치", "가로등 교체 요청", "(LED가로등) 고장", "신호"}
    assert any("search_word_bigrams(" in query["sql"] for query in queries)
    # The same answer as reading every text, which the index replaces.
    expected = {
        proposal.title
        for proposal in Proposal.objects.public()
        if "로등" in proposal.title or "로등" in proposal.description
    }
    assert found == expected
    # Written as the index is, so PostgreSQL can use it (with sequential scans priced out, as on a big table).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = Proposal.objects.filter(WordBigram("로등")).order_by().values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        assert "search_proposal_word_bigrams" in "\n".join(row[0] for row in cursor.fetchall())
