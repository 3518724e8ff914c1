"""recount_votes: finds counters that drifted from their rows and repairs them."""

import pytest
from django.core.management import CommandError, call_command

from proposals import services
from proposals.models import Proposal
from tests.factories import CommentFactory, ProposalFactory, ResidentFactory, VoteFactory

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("recount_votes", *args, stdout=out)
    return out.getvalue()


def test_clean_counters_report_nothing():
    proposal = ProposalFactory()
    services.cast_vote(proposal, user=ResidentFactory())
    services.post_comment(proposal, author=ResidentFactory(), body="Agreed")
    assert "All counters match" in run()


def test_drift_is_reported_and_repaired():
    drifted = ProposalFactory()
    VoteFactory.create_batch(3, proposal=drifted)  # rows created behind the counter's back
    CommentFactory(proposal=drifted)
    CommentFactory(proposal=drifted, is_removed=True)
    CommentFactory(proposal=drifted, is_hidden=True)
    Proposal.objects.filter(pk=drifted.pk).update(comment_count=7)
    fine = ProposalFactory()
    output = run()
    assert f"Proposal {drifted.pk}: votes 0 -> 3, comments 7 -> 1" in output
    assert f"Proposal {fine.pk}:" not in output
    assert "Repaired 1 proposal" in output
    drifted.refresh_from_db()
    assert (drifted.vote_count, drifted.comment_count) == (3, 1)
    assert "All counters match" in run()


def test_dry_run_reports_without_repairing():
    drifted = ProposalFactory()
    VoteFactory(proposal=drifted)
    with pytest.raises(CommandError, match="1 proposal"):
        run("--dry-run")
    drifted.refresh_from_db()
    assert drifted.vote_count == 0


def test_counter_above_rows_is_lowered():
    proposal = ProposalFactory()
    Proposal.objects.filter(pk=proposal.pk).update(vote_count=12)
    run()
    proposal.refresh_from_db()
    assert proposal.vote_count == 0
