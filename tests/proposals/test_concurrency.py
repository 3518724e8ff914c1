"""Votes under parallel requests on PostgreSQL: exact counts, no 500, the threshold crossed once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.consent import record_consent
from accounts.models import Role, User
from proposals import services
from proposals.models import Proposal, ProposalStatus, StatusChange, Vote
from tests.factories import ProposalFactory

VOTERS = 200
REQUESTS_PER_VOTER = 5
WORKERS = 16


def make_voters(count: int, prefix: str) -> list[User]:
    voters = User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.org", display_name=f"Voter {n}", role=Role.RESIDENT) for n in range(count)
    )
    for voter in voters:
        record_consent(voter)  # accepted the current terms, or every vote would be sent to /account/consent/
    return voters


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_parallel_votes_through_the_view_are_exact(settings):
    settings.PROPOSAL_REVIEW_THRESHOLD = 50
    proposal = ProposalFactory()
    voters = make_voters(VOTERS, "parallel-voter-")
    url = reverse("proposals:vote", args=[proposal.pk])

    def vote_five_times(user: User) -> list[int]:
        try:
            client = Client()
            client.force_login(user)
            return [client.post(url).status_code for _ in range(REQUESTS_PER_VOTER)]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        statuses = [code for codes in pool.map(vote_five_times, voters) for code in codes]
    assert len(statuses) == VOTERS * REQUESTS_PER_VOTER
    assert all(code in (200, 302) for code in statuses), sorted(set(statuses))
    proposal.refresh_from_db()
    rows = Vote.objects.filter(proposal=proposal).count()
    distinct_voters = Vote.objects.filter(proposal=proposal).values("user").distinct().count()
    assert rows == distinct_voters == VOTERS
    assert proposal.vote_count == rows
    assert proposal.status == ProposalStatus.UNDER_REVIEW
    assert StatusChange.objects.filter(proposal=proposal, to_status=ProposalStatus.UNDER_REVIEW).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_vote_and_unvote_keep_counter_equal_to_rows():
    proposal = ProposalFactory()
    voters = make_voters(40, "flip-voter-")

    def flip(user: User) -> None:
        try:
            for _ in range(3):
                services.cast_vote(Proposal.objects.get(pk=proposal.pk), user=user)
                services.withdraw_vote(Proposal.objects.get(pk=proposal.pk), user=user)
            services.cast_vote(Proposal.objects.get(pk=proposal.pk), user=user)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(flip, voters))
    proposal.refresh_from_db()
    assert Vote.objects.filter(proposal=proposal).count() == proposal.vote_count == 40
