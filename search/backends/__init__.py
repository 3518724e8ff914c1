"""Backend choice: Elasticsearch when ELASTICSEARCH_URL is set, the database otherwise."""

from django.conf import settings

from .base import SearchUnavailable
from .database import DatabaseBackend


def get_backend():
    if settings.ELASTICSEARCH_URL:
        from .elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend()
    return DatabaseBackend()


__all__ = ["DatabaseBackend", "SearchUnavailable", "get_backend"]
