"""Voting through the page and through htmx: idempotent, closed where the rules close it."""

import pytest
from django.urls import reverse

from proposals.models import ProposalStatus, Vote
from tests.factories import ProposalFactory, VoteFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def vote_url(proposal):
    return reverse("proposals:vote", args=[proposal.pk])


def unvote_url(proposal):
    return reverse("proposals:unvote", args=[proposal.pk])


def test_resident_votes_and_is_sent_back_to_the_proposal(client, resident):
    proposal = ProposalFactory()
    client.force_login(resident)
    response = client.post(vote_url(proposal))
    assert response.status_code == 302 and response.url == proposal.get_absolute_url()
    proposal.refresh_from_db()
    assert proposal.vote_count == 1
    assert Vote.objects.filter(user=resident, proposal=proposal).exists()
    page = client.get(response.url).content.decode()
    assert "Thank you for your support." in page and "Withdraw my support" in page


def test_htmx_vote_returns_the_vote_panel_only(client, resident):
    proposal = ProposalFactory()
    client.force_login(resident)
    response = client.post(vote_url(proposal), **HTMX)
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith(f'<section id="vote-panel-{proposal.pk}"')
    assert f'<strong id="vote-count-{proposal.pk}">1</strong>' in html
    assert "Withdraw my support" in html and 'hx-swap="outerHTML"' in html


def test_voting_twice_is_a_no_op(client, resident):
    proposal = ProposalFactory()
    client.force_login(resident)
    first = client.post(vote_url(proposal), **HTMX)
    second = client.post(vote_url(proposal), **HTMX)
    assert first.status_code == second.status_code == 200
    proposal.refresh_from_db()
    assert proposal.vote_count == 1
    assert Vote.objects.filter(proposal=proposal).count() == 1


def test_withdrawing_a_vote_twice_is_a_no_op(client, resident):
    proposal = ProposalFactory(vote_count=1)
    VoteFactory(proposal=proposal, user=resident)
    client.force_login(resident)
    assert client.post(unvote_url(proposal)).status_code == 302
    response = client.post(unvote_url(proposal), **HTMX)
    assert response.status_code == 200
    assert "Support this proposal" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.vote_count == 0
    assert not Vote.objects.filter(proposal=proposal).exists()


def test_anonymous_vote_goes_to_login_and_counts_nothing(client):
    proposal = ProposalFactory()
    response = client.post(vote_url(proposal))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert response.url.endswith(f"next={proposal.get_absolute_url()}")
    assert not Vote.objects.exists()


def test_anonymous_htmx_vote_asks_htmx_to_navigate_to_login(client):
    proposal = ProposalFactory()
    response = client.post(vote_url(proposal), **HTMX)
    assert response["HX-Redirect"].startswith(reverse("account_login"))
    assert not Vote.objects.exists()


def test_author_cannot_vote_for_their_own_proposal(client):
    proposal = ProposalFactory()
    client.force_login(proposal.author)
    response = client.post(vote_url(proposal))
    assert response.status_code == 403
    assert "You cannot vote for your own proposal." in response.content.decode()
    assert not Vote.objects.exists()


def test_administrator_cannot_vote(client, administrator):
    proposal = ProposalFactory()
    client.force_login(administrator)
    response = client.post(vote_url(proposal), **HTMX)
    assert response.status_code == 403
    assert "do not vote" in response.content.decode()
    assert not Vote.objects.exists()


@pytest.mark.parametrize("status", [ProposalStatus.ACCEPTED, ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN])
def test_votes_are_closed_outside_published_and_under_review(client, resident, status):
    proposal = ProposalFactory(status=status)
    client.force_login(resident)
    response = client.post(vote_url(proposal))
    assert response.status_code == 409
    assert "Voting is closed" in response.content.decode()
    htmx = client.post(vote_url(proposal), **HTMX)
    assert htmx.status_code == 409
    assert 'role="alert"' in htmx.content.decode()
    assert not Vote.objects.exists()


def test_expert_can_vote_under_review(client, expert):
    proposal = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    client.force_login(expert)
    assert client.post(vote_url(proposal)).status_code == 302
    assert Vote.objects.filter(user=expert).count() == 1


def test_hidden_proposal_cannot_be_voted_on_by_the_public(client, resident):
    proposal = ProposalFactory(is_hidden=True, hidden_reason="Spam")
    client.force_login(resident)
    assert client.post(vote_url(proposal)).status_code == 404
    assert not Vote.objects.exists()


def test_vote_urls_only_accept_post(client, resident):
    proposal = ProposalFactory()
    client.force_login(resident)
    assert client.get(vote_url(proposal)).status_code == 405
    assert client.get(unvote_url(proposal)).status_code == 405
    assert not Vote.objects.exists()


def test_reaching_the_threshold_moves_the_proposal_under_review(client, resident, settings):
    settings.PROPOSAL_REVIEW_THRESHOLD = 2
    proposal = ProposalFactory(vote_count=1)
    VoteFactory(proposal=proposal)
    client.force_login(resident)
    client.post(vote_url(proposal))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.UNDER_REVIEW
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "reached 2 supporters" in html


def test_a_vote_reads_one_row_and_does_not_ask_again_whether_the_person_voted(client, resident):
    """The vote's answer is built from what the vote just decided: the proposal's row alone (no joins), and no
    query for "does this person support it" (the panel still says so, for a vote and for taking it back)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    proposal = ProposalFactory()
    client.force_login(resident)
    client.post(unvote_url(proposal), **HTMX)  # warm: session and consent checks as on any later request
    # Taking a vote back reads the vote in the service (is there one to take back, then the rows the delete's
    # counter signal is given); the panel adds no read to either.
    for url, says, vote_reads in (
        (vote_url(proposal), "Withdraw my support", 0),
        (unvote_url(proposal), "Support this proposal", 2),
    ):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, **HTMX)
        assert response.status_code == 200 and says in response.content.decode()
        selects = [query["sql"] for query in captured.captured_queries if query["sql"].startswith("SELECT")]
        assert sum('FROM "proposals_vote"' in sql for sql in selects) == vote_reads, selects
        reads = [sql for sql in selects if 'FROM "proposals_proposal"' in sql]
        assert reads and all("JOIN" not in sql for sql in reads), reads
        if url == vote_url(proposal):
            assert len(reads) == 1, reads  # the vote itself counts with UPDATE … RETURNING, no second read
