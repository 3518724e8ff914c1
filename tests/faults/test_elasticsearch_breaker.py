"""A hanging or failing Elasticsearch costs a few reads, then none: one breaker for proposal and page search.

Behaviour only, no wall clock: the breaker opens after N cluster failures, later reads do not reach the
server at all, and the search page still answers, from the database, for proposals and Wagtail pages.
"""

import socket
import threading

import pytest
from django.urls import reverse

from search.backends.base import SearchUnavailable
from search.backends.elasticsearch import CircuitBreaker, ElasticsearchBackend, _breakers, _client, read_breaker
from search.interface import SearchRequest, Sort, search_proposals
from tests.factories import ProposalFactory

from ..search.loopback_elasticsearch import LoopbackElasticsearch

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


class CountingHangingServer:
    """Accepts every connection, counts it, and never answers a byte."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.connections = 0
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self

    def _accept(self):
        while True:
            try:
                conn, _address = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            self.connections += 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __exit__(self, *exc):
        self.sock.close()
        for conn in self.held:
            conn.close()


def request_for(query: str) -> SearchRequest:
    return SearchRequest(
        query=query, terms=query.split(), filters={}, sort=Sort.RELEVANCE, page=1, page_size=10, near=None
    )


@pytest.fixture
def cluster_settings(settings):
    settings.ELASTICSEARCH_INDEX_PREFIX = "test"
    settings.ELASTICSEARCH_READ_TIMEOUT = 0.2
    settings.ELASTICSEARCH_BREAKER_FAILURES = 2
    settings.ELASTICSEARCH_BREAKER_RESET = 3600
    _client.cache_clear()
    _breakers.clear()
    yield settings
    _client.cache_clear()
    _breakers.clear()


def test_breaker_opens_after_n_failures_then_lets_one_trial_through():
    now = [0.0]
    breaker = CircuitBreaker(failures=2, reset_after=10, clock=lambda: now[0])
    calls = []

    def failing():
        calls.append(1)
        raise SearchUnavailable("timed out")

    for _ in range(2):
        with pytest.raises(SearchUnavailable):
            breaker.call(failing)
    assert breaker.is_open and len(calls) == 2
    with pytest.raises(SearchUnavailable, match="circuit open"):
        breaker.call(failing)
    assert len(calls) == 2
    now[0] = 11.0
    assert breaker.call(lambda: "answer") == "answer"
    assert not breaker.is_open


def test_a_bad_query_does_not_open_the_breaker():
    breaker = CircuitBreaker(failures=1, reset_after=10)

    def refused():
        raise SearchUnavailable("bad request", cluster_down=False)

    with pytest.raises(SearchUnavailable):
        breaker.call(refused, is_failure=lambda exc: exc.cluster_down)
    assert not breaker.is_open


def test_a_hanging_cluster_is_skipped_after_two_reads(cluster_settings):
    with CountingHangingServer() as server:
        cluster_settings.ELASTICSEARCH_URL = server.url
        backend = ElasticsearchBackend()
        for _ in range(5):
            with pytest.raises(SearchUnavailable):
                backend.search(request_for("street light"))
        assert server.connections == 2
        assert read_breaker().is_open


def test_proposal_search_answers_from_the_database_while_the_cluster_hangs(cluster_settings):
    ProposalFactory(title="Broken street light")
    with CountingHangingServer() as server:
        cluster_settings.ELASTICSEARCH_URL = server.url
        results = [search_proposals("street light") for _ in range(5)]
        assert server.connections <= 2
    assert all(result.degraded and result.total == 1 for result in results)


def test_a_failing_cluster_opens_the_breaker_shared_with_page_search(cluster_settings, client):
    with LoopbackElasticsearch() as server:
        server.state.fail_status = 503
        cluster_settings.ELASTICSEARCH_URL = server.url
        for _ in range(2):
            with pytest.raises(SearchUnavailable):
                ElasticsearchBackend().search(request_for("street light"))
        assert read_breaker().is_open
        seen = len(server.state.requests)
        response = client.get(reverse("search:search"), {"q": "street light"})
        assert response.status_code == 200
        response = client.get(reverse("search:pages"), {"q": "street light"}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert len(server.state.requests) == seen  # neither proposals nor pages asked the cluster


def test_the_search_page_falls_back_to_the_database_for_pages_when_the_cluster_hangs(cluster_settings, client):
    from home.demo import build_pages

    home = build_pages()
    with CountingHangingServer() as server:
        cluster_settings.ELASTICSEARCH_URL = server.url
        cluster_settings.WAGTAILSEARCH_BACKENDS = {
            "default": {
                "BACKEND": "wagtail.search.backends.elasticsearch8",
                "URLS": [server.url],
                "INDEX_PREFIX": "test-wagtail-",
                "TIMEOUT": 0.2,
                "OPTIONS": {"max_retries": 0},
                "INDEX_SETTINGS": {},
            },
            "database": {"BACKEND": "wagtail.search.backends.database"},
        }
        for _ in range(3):
            response = client.get(reverse("search:pages"), {"q": home.title}, headers={"HX-Request": "true"})
            assert response.status_code == 200
        assert server.connections <= 2
    # The database answered: its results are shown, with a word that they come from a simpler search.
    assert response.context["pages_degraded"] is True
    assert response.context["pages_failed"] is False
    body = response.content.decode()
    assert f'href="{home.url}"' in body
    assert "come from a simpler search" in body
    assert "cannot be searched" not in body
