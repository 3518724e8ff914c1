"""The judged query set's data and measures (search/relevance), which `manage.py search_eval` reports."""

import pytest

from search import relevance
from search.relevance import Label


def test_the_judged_set_covers_every_class_of_the_issue_with_at_least_80_queries():
    judgments = relevance.load()
    classes = {judgment["class"] for judgment in judgments["queries"]}
    assert len(judgments["queries"]) >= 80
    assert classes == {
        "bare noun",
        "noun with particle",
        "inflected verb or adjective",
        "single syllable",
        "compound noun or part",
        "Latin or digits with Hangul",
        "English",
        "Korean and English together",
        "place name with or without 동/구/역",
        "spacing variant or typo",
    }
    templates, places = set(judgments["templates"]), set(judgments["places"])
    extras = {extra["key"] for extra in judgments["extra_proposals"]}
    for judgment in judgments["queries"]:
        for clause in judgment["relevant"]:
            assert set(clause.get("templates", [])) <= templates, judgment
            assert set(clause.get("places", [])) <= places, judgment
            assert set(clause.get("extra", [])) <= extras, judgment


def test_labels_come_from_titles_and_relevance_from_clauses():
    judgments = relevance.load()
    rows = [
        (1, "행당역 사거리 골목이 밤에 너무 어두워요", "haengdang-1-dong"),
        (2, "The alley behind the Haengdang Station crossroads is too dark at night", "haengdang-1-dong"),
        (3, "행당역 앞 LED가로등이 고장났어요", "haengdang-1-dong"),
        (4, "A title no template makes", "haengdang-1-dong"),
    ]
    labels = relevance.label_proposals(judgments, rows)
    assert labels[1] == Label("dark-alley", "ko", "haengdang-crossroads", "haengdang-1-dong")
    assert labels[2].lang == "en"
    assert labels[3].extra == "led-streetlight"
    assert 4 not in labels
    query = {"relevant": [{"templates": ["dark-alley"], "lang": "ko"}, {"extra": ["led-streetlight"]}]}
    assert relevance.relevant_ids(query, labels) == {1, 3}
    assert relevance.relevant_ids({"relevant": [{"dongs": ["haengdang-1-dong"]}]}, labels) == {1, 2, 3}


def test_measures():
    assert relevance.recall_at([1, 2, 3], {1, 3, 9}) == pytest.approx(2 / 3)
    assert relevance.recall_at(list(range(10)), set(range(30))) == 1.0  # at most ten can fit
    assert relevance.reciprocal_rank([5, 6, 1], {1}) == pytest.approx(1 / 3)
    assert relevance.reciprocal_rank([5, 6], {1}) == 0.0
    assert relevance.ndcg_at([1, 2], {1, 2}) == pytest.approx(1.0)
    assert relevance.ndcg_at([9, 1], {1}) == pytest.approx(1 / 1.5849625, rel=1e-6)
