"""Registering for a session: seats, the waiting list, cancelling and promotion, and every refusal."""

import datetime

import pytest
from django.utils import timezone

from codesign import services
from codesign.models import Registration, RegistrationStatus, Session
from livinglab.errors import ActionRefused
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def state(session):
    session.refresh_from_db()
    rows = Registration.objects.filter(session=session).order_by("pk").values_list("user_id", "status")
    return session.registered_count, list(rows)


def test_a_free_seat_is_taken(session, resident, emitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_for_session(session, user=resident)
    assert registration.status == RegistrationStatus.REGISTERED
    session.refresh_from_db()
    assert (session.registered_count, session.seats_left) == (1, 1)
    assert emitted[-1][0] == "codesign.registration_changed"
    assert emitted[-1][1]["seats_left"] == 1


def test_past_capacity_is_a_waiting_list_place_not_an_error(session):
    people = ResidentFactory.create_batch(4)
    statuses = [services.register_for_session(session, user=p).status for p in people]
    assert statuses == ["registered", "registered", "waiting", "waiting"]
    session.refresh_from_db()
    assert session.registered_count == 2 and session.is_full


def test_registering_twice_is_refused_and_changes_nothing(session, resident):
    services.register_for_session(session, user=resident)
    before = state(session)
    with pytest.raises(ActionRefused) as refused:
        services.register_for_session(session, user=resident)
    assert refused.value.status == 409
    assert state(session) == before


def test_waiting_twice_is_refused_too(make_session):
    session = make_session(capacity=1)
    services.register_for_session(session, user=ResidentFactory())
    waiting = ResidentFactory()
    services.register_for_session(session, user=waiting)
    before = state(session)
    with pytest.raises(ActionRefused) as refused:
        services.register_for_session(session, user=waiting)
    assert refused.value.status == 409
    assert state(session) == before


def test_registering_after_the_start_is_refused(make_session, resident):
    session = make_session(starts_in=-datetime.timedelta(minutes=5))
    with pytest.raises(ActionRefused) as refused:
        services.register_for_session(session, user=resident)
    assert refused.value.status == 409
    assert state(session) == (0, [])


def test_an_inactive_user_is_refused(session):
    blocked = ResidentFactory(is_active=False)
    with pytest.raises(ActionRefused) as refused:
        services.register_for_session(session, user=blocked)
    assert refused.value.status == 403
    assert state(session) == (0, [])


def test_a_blocked_user_is_refused(session, resident):
    resident.blocked_at = timezone.now()  # blocked by a moderator (accounts.services.block_user)
    with pytest.raises(ActionRefused) as refused:
        services.register_for_session(session, user=resident)
    assert refused.value.status == 403
    assert state(session) == (0, [])


def test_an_unpublished_session_is_not_there(make_session, resident):
    session = make_session(is_published=False)
    with pytest.raises(ActionRefused) as refused:
        services.register_for_session(session, user=resident)
    assert refused.value.status == 404


def test_cancelling_a_seat_promotes_the_first_person_waiting(make_session, emitted, django_capture_on_commit_callbacks):
    session = make_session(capacity=1)
    seated, first, second = ResidentFactory.create_batch(3)
    for person in (seated, first, second):
        services.register_for_session(session, user=person)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(session, user=seated)
    assert state(session) == (
        1,
        [(seated.pk, "cancelled"), (first.pk, "registered"), (second.pk, "waiting")],
    )
    promoted = Registration.objects.get(user=first)
    assert promoted.promoted_at is not None
    assert ("codesign.promoted", {"session_id": session.pk, "registration_id": promoted.pk, "user_id": first.pk}) in (
        emitted
    )


def test_promotion_skips_someone_no_longer_allowed(make_session):
    session = make_session(capacity=1)
    seated, gone, next_one = ResidentFactory.create_batch(3)
    for person in (seated, gone, next_one):
        services.register_for_session(session, user=person)
    gone.is_active = False
    gone.save()
    services.cancel_registration(session, user=seated)
    assert Registration.objects.get(user=next_one).status == "registered"
    assert Registration.objects.get(user=gone).status == "waiting"


def test_cancelling_a_seat_with_nobody_waiting_frees_it(session, resident):
    services.register_for_session(session, user=resident)
    services.cancel_registration(session, user=resident)
    assert state(session) == (0, [(resident.pk, "cancelled")])


def test_leaving_the_waiting_list_keeps_the_seats(make_session):
    session = make_session(capacity=1)
    seated, waiting = ResidentFactory.create_batch(2)
    services.register_for_session(session, user=seated)
    services.register_for_session(session, user=waiting)
    services.cancel_registration(session, user=waiting)
    assert state(session) == (1, [(seated.pk, "registered"), (waiting.pk, "cancelled")])


def test_cancelling_twice_is_refused(session, resident):
    services.register_for_session(session, user=resident)
    services.cancel_registration(session, user=resident)
    before = state(session)
    with pytest.raises(ActionRefused) as refused:
        services.cancel_registration(session, user=resident)
    assert refused.value.status == 409
    assert state(session) == before


def test_cancelling_after_the_start_is_refused(session, resident):
    services.register_for_session(session, user=resident)
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - datetime.timedelta(minutes=1))
    session.refresh_from_db()
    before = state(session)
    with pytest.raises(ActionRefused) as refused:
        services.cancel_registration(session, user=resident)
    assert refused.value.status == 409
    assert state(session) == before


def test_one_can_register_again_after_cancelling(session, resident):
    services.register_for_session(session, user=resident)
    services.cancel_registration(session, user=resident)
    assert services.register_for_session(session, user=resident).status == "registered"


def test_waiting_position_counts_from_one(make_session):
    session = make_session(capacity=1)
    people = ResidentFactory.create_batch(3)
    registrations = [services.register_for_session(session, user=p) for p in people]
    assert [services.waiting_position(r) for r in registrations] == [None, 1, 2]
