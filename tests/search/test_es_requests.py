"""(a) What the Elasticsearch backend sends: the exact index definition, documents and query bodies.

These compare the bodies built with elasticsearch-dsl to literal dicts written from Elasticsearch 8's
documentation. They say nothing about how a cluster would rank; the opt-in suite (test_es_cluster.py) does.
"""

import json

import pytest

from search.backends.elasticsearch import build_search, build_similar
from search.documents import ProposalDocument, index_action, new_index_name, proposal_index, proposals_alias
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
    "fields": {"en": {"type": "text", "analyzer": "english"}},
}


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


def test_index_settings_analysis_and_mapping_are_exact():
    assert proposal_index("test-proposals-1").to_dict() == {
        "settings": {
            "number_of_shards": 1,
            "analysis": {
                "analyzer": {
                    "korean_text": {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["cjk_width", "lowercase", "cjk_bigram"],
                    }
                }
            },
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "title": TEXT,
                "description": TEXT,
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
                            "fields": ["title^3", "title.en^2", "description", "description.en"],
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
                "title.en": {"number_of_fragments": 0},
                "description": {"fragment_size": 200, "number_of_fragments": 1},
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
    assert sent == normalise_query(raw)[0]
    assert len(sent) <= 200


def test_similar_is_more_like_this_among_open_proposals():
    body = build_similar(title="가로등이 고장났어요", text="골목이 어두워요", point=None, limit=5).to_dict()
    assert body == {
        "query": {
            "bool": {
                "must": [
                    {
                        "more_like_this": {
                            "fields": ["title", "description"],
                            "like": "가로등이 고장났어요\n골목이 어두워요",
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
    assert body["query"]["bool"]["must"][0]["more_like_this"]["like"] == "broken light"
