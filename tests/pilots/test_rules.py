"""The feedback permission table: every role x every pilot state, straight from pilots.rules."""

import pytest

from pilots.models import PilotPage, PilotStatus
from pilots.rules import feedback_policy
from proposals.rules import can
from tests.proposals.test_rules import ROLES, make_user

# Wagtail looks up the page's content type when a page is built, so even unsaved pilots need the database.
pytestmark = pytest.mark.django_db

# A draft is any status, unpublished; "draft" stands for one being evaluated, where only publishing is missing.
STATES = [*PilotStatus.values, "draft"]
RATERS = {"resident", "author", "expert", "desk_staff"}
OPEN = {PilotStatus.EVALUATING, PilotStatus.COMPLETED}
EXPECTED = {role: (OPEN if role in RATERS else set()) for role in ROLES}


def make_pilot(state: str) -> PilotPage:
    """Unsaved pages: the rules look at status and publication only."""
    if state == "draft":
        return PilotPage(pk=30, title="Draft", status=PilotStatus.EVALUATING, live=False)
    return PilotPage(pk=30, title="Pilot", status=state, live=True)


CASES = [
    pytest.param(role, state, state in EXPECTED[role], id=f"pilots.rate-{role}-{state}")
    for role in ROLES
    for state in STATES
]


@pytest.mark.parametrize(("role", "state", "allowed"), CASES)
def test_feedback_permission_table(role, state, allowed):
    assert can(make_user(role), "pilots.rate", make_pilot(state)) is allowed


@pytest.mark.parametrize(("role", "state", "allowed"), CASES)
def test_the_policy_agrees_with_the_rule(role, state, allowed):
    """The explanation the page shows and the service answers with never contradicts the permission."""
    policy = feedback_policy(make_pilot(state), user=make_user(role))
    assert policy.allowed is allowed
    assert (policy.status == 200) is allowed
    assert bool(policy.message) is not allowed


@pytest.mark.parametrize(
    ("role", "state", "status", "words"),
    [
        ("anonymous", PilotStatus.EVALUATING, 403, "Log in"),
        ("administrator", PilotStatus.EVALUATING, 403, "Administrators"),
        ("resident", "draft", 404, "not published"),
        ("resident", PilotStatus.RUNNING, 409, "Ratings open"),
    ],
)
def test_each_refusal_says_why_with_its_status(role, state, status, words):
    policy = feedback_policy(make_pilot(state), user=make_user(role))
    assert policy.status == status
    assert words in policy.message


def test_an_inactive_resident_may_not_rate():
    user = make_user("resident")
    user.is_active = False
    assert not can(user, "pilots.rate", make_pilot(PilotStatus.COMPLETED))
