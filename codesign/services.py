"""Every co-design action, one function each, in one transaction; side effects after commit through events.

Seats are counted exactly under parallel requests. Each action on a session first locks the session's row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite runs every transaction ``BEGIN IMMEDIATE`` here, which takes
the database's write lock at once), and the seat itself is taken by one conditional ``UPDATE`` that only
succeeds while ``registered_count < capacity``. A check constraint backs the same rule in the database.
"""

import csv
import io
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log as audit_log

from livinglab import ratelimit
from livinglab.assisted import Assisted
from livinglab.errors import ActionRefused
from livinglab.events import emit
from livinglab.spreadsheets import SafeCsvWriter

from .models import (
    AttendanceChannel,
    ConsentText,
    LabParticipant,
    Registration,
    RegistrationStatus,
    Session,
    SurveyAnswer,
    SurveyPage,
    WalkIn,
)
from .rules import require

# --- registration --------------------------------------------------------------------------------------


def _lock_session(session: Session) -> Session:
    return Session.objects.select_for_update().get(pk=session.pk)


def _take_seat(session: Session) -> bool:
    """One atomic check-and-increment: True when a seat was free and is now taken."""
    return bool(
        Session.objects.filter(pk=session.pk, registered_count__lt=F("capacity")).update(
            registered_count=F("registered_count") + 1
        )
    )


def _announce(session: Session, registration: Registration, *, actor_id) -> None:
    session.refresh_from_db(fields=["registered_count"])
    emit(
        "codesign.registration_changed",
        session_id=session.pk,
        page_id=session.page_id,
        actor_id=actor_id,
        registration_id=registration.pk,
        status=registration.status,
        seats_left=session.seats_left,
    )


def _registration_limit(user):
    """Hold one of ``user``'s ``CODESIGN_REGISTRATION_RATE_LIMIT`` for the block: signing up for and cancelling
    sessions, volunteering for and withdrawing from pilots count together (each writes rows and is announced
    live). A refused or failed action gives its slot back."""
    return ratelimit.holding(
        "codesign.registration",
        user.pk,
        settings.CODESIGN_REGISTRATION_RATE_LIMIT,
        refuse=lambda: ActionRefused(
            _("You have changed your registrations many times in a short while. Please wait a while and try again."),
            status=429,
        ),
    )


def register_for_session(session: Session, *, user, assisted: Assisted | None = None) -> Registration:
    """A seat if one is free, otherwise a place on the waiting list (which is not an error).

    Held to ``settings.CODESIGN_REGISTRATION_RATE_LIMIT`` per person (``_registration_limit``). With
    ``assisted``, desk staff register a resident of their centre: the registration is stamped with the
    channel, the staff member and the centre, and the audit log names the staff member.
    """
    if assisted is not None:
        assisted.check(user)
        already = _("This resident is already registered for this session.")
    else:
        already = _("You are already registered for this session.")
    stamp = {
        "channel": assisted.channel if assisted is not None else "online",
        "filed_by": assisted.staff if assisted is not None else None,
        "helped_at": assisted.centre if assisted is not None else "",
    }
    with _registration_limit(user), transaction.atomic():
        locked = _lock_session(session)
        require("codesign.register", user, locked)
        if Registration.objects.active().filter(session=locked, user=user).exists():
            raise ActionRefused(already, status=409)
        status = RegistrationStatus.REGISTERED if _take_seat(locked) else RegistrationStatus.WAITING
        try:
            with transaction.atomic():
                registration = Registration.objects.create(session=locked, user=user, status=status, **stamp)
        except IntegrityError as exc:
            raise ActionRefused(already, status=409) from exc
        if assisted is not None:
            audit_log(
                instance=locked,
                action="livinglab.codesign.registered_on_behalf",
                user=assisted.staff,
                data={"registration_id": registration.pk, "status": status, **assisted.audit_data()},
            )
        _announce(locked, registration, actor_id=user.pk)
    session.registered_count = locked.registered_count
    return registration


def cancel_registration(session: Session, *, user) -> Registration:
    """Give up a seat or a waiting place; a freed seat goes at once to the first person waiting."""
    with _registration_limit(user), transaction.atomic():
        locked = _lock_session(session)
        registration = Registration.objects.active().select_related("session").filter(session=locked, user=user).first()
        if registration is None:
            require("codesign.register", user, locked)  # an anonymous or blocked person hears why first
            raise ActionRefused(_("You are not registered for this session."), status=409)
        require("codesign.cancel", user, registration)
        _give_up(locked, registration)
        _announce(locked, registration, actor_id=user.pk)
    session.registered_count = locked.registered_count
    return registration


def release_registrations(registrations, *, actor_id=None) -> int:
    """Cancel these registrations for people who are going (an account erased, a user deleted), exactly as if
    each had cancelled: a freed seat goes to the first person waiting, who hears of it after the commit.

    ``registrations`` is a queryset (or ids) of registrations; the cancelled ones are skipped. Their sessions
    are locked in primary-key order, the order every caller takes them in, and each registration is read again
    under its session's lock (a seat handed on meanwhile is seen). Returns how many were cancelled.
    """
    with transaction.atomic():
        active = Registration.objects.active().filter(pk__in=registrations)
        session_ids = sorted(set(active.values_list("session_id", flat=True)))
        released = 0
        for locked in Session.objects.select_for_update().filter(pk__in=session_ids).order_by("pk"):
            for registration in active.filter(session=locked).order_by("pk"):
                _give_up(locked, registration)
                _announce(locked, registration, actor_id=actor_id)
                released += 1
    return released


def _give_up(session: Session, registration: Registration) -> Registration | None:
    """Cancel ``registration`` under its session's lock. A seat it held goes to the first person waiting or, when
    nobody can take it (or the session has started), off the count. Returns whom the seat went to, if anyone."""
    was_seated = registration.is_seated
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    if not was_seated:
        return None
    promoted = None if session.has_started() else _promote_first_waiting(session)
    if promoted is None:
        Session.objects.filter(pk=session.pk, registered_count__gt=0).update(registered_count=F("registered_count") - 1)
    return promoted


def _promote_first_waiting(session: Session) -> Registration | None:
    """Hand a freed seat to the first person waiting (who is still allowed to take part)."""
    for registration in Registration.objects.waiting().filter(session=session).select_related("user"):
        user = registration.user
        if not user.is_active or user.is_blocked:
            continue
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = timezone.now()
        registration.save(update_fields=["status", "promoted_at"])
        emit("codesign.promoted", session_id=session.pk, registration_id=registration.pk, user_id=user.pk)
        return registration
    return None


def waiting_position(registration: Registration) -> int | None:
    if not registration.is_waiting:
        return None
    ahead = Registration.objects.waiting().filter(session_id=registration.session_id)
    return ahead.filter(created_at__lt=registration.created_at).count() + 1


# --- the day of the session ----------------------------------------------------------------------------


def record_attendance(session: Session, *, by, present_ids: Iterable[int]) -> int:
    """Check in exactly the registered people in ``present_ids`` (others are unchecked); returns how many."""
    require("codesign.take_attendance", by, session)
    present_ids = {int(pk) for pk in present_ids}
    now = timezone.now()
    with transaction.atomic():
        seated = Registration.objects.seated().filter(session=session)
        unknown = present_ids - set(seated.values_list("pk", flat=True))
        if unknown:
            raise ActionRefused(_("Only registered people can be checked in."), status=400)
        seated.filter(pk__in=present_ids, checked_in_at__isnull=True).update(checked_in_at=now, checked_in_by=by)
        seated.exclude(pk__in=present_ids).update(checked_in_at=None, checked_in_by=None)
        audit_log(
            instance=session,
            action="livinglab.codesign.attendance",
            user=by,
            data={"checked_in": len(present_ids)},
        )
    return len(present_ids)


def record_walk_ins(session: Session, *, by, count: int, channel: str, names: str = "") -> WalkIn:
    """People who came without registering, counted on the day, with how they joined."""
    require("codesign.take_attendance", by, session)
    if channel not in AttendanceChannel.values:
        raise ActionRefused(_("Choose how these people joined."), status=400)
    if not 1 <= int(count) <= 500:
        raise ActionRefused(_("Count between 1 and 500 people."), status=400)
    with transaction.atomic():
        walk_in = WalkIn.objects.create(
            session=session, count=count, channel=channel, names=names.strip()[:2000], recorded_by=by
        )
        audit_log(
            instance=session, action="livinglab.codesign.walk_ins", user=by, data={"count": count, "channel": channel}
        )
    return walk_in


def attendance_summary(session: Session) -> dict:
    checked_in = Registration.objects.seated().filter(session=session, checked_in_at__isnull=False).count()
    walk_ins = sum(session.walk_ins.values_list("count", flat=True))
    return {"checked_in": checked_in, "walk_ins": walk_ins, "total": checked_in + walk_ins}


# --- reminders -----------------------------------------------------------------------------------------


def remind_session(session_id: int, *, now=None) -> list[int]:
    """Send the day-before reminder once: claims the session, then announces it to the people seated."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Session.objects.filter(
            pk=session_id, reminder_sent_at__isnull=True, is_published=True, starts_at__gt=now
        ).update(reminder_sent_at=now)
        if not claimed:
            return []
        user_ids = list(
            Registration.objects.seated().filter(session_id=session_id).order_by("pk").values_list("user_id", flat=True)
        )
        if user_ids:
            emit("codesign.session_reminder", session_id=session_id, user_ids=user_ids)
    return user_ids


def sessions_due_for_reminder(now=None):
    """Published sessions starting tomorrow (the site's local date) that were not reminded yet."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + timezone.timedelta(days=1)
    return Session.objects.published().filter(
        reminder_sent_at__isnull=True, starts_at__date=tomorrow, starts_at__gt=now
    )


# --- lab participants ----------------------------------------------------------------------------------


def volunteer_for_pilot(page, *, user, consent_version: int) -> LabParticipant:
    """A resident joins a pilot as a test user, agreeing to the consent text's current version."""
    with _registration_limit(user), transaction.atomic():
        require("codesign.volunteer", user, page)
        current = ConsentText.current_for(page)
        if current is None or current.version != int(consent_version):
            raise ActionRefused(
                _("The consent text has changed; read the current version and agree again."), status=409
            )
        if LabParticipant.objects.active().filter(page_id=page.pk, user=user).exists():
            raise ActionRefused(_("You already take part in this pilot."), status=409)
        try:
            with transaction.atomic():
                return LabParticipant.objects.create(page_id=page.pk, user=user, consent=current)
        except IntegrityError as exc:
            raise ActionRefused(_("You already take part in this pilot."), status=409) from exc


def withdraw_from_pilot(page, *, user) -> LabParticipant:
    with _registration_limit(user), transaction.atomic():
        participant = (
            LabParticipant.objects.select_for_update().active().filter(page_id=page.pk, user_id=user.pk).first()
        )
        if participant is None:
            raise ActionRefused(_("You do not take part in this pilot."), status=409 if user.is_authenticated else 403)
        require("codesign.withdraw", user, participant)
        participant.withdrawn_at = timezone.now()
        participant.save(update_fields=["withdrawn_at"])
    return participant


PARTICIPANT_CSV_HEADER = ("participant", "e-mail", "page", "consent version", "consented at", "withdrawn at")


def export_participants_csv(page, *, by) -> str:
    """The participants of ``page`` and their consent state as CSV (UTF-8 with BOM); the export is audited."""
    require("codesign.see_participants", by)
    rows = LabParticipant.objects.filter(page_id=page.pk).select_related("user", "consent").order_by("consented_at")
    stream = io.StringIO()
    stream.write("\ufeff")
    writer = SafeCsvWriter(stream, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(PARTICIPANT_CSV_HEADER)
    count = 0
    for row in rows:
        writer.writerow(
            [
                str(row.user),
                row.user.email,
                page.title,
                row.consent.version,
                row.consented_at.isoformat(),
                row.withdrawn_at.isoformat() if row.withdrawn_at else "",
            ]
        )
        count += 1
    audit_log(instance=page, action="livinglab.codesign.participants_export", user=by, data={"rows": count})
    return stream.getvalue()


SURVEY_CSV_LEADING_COLUMNS = ("answer", "submitted at")


def _csv_cell(value) -> str:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return "" if value is None else str(value)


def export_survey_csv(survey: SurveyPage, *, by) -> str:
    """Every answer to ``survey``, one row each, as CSV (UTF-8 with BOM, formula cells neutralised); audited.

    Rows are numbered, not named: the results are for reading the pilot, not the people (administrators who
    must know who answered read the form submissions in the Wagtail admin).
    """
    require("codesign.export_survey_results", by)
    questions = list(survey.form_fields.all())
    stream = io.StringIO()
    stream.write("\ufeff")
    writer = SafeCsvWriter(stream, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([*SURVEY_CSV_LEADING_COLUMNS, *(question.label for question in questions)])
    count = 0
    for count, answer in enumerate(SurveyAnswer.objects.filter(page=survey).order_by("submit_time", "pk"), 1):
        data = answer.form_data
        writer.writerow(
            [count, answer.submit_time.isoformat(), *(_csv_cell(data.get(q.clean_name)) for q in questions)]
        )
    audit_log(instance=survey, action="livinglab.codesign.survey_export", user=by, data={"rows": count})
    return stream.getvalue()


def announce_survey(survey: SurveyPage, *, actor_id=None) -> None:
    """Tell the pilot's participants about a survey that is now open to them (a domain event)."""
    emit("codesign.participant_update", page_id=survey.subject_page_id, actor_id=actor_id, survey_id=survey.pk)


# --- surveys -------------------------------------------------------------------------------------------


def answer_survey(survey: SurveyPage, *, user, data: dict) -> SurveyAnswer:
    """Store one person's answers (validated by the survey's own form); a second answer is refused."""
    require("codesign.answer_survey", user, survey)
    if survey.answered_by(user):
        raise ActionRefused(_("You have already answered this survey."), status=409)
    rate_limit = ratelimit.holding(
        "codesign.survey_answer",
        user.pk,
        settings.SURVEY_ANSWER_RATE_LIMIT,
        refuse=lambda: ActionRefused(
            _("You have answered many surveys in a short while. Please wait a while and try again."), status=429
        ),
    )
    try:
        with rate_limit, transaction.atomic():
            return SurveyAnswer.objects.create(page=survey, user=user, form_data=data)
    except IntegrityError as exc:
        raise ActionRefused(_("You have already answered this survey."), status=409) from exc
