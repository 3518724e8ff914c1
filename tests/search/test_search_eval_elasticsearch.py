"""`search_eval`'s Elasticsearch row (issue 17): printed only from a cluster, said plainly otherwise.

The code path runs here through the real `elasticsearch` client against the loopback stand-in, which is not a
cluster and does no searching: these tests prove what the command sends (its own index, a bulk fill, one search
per judged query, and the deletion of exactly that index) and that it prints the row; they do not prove any
figure in it, which only a real cluster gives (docs/benchmarks.md).
"""

import io

import pytest

from search import relevance
from search.management.commands.search_eval import Command
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def run_row(url: str) -> str:
    out = io.StringIO()
    judgments = relevance.load()
    Command(stdout=out).report_elasticsearch(url, judgments, {}, slowest=3, verbose_misses=False)
    return out.getvalue()


def test_without_a_cluster_the_row_is_declared_not_measured(settings):
    settings.ELASTICSEARCH_URL = ""
    output = run_row("")
    assert "NOT MEASURED here" in output and "ELASTICSEARCH_URL is not set" in output
    assert "recall@10" not in output


def test_with_a_cluster_url_the_row_comes_from_its_own_index_which_is_then_deleted(loopback_es, settings):
    settings.ELASTICSEARCH_URL = ""  # the command is handed the URL, as handle() does after its database run
    ProposalFactory.create_batch(3)
    judgments = relevance.load()
    output = run_row(loopback_es.url)

    created = [
        r for r in loopback_es.state.requests if r.method == "PUT" and r.path.count("/") == 1 and "_" not in r.path[:2]
    ]
    assert len(created) == 1
    index = created[0].path.strip("/")
    assert index.startswith("test-eval-") and "-proposals-" in index
    bulk = [line for r in loopback_es.requests_to(r"/_bulk") for line in r.ndjson() if "index" in line]
    assert len(bulk) == 3
    searches = loopback_es.requests_to(r"/.+/_search")
    assert len(searches) == len(judgments["queries"])
    assert all("-eval-" in r.path for r in searches)
    deleted = [r.path.strip("/") for r in loopback_es.state.requests if r.method == "DELETE"]
    assert deleted == [index]  # by its exact name, never a pattern
    assert "Backend: elasticsearch (the cluster at ELASTICSEARCH_URL)" in output
    assert "recall@10" in output and "\nall " in output


def test_a_cluster_that_refuses_the_index_fails_loudly_and_prints_no_row(loopback_es):
    loopback_es.state.fail_status = 503
    with pytest.raises(Exception, match="503|failed"):
        run_row(loopback_es.url)
