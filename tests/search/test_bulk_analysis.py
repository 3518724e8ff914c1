"""Bulk analysis for the database backend (issue 17, indexing throughput): the area's names are analysed once
per distinct value in a batch, with the same terms as when they were analysed with every description."""

import io

import pytest
from django.core.management import CommandError, call_command

from search import analysis, search_text
from search.analysis import analyse_many, as_terms
from search.models import ProposalSearchText
from tests.factories import AreaFactory, DongFactory, ProposalFactory

ROWS = [
    (1, "사거리 가로등 고장", "행당역 사거리에서 가로등이 깜빡여요.", "행당1동 Haengdang 1-dong 성동구 Seongdong-gu"),
    (2, "LED가로등 교체", "골목길 보안등을 LED로 바꿔 주세요.", "행당1동 Haengdang 1-dong 성동구 Seongdong-gu"),
    (3, "버스정류장 그늘막", "버스 정류장에 그늘막이 없어요.", "성수1가1동 Seongsu 1-ga 1-dong 성동구 Seongdong-gu"),
]


def test_place_names_join_the_body_terms_as_if_analysed_with_the_description():
    objects = search_text.analyse_rows(ROWS)
    for (_pk, _title, description, place), analysed in zip(ROWS, objects, strict=True):
        (together,) = analyse_many([f"{description} {place}"])
        assert set(analysed.body_terms.split()) == set(as_terms(together).split())
    assert "행당" in objects[0].body_terms.split() and "사거리" in objects[0].body_terms.split()


def test_each_distinct_place_is_analysed_once_per_batch(monkeypatch):
    seen = []

    def counting(texts):
        seen.extend(texts)
        return analyse_many(texts)

    monkeypatch.setattr(analysis, "analyse_many", counting)
    search_text.analyse_rows(ROWS)
    places = [text for text in seen if "성동구" in text]
    assert sorted(places) == sorted({row[3] for row in ROWS})  # two places for three proposals


def test_rows_without_a_place_still_analyse():
    (analysed,) = search_text.analyse_rows([(9, "벤치 파손", "놀이터 벤치가 부서졌어요.")])
    assert "벤치" in analysed.body_terms.split() and "놀이터" in analysed.body_terms.split()


@pytest.mark.django_db
def test_refresh_writes_one_row_per_proposal_with_one_query_per_batch(django_assert_max_num_queries):
    district = AreaFactory(name="성동구", name_en="Seongdong-gu", slug="seongdong-gu-bulk")
    proposals = [
        ProposalFactory(area=DongFactory(parent=district, slug=f"dong-{n % 2}-bulk"), title=f"가로등 {n}")
        for n in range(6)
    ]
    ProposalSearchText.objects.all().delete()
    with django_assert_max_num_queries(4):  # read the batch, upsert it (inside a savepoint and its release)
        written = search_text.refresh_search_text([p.pk for p in proposals])
    assert written == 6
    assert ProposalSearchText.objects.filter(body_terms__contains=" 성동").count() == 6


@pytest.mark.django_db
def test_analysis_in_processes_writes_the_rows_one_process_writes(monkeypatch):
    monkeypatch.setattr(search_text, "ANALYSE_BATCH", 2)  # five batches, so two jobs have more than one each
    texts = ["LED가로등이 깜빡여요", "**센서**로 지켜봐 주세요", "행당역 사거리에서 넘어졌어요", "버스정류장 지붕"]
    proposals = [ProposalFactory(title=f"{texts[n % 4]} {n}", description=texts[(n + 1) % 4]) for n in range(10)]
    ids = [p.pk for p in proposals]

    def stored():
        rows = ProposalSearchText.objects.filter(proposal_id__in=ids).order_by("proposal_id")
        return list(rows.values_list("proposal_id", "title_terms", "body_terms", "analyser_version"))

    assert search_text.refresh_search_text(ids) == 10
    one_process = stored()
    ProposalSearchText.objects.all().delete()
    spawned = []
    real_pool = analysis.ProcessPoolExecutor
    monkeypatch.setattr(analysis, "ProcessPoolExecutor", lambda **kwargs: spawned.append(kwargs) or real_pool(**kwargs))
    assert search_text.refresh_search_text(ids, jobs=2) == 10
    assert spawned and spawned[0]["max_workers"] == 2
    assert spawned[0]["mp_context"].get_start_method() == "spawn"  # never a fork holding our DB connections
    assert stored() == one_process
    ProposalSearchText.objects.all().delete()
    spawned.clear()
    assert search_text.refresh_search_text(ids[:3], jobs=2) == 3  # one batch a job or less: not worth a process
    assert not spawned


@pytest.mark.django_db
def test_search_index_analyse_takes_its_jobs_and_refuses_none(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "search.management.commands.search_index.refresh_search_text",
        lambda ids, jobs: calls.append((list(ids), jobs)) or 0,
    )
    call_command("search_index", "--analyse", "--jobs", "3", stdout=io.StringIO())
    assert calls == [([], 3)]
    with pytest.raises(CommandError, match="--jobs must be at least 1"):
        call_command("search_index", "--analyse", "--jobs", "0", stdout=io.StringIO())
    assert len(calls) == 1


def test_each_distinct_written_word_is_analysed_once_per_process(monkeypatch):
    analysis._written_word.cache_clear()
    kiwi = analysis._kiwi()
    analysed = []

    class Counting:
        def tokenize(self, text, **options):
            analysed.append(text)
            return kiwi.tokenize(text, **options)

    monkeypatch.setattr(analysis, "_kiwi", lambda: Counting())
    first, second = analyse_many(["가로등이 고장났어요. 가로등이 어두워요.", "골목 가로등이 고장났어요."])
    assert sorted(analysed) == sorted(["가로등이", "고장났어요.", "어두워요.", "골목"])
    assert first.count("가로등") == 2 and "어둡다" in first and "골목" in second
    analysed.clear()
    (again,) = analyse_many(["가로등이 고장났어요."])
    assert analysed == []  # every word already known
    assert again == first[: len(again)]  # the same tokens as the first time the words were read
    assert analysis._written_word.cache_info().maxsize == analysis.WORD_CACHE_SIZE


@pytest.mark.parametrize(
    ("document", "query", "expected"),
    [
        ("3번출구 앞 가로등", "출구", {"3", "출구", "번출구"}),  # digits keep their word's context: "3 번출구"
        ("LED가로등으로 바꿔 주세요", "LED", {"led", "가로등"}),
        ("CCTV설치 요청", "CCTV", {"cctv", "설치"}),
        ("행당역 사거리에서 넘어졌어요", "사거리에서", {"행당역", "행당", "사거리"}),
        ("보안등을 밝게", "보안등을", {"보안등"}),
    ],
)
def test_a_document_holds_the_tokens_its_words_give_as_queries(document, query, expected):
    from search.analysis import query_token_groups

    (tokens,) = analyse_many([document])
    assert expected <= set(tokens)
    for group in query_token_groups([query]):
        assert set(group) <= set(tokens), (query, group, tokens)


def test_a_romanised_place_and_its_english_suffix_are_read_across_words():
    (tokens,) = analyse_many(["The light at Haengdang Station is out"])
    assert {"haengdang", "station", "행당", "행당역"} <= set(tokens)


def test_markdown_marks_do_not_turn_a_particle_into_a_word():
    # "**센서**로": with the marks in place Kiwi read 로 as a noun of its own, so the query "로등" (a piece of
    # "가로등") matched this text and never looked inside words.
    (tokens,) = analyse_many(["옹벽에 **IoT 기울기 센서**로 경보를 달아 주세요"])
    assert {"iot", "기울기", "센서"} <= set(tokens)
    assert "로" not in tokens
    (tokens,) = analyse_many(["`센서`를 ~~빨리~~ 달아 주세요"])
    assert "센서" in tokens and "를" not in tokens


@pytest.mark.parametrize(
    ("query", "tokens"),
    [
        ("로등", ["로등"]),  # 로 + the dependent noun 등: a piece of "가로등"
        ("로등이", ["로등"]),  # its particle is not part of the piece
        ("안등", ["안등"]),  # of "보안등"
        ("정류", ["정류"]),  # 정 + the suffix 류: of "정류장"
        ("비가", ["비"]),  # a one-syllable noun and its particle stay the noun
        ("벽에", ["벽"]),
        ("차들이", ["차"]),  # the plural 들 is not a doubt
        ("가로등을", ["가로등"]),
        ("3번", ["3"]),
    ],
)
def test_a_query_word_read_as_a_lone_syllable_beside_a_dropped_noun_is_asked_as_written(query, tokens):
    from search.analysis import query_token_groups

    assert query_token_groups([query]) == [tokens]
