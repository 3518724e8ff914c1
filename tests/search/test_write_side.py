"""Issue 15, point 11 (write side): a vote, comment or submission never waits on the cluster.

The index change is written to the outbox inside the action's transaction; the cluster is only ever contacted
by the ``index_proposal`` task, which a worker runs after the commit. Here the task backend is Django's dummy
backend (it keeps enqueued tasks instead of running them, as the database backend hands them to the worker),
and the cluster is the loopback server that accepts connections and never answers.
"""

import pytest
from django.db import transaction

from accounts.services import erase_account
from proposals import services
from search import indexing
from search.models import IndexAction, IndexOutbox
from search.tasks import index_proposal
from tests.factories import CategoryFactory, DongFactory, ProposalFactory, ResidentFactory

from .loopback_elasticsearch import LoopbackElasticsearch, connections_waiting, enqueued

pytestmark = pytest.mark.django_db

ALIAS = "test-proposals"


def vote(proposal):
    services.cast_vote(proposal, user=ResidentFactory())


def comment(proposal):
    services.post_comment(proposal, author=ResidentFactory(), body="The same happens on our street every night.")


def submission(_proposal):
    return services.submit_proposal(
        author=ResidentFactory(),
        title="Broken street light at the market",
        description="The light by the market entrance has been off for a week; it is very dark.",
        category=CategoryFactory(),
        area=DongFactory(),
    )


@pytest.mark.parametrize("action", [vote, comment, submission])
def test_a_write_completes_without_contacting_a_hanging_cluster(
    action, cluster_hanging, worker_elsewhere, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory()
    with django_capture_on_commit_callbacks(execute=True):
        created = action(proposal)
    target = created or proposal
    # The action returned and committed; the hanging cluster was never connected to.
    assert connections_waiting(cluster_hanging) == 0
    row = IndexOutbox.objects.get(proposal_id=target.pk)
    assert (row.action, row.attempts, row.last_error) == (IndexAction.INDEX, 0, "")
    assert enqueued(worker_elsewhere, index_proposal) == [(target.pk,)]


def test_the_task_meets_the_hanging_cluster_and_keeps_the_row(
    cluster_hanging, worker_elsewhere, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory()
    with django_capture_on_commit_callbacks(execute=True):
        vote(proposal)
    assert index_proposal.call(proposal.pk) is False  # the worker's run: times out after ELASTICSEARCH_TIMEOUT
    assert connections_waiting(cluster_hanging) == 1
    row = IndexOutbox.objects.get(proposal_id=proposal.pk)
    assert row.attempts == 1
    assert "Timeout" in row.last_error


def test_the_task_indexes_and_clears_the_row_when_the_cluster_answers(
    settings, worker_elsewhere, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory()
    with LoopbackElasticsearch() as server:
        settings.ELASTICSEARCH_URL = server.url
        server.state.indices["test-proposals-1"] = {"body": {}, "docs": {}}
        server.state.aliases[ALIAS] = "test-proposals-1"
        with django_capture_on_commit_callbacks(execute=True):
            vote(proposal)
        assert server.state.requests == []  # nothing sent from the request
        assert index_proposal.call(proposal.pk) is True
        assert str(proposal.pk) in server.state.documents(ALIAS)
    assert not IndexOutbox.objects.exists()


def test_a_rolled_back_write_leaves_no_row_and_enqueues_nothing(
    cluster_hanging, worker_elsewhere, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        vote(proposal)
        assert IndexOutbox.objects.filter(proposal_id=proposal.pk).exists()  # written in the transaction
        raise RuntimeError("the transaction fails after the vote")
    assert callbacks == []
    assert not IndexOutbox.objects.exists()
    assert enqueued(worker_elsewhere, index_proposal) == []


def test_hiding_queues_a_delete_in_the_transaction(cluster_hanging, worker_elsewhere, administrator):
    proposal = ProposalFactory()
    services.hide_proposal(proposal, by=administrator, reason="Personal data in the text")
    assert IndexOutbox.objects.get(proposal_id=proposal.pk).action == IndexAction.DELETE


def test_an_erased_author_removing_their_proposals_queues_deletes(
    cluster_hanging, worker_elsewhere, django_capture_on_commit_callbacks
):
    removed, kept = ProposalFactory(), ProposalFactory()
    with django_capture_on_commit_callbacks(execute=True):
        erase_account(removed.author, remove_contributions=True)
    assert IndexOutbox.objects.get(proposal_id=removed.pk).action == IndexAction.DELETE
    assert not IndexOutbox.objects.filter(proposal_id=kept.pk).exists()
    assert enqueued(worker_elsewhere, index_proposal) == [(removed.pk,)]
    assert connections_waiting(cluster_hanging) == 0  # the erasure itself never contacted the cluster


def test_an_erased_author_keeping_their_proposals_queues_nothing(cluster_hanging, worker_elsewhere):
    proposal = ProposalFactory()
    erase_account(proposal.author)
    assert not IndexOutbox.objects.exists()


def test_a_change_committed_while_an_older_state_is_sent_keeps_its_row(settings, monkeypatch):
    """The send of the older state must not delete the row the newer change refreshed."""
    proposal = ProposalFactory()
    with LoopbackElasticsearch() as server:
        settings.ELASTICSEARCH_URL = server.url
        server.state.indices["test-proposals-1"] = {"body": {}, "docs": {}}
        server.state.aliases[ALIAS] = "test-proposals-1"
        indexing.mark_pending(proposal.pk)
        send = indexing.write_proposal

        def send_while_another_change_commits(proposal_id, state, client=None):
            send(proposal_id, state, client)
            indexing.mark_pending(proposal_id)

        monkeypatch.setattr(indexing, "write_proposal", send_while_another_change_commits)
        assert indexing.proposal_changed(proposal.pk, replay=False) is True
    assert IndexOutbox.objects.filter(proposal_id=proposal.pk).exists()


def test_without_a_cluster_there_is_no_outbox_and_no_task(worker_elsewhere, django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    with django_capture_on_commit_callbacks(execute=True):
        vote(proposal)
    assert not IndexOutbox.objects.exists()
    assert enqueued(worker_elsewhere, index_proposal) == []
