"""(a) What the Elasticsearch backend sends: the exact index definition, documents and query bodies.

These compare the bodies built with elasticsearch-dsl to literal dicts written from Elasticsearch 8's
documentation. They say nothing about how a cluster would rank; the opt-in suite (test_es_cluster.py) does.
"""

import json

import pytest

from proposals.models import Proposal
from search.backends.elasticsearch import build_search, build_similar
from search.documents import (
    ProposalDocument,
    bulk_index_actions,
    index_action,
    new_index_name,
    proposal_index,
    proposals_alias,
)
from search.interface import (
    PAGE_SIZE,
    Near,
    Point,
    SearchRequest,
    Sort,
    clean_filters,
    normalise_query,
    query_terms,
    resolve_sort,
)

HL_START, HL_END = "\ue000", "\ue001"
TEXT = {
    "type": "text",
    "analyzer": "korean_text",
    "fields": {
        "en": {"type": "text", "analyzer": "english"},
        "bigram": {"type": "text", "analyzer": "korean_bigram"},
        "unigram": {"type": "text", "analyzer": "korean_unigram"},
    },
}
SPLIT = {
    "type": "pattern_replace",
    "pattern": "(?<=[A-Za-z0-9])(?=[가-힣])|(?<=[가-힣])(?=[A-Za-z0-9])",
    "replacement": " ",
}
MARKS = {"type": "pattern_replace", "pattern": "[*`~]+", "replacement": ""}
BIGRAMS = {
    "type": "custom",
    "char_filter": ["markdown_marks", "latin_hangul_split"],
    "tokenizer": "standard",
    "filter": ["cjk_width", "lowercase", "cjk_bigram"],
}
UNIGRAMS = BIGRAMS | {"filter": ["cjk_width", "lowercase", "korean_unigrams"]}
FIELDS = [
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


def request_for(query="", filters=None, sort=None, page=1, near=None) -> SearchRequest:
    text, _ = normalise_query(query)
    return SearchRequest(
        query=text,
        terms=query_terms(text),
        filters=clean_filters(filters),
        sort=resolve_sort(sort, query=text, near=near),
        page=page,
        page_size=PAGE_SIZE,
        near=near,
    )


def test_alias_and_concrete_index_names_use_the_prefix(settings):
    settings.ELASTICSEARCH_INDEX_PREFIX = "seongdong"
    assert proposals_alias() == "seongdong-proposals"
    name = new_index_name()
    assert name.startswith("seongdong-proposals-")
    assert len(name.rsplit("-", 1)[1]) == 20  # YYYYmmddHHMMSS + microseconds


def test_nori_analysis_uses_the_place_dictionary_and_drops_particles():
    analysis = proposal_index("test-proposals-1", nori=True).to_dict()["settings"]["analysis"]
    assert analysis["analyzer"]["korean_text"] == {
        "type": "custom",
        "char_filter": ["markdown_marks", "latin_hangul_split"],
        "tokenizer": "korean_nori",
        "filter": ["nori_part_of_speech", "nori_readingform", "lowercase"],
    }
    tokenizer = analysis["tokenizer"]["korean_nori"]
    assert tokenizer["type"] == "nori_tokenizer"
    assert tokenizer["decompound_mode"] == "mixed"
    assert {"행당", "왕십리", "신도림", "도림천"} <= set(tokenizer["user_dictionary_rules"])
    # The bigram and unigram subfields are the same as without Nori, so queries do not depend on the plugin.
    assert analysis["analyzer"]["korean_bigram"] == BIGRAMS
    assert analysis["analyzer"]["korean_unigram"] == UNIGRAMS


def test_index_settings_analysis_and_mapping_are_exact():
    assert proposal_index("test-proposals-1").to_dict() == {
        "settings": {
            "number_of_shards": 1,
            "analysis": {
                "char_filter": {"markdown_marks": MARKS, "latin_hangul_split": SPLIT},
                "filter": {"korean_unigrams": {"type": "cjk_bigram", "output_unigrams": True}},
                "analyzer": {"korean_text": BIGRAMS, "korean_bigram": BIGRAMS, "korean_unigram": UNIGRAMS},
            },
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "title": TEXT,
                "description": TEXT,
                "place": TEXT,
                "status": {"type": "keyword"},
                "category": {"type": "keyword"},
                "area": {"type": "keyword"},
                "district": {"type": "keyword"},
                "vote_count": {"type": "integer"},
                "comment_count": {"type": "integer"},
                "created_at": {"type": "date"},
                "updated_at": {"type": "date"},
                "location": {"type": "geo_point"},
            },
        },
    }


@pytest.mark.django_db
def test_document_for_a_proposal(world):
    proposal = world["alley_light"]
    action = index_action(proposal, "test-proposals-1")
    assert action == {
        "_index": "test-proposals-1",
        "_id": proposal.pk,
        "_source": {
            "title": "골목 가로등 고장",
            "description": "밤마다 골목이 너무 어두워서 위험합니다. 가로등을 고쳐 주세요.",
            "place": "성수동 Seongsu-dong 성동구 Seongdong-gu",
            "status": "published",
            "category": "safety",
            "area": "seongsu",
            "district": "seongdong-gu",
            "vote_count": 12,
            "comment_count": 0,
            "created_at": proposal.created_at,
            "updated_at": proposal.updated_at,
            "location": {"lat": 37.56, "lon": 127.04},
        },
    }


@pytest.mark.django_db
def test_document_without_a_point_has_no_location(world):
    assert "location" not in ProposalDocument.from_proposal(world["dust"]).to_dict(skip_empty=True)


def test_korean_query_with_filters_facets_highlight_and_relevance():
    body = build_search(request_for("가로등 고장", {"status": "published", "category": "safety"})).to_dict()
    assert body == {
        "query": {
            "bool": {
                "must": [
                    {
                        "simple_query_string": {
                            "query": "가로등 고장",
                            "fields": FIELDS,
                            "default_operator": "and",
                            "flags": "AND|OR|NOT|PHRASE|PREFIX|PRECEDENCE|WHITESPACE",
                        }
                    }
                ],
                "filter": [{"term": {"status": "published"}}, {"term": {"category": "safety"}}],
            }
        },
        "aggs": {
            "status": {"terms": {"field": "status", "size": 20}},
            "category": {"terms": {"field": "category", "size": 20}},
            "area": {"terms": {"field": "area", "size": 20}},
        },
        "sort": ["_score", {"vote_count": {"order": "desc"}}, {"created_at": {"order": "desc"}}],
        "highlight": {
            "pre_tags": [HL_START],
            "post_tags": [HL_END],
            "fields": {
                "title": {"number_of_fragments": 0},
                "title.bigram": {"number_of_fragments": 0},
                "title.en": {"number_of_fragments": 0},
                "description": {"fragment_size": 200, "number_of_fragments": 1},
                "description.bigram": {"fragment_size": 200, "number_of_fragments": 1},
                "description.en": {"fragment_size": 200, "number_of_fragments": 1},
            },
        },
        "track_total_hits": True,
        "_source": False,
        "from": 0,
        "size": 20,
    }


def test_empty_query_matches_all_newest_first_without_highlight():
    body = build_search(request_for("")).to_dict()
    assert "query" not in body  # match_all
    assert "highlight" not in body
    assert body["sort"] == [{"created_at": {"order": "desc"}}]
    assert set(body["aggs"]) == {"status", "category", "area"}


def test_votes_sort_and_third_page():
    body = build_search(request_for("light", sort=Sort.VOTES, page=3)).to_dict()
    assert body["sort"] == [{"vote_count": {"order": "desc"}}, {"created_at": {"order": "desc"}}]
    assert (body["from"], body["size"]) == (40, 20)


def test_near_me_is_a_geo_distance_filter_sorted_by_distance():
    near = Near(Point(37.561, 127.041), radius_km=1.5)
    body = build_search(request_for("", {"area": "oksu"}, near=near)).to_dict()
    assert body["query"] == {
        "bool": {
            "filter": [
                {"term": {"area": "oksu"}},
                {"geo_distance": {"distance": "1.5km", "location": {"lat": 37.561, "lon": 127.041}}},
            ]
        }
    }
    assert body["sort"] == [
        {
            "_geo_distance": {
                "location": {"lat": 37.561, "lon": 127.041},
                "order": "asc",
                "unit": "km",
                "distance_type": "arc",
            }
        },
        {"created_at": {"order": "desc"}},
    ]


@pytest.mark.parametrize(
    "raw",
    ['"(AND OR * ? : \\ / [ ] { } ~ ^ !', "title:가로등 OR _exists_:x", "<script>alert(1)</script>", "a" * 1000],
)
def test_user_text_only_ever_reaches_simple_query_string(raw):
    body = build_search(request_for(raw)).to_dict()
    assert "query_string" not in json.dumps(body).replace("simple_query_string", "")
    sent = body["query"]["simple_query_string"]["query"]
    # What is sent is the analysed words: letters, digits and spaces only, so no operator survives.
    assert all(char.isalnum() or char == " " for char in sent)
    assert len(sent) <= 200


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("가로등이", "가로등"),
        ("사거리에서", "사거리"),
        ("LED가로등", "led 가로등"),
        ("3번출구", "3 출구"),
        ("고장났어요", "고장"),
        ("끊겨요", "끊*"),
        ("어두운 골목", "어두* 골목"),
        ("금", "금"),
        # A piece of a longer word goes as written, for the bigram subfield; not as its one-syllable noun "로".
        ("로등", "로등"),
        ("로등이", "로등"),
        ("비가", "비"),
    ],
)
def test_the_query_is_sent_after_korean_analysis(typed, sent):
    # With the bigram chain "가로등이" would require the bigram "등이", which "가로등을" does not have.
    body = build_search(request_for(typed)).to_dict()
    assert body["query"]["simple_query_string"]["query"] == sent


def test_pending_deletes_are_excluded_from_hits_totals_and_facets():
    body = build_search(request_for("가로등"), exclude_ids=[7, 9]).to_dict()
    assert body["query"]["bool"]["filter"] == [{"bool": {"must_not": [{"ids": {"values": ["7", "9"]}}]}}]
    assert body["track_total_hits"] is True  # the total and the aggregations run on the same filtered query


def test_similar_is_more_like_this_among_open_proposals():
    body = build_similar(title="가로등이 고장났어요", text="골목이 어두워요", point=None, limit=5).to_dict()
    assert body == {
        "query": {
            "bool": {
                "must": [
                    {
                        "more_like_this": {
                            "fields": ["title", "description"],
                            "like": [{"doc": {"title": "가로등이 고장났어요", "description": "골목이 어두워요"}}],
                            "min_term_freq": 1,
                            "min_doc_freq": 1,
                            "max_query_terms": 25,
                            "minimum_should_match": "30%",
                        }
                    }
                ],
                "filter": [{"terms": {"status": ["published", "under_review", "accepted"]}}],
            }
        },
        "_source": False,
        "size": 5,
    }


def test_similar_with_a_point_boosts_nearby_proposals():
    body = build_similar(title="broken light", text="", point=Point(37.56, 127.04), limit=5).to_dict()
    assert body["query"]["bool"]["should"] == [
        {"distance_feature": {"field": "location", "origin": {"lat": 37.56, "lon": 127.04}, "pivot": "1km"}}
    ]
    assert body["query"]["bool"]["must"][0]["more_like_this"]["like"] == [{"doc": {"title": "broken light"}}]


@pytest.mark.django_db
def test_bulk_rebuild_actions_are_the_documents_bodies(world):
    """The rebuild reads plain rows, not Document objects; each action is exactly what the Document gives."""
    public = list(Proposal.objects.public().select_related("category", "area", "area__parent").order_by("pk"))
    actions = list(bulk_index_actions(Proposal.objects.public(), "test-proposals-1"))
    assert actions == [index_action(proposal, "test-proposals-1") for proposal in public]
    for proposal, action in zip(public, actions, strict=True):
        document = ProposalDocument.from_proposal(proposal)
        expected = document.to_dict(include_meta=True, skip_empty=True) | {"_index": "test-proposals-1"}
        assert json.dumps(action, default=str) == json.dumps(expected, default=str)
    assert len(actions) == 5  # the world's public proposals; hidden and withdrawn ones are never indexed
