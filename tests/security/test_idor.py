"""IDOR, role x object: every object-scoped endpoint, for every role, on objects the role must not touch.

Endpoints come from the URLconf walker; roles from ``accounts.models.Role`` plus the anonymous visitor and the
object's author. For each endpoint under ``/proposals/<id>/``, ``/proposals/comments/<id>/`` and
``/notifications/<id>/``: a GET never shows a hidden proposal's text to anyone but its author and the
administrators, a POST by someone without the right never changes the object, and nothing answers 500.
"""

import pytest
from django.test import Client

from notifications.models import Notification
from proposals.models import ProposalStatus
from tests.factories import (
    AdministratorFactory,
    CommentFactory,
    ExpertFactory,
    ProposalFactory,
    ResidentFactory,
)

from .urlconf import endpoints

pytestmark = pytest.mark.django_db

SECRET = "Hidden text 7f3a that only its author and moderators may read"
ROLES = ["anonymous", "resident", "expert", "author", "administrator"]
MAY_SEE_HIDDEN = {"author", "administrator"}


def scoped(prefix: str) -> list[str]:
    return sorted({endpoint.url for endpoint in endpoints() if endpoint.url.startswith(prefix)})


@pytest.fixture
def hidden_proposal():
    return ProposalFactory(title="Hidden proposal 7f3a", description=SECRET, is_hidden=True, hidden_reason="spam")


def client_for(role: str, author) -> Client:
    client = Client()
    users = {"resident": ResidentFactory, "expert": ExpertFactory, "administrator": AdministratorFactory}
    if role == "author":
        client.force_login(author)
    elif role in users:
        client.force_login(users[role]())
    return client


def snapshot(proposal) -> tuple:
    proposal.refresh_from_db()
    return (proposal.title, proposal.description, proposal.status, proposal.is_hidden, proposal.vote_count)


def test_the_suite_finds_object_scoped_endpoints():
    assert len(scoped("/proposals/1/")) >= 10
    assert scoped("/proposals/comments/1/") and scoped("/notifications/1/")


@pytest.mark.parametrize("role", ROLES)
def test_a_hidden_proposal_is_shown_only_to_its_author_and_administrators(role, hidden_proposal):
    client = client_for(role, hidden_proposal.author)
    leaks = []
    for template in scoped("/proposals/1/"):
        url = template.replace("/proposals/1/", f"/proposals/{hidden_proposal.pk}/", 1)
        response = client.get(url)
        assert response.status_code < 500, url
        if role not in MAY_SEE_HIDDEN and response.status_code == 200 and SECRET.encode() in response.content:
            leaks.append(url)
    assert not leaks


@pytest.mark.parametrize("role", ["anonymous", "resident", "expert"])
def test_no_post_by_others_changes_a_proposal(role):
    proposal = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    before = snapshot(proposal)
    client = client_for(role, proposal.author)
    data = {"title": "Taken over by someone else", "description": "x" * 40, "status": "rejected", "reason": "x"}
    for template in scoped("/proposals/1/"):
        if template.endswith(("/vote/", "/unvote/", "/comments/", "/report/", "/assess/")):
            continue  # open to these roles by design; their own rule tables cover them
        response = client.post(template.replace("/proposals/1/", f"/proposals/{proposal.pk}/", 1), data)
        assert response.status_code < 500, template
    after = snapshot(proposal)
    assert after[:4] == before[:4]


@pytest.mark.parametrize("role", ["anonymous", "resident", "expert"])
def test_no_post_by_others_changes_a_comment(role):
    comment = CommentFactory(body="The original words of the comment")
    client = client_for(role, comment.author)
    for template in scoped("/proposals/comments/1/"):
        if template.endswith("/report/"):
            continue  # reporting someone else's comment is the point of that endpoint
        response = client.post(template.replace("/1/", f"/{comment.pk}/", 1), {"body": "Rewritten by another"})
        assert response.status_code < 500, template
    comment.refresh_from_db()
    assert comment.body == "The original words of the comment"
    assert not comment.is_removed and not comment.is_official_answer


@pytest.mark.parametrize("role", ["anonymous", "resident", "expert", "administrator"])
def test_nobody_reads_or_marks_another_users_notification(role):
    owner = ResidentFactory()
    notification = Notification.objects.create(
        recipient=owner, kind=Notification._meta.get_field("kind").choices[0][0], text="Private 7f3a"
    )
    client = client_for(role, owner)
    for template in scoped("/notifications/1/"):
        url = template.replace("/1/", f"/{notification.pk}/", 1)
        for response in (client.get(url), client.post(url)):
            assert response.status_code < 500, url
            assert b"Private 7f3a" not in response.content
    notification.refresh_from_db()
    assert not notification.is_read
