"""(c) and (d): the cluster is down (a closed loopback port) or hanging (a socket that never answers).

Residents' writes must succeed quickly either way, the outbox must keep every write, and a later sync against
an answering server (the loopback stand-in, not a cluster) must empty it.
"""

import io

import pytest
from django.core.management import call_command

from proposals.models import Proposal
from proposals.services import submit_proposal
from search.indexing import proposal_changed
from search.interface import search_proposals, similar_proposals
from search.models import IndexOutbox
from tests.factories import CategoryFactory, DongFactory, ResidentFactory

from .loopback_elasticsearch import LoopbackElasticsearch

pytestmark = pytest.mark.django_db


def submit(author, category, area, number, capture):
    """One submission through the proposals service, which indexes after its transaction commits."""
    with capture(execute=True) as callbacks:
        submit_proposal(
            author=author,
            title=f"가로등 고장 신고 {number}",
            description="골목 가로등이 일주일째 꺼져 있어서 밤길이 위험합니다.",
            category=category,
            area=area,
        )
    assert callbacks, "the service scheduled no after-commit work"


def test_cluster_down_100_submissions_succeed_fast_queue_all_and_sync_empties_the_outbox(
    cluster_down, settings, django_capture_on_commit_callbacks
):
    settings.PROPOSAL_RATE_LIMIT = "1000/h"
    author, category, area = ResidentFactory(), CategoryFactory(), DongFactory()
    for number in range(100):
        submit(author, category, area, number, django_capture_on_commit_callbacks)
    # Every submission is stored although no write reached the cluster (timings: bench/, not here).
    assert Proposal.objects.filter(author=author).count() == 100
    assert IndexOutbox.objects.count() == 100
    assert all("Connection" in error for error in IndexOutbox.objects.values_list("last_error", flat=True))

    with LoopbackElasticsearch() as server:
        settings.ELASTICSEARCH_URL = server.url
        server.state.indices["test-proposals-1"] = {"body": {}, "docs": {}}
        server.state.aliases["test-proposals"] = "test-proposals-1"
        out = io.StringIO()
        call_command("search_index", "--sync", "--inline", stdout=out)
        assert "Replayed 100 of 100" in out.getvalue()
        assert IndexOutbox.objects.count() == 0
        assert len(server.state.documents("test-proposals")) == 100
        assert all(request.path == "/_bulk" for request in server.state.requests)


def test_repeated_failures_keep_one_entry_per_proposal(cluster_down, world):
    for _ in range(3):
        proposal_changed(world["alley_light"].pk)
    entry = IndexOutbox.objects.get()
    assert entry.attempts == 3
    assert entry.action == "index"


def test_a_hidden_proposal_queues_a_delete(cluster_down, world):
    proposal_changed(world["hidden_light"].pk)
    assert IndexOutbox.objects.get().action == "delete"


def test_search_falls_back_to_the_database_when_the_cluster_is_down(cluster_down, client, world):
    result = search_proposals("가로등")
    assert result.degraded
    assert result.total == 3
    assert similar_proposals("가로등 고장", "")[0].proposal == world["alley_light"]
    assert client.get("/search/", {"q": "가로등"}).status_code == 200


def test_hanging_cluster_write_returns_within_the_timeout_and_is_queued(cluster_hanging, settings, world):
    settings.ELASTICSEARCH_TIMEOUT = 2.0
    proposal_changed(world["alley_light"].pk)  # returns: the write gave up at its timeout
    entry = IndexOutbox.objects.get()
    assert entry.proposal_id == world["alley_light"].pk
    assert "Timeout" in entry.last_error or "timed out" in entry.last_error


def test_hanging_cluster_search_page_answers_from_the_database(cluster_hanging, client, world):
    response = client.get("/search/", {"q": "가로등"})
    assert response.status_code == 200
    assert "The search service is not answering right now" in response.content.decode()
