"""Who may do what in co-design, declared once, role by state.

| permission | who | in which state |
|---|---|---|
| ``codesign.register`` | any signed-in, unblocked person | published session that has not started |
| ``codesign.cancel`` | the person registered | before the session starts |
| ``codesign.manage_sessions`` | administrators | any |
| ``codesign.take_attendance`` | administrators | from the session's day on |
| ``codesign.volunteer`` | residents and experts, unblocked | live page that takes participants and has a consent text |
| ``codesign.withdraw`` | the participant | while they take part |
| ``codesign.see_participants`` | administrators | any |
| ``codesign.export_survey_results`` | administrators | any survey, drafts included |
| ``codesign.answer_survey`` | signed-in, unblocked, not administrators; participants only when the survey says so | live, open survey |

Each permission has its reasons table: the first failing predicate says why, with the status the refusal
answers with (``explain``), so a page, a service and its 4xx always agree.
"""

import rules
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.blocking import is_blocked as account_is_blocked
from livinglab.errors import ActionRefused
from proposals.rules import can, is_administrator, is_signed_in

# --- who ---------------------------------------------------------------------------------------------


@rules.predicate
def is_blocked(user) -> bool:
    # Moderation may block a person without deactivating the account (accounts.blocking); both stop participation.
    return account_is_blocked(user)


@rules.predicate
def is_registration_owner(user, registration) -> bool:
    return bool(is_signed_in(user) and registration is not None and registration.user_id == user.pk)


@rules.predicate
def is_participant_self(user, participant) -> bool:
    return bool(is_signed_in(user) and participant is not None and participant.user_id == user.pk)


# --- state -------------------------------------------------------------------------------------------


@rules.predicate
def session_is_published(user, session) -> bool:
    return bool(session is not None and session.is_published)


@rules.predicate
def session_not_started(user, session) -> bool:
    return bool(session is not None and not session.has_started())


@rules.predicate
def registration_session_not_started(user, registration) -> bool:
    return bool(registration is not None and not registration.session.has_started())


@rules.predicate
def registration_is_active(user, registration) -> bool:
    return bool(registration is not None and registration.status != "cancelled")


@rules.predicate
def session_day_has_come(user, session) -> bool:
    if session is None:
        return False
    return timezone.localdate() >= timezone.localdate(session.starts_at)


@rules.predicate
def page_is_live(user, page) -> bool:
    return bool(page is not None and page.live)


@rules.predicate
def page_takes_participants(user, page) -> bool:
    """A page says whether it takes lab participants now (a challenge in its pilot stage); a pilot page does
    while it is planned or running."""
    if page is None:
        return False
    specific = getattr(page, "specific", page)
    explicit = getattr(specific, "accepts_lab_participants", None)
    if explicit is not None:
        return bool(explicit() if callable(explicit) else explicit)
    return getattr(specific, "status", None) in ("planned", "running")


@rules.predicate
def page_has_consent_text(user, page) -> bool:
    return bool(page is not None and page.codesign_consent_texts.exists())


@rules.predicate
def participation_is_active(user, participant) -> bool:
    return bool(participant is not None and participant.is_active)


@rules.predicate
def survey_is_live(user, survey) -> bool:
    return bool(survey is not None and survey.live)


@rules.predicate
def survey_is_open(user, survey) -> bool:
    return bool(survey is not None and survey.is_open())


@rules.predicate
def survey_accepts_user(user, survey) -> bool:
    if survey is None:
        return False
    return survey.audience == "residents" or survey.is_participant(user)


can_take_part = is_signed_in & ~is_blocked

rules.add_perm("codesign.register", can_take_part & session_is_published & session_not_started)
rules.add_perm(
    "codesign.cancel", is_registration_owner & ~is_blocked & registration_is_active & registration_session_not_started
)
rules.add_perm("codesign.manage_sessions", is_administrator)
rules.add_perm("codesign.take_attendance", is_administrator & session_day_has_come)
rules.add_perm(
    "codesign.volunteer",
    can_take_part & ~is_administrator & page_is_live & page_takes_participants & page_has_consent_text,
)
rules.add_perm("codesign.withdraw", is_participant_self & participation_is_active)
rules.add_perm("codesign.see_participants", is_administrator)
rules.add_perm("codesign.export_survey_results", is_administrator)
rules.add_perm(
    "codesign.answer_survey",
    can_take_part & ~is_administrator & survey_is_live & survey_is_open & survey_accepts_user,
)

SIGN_IN = (is_signed_in, _("Sign in first."), 403)
NOT_BLOCKED = (~is_blocked, _("Your account may not take part at the moment."), 403)

REASONS = {
    "codesign.register": (
        SIGN_IN,
        NOT_BLOCKED,
        (session_is_published, _("This session is not open."), 404),
        (session_not_started, _("This session has already started; registration is closed."), 409),
    ),
    "codesign.cancel": (
        SIGN_IN,
        (is_registration_owner, _("This is not your registration."), 403),
        NOT_BLOCKED,
        (registration_is_active, _("This registration is already cancelled."), 409),
        (registration_session_not_started, _("The session has started; it can no longer be cancelled."), 409),
    ),
    "codesign.manage_sessions": (SIGN_IN, (is_administrator, _("Only administrators run sessions."), 403)),
    "codesign.take_attendance": (
        SIGN_IN,
        (is_administrator, _("Only staff take attendance."), 403),
        (session_day_has_come, _("Attendance opens on the day of the session."), 409),
    ),
    "codesign.volunteer": (
        SIGN_IN,
        NOT_BLOCKED,
        (~is_administrator, _("Administrators run the pilots and do not test them."), 403),
        (page_is_live, _("This page is not published."), 404),
        (page_takes_participants, _("This pilot does not take participants now."), 409),
        (page_has_consent_text, _("This pilot has no consent text yet."), 409),
    ),
    "codesign.withdraw": (
        SIGN_IN,
        (is_participant_self, _("You do not take part in this pilot."), 404),
        (participation_is_active, _("You have already withdrawn."), 409),
    ),
    "codesign.see_participants": (SIGN_IN, (is_administrator, _("Only administrators see participants."), 403)),
    "codesign.export_survey_results": (
        SIGN_IN,
        (is_administrator, _("Only administrators export survey results."), 403),
    ),
    "codesign.answer_survey": (
        SIGN_IN,
        NOT_BLOCKED,
        (survey_is_live, _("This survey is not published."), 404),
        (~is_administrator, _("Administrators run the surveys and read their results; they do not answer them."), 403),
        (survey_is_open, _("This survey is closed: it no longer takes answers."), 409),
        (survey_accepts_user, _("This survey is for the pilot's lab participants."), 403),
    ),
}


def refusal(perm: str, user, obj=None) -> ActionRefused | None:
    """None when ``user`` may do ``perm``; otherwise the refusal that says why."""
    if can(user, perm, obj):
        return None
    for predicate, message, status in REASONS[perm]:
        if not predicate.test(user, obj):
            return ActionRefused(message, status=status)
    return ActionRefused(_("You may not do this."), status=403)


def require(perm: str, user, obj=None) -> None:
    """Raise the refusal for ``perm`` unless ``user`` may do it."""
    refused = refusal(perm, user, obj)
    if refused is not None:
        raise refused
