"""(b) The real `elasticsearch` client over real HTTP, against a loopback stand-in speaking Elasticsearch 8's
documented wire format: how responses become hits, facets and highlights, and what the index sync, rebuild,
sync and check paths send. The stand-in is not a cluster and does not search; it answers what the test sets.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.tasks import default_task_backend
from django.utils import timezone

from search.backends.database import forget_cached_results
from search.backends.elasticsearch import build_search
from search.documents import proposal_index
from search.indexing import proposal_changed
from search.interface import Near, Point, search_proposals, similar_proposals
from search.models import IndexAction, IndexOutbox
from search.tasks import replay_search_outbox
from tests.factories import ProposalFactory

from .conftest import NEAR_SCHOOL
from .test_es_requests import request_for

pytestmark = pytest.mark.django_db

ALIAS = "test-proposals"
CONCRETE = "test-proposals-20261101000000000000"
HL_START, HL_END = "\ue000", "\ue001"


def with_alias(server, docs=None):
    server.state.indices[CONCRETE] = {"body": {}, "docs": dict(docs or {})}
    server.state.aliases[ALIAS] = CONCRETE


def search_response(hits, *, total=None, aggregations=None) -> dict:
    """A search response in the shape of Elasticsearch 8's documentation (with `_source: false`)."""
    return {
        "took": 4,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {
            "total": {"value": len(hits) if total is None else total, "relation": "eq"},
            "max_score": None,
            "hits": [
                {"_index": CONCRETE, "_id": str(pk), "_score": score, "highlight": highlight, "sort": [score, 0]}
                for pk, score, highlight in hits
            ],
        },
        "aggregations": aggregations or {},
    }


def terms_agg(**counts) -> dict:
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [{"key": key, "doc_count": count} for key, count in counts.items()],
    }


def test_search_sends_the_built_body_and_parses_hits_facets_and_highlights(loopback_es, world):
    alley, dust, hidden = world["alley_light"], world["dust"], world["hidden_light"]
    loopback_es.state.search_response = search_response(
        [
            (alley.pk, 3.2, {"title": [f"골목 {HL_START}가로등{HL_END} 고장"]}),
            # Indexed before a moderator hid it; the delete has not reached the cluster yet.
            (hidden.pk, 2.9, {"title": [f"숨겨진 {HL_START}가로등{HL_END} 제안"]}),
            (dust.pk, 1.1, {"description": [f"<b>놀이터</b> {HL_START}가로등{HL_END} 옆에"]}),
        ],
        total=3,
        aggregations={
            "status": terms_agg(published=2, rejected=1),
            "category": terms_agg(safety=2, environment=1),
            "area": terms_agg(seongsu=3),
        },
    )
    result = search_proposals("가로등", filters={"category": "safety"})

    (sent,) = loopback_es.requests_to(f"/{ALIAS}/_search")
    assert sent.method == "POST"
    assert sent.json() == json.loads(json.dumps(build_search(request_for("가로등", {"category": "safety"})).to_dict()))

    assert [hit.proposal for hit in result.hits] == [alley, dust]
    assert result.total == 3
    assert str(result.hits[0].title_html) == "골목 <mark>가로등</mark> 고장"
    assert str(result.hits[1].title_html) == "공원 미세먼지 측정기 설치"  # no title highlight: escaped title
    assert str(result.hits[1].snippet_html) == "&lt;b&gt;놀이터&lt;/b&gt; <mark>가로등</mark> 옆에"
    assert {(v.key, v.label, v.count, v.selected) for v in result.facets["category"]} == {
        ("safety", "Safety", 2, True),
        ("environment", "Environment", 1, False),
    }
    assert {(v.key, v.label) for v in result.facets["status"]} == {("published", "Published"), ("rejected", "Rejected")}
    assert [(v.label, v.count) for v in result.facets["area"]] == [("Seongdong-gu Seongsu-dong", 3)]
    assert not result.degraded


def test_search_page_renders_elasticsearch_hits(client, loopback_es, world):
    alley = world["alley_light"]
    loopback_es.state.search_response = search_response(
        [(alley.pk, 1.0, {"title": [f"골목 {HL_START}가로등{HL_END} 고장<script>"]})],
        aggregations={"status": terms_agg(published=1)},
    )
    body = client.get("/search/", {"q": "가로등"}).content.decode()
    assert "1 proposal found" in body
    assert "골목 <mark>가로등</mark> 고장&lt;script&gt;" in body


def test_near_me_distances_are_computed_for_elasticsearch_hits(loopback_es, world):
    alley = world["alley_light"]
    loopback_es.state.search_response = search_response([(alley.pk, None, {})])
    result = search_proposals("", near=Near(Point(*NEAR_SCHOOL), 1))
    assert result.hits[0].distance_km == pytest.approx(0.14, abs=0.02)
    assert loopback_es.requests_to(f"/{ALIAS}/_search")[0].json()["sort"][0]["_geo_distance"]["unit"] == "km"


def test_similar_parses_more_like_this_hits_and_keeps_only_open_proposals(loopback_es, world):
    alley, rejected = world["alley_light"], world["rejected_light"]
    loopback_es.state.search_response = search_response([(rejected.pk, 5.0, {}), (alley.pk, 4.0, {})])
    found = similar_proposals("가로등이 고장났어요", "", point=Point(*NEAR_SCHOOL))
    assert [item.proposal for item in found] == [alley]
    assert found[0].score == 4.0
    assert found[0].distance_km == pytest.approx(0.14, abs=0.02)
    assert "more_like_this" in json.dumps(loopback_es.requests_to(f"/{ALIAS}/_search")[0].json())


def test_similar_drops_cluster_hits_that_share_no_topic_word_with_the_draft(loopback_es, world):
    # more_like_this may match on "성수" or a common word alone; the database backend's floor applies to it too.
    alley = world["alley_light"]
    bench = ProposalFactory(title="성수동 공원 벤치 교체", description="의자가 낡았어요.", area=alley.area)
    loopback_es.state.search_response = search_response([(bench.pk, 6.0, {}), (alley.pk, 4.0, {})])
    found = similar_proposals("골목 가로등이 나갔어요", "")
    assert [item.proposal for item in found] == [alley]


def test_a_failing_cluster_makes_search_fall_back_to_the_database(client, loopback_es, world):
    loopback_es.state.fail_status = 503
    result = search_proposals("가로등")
    assert result.degraded
    assert result.total == 3
    body = client.get("/search/", {"q": "가로등"}).content.decode()
    assert "The search service is not answering right now" in body
    assert "골목 <mark>가로등</mark> 고장" in body


def test_proposal_changed_indexes_a_public_proposal_through_the_alias(loopback_es, world):
    with_alias(loopback_es)
    proposal = world["alley_light"]
    proposal_changed(proposal.pk)
    (write,) = loopback_es.requests_to(f"/{ALIAS}/_doc/{proposal.pk}")
    assert (write.method, write.params) == ("PUT", {"require_alias": "true"})
    assert write.json() | {"created_at": None, "updated_at": None} == {
        "title": "골목 가로등 고장",
        "description": "밤마다 골목이 너무 어두워서 위험합니다. 가로등을 고쳐 주세요.",
        "place": "성수동 Seongsu-dong 성동구 Seongdong-gu",
        "status": "published",
        "category": "safety",
        "area": "seongsu",
        "district": "seongdong-gu",
        "vote_count": 12,
        "comment_count": 0,
        "created_at": None,
        "updated_at": None,
        "location": {"lat": 37.56, "lon": 127.04},
    }
    assert write.json()["created_at"] == proposal.created_at.isoformat()
    assert IndexOutbox.objects.count() == 0


@pytest.mark.parametrize("name", ["hidden_light", "withdrawn_light"])
def test_hidden_and_withdrawn_proposals_are_deleted_never_indexed(loopback_es, world, name):
    with_alias(loopback_es, {str(world[name].pk): {"title": "stale"}})
    proposal_changed(world[name].pk)
    methods = [request.method for request in loopback_es.requests_to(rf"/{ALIAS}/_doc/\d+")]
    assert methods == ["DELETE"]
    assert loopback_es.state.documents(ALIAS) == {}
    assert IndexOutbox.objects.count() == 0


def test_deleting_what_was_never_indexed_is_not_a_failure(loopback_es, world):
    with_alias(loopback_es)
    proposal_changed(world["hidden_light"].pk)
    proposal_changed(999_999)  # deleted from the database altogether
    assert IndexOutbox.objects.count() == 0


def test_a_missing_alias_queues_instead_of_creating_an_index(loopback_es, world):
    proposal = world["alley_light"]
    proposal_changed(proposal.pk)
    entry = IndexOutbox.objects.get()
    assert (entry.proposal_id, entry.action, entry.attempts) == (proposal.pk, IndexAction.INDEX, 1)
    assert "require_alias" in entry.last_error
    assert loopback_es.state.indices == {}


def test_a_successful_write_replays_a_few_pending_entries(loopback_es, world):
    with_alias(loopback_es)
    now = timezone.now()
    for name in ("dust", "bus_bench", "hidden_light"):
        IndexOutbox.objects.create(proposal_id=world[name].pk, last_error="down", created_at=now, updated_at=now)
    proposal_changed(world["alley_light"].pk)
    assert IndexOutbox.objects.count() == 0
    (bulk,) = loopback_es.requests_to("/_bulk")
    assert bulk.params == {"require_alias": "true"}
    assert [next(iter(line)) for line in bulk.ndjson() if len(line) == 1 and "_id" in next(iter(line.values()))] == [
        "index",
        "index",
        "delete",
    ]
    assert set(loopback_es.state.documents(ALIAS)) == {
        str(world["alley_light"].pk),
        str(world["dust"].pk),
        str(world["bus_bench"].pk),
    }


def test_proposal_changed_is_a_no_op_on_the_database_backend(world, django_assert_num_queries):
    with django_assert_num_queries(0):
        proposal_changed(world["alley_light"].pk)
    assert IndexOutbox.objects.count() == 0


def test_on_commit_indexing_runs_only_after_the_transaction_commits(
    loopback_es, world, django_capture_on_commit_callbacks
):
    with_alias(loopback_es)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        proposal = ProposalFactory(title="Overflowing bins at the park")
        transaction.on_commit(lambda: proposal_changed(proposal.pk))
        assert loopback_es.requests_to(rf"/{ALIAS}/_doc/\d+") == []
    # The other callback moves the database backend's cached results on (the analysed text changed).
    assert [callback for callback in callbacks if callback is not forget_cached_results] != []
    assert len(callbacks) == 2
    assert str(proposal.pk) in loopback_es.state.documents(ALIAS)


def run_command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("search_index", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_rebuild_fills_a_new_index_in_bulk_then_swaps_the_alias_and_drops_the_old(loopback_es, world):
    with_alias(loopback_es, {"1": {"title": "old"}})
    stale = IndexOutbox.objects.create(proposal_id=world["dust"].pk, updated_at=timezone.now())
    out, _ = run_command("--rebuild", "--no-progress")

    creates = [r for r in loopback_es.state.requests if r.method == "PUT" and r.path.startswith("/test-")]
    (create,) = creates
    new_index = create.path.strip("/")
    assert new_index.startswith("test-proposals-") and new_index != CONCRETE
    assert create.json() == json.loads(json.dumps(proposal_index(new_index).to_dict()))

    bulk_lines = [line for request in loopback_es.requests_to("/_bulk") for line in request.ndjson()]
    actions = [line["index"] for line in bulk_lines if "index" in line]
    public = {world[name].pk for name in ("alley_light", "street_light", "dust", "bus_bench", "rejected_light")}
    assert {int(action["_id"]) for action in actions} == public
    assert {action["_index"] for action in actions} == {new_index}

    (swap,) = loopback_es.requests_to("/_aliases")
    assert swap.json() == {
        "actions": [{"remove": {"index": CONCRETE, "alias": ALIAS}}, {"add": {"index": new_index, "alias": ALIAS}}]
    }
    assert [r.method for r in loopback_es.requests_to(f"/{CONCRETE}")] == ["DELETE"]
    paths = [r.path for r in loopback_es.state.requests]
    assert paths.index("/_bulk") < paths.index(f"/{new_index}/_refresh") < paths.index("/_aliases")
    assert loopback_es.state.aliases == {ALIAS: new_index}
    assert len(loopback_es.state.documents(ALIAS)) == 5
    assert not IndexOutbox.objects.filter(pk=stale.pk).exists()
    assert "Indexed 5 proposals" in out


def test_rebuild_shows_a_progress_bar(loopback_es, world):
    _, err = run_command("--rebuild")
    assert "Indexing" in err
    assert "5/5" in err


def test_first_rebuild_creates_the_alias(loopback_es, world):
    run_command("--rebuild", "--no-progress")
    (swap,) = loopback_es.requests_to("/_aliases")
    assert [next(iter(action)) for action in swap.json()["actions"]] == ["add"]


def test_rebuild_keeps_the_old_alias_when_documents_fail(loopback_es, world, monkeypatch):
    with_alias(loopback_es)
    from search.management.commands import search_index

    monkeypatch.setattr(
        search_index, "rebuild_actions", lambda index: [{"_index": "wrong-index", "_id": 1, "_source": {}}]
    )
    with pytest.raises(CommandError, match="alias was not changed"):
        run_command("--rebuild", "--no-progress")
    assert loopback_es.state.aliases == {ALIAS: CONCRETE}
    assert loopback_es.requests_to("/_aliases") == []


def test_check_passes_when_counts_match_and_fails_when_they_differ(loopback_es, world):
    run_command("--rebuild", "--no-progress")
    out, _ = run_command("--check")
    assert "Database: 5 public proposals. Index: 5 documents." in out
    world["dust"].delete()
    with pytest.raises(CommandError, match="counts differ"):
        run_command("--check")


def test_sync_replays_the_outbox_with_current_state(loopback_es, world):
    with_alias(loopback_es, {str(world["hidden_light"].pk): {"title": "stale"}})
    for name in ("alley_light", "hidden_light", "withdrawn_light"):
        IndexOutbox.objects.create(proposal_id=world[name].pk)
    out, _ = run_command("--sync", "--inline")
    assert "Replayed 3 of 3" in out
    assert IndexOutbox.objects.count() == 0
    assert set(loopback_es.state.documents(ALIAS)) == {str(world["alley_light"].pk)}


def test_sync_keeps_entries_the_cluster_refuses(loopback_es, world):
    IndexOutbox.objects.create(proposal_id=world["alley_light"].pk)  # no alias yet: every write is refused
    with pytest.raises(CommandError, match="1 still pending"):
        run_command("--sync", "--inline")
    entry = IndexOutbox.objects.get()
    assert entry.attempts == 2
    assert "index_not_found_exception" in entry.last_error


@pytest.mark.parametrize("inline", [False, True])
def test_sync_with_an_empty_outbox_says_so(loopback_es, db, inline):
    out, _ = run_command("--sync", *(["--inline"] if inline else []))
    assert "The outbox is empty" in out
    assert loopback_es.state.requests == []


def test_sync_queues_the_replay_for_the_worker_and_sends_nothing_itself(loopback_es, world, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    IndexOutbox.objects.create(proposal_id=world["alley_light"].pk)
    out, _ = run_command("--sync")
    assert "Queued the replay of 1 pending index writes as background task" in out
    assert [result.task.func for result in default_task_backend.results] == [replay_search_outbox.func]
    assert loopback_es.state.requests == []  # the command never talked to the cluster
    assert IndexOutbox.objects.count() == 1
    default_task_backend.clear()


def test_the_queued_replay_sends_the_current_state_when_the_worker_runs_it(loopback_es, world):
    with_alias(loopback_es, {str(world["hidden_light"].pk): {"title": "stale"}})
    for name in ("alley_light", "hidden_light"):
        IndexOutbox.objects.create(proposal_id=world[name].pk)
    out, _ = run_command("--sync")  # the test settings' immediate backend runs the task at once
    assert "Queued the replay of 2" in out
    assert IndexOutbox.objects.count() == 0
    assert set(loopback_es.state.documents(ALIAS)) == {str(world["alley_light"].pk)}


@pytest.mark.parametrize("mode", ["--rebuild", "--check", "--analyse"])
def test_inline_goes_with_sync_only(db, mode):
    with pytest.raises(CommandError, match="--inline goes with --sync"):
        run_command(mode, "--inline")


@pytest.mark.parametrize("mode", ["--rebuild", "--sync", "--check"])
def test_commands_say_no_cluster_is_configured_on_the_database_backend(db, mode):
    out, _ = run_command(mode)
    assert "No Elasticsearch cluster is configured" in out


def test_command_requires_exactly_one_mode(db):
    with pytest.raises(CommandError):
        call_command("search_index")
    with pytest.raises(CommandError):
        call_command("search_index", "--sync", "--check")


def test_after_a_failed_read_searches_skip_the_cluster_for_a_while(loopback_es, world):
    loopback_es.state.fail_status = 503
    assert search_proposals("가로등").degraded
    assert similar_proposals("가로등 고장", "")[0].proposal == world["alley_light"]
    assert search_proposals("가로등", page=2).degraded
    assert len(loopback_es.requests_to(f"/{ALIAS}/_search")) == 1


def test_writes_still_try_the_cluster_while_reads_skip_it(loopback_es, world):
    from django.core.cache import cache

    from search.interface import CLUSTER_DOWN_KEY

    with_alias(loopback_es)
    cache.set(CLUSTER_DOWN_KEY, True, 30)
    proposal_changed(world["alley_light"].pk)
    assert str(world["alley_light"].pk) in loopback_es.state.documents(ALIAS)


def test_a_refused_request_falls_back_without_marking_the_cluster_down(loopback_es, world):
    loopback_es.state.fail_status = 400
    assert search_proposals("가로등").degraded
    assert search_proposals("가로등").degraded
    assert len(loopback_es.requests_to(f"/{ALIAS}/_search")) == 2


def test_pages_beyond_the_result_window_are_not_requested(loopback_es, world):
    search_proposals("가로등", page=100_000)
    body = loopback_es.requests_to(f"/{ALIAS}/_search")[0].json()
    assert body["from"] + body["size"] <= 10_000


def test_rebuild_drops_the_new_index_when_the_cluster_fails_mid_way(loopback_es, world):
    with_alias(loopback_es)
    loopback_es.state.fail_status = 503
    loopback_es.state.fail_only = "/_bulk"
    with pytest.raises(CommandError, match="failed"):
        run_command("--rebuild", "--no-progress")
    (created,) = [
        r.path.strip("/") for r in loopback_es.state.requests if r.method == "PUT" and r.path.startswith("/t")
    ]
    assert [r.method for r in loopback_es.requests_to(f"/{created}")] == ["PUT", "DELETE"]
    assert set(loopback_es.state.indices) == {CONCRETE}
    assert loopback_es.state.aliases == {ALIAS: CONCRETE}


def test_search_excludes_proposals_whose_delete_is_still_queued(loopback_es, world):
    hidden = world["hidden_light"]
    IndexOutbox.objects.create(proposal_id=hidden.pk, action=IndexAction.DELETE)
    IndexOutbox.objects.create(proposal_id=world["dust"].pk, action=IndexAction.INDEX)  # an update: still shown
    search_proposals("가로등")
    (sent,) = loopback_es.requests_to(f"/{ALIAS}/_search")
    assert sent.json()["query"]["bool"]["filter"] == [{"bool": {"must_not": [{"ids": {"values": [str(hidden.pk)]}}]}}]


def test_search_without_pending_deletes_sends_no_exclusion(loopback_es, world):
    search_proposals("가로등")
    (sent,) = loopback_es.requests_to(f"/{ALIAS}/_search")
    assert "bool" not in sent.json()["query"]


def test_rebuild_uses_nori_when_every_node_has_the_plugin(loopback_es, world):
    loopback_es.state.plugins = ["analysis-icu", "analysis-nori"]
    out, _ = run_command("--rebuild", "--no-progress")
    (create,) = [r for r in loopback_es.state.requests if r.method == "PUT" and r.path.startswith("/test-")]
    analysis = create.json()["settings"]["analysis"]
    assert analysis["tokenizer"]["korean_nori"]["type"] == "nori_tokenizer"
    assert analysis["analyzer"]["korean_text"]["tokenizer"] == "korean_nori"
    assert loopback_es.requests_to("/_nodes/plugins")[0].method == "GET"
    assert "(Nori analysis)" in out


def test_rebuild_falls_back_to_the_cjk_chain_without_the_plugin(loopback_es, world):
    loopback_es.state.plugins = ["analysis-icu"]
    out, _ = run_command("--rebuild", "--no-progress")
    (create,) = [r for r in loopback_es.state.requests if r.method == "PUT" and r.path.startswith("/test-")]
    analysis = create.json()["settings"]["analysis"]
    assert "tokenizer" not in analysis
    assert analysis["analyzer"]["korean_text"]["filter"] == ["cjk_width", "lowercase", "cjk_bigram"]
    assert "(CJK bigram analysis)" in out


def test_rebuild_removes_a_concrete_index_that_holds_the_alias_name(loopback_es, world):
    # An early write auto-created an index called like the alias; adding the alias beside it would fail.
    loopback_es.state.indices[ALIAS] = {"body": {}, "docs": {"1": {"title": "guessed mapping"}}}
    run_command("--rebuild", "--no-progress")
    (swap,) = loopback_es.requests_to("/_aliases")
    actions = swap.json()["actions"]
    assert actions[0] == {"remove_index": {"index": ALIAS}}
    assert next(iter(actions[1])) == "add"
    assert loopback_es.state.aliases[ALIAS] != ALIAS
    assert len(loopback_es.state.documents(ALIAS)) == 5


def test_an_alias_name_clash_is_refused_without_remove_index(loopback_es):
    # The stand-in refuses like Elasticsearch does, so the test above would fail without remove_index.
    from elasticsearch import BadRequestError

    from search.backends.elasticsearch import get_client

    loopback_es.state.indices[ALIAS] = {"body": {}, "docs": {}}
    loopback_es.state.indices[CONCRETE] = {"body": {}, "docs": {}}
    with pytest.raises(BadRequestError, match="invalid_alias_name_exception"):
        get_client().indices.update_aliases(actions=[{"add": {"index": CONCRETE, "alias": ALIAS}}])


def test_writes_made_during_a_rebuild_reach_the_new_index_after_the_swap(loopback_es, world, monkeypatch):
    with_alias(loopback_es)
    from search.management.commands import search_index

    alley = world["alley_light"]
    real_actions = search_index.rebuild_actions

    def actions_with_a_write_in_between(index):
        for number, action in enumerate(real_actions(index)):
            yield action
            if number == 0:
                # A resident edits while the bulk fill runs: the write goes to the old index behind the alias.
                type(alley).objects.filter(pk=alley.pk).update(title="골목 가로등 고장 (수정)")
                proposal_changed(alley.pk)

    monkeypatch.setattr(search_index, "rebuild_actions", actions_with_a_write_in_between)
    out, _ = run_command("--rebuild", "--no-progress")
    assert loopback_es.state.documents(ALIAS)[str(alley.pk)]["title"] == "골목 가로등 고장 (수정)"
    assert not IndexOutbox.objects.exists()
    assert "Replayed 1 writes made during the rebuild" in out


def test_outside_a_rebuild_a_successful_write_leaves_no_outbox_row(loopback_es, world):
    with_alias(loopback_es)
    proposal_changed(world["alley_light"].pk)
    assert not IndexOutbox.objects.exists()
