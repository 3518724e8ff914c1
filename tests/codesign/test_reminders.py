"""The day-before reminder: a background task, sent once, as e-mail through the notifications app."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import NotifyBy
from codesign import services, tasks
from codesign.models import Registration, Session
from livinglab import sms
from notifications.models import OutgoingEmail
from tests.factories import PhoneResidentFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tomorrow_session(make_session):
    start = timezone.localtime() + datetime.timedelta(days=1)
    session = make_session(capacity=1, starts_in=datetime.timedelta(days=1))
    Session.objects.filter(pk=session.pk).update(starts_at=start, ends_at=start + datetime.timedelta(hours=1))
    session.refresh_from_db()
    return session


def test_the_people_with_a_seat_are_reminded_once(tomorrow_session, django_capture_on_commit_callbacks):
    seated, waiting = ResidentFactory.create_batch(2)
    services.register_for_session(tomorrow_session, user=seated)
    services.register_for_session(tomorrow_session, user=waiting)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_due_sessions.enqueue().return_value == 1
    emails = list(OutgoingEmail.objects.all())
    assert [e.to_address for e in emails] == [seated.email]
    assert tomorrow_session.title in emails[0].body
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_due_sessions.enqueue().return_value == 0
    assert OutgoingEmail.objects.count() == 1


def test_sessions_not_tomorrow_are_not_due(make_session):
    make_session(starts_in=datetime.timedelta(days=5))
    assert not services.sessions_due_for_reminder().exists()


def test_a_session_reminded_by_its_own_task_is_not_reminded_again(tomorrow_session, resident):
    services.register_for_session(tomorrow_session, user=resident)
    assert services.remind_session(tomorrow_session.pk) == [resident.pk]
    assert services.remind_session(tomorrow_session.pk) == []


def test_a_promoted_person_gets_an_email(make_session, django_capture_on_commit_callbacks):
    session = make_session(capacity=1)
    seated, waiting = ResidentFactory.create_batch(2)
    services.register_for_session(session, user=seated)
    services.register_for_session(session, user=waiting)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(session, user=seated)
    assert list(OutgoingEmail.objects.values_list("to_address", flat=True)) == [waiting.email]
    assert Registration.objects.get(user=waiting).is_seated


def test_scheduling_needs_a_backend_that_can_defer(session):
    # The tests' immediate backend cannot defer: the daily command covers it instead.
    assert tasks.schedule_reminder(session) is False


def test_the_reminder_goes_by_each_persons_channel(tomorrow_session, django_capture_on_commit_callbacks):
    """E-mail, a text for a phone-only resident, nothing for one who opted out or has only the desk's
    placeholder address."""
    Session.objects.filter(pk=tomorrow_session.pk).update(capacity=4)
    by_email = ResidentFactory()
    by_text = PhoneResidentFactory()
    opted_out = ResidentFactory(notify_by=NotifyBy.NONE)
    placeholder = ResidentFactory(email="desk-9@residents.invalid")
    for person in (by_email, by_text, opted_out, placeholder):
        services.register_for_session(tomorrow_session, user=person)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_due_sessions.enqueue().return_value == 1
    assert list(OutgoingEmail.objects.values_list("to_address", flat=True)) == [by_email.email]
    assert [text.to for text in sms.outbox] == [by_text.phone]
    assert tomorrow_session.title[:20] in sms.outbox[0].body
