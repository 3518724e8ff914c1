"""Backend choice: Elasticsearch when ELASTICSEARCH_URL is set, the database otherwise."""

from django.conf import settings

from .base import SearchBackend, SearchUnavailable
from .database import DatabaseBackend


def get_backend() -> SearchBackend:
    if settings.ELASTICSEARCH_URL:
        # Lazy on purpose, not to dodge a loop: the Elasticsearch client and elasticsearch-dsl are only
        # imported by sites that configure a cluster, keeping the embedded default's start-up light.
        from .elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend()
    return DatabaseBackend()


__all__ = ["DatabaseBackend", "SearchBackend", "SearchUnavailable", "get_backend"]
