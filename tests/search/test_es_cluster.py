"""(e) Opt-in: the real behaviour against a real Elasticsearch 8 cluster.

Runs only when ELASTICSEARCH_URL is set in the environment (no cluster exists on our machines, so these are
skipped there, in CI too). Each run uses its own index prefix and deletes its indices afterwards.
"""

import io
import os
import uuid

import pytest
from django.core.management import call_command

from search.backends.elasticsearch import get_client
from search.documents import proposals_alias
from search.indexing import proposal_changed
from search.interface import Near, Point, Sort, search_proposals, similar_proposals
from search.models import IndexOutbox

from .conftest import NEAR_SCHOOL

CLUSTER_URL = os.environ.get("ELASTICSEARCH_URL", "")

pytestmark = [pytest.mark.elasticsearch, pytest.mark.django_db]


@pytest.fixture
def cluster(settings, world):
    if not CLUSTER_URL:
        # Deliberately a plain skip, also in CI: there is no cluster to require.
        pytest.skip("needs a real Elasticsearch 8 cluster: set ELASTICSEARCH_URL")
    settings.ELASTICSEARCH_URL = CLUSTER_URL
    settings.ELASTICSEARCH_INDEX_PREFIX = f"livinglab-test-{uuid.uuid4().hex[:8]}"
    settings.ELASTICSEARCH_TIMEOUT = 10.0
    call_command("search_index", "--rebuild", "--no-progress", stdout=io.StringIO())
    client = get_client()
    yield client
    # ES 8 refuses wildcard deletes (action.destructive_requires_name): list this run's indices, delete each by name.
    names = [
        row["index"] for row in client.cat.indices(index=f"{settings.ELASTICSEARCH_INDEX_PREFIX}-*", format="json")
    ]
    for name in names:
        client.indices.delete(index=name, ignore_unavailable=True)


def refresh(client):
    client.indices.refresh(index=proposals_alias())


def titles(result):
    return [hit.proposal.title for hit in result.hits]


def test_korean_fragment_finds_proposals_with_highlights(cluster, world):
    result = search_proposals("가로등")
    assert not result.degraded
    assert set(titles(result)) == {"골목 가로등 고장", "공원 미세먼지 측정기 설치", "가로등 교체 요청"}
    assert any("<mark>" in hit.title_html for hit in result.hits)


def test_english_word_matches_through_the_english_subfield(cluster, world):
    assert titles(search_proposals("lights")) == ["Broken street light by the school"]


def test_facets_filters_and_sorts(cluster, world):
    result = search_proposals("", filters={"category": "safety"}, sort=Sort.VOTES)
    assert titles(result) == ["골목 가로등 고장", "Broken street light by the school", "가로등 교체 요청"]
    assert {(v.key, v.count) for v in search_proposals("").facets["area"]} == {("seongsu", 3), ("oksu", 2)}


def test_near_me(cluster, world):
    result = search_proposals("", near=Near(Point(*NEAR_SCHOOL), 1))
    assert titles(result) == ["Broken street light by the school", "골목 가로등 고장"]


def test_similar_proposals(cluster, world):
    found = [item.proposal.title for item in similar_proposals("골목 가로등이 고장났어요", "밤에 어두워요")]
    assert found and found[0] == "골목 가로등 고장"
    assert "가로등 교체 요청" not in found


def test_hiding_removes_from_the_index_and_check_agrees(cluster, world):
    proposal = world["alley_light"]
    proposal.is_hidden = True
    proposal.save()
    proposal_changed(proposal.pk)
    refresh(cluster)
    assert "골목 가로등 고장" not in titles(search_proposals("가로등"))
    assert IndexOutbox.objects.count() == 0
    call_command("search_index", "--check", stdout=io.StringIO())
