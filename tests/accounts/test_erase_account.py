"""Deleting an account: personal data erased, votes withdrawn with exact counters, contributions kept.

Every path a user disappears by keeps the cached counters exact in the same transaction: "Delete my
account", the Wagtail admin's single and bulk delete, and a plain ``delete()`` that cascades.
"""

import contextlib
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.db import connections
from django.db.models import ProtectedError
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts.models import User
from accounts.services import erase_account
from notifications.models import Follow
from proposals.models import Comment, Proposal, Vote
from proposals.services import ActionRefused, cast_vote, withdraw_vote
from tests.factories import PASSWORD, CommentFactory, ProposalFactory, ResidentFactory, VoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_proposals():
    """Two proposals with three voters and two commenters each; the first voter also comments on both."""
    proposals = [ProposalFactory(), ProposalFactory()]
    people = [ResidentFactory(display_name=f"Neighbour {n}") for n in range(3)]
    for proposal in proposals:
        for person in people:
            VoteFactory(proposal=proposal, user=person)
        for person in people[:2]:
            CommentFactory(proposal=proposal, author=person, body="I agree with this")
        Proposal.objects.filter(pk=proposal.pk).update(vote_count=3, comment_count=2)
    return proposals, people


def counts(proposal) -> tuple[int, int]:
    proposal.refresh_from_db()
    return proposal.vote_count, proposal.comment_count


def assert_counters_match_rows(proposals):
    for proposal in proposals:
        proposal.refresh_from_db()
        assert proposal.vote_count == Vote.objects.filter(proposal=proposal).count()
        visible = Comment.objects.filter(proposal=proposal, is_removed=False, is_hidden=False).count()
        assert proposal.comment_count == visible


def bulk_url(action: str, *ids) -> str:
    query = urlencode([("id", pk) for pk in ids])
    return f"{reverse('wagtail_bulk_action', args=('accounts', 'user', action))}?{query}&next=/admin/"


def test_admin_single_delete_erases_a_voter_and_commenter_with_exact_counts(admin_client, busy_proposals):
    proposals, people = busy_proposals
    response = admin_client.post(reverse("wagtailusers_users:delete", args=[people[0].pk]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [counts(p) for p in proposals] == [(2, 2), (2, 2)]
    assert_counters_match_rows(proposals)
    erased = User.objects.get(pk=people[0].pk)
    assert erased.is_erased and not erased.is_active and not erased.has_usable_password()
    assert "Neighbour 0" not in erased.email and erased.display_name == ""
    assert str(Comment.objects.filter(author=erased).first().author) == "Former participant"


def test_admin_bulk_delete_erases_voters_and_commenters_with_exact_counts(admin_client, busy_proposals):
    proposals, people = busy_proposals
    url = bulk_url("delete", people[0].pk, people[2].pk)
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url).status_code == 302
    assert [counts(p) for p in proposals] == [(1, 2), (1, 2)]
    assert_counters_match_rows(proposals)
    assert User.objects.filter(erased_at__isnull=False).count() == 2


def test_a_plain_cascading_delete_keeps_vote_counts_exact(busy_proposals):
    proposals, people = busy_proposals
    User.objects.filter(pk=people[2].pk).delete()  # votes only: nothing protects this row
    assert [counts(p) for p in proposals] == [(2, 2), (2, 2)]
    people[2] = None
    assert_counters_match_rows(proposals)


def test_a_plain_cascading_delete_announces_each_new_vote_count(
    busy_proposals, emitted, django_capture_on_commit_callbacks
):
    """The search index, cached list pages and open pages hear of a vote gone by cascade, as of one withdrawn."""
    proposals, people = busy_proposals
    with django_capture_on_commit_callbacks(execute=True):
        User.objects.filter(pk=people[2].pk).delete()
    unvoted = sorted((p["proposal_id"], p["vote_count"]) for name, p in emitted if name == "proposal.unvoted")
    assert unvoted == sorted((proposal.pk, 2) for proposal in proposals)


def test_erasing_announces_each_new_vote_count(busy_proposals, emitted, django_capture_on_commit_callbacks):
    proposals, people = busy_proposals
    with django_capture_on_commit_callbacks(execute=True):
        erase_account(people[0])
    unvoted = sorted((p["proposal_id"], p["vote_count"]) for name, p in emitted if name == "proposal.unvoted")
    assert unvoted == sorted((proposal.pk, 2) for proposal in proposals)


def test_deleting_a_proposal_announces_no_vote_count(busy_proposals, emitted, django_capture_on_commit_callbacks):
    proposals, _people = busy_proposals
    with django_capture_on_commit_callbacks(execute=True):
        Proposal.objects.filter(pk=proposals[0].pk).delete()  # its votes go with it, and so does its counter
    assert not [name for name, _payload in emitted if name == "proposal.unvoted"]
    assert_counters_match_rows(proposals[1:])


def test_a_plain_delete_of_a_commenter_is_refused_and_counts_stay(busy_proposals):
    """Comments protect their author: only erasure takes a commenter away, keeping the comments counted."""
    proposals, people = busy_proposals
    with pytest.raises(ProtectedError):
        User.objects.filter(pk=people[0].pk).delete()
    assert [counts(p) for p in proposals] == [(3, 2), (3, 2)]
    assert_counters_match_rows(proposals)


def test_withdrawing_a_vote_is_counted_once(busy_proposals):
    proposals, people = busy_proposals
    withdraw_vote(proposals[0], user=people[1])
    assert counts(proposals[0]) == (2, 2)


def test_deleting_a_counted_comment_by_cascade_takes_it_off_the_count(busy_proposals):
    proposals, people = busy_proposals
    top = Comment.objects.filter(proposal=proposals[0]).first()
    CommentFactory(proposal=proposals[0], parent=top, author=people[2], body="A reply")
    Proposal.objects.filter(pk=proposals[0].pk).update(comment_count=3)
    top.delete()  # its reply goes with it
    assert counts(proposals[0]) == (3, 1)
    assert_counters_match_rows(proposals)


def test_delete_my_account_needs_the_password(client, busy_proposals):
    proposals, people = busy_proposals
    client.force_login(people[0])
    url = reverse("accounts:delete")
    assert client.get(url).status_code == 200
    response = client.post(url, {"password": "not my password", "confirm": "on"})
    assert response.status_code == 400
    assert "not your password" in response.content.decode()
    assert not User.objects.get(pk=people[0].pk).is_erased
    assert counts(proposals[0]) == (3, 2)


def test_delete_my_account_erases_personal_data_and_keeps_contributions(client, busy_proposals):
    proposals, people = busy_proposals
    person = people[0]
    email = person.email
    Follow.objects.create(user=person, proposal=proposals[0])
    client.force_login(person)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    erased = User.objects.get(pk=person.pk)
    assert erased.is_erased and erased.email != email and erased.display_name == ""
    assert not EmailAddress.objects.filter(user=erased).exists()
    assert not Follow.objects.filter(user=erased).exists()
    assert not Vote.objects.filter(user=erased).exists()
    assert [counts(p) for p in proposals] == [(2, 2), (2, 2)]
    assert Comment.objects.filter(author=erased, is_removed=False).count() == 2
    page = client.get(proposals[0].get_absolute_url()).content.decode()
    assert "Former participant" in page and "Neighbour 0" not in page
    entry = ModelLogEntry.objects.get(action="livinglab.account.erase")
    assert entry.data["votes_removed"] == 2 and email not in str(entry.data) and email not in entry.label


def test_delete_my_account_can_remove_my_comments_too(client, busy_proposals):
    proposals, people = busy_proposals
    client.force_login(people[1])
    response = client.post(
        reverse("accounts:delete"), {"password": PASSWORD, "remove_contributions": "on", "confirm": "on"}
    )
    assert response.status_code == 302
    assert [counts(p) for p in proposals] == [(2, 1), (2, 1)]
    assert set(Comment.objects.filter(author=people[1]).values_list("is_removed", "body")) == {(True, "")}
    assert_counters_match_rows(proposals)


def test_an_account_without_a_password_confirms_with_the_phrase(client):
    person = ResidentFactory()
    person.set_unusable_password()
    person.save()
    client.force_login(person)
    url = reverse("accounts:delete")
    assert client.post(url, {"phrase": "delete it", "confirm": "on"}).status_code == 400
    assert client.post(url, {"phrase": "Delete my account", "confirm": "on"}).status_code == 302
    assert User.objects.get(pk=person.pk).is_erased


def test_erasing_twice_changes_nothing_the_second_time(busy_proposals):
    proposals, people = busy_proposals
    first = erase_account(people[0])
    second = erase_account(people[0])
    assert first.counts["votes_removed"] == 2 and not first.already_erased
    assert second.already_erased and second.counts == {}
    assert [counts(p) for p in proposals] == [(2, 2), (2, 2)]
    assert ModelLogEntry.objects.filter(action="livinglab.account.erase").count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.post(reverse("accounts:delete"), {"phrase": "delete my account"})
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_erasing_during_a_vote_race_keeps_every_counter_exact():
    """The person votes on 30 proposals from several threads while their account is erased twice at once."""
    person = ResidentFactory()
    proposals = [ProposalFactory() for _ in range(30)]
    for proposal in proposals[:10]:
        VoteFactory(proposal=proposal, user=person)
    Proposal.objects.filter(pk__in=[p.pk for p in proposals[:10]]).update(vote_count=1)

    def act(index):
        try:
            if index in (12, 13):
                return erase_account(User.objects.get(pk=person.pk)).already_erased
            with contextlib.suppress(ActionRefused):
                cast_vote(Proposal.objects.get(pk=proposals[index].pk), user=person)
            return None
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        erasures = [result for result in pool.map(act, range(30)) if result is not None]
    assert sorted(erasures) == [False, True]
    assert ModelLogEntry.objects.filter(action="livinglab.account.erase").count() == 1
    assert_counters_match_rows(proposals)
