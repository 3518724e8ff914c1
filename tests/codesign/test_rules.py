"""The co-design permission table: every role x every state, straight from codesign.rules."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import Role, User
from codesign.models import Registration, Session
from codesign.rules import refusal
from pilots.models import PilotPage
from proposals.rules import can

ROLES = ["anonymous", "resident", "owner", "expert", "administrator", "blocked", "inactive"]
OWNER_ID = 1


def make_user(role: str):
    if role == "anonymous":
        return AnonymousUser()
    if role == "owner":
        return User(pk=OWNER_ID, email="owner@example.org", role=Role.RESIDENT)
    if role == "blocked":
        user = User(pk=5, email="blocked@example.org", role=Role.RESIDENT)
        user.blocked_at = timezone.now()
        return user
    if role == "inactive":
        return User(pk=6, email="inactive@example.org", role=Role.RESIDENT, is_active=False)
    ids = {"resident": 2, "expert": 3, "administrator": 4}
    return User(pk=ids[role], email=f"{role}@example.org", role=role)


SESSION_STATES = {
    "upcoming": (datetime.timedelta(days=2), True),
    "later_today": (datetime.timedelta(minutes=5), True),
    "started": (-datetime.timedelta(minutes=5), True),
    "unpublished": (datetime.timedelta(days=2), False),
}


def make_session(state: str) -> Session:
    offset, published = SESSION_STATES[state]
    start = timezone.now() + offset
    # "later today" must stay on the same local day, whatever the hour the suite runs.
    if state == "later_today" and timezone.localdate(start) != timezone.localdate():
        start = timezone.now()
    return Session(
        pk=9, capacity=2, starts_at=start, ends_at=start + datetime.timedelta(hours=1), is_published=published
    )


TAKERS = {"resident", "owner", "expert", "administrator"}
REGISTER = {role: ({"upcoming", "later_today"} if role in TAKERS else set()) for role in ROLES}


@pytest.mark.parametrize(
    ("role", "state", "allowed"),
    [pytest.param(r, s, s in REGISTER[r], id=f"register-{r}-{s}") for r in ROLES for s in SESSION_STATES],
)
def test_register_table(role, state, allowed):
    user, session = make_user(role), make_session(state)
    assert can(user, "codesign.register", session) is allowed
    assert (refusal("codesign.register", user, session) is None) is allowed


@pytest.mark.parametrize(
    ("role", "state", "allowed"),
    [
        pytest.param(r, s, r == "owner" and s in {"upcoming", "later_today", "unpublished"}, id=f"cancel-{r}-{s}")
        for r in ROLES
        for s in SESSION_STATES
    ],
)
def test_cancel_table(role, state, allowed):
    registration = Registration(pk=3, session=make_session(state), user_id=OWNER_ID, status="registered")
    assert can(make_user(role), "codesign.cancel", registration) is allowed


@pytest.mark.parametrize(
    ("role", "state", "allowed"),
    [
        pytest.param(r, s, r == "administrator" and s in {"later_today", "started"}, id=f"attendance-{r}-{s}")
        for r in ROLES
        for s in ("upcoming", "later_today", "started")
    ],
)
def test_attendance_table(role, state, allowed):
    assert can(make_user(role), "codesign.take_attendance", make_session(state)) is allowed


PILOT_STATES = ["planned", "running", "evaluating", "completed", "draft"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "state"), [pytest.param(r, s, id=f"volunteer-{r}-{s}") for r in ROLES for s in PILOT_STATES]
)
def test_volunteer_table(role, state, make_pilot):
    pilot = make_pilot(status="running" if state == "draft" else state, publish=state != "draft")
    pilot.codesign_consent_texts.create(version=1, text="x")
    allowed = role in {"resident", "owner", "expert"} and state in {"planned", "running"}
    assert can(make_user(role), "codesign.volunteer", pilot) is allowed


@pytest.mark.parametrize("role", ROLES)
def test_only_administrators_manage_and_see_participants(role):
    user = make_user(role)
    assert can(user, "codesign.manage_sessions") is (role == "administrator")
    assert can(user, "codesign.see_participants") is (role == "administrator")
    assert can(user, "codesign.export_survey_results") is (role == "administrator")
    if role != "administrator":
        assert refusal("codesign.export_survey_results", user).status == 403


@pytest.mark.django_db
def test_refusals_say_why_with_their_status():
    assert refusal("codesign.register", make_user("anonymous"), make_session("upcoming")).status == 403
    assert refusal("codesign.register", make_user("blocked"), make_session("upcoming")).status == 403
    assert refusal("codesign.register", make_user("resident"), make_session("started")).status == 409
    assert refusal("codesign.register", make_user("resident"), make_session("unpublished")).status == 404
    assert refusal("codesign.take_attendance", make_user("administrator"), make_session("upcoming")).status == 409
    assert (
        refusal("codesign.volunteer", make_user("resident"), PilotPage(pk=1, live=False, status="running")).status
        == 404
    )
