"""Who may open, follow, submit into, stage, shortlist and decide: each role × each state of the challenge."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import Role
from challenges.stages import Stage
from proposals.rules import can
from tests.factories import AdministratorFactory, ExpertFactory, ResidentFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "resident", "expert", "administrator")
STATES = ("discovery", "codesign", "pilot", "evaluation", "closed")

# perm -> the (role, state) pairs allowed; every other pair is refused.
ALLOWED = {
    "challenges.change_stage": {("administrator", s) for s in ("discovery", "codesign", "pilot")},
    "challenges.shortlist": {("administrator", s) for s in ("discovery", "codesign")},
    "challenges.decide": {("administrator", "evaluation")},
    "challenges.follow": {(r, s) for r in ROLES[1:] for s in STATES},
    "challenges.submit_into": {(r, "discovery") for r in ROLES[1:]},
    "challenges.print_paper_form": {("administrator", "discovery")},
}


def user_for(role):
    return {
        "anonymous": AnonymousUser,
        "resident": ResidentFactory,
        "expert": ExpertFactory,
        "administrator": AdministratorFactory,
    }[role]()


def in_state(challenge, state):
    if state == "closed":
        challenge.current_stage, challenge.closed_at = Stage.DECISION, timezone.now()
    else:
        challenge.current_stage = state
    return challenge


@pytest.mark.parametrize("perm", sorted(ALLOWED))
def test_the_role_by_state_table(challenge, perm):
    users = {role: user_for(role) for role in ROLES}
    for state in STATES:
        subject = in_state(challenge, state)
        for role in ROLES:
            assert can(users[role], perm, subject) == ((role, state) in ALLOWED[perm]), (perm, role, state)


def test_desk_staff_print_a_challenges_paper_form_during_discovery_only(challenge, make_challenge):
    desk_staff = ResidentFactory(role=Role.DESK_STAFF)
    for state in STATES:
        assert can(desk_staff, "challenges.print_paper_form", in_state(challenge, state)) == (state == "discovery")
    assert not can(desk_staff, "challenges.print_paper_form", make_challenge(publish=False))


def test_only_administrators_open_challenges(db):
    assert can(AdministratorFactory(), "challenges.open")
    for role in ROLES[:3]:
        assert not can(user_for(role), "challenges.open")


def test_a_draft_challenge_takes_no_follower_and_no_proposal(make_challenge):
    draft = make_challenge(publish=False)
    resident = ResidentFactory()
    assert not can(resident, "challenges.follow", draft)
    assert not can(resident, "challenges.submit_into", draft)
