"""Seats under parallel requests: never more registered than the capacity, and every freed seat handed on once.

The same tests run on SQLite (the default) and, marked, on PostgreSQL, where the session row lock does the work.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from accounts.models import Role, User
from codesign import services
from codesign.models import Registration, Session
from livinglab.errors import ActionRefused

WORKERS = 6


def people(count: int, prefix: str) -> list[User]:
    return User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.org", display_name=f"Resident {n}", role=Role.RESIDENT) for n in range(count)
    )


def in_thread(function):
    def run(*args):
        try:
            return function(*args)
        except ActionRefused as exc:
            return exc.status
        finally:
            connection.close()

    return run


def register_in_parallel(session: Session, users: list[User]) -> list:
    @in_thread
    def register(user):
        return services.register_for_session(Session.objects.get(pk=session.pk), user=user).status

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(register, users))


def check_parallel_registration_and_cancellation(session: Session) -> None:
    users = people(14, f"parallel-{connection.vendor}-")
    # Everyone twice at once: each person gets one row, the seats are never oversold.
    statuses = register_in_parallel(session, users + users)
    assert statuses.count("registered") == 5
    assert statuses.count(409) == 14
    session.refresh_from_db()
    assert session.registered_count == 5
    assert Registration.objects.seated().filter(session=session).count() == 5
    assert Registration.objects.waiting().filter(session=session).count() == 9

    seated = [r.user for r in Registration.objects.seated().filter(session=session).select_related("user")]

    @in_thread
    def cancel(user):
        return services.cancel_registration(Session.objects.get(pk=session.pk), user=user).status

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        assert list(pool.map(cancel, seated)) == ["cancelled"] * 5
    session.refresh_from_db()
    # Five seats freed at once: the first five waiting have them, in the order they joined.
    assert session.registered_count == 5 == Registration.objects.seated().filter(session=session).count()
    assert Registration.objects.waiting().filter(session=session).count() == 4
    first_waiting = Registration.objects.filter(session=session, promoted_at__isnull=False).order_by("created_at")
    assert first_waiting.count() == 5
    latest_promoted = max(r.created_at for r in first_waiting)
    assert all(r.created_at >= latest_promoted for r in Registration.objects.waiting().filter(session=session))


@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_and_cancellations(make_session):
    """On the database the suite runs on (SQLite by default: its immediate transactions serialise writers)."""
    check_parallel_registration_and_cancellation(make_session(capacity=5))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_and_cancellations_on_postgresql(make_session):
    check_parallel_registration_and_cancellation(make_session(capacity=5))
