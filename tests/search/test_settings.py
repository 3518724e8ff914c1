"""The backend choice follows ELASTICSEARCH_URL, for proposals (search.backends) and pages (Wagtail)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from search.backends import DatabaseBackend, get_backend
from search.backends.elasticsearch import ElasticsearchBackend

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "from wagtail.search.backends import get_search_backend; "
    "print(json.dumps([settings.WAGTAILSEARCH_BACKENDS['default'], type(get_search_backend()).__module__]))"
)


def probe(**env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELASTICSEARCH_")}
    env.update({"DJANGO_SETTINGS_MODULE": "livinglab.settings.test", "DATABASE_URL": "", "REDIS_URL": ""})
    env.update(env_overrides)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_proposals_use_the_database_without_a_cluster(settings):
    settings.ELASTICSEARCH_URL = ""
    assert isinstance(get_backend(), DatabaseBackend)


def test_proposals_use_elasticsearch_when_a_cluster_is_configured(settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    assert isinstance(get_backend(), ElasticsearchBackend)


def test_wagtail_pages_use_the_database_backend_by_default():
    config, module = probe()
    assert config == {"BACKEND": "wagtail.search.backends.database"}
    assert module.startswith("modelsearch.backends.database")


def test_wagtail_pages_use_elasticsearch8_when_a_cluster_is_configured():
    config, module = probe(ELASTICSEARCH_URL="http://search.internal:9200", ELASTICSEARCH_INDEX_PREFIX="seongdong")
    assert config["BACKEND"] == "wagtail.search.backends.elasticsearch8"
    assert config["URLS"] == ["http://search.internal:9200"]
    assert config["INDEX_PREFIX"] == "seongdong-wagtail-"
    assert module == "modelsearch.backends.elasticsearch8"
    # Wagtail never writes the cluster inside a request; the search outbox does (search/wagtail_index.py).
    assert config["AUTO_UPDATE"] is False
