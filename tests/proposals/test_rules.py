"""The permission table: every role x every state for every action, straight from proposals.rules."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import Role, User
from proposals.models import Comment, Proposal, ProposalStatus
from proposals.rules import can
from tests.factories import PhoneResidentFactory, ResidentFactory

ROLES = ["anonymous", "resident", "author", "expert", "administrator", "desk_staff"]
STATES = ["published", "under_review", "accepted", "rejected", "piloting", "completed", "withdrawn", "hidden"]
AUTHOR_ID = 1


def make_user(role: str):
    """Unsaved users: the rules are pure functions of role, ids and state, so the table needs no database."""
    if role == "anonymous":
        return AnonymousUser()
    if role == "author":
        return User(pk=AUTHOR_ID, email="author@example.org", role=Role.RESIDENT)
    ids = {"resident": 2, "expert": 3, "administrator": 4, "desk_staff": 7}
    return User(pk=ids[role], email=f"{role}@example.org", role=role)


def make_proposal(state: str) -> Proposal:
    status = ProposalStatus.PUBLISHED if state == "hidden" else state
    return Proposal(
        pk=10, author_id=AUTHOR_ID, status=status, is_hidden=state == "hidden", vote_count=0, created_at=timezone.now()
    )


ALL = set(STATES)
VOTING = {"published", "under_review"}
ASSESSABLE = {"published", "under_review", "accepted"}
MOVABLE = {"published", "under_review", "accepted", "piloting", "hidden"}
COMMENTABLE = ALL - {"withdrawn", "hidden"}
NOT_HIDDEN = ALL - {"hidden"}

# action -> role -> the states in which it is allowed.
EXPECTED = {
    "proposals.view": {
        "anonymous": NOT_HIDDEN,
        "resident": NOT_HIDDEN,
        "author": ALL,
        "expert": NOT_HIDDEN,
        "administrator": ALL,
        "desk_staff": NOT_HIDDEN,
    },
    "proposals.edit": {"author": {"published"}},
    "proposals.withdraw": {"author": {"published", "under_review", "hidden"}},
    # Desk staff take part as themselves like any resident; acting for others goes through ``desk.services``.
    # They never moderate, change statuses or use the administrators' file-on-behalf.
    "proposals.vote": {"resident": VOTING, "expert": VOTING, "desk_staff": VOTING},
    "proposals.comment": {
        "resident": COMMENTABLE,
        "author": COMMENTABLE,
        "expert": COMMENTABLE,
        "administrator": COMMENTABLE,
        "desk_staff": COMMENTABLE,
    },
    "proposals.assess": {"expert": ASSESSABLE},
    "proposals.report": {"resident": NOT_HIDDEN, "expert": NOT_HIDDEN, "desk_staff": NOT_HIDDEN},
    "proposals.moderate": {"administrator": ALL},
    "proposals.change_status": {"administrator": MOVABLE},
}

CASES = [
    pytest.param(action, role, state, state in EXPECTED[action].get(role, set()), id=f"{action}-{role}-{state}")
    for action in EXPECTED
    for role in ROLES
    for state in STATES
]


@pytest.mark.parametrize(("action", "role", "state", "allowed"), CASES)
def test_proposal_permission_table(action, role, state, allowed):
    assert can(make_user(role), action, make_proposal(state)) is allowed


def test_edit_closes_after_the_first_vote():
    proposal = make_proposal("published")
    proposal.vote_count = 1
    assert not can(make_user("author"), "proposals.edit", proposal)


def test_edit_closes_after_thirty_minutes():
    proposal = make_proposal("published")
    proposal.created_at = timezone.now() - timedelta(minutes=31)
    assert not can(make_user("author"), "proposals.edit", proposal)


def test_edit_is_open_within_thirty_minutes():
    proposal = make_proposal("published")
    proposal.created_at = timezone.now() - timedelta(minutes=29)
    assert can(make_user("author"), "proposals.edit", proposal)


def test_inactive_users_may_do_nothing():
    user = make_user("resident")
    user.is_active = False
    proposal = make_proposal("published")
    assert not can(user, "proposals.vote", proposal)
    assert not can(user, "proposals.comment", proposal)


def test_superuser_counts_as_administrator_but_not_as_voter():
    user = User(pk=5, email="root@example.org", role=Role.RESIDENT, is_superuser=True)
    proposal = make_proposal("published")
    assert can(user, "proposals.moderate", proposal)
    assert not can(user, "proposals.vote", proposal)


# --- submitting ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_submit_needs_a_verified_email():
    assert can(ResidentFactory(), "proposals.submit")
    assert not can(ResidentFactory(verified=False), "proposals.submit")
    assert not can(AnonymousUser(), "proposals.submit")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("anonymous", False), ("resident", False), ("expert", False), ("administrator", True), ("desk_staff", False)],
)
def test_only_administrators_file_on_behalf(role, allowed):
    assert can(make_user(role), "proposals.file_on_behalf") is allowed


# --- comments ------------------------------------------------------------------------------------------

COMMENT_ROLES = ["anonymous", "resident", "comment_author", "expert", "administrator"]
COMMENT_STATES = ["shown", "by_administrator", "old", "removed", "hidden", "on_hidden_proposal"]
COMMENT_AUTHOR_ID = 6


def make_comment_user(role: str):
    if role == "comment_author":
        return User(pk=COMMENT_AUTHOR_ID, email="commenter@example.org", role=Role.RESIDENT)
    return make_user(role)


def make_comment(state: str) -> Comment:
    proposal = make_proposal("hidden" if state == "on_hidden_proposal" else "published")
    comment = Comment(
        pk=20,
        proposal=proposal,
        author_id=COMMENT_AUTHOR_ID,
        author_role=Role.ADMINISTRATOR if state == "by_administrator" else Role.RESIDENT,
        created_at=timezone.now() - timedelta(minutes=16 if state == "old" else 1),
        is_removed=state == "removed",
        is_hidden=state == "hidden",
    )
    return comment


SHOWN = {"shown", "by_administrator", "old"}
COMMENT_EXPECTED = {
    "proposals.edit_comment": {"comment_author": {"shown", "by_administrator"}},
    "proposals.remove_comment": {"comment_author": SHOWN},
    # Only an administrator's comment can carry the district's official answer.
    "proposals.mark_official": {"administrator": {"by_administrator"}},
    "proposals.report_comment": {"resident": SHOWN, "expert": SHOWN},
}
COMMENT_CASES = [
    pytest.param(action, role, state, state in COMMENT_EXPECTED[action].get(role, set()), id=f"{action}-{role}-{state}")
    for action in COMMENT_EXPECTED
    for role in COMMENT_ROLES
    for state in COMMENT_STATES
]


@pytest.mark.parametrize(("action", "role", "state", "allowed"), COMMENT_CASES)
def test_comment_permission_table(action, role, state, allowed):
    assert can(make_comment_user(role), action, make_comment(state)) is allowed


@pytest.mark.django_db
def test_a_resident_with_a_verified_phone_and_no_email_may_submit():
    assert PhoneResidentFactory().has_perm("proposals.submit")
    assert not PhoneResidentFactory(phone_verified=False).has_perm("proposals.submit")
