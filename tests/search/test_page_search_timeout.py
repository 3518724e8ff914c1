"""Page search reads give up after the short read timeout; Wagtail's index writes keep the long one.

Behaviour only, no wall clock: the request timeout each Elasticsearch request is sent with, the fallback
to Wagtail's database backend, and the failure the shared read breaker counts.
"""

import elastic_transport
import pytest
from wagtail.search.backends import get_search_backend

from search.backends.elasticsearch import _breakers, read_breaker
from search.views import search_pages
from search.wagtail_index import outbox_backends, search_backend

from .loopback_elasticsearch import HangingServer

pytestmark = pytest.mark.django_db

READ_TIMEOUT = 0.2
WRITE_TIMEOUT = 30.0


@pytest.fixture
def sent_timeouts(monkeypatch):
    """The request_timeout of every request the Elasticsearch clients send, with its method and target."""
    sent = []
    perform_request = elastic_transport.Transport.perform_request

    def recording(self, method, target, **kwargs):
        sent.append((method, target, kwargs.get("request_timeout")))
        return perform_request(self, method, target, **kwargs)

    monkeypatch.setattr(elastic_transport.Transport, "perform_request", recording)
    return sent


@pytest.fixture
def hanging_cluster(settings):
    from home.demo import build_pages

    home = build_pages()  # indexed by the database backend, the fallback
    _breakers.clear()
    with HangingServer() as server:
        settings.ELASTICSEARCH_URL = server.url
        settings.ELASTICSEARCH_READ_TIMEOUT = READ_TIMEOUT
        settings.ELASTICSEARCH_TIMEOUT = WRITE_TIMEOUT
        settings.ELASTICSEARCH_BREAKER_FAILURES = 3
        settings.ELASTICSEARCH_BREAKER_RESET = 3600
        # As livinglab/settings/base.py configures it: the entry's TIMEOUT is the long, write-side one.
        settings.WAGTAILSEARCH_BACKENDS = {
            "default": {
                "BACKEND": "wagtail.search.backends.elasticsearch8",
                "URLS": [server.url],
                "INDEX_PREFIX": "test-wagtail-",
                "TIMEOUT": WRITE_TIMEOUT,
                "OPTIONS": {},
                "INDEX_SETTINGS": {},
                "AUTO_UPDATE": False,
            },
            "database": {"BACKEND": "wagtail.search.backends.database"},
        }
        yield home
    _breakers.clear()


def test_page_search_gives_up_after_the_read_timeout_and_falls_back(hanging_cluster, sent_timeouts):
    home = hanging_cluster

    pages, from_fallback = search_pages(home.title)

    searches = [timeout for method, target, timeout in sent_timeouts if "_search" in target]
    assert searches, sent_timeouts  # the cluster was asked, with the reads' short timeout only
    assert set(searches) == {READ_TIMEOUT}
    assert from_fallback is True
    assert home.title in [page.title for page in pages]
    assert read_breaker().consecutive_failures == 1


def test_wagtail_index_writes_keep_the_long_timeout(hanging_cluster):
    # The backends the outbox task (search/wagtail_index.py) and rebuild_modelsearch_index write are built
    # from the settings alone; the read timeout is an override of the page search view only.
    cluster = [get_search_backend(name) for name in outbox_backends()]
    assert [backend.timeout for backend in cluster] == [WRITE_TIMEOUT]


def test_one_backend_and_client_per_process_and_settings(hanging_cluster, settings):
    """Wagtail builds a new backend, and so a new Elasticsearch client and connection pool, on every
    ``get_search_backend`` call: a new connection to the cluster per page search. Ours are kept per process
    and settings, and a changed setting gets its own."""
    first = search_backend("default", TIMEOUT=READ_TIMEOUT)
    assert search_backend("default", TIMEOUT=READ_TIMEOUT) is first
    assert search_backend("default", TIMEOUT=READ_TIMEOUT).es is first.es
    assert search_backend("default") is not first  # the writes' timeout is another client
    assert search_backend("default").timeout == WRITE_TIMEOUT
    settings.WAGTAILSEARCH_BACKENDS = {
        **settings.WAGTAILSEARCH_BACKENDS,
        "default": {**settings.WAGTAILSEARCH_BACKENDS["default"], "INDEX_PREFIX": "another-site-"},
    }
    moved = search_backend("default", TIMEOUT=READ_TIMEOUT)
    assert moved is not first and moved.index_prefix == "another-site-"
