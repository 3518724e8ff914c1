"""Seats taken stay exact whichever way a registration goes, and a freed seat goes to the first person waiting.

Every path a registration disappears by: "Delete my account" and the Wagtail admin's single and bulk user delete
(all three erase the account), a plain ``delete()`` of the user that cascades (the shell, the retention purge),
and the session or its page deleted (the counter and the waiting list go with them). Each keeps
``registered_count`` equal to the seated rows in the same transaction, and hands a freed seat on exactly as the
person's own cancellation does, e-mail after the commit included.
"""

import datetime
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry, Page

from accounts.models import User
from accounts.services import erase_account
from codesign import services
from codesign.models import Registration, RegistrationStatus, Session
from mydata import retention
from notifications.models import OutgoingEmail
from tests.factories import PASSWORD, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def assert_seats_match_rows(session: Session) -> None:
    session.refresh_from_db()
    assert session.registered_count == Registration.objects.seated().filter(session=session).count()
    assert session.registered_count <= session.capacity


def status_of(person) -> str | None:
    return Registration.objects.active().filter(user_id=person.pk).values_list("status", flat=True).first()


@pytest.fixture
def full_session(make_session):
    """Capacity 1: ``seated`` has the seat, ``first`` and ``second`` wait in that order."""
    session = make_session(capacity=1)
    seated, first, second = ResidentFactory.create_batch(3)
    for person in (seated, first, second):
        services.register_for_session(session, user=person)
    session.refresh_from_db()
    assert session.registered_count == 1
    return session, seated, first, second


def promoted_emails() -> list[str]:
    return list(OutgoingEmail.objects.order_by("pk").values_list("to_address", flat=True))


def bulk_url(action: str, *ids) -> str:
    query = urlencode([("id", pk) for pk in ids])
    return f"{reverse('wagtail_bulk_action', args=('accounts', 'user', action))}?{query}&next=/admin/"


# --- each way a seated person goes ---------------------------------------------------------------------


def test_erasing_a_seated_account_hands_the_seat_to_the_first_waiting(
    full_session, emitted, django_capture_on_commit_callbacks
):
    """The audit's probe: capacity 1, A seated, B waiting, erase A."""
    session, seated, first, second = full_session
    with django_capture_on_commit_callbacks(execute=True):
        erasure = erase_account(seated)
    assert erasure.counts["registrations_cancelled"] == 1
    assert (status_of(first), status_of(second)) == ("registered", "waiting")
    assert not Registration.objects.filter(user=seated).exists()
    assert_seats_match_rows(session)
    assert session.registered_count == 1
    promoted = Registration.objects.get(user=first)
    assert promoted.promoted_at is not None
    assert ("codesign.promoted", {"session_id": session.pk, "registration_id": promoted.pk, "user_id": first.pk}) in (
        emitted
    )
    assert promoted_emails() == [first.email]
    changed = [payload for name, payload in emitted if name == "codesign.registration_changed"]
    assert changed[-1]["session_id"] == session.pk and changed[-1]["status"] == "cancelled"


def test_delete_my_account_page_hands_the_seat_on(client, full_session, django_capture_on_commit_callbacks):
    session, seated, first, _second = full_session
    client.force_login(seated)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert status_of(first) == "registered"
    assert_seats_match_rows(session)
    assert promoted_emails() == [first.email]


def test_admin_single_delete_of_a_seated_person_hands_the_seat_on(
    admin_client, full_session, django_capture_on_commit_callbacks
):
    session, seated, first, second = full_session
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("wagtailusers_users:delete", args=[seated.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert (status_of(first), status_of(second)) == ("registered", "waiting")
    assert_seats_match_rows(session)
    assert promoted_emails() == [first.email]
    entry = ModelLogEntry.objects.get(action="livinglab.account.erase")
    assert entry.data["registrations_cancelled"] == 1


def test_admin_bulk_delete_of_seated_and_waiting_people_hands_the_seat_to_the_next(
    admin_client, full_session, django_capture_on_commit_callbacks
):
    """The seated person and the first in line go together: the seat goes to the second, once."""
    session, seated, first, second = full_session
    url = bulk_url("delete", seated.pk, first.pk)
    assert admin_client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url).status_code == 302
    assert status_of(second) == "registered"
    assert_seats_match_rows(session)
    assert session.registered_count == 1
    assert promoted_emails() == [second.email]


def test_a_plain_cascading_user_delete_hands_the_seat_on(full_session, emitted, django_capture_on_commit_callbacks):
    session, seated, first, _second = full_session
    with django_capture_on_commit_callbacks(execute=True):
        User.objects.filter(pk=seated.pk).delete()  # the shell, a script: no service in the way
    assert status_of(first) == "registered"
    assert_seats_match_rows(session)
    assert session.registered_count == 1
    assert promoted_emails() == [first.email]
    assert any(name == "codesign.registration_changed" for name, _payload in emitted)


def test_deleting_one_user_instance_hands_the_seat_on(full_session):
    session, seated, first, _second = full_session
    User.objects.get(pk=seated.pk).delete()
    assert status_of(first) == "registered"
    assert_seats_match_rows(session)


def test_a_plain_delete_of_seated_and_waiting_people_together_keeps_the_count(full_session):
    session, seated, first, second = full_session
    User.objects.filter(pk__in=[seated.pk, first.pk]).delete()
    assert status_of(second) == "registered"
    assert_seats_match_rows(session)
    assert session.registered_count == 1


def test_the_retention_purge_hands_a_purged_persons_seat_on(make_session, django_capture_on_commit_callbacks):
    """An unverified account that never signed in is purged with a plain delete: its seat is not kept."""
    session = make_session(capacity=1)
    purged = UserFactory(verified=False, date_joined=timezone.now() - datetime.timedelta(days=60))
    waiting = ResidentFactory()
    services.register_for_session(session, user=purged)
    services.register_for_session(session, user=waiting)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.purge()["accounts"] == 1
    assert status_of(waiting) == "registered"
    assert_seats_match_rows(session)
    assert promoted_emails() == [waiting.email]


# --- what does not free a seat, or frees it without promoting --------------------------------------------


def test_erasing_someone_waiting_changes_no_seat(full_session, emitted, django_capture_on_commit_callbacks):
    session, seated, first, second = full_session
    with django_capture_on_commit_callbacks(execute=True):
        erase_account(first)
    assert (status_of(seated), status_of(second)) == ("registered", "waiting")
    assert_seats_match_rows(session)
    assert session.registered_count == 1
    assert not [name for name, _payload in emitted if name == "codesign.promoted"]
    assert promoted_emails() == []


def test_a_plain_delete_of_someone_waiting_changes_no_seat(full_session):
    session, seated, first, second = full_session
    User.objects.filter(pk=first.pk).delete()
    assert (status_of(seated), status_of(second)) == ("registered", "waiting")
    assert_seats_match_rows(session)
    assert session.registered_count == 1


def test_a_seat_nobody_waits_for_comes_off_the_count(session, resident):
    services.register_for_session(session, user=resident)
    User.objects.filter(pk=resident.pk).delete()
    assert_seats_match_rows(session)
    assert session.registered_count == 0


def test_an_already_cancelled_registration_frees_nothing_twice(full_session):
    session, seated, first, second = full_session
    services.cancel_registration(session, user=seated)
    assert status_of(first) == "registered"
    erase_account(seated)
    User.objects.filter(pk=seated.pk).delete()
    assert (status_of(first), status_of(second)) == ("registered", "waiting")
    assert_seats_match_rows(session)
    assert session.registered_count == 1


def test_nobody_is_promoted_into_a_session_that_has_started(full_session, django_capture_on_commit_callbacks):
    """A person cannot cancel once the session started, so nobody is moved up then: the seat just comes off."""
    session, seated, first, _second = full_session
    started = timezone.now() - datetime.timedelta(minutes=5)
    Session.objects.filter(pk=session.pk).update(starts_at=started, ends_at=started + datetime.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        erase_account(seated)
    assert status_of(first) == "waiting"
    assert_seats_match_rows(session)
    assert session.registered_count == 0
    assert promoted_emails() == []


def test_promotion_on_erasure_skips_someone_no_longer_allowed(full_session):
    session, seated, first, second = full_session
    User.objects.filter(pk=first.pk).update(is_active=False)
    erase_account(seated)
    assert (status_of(first), status_of(second)) == ("waiting", "registered")
    assert_seats_match_rows(session)


def test_deleting_the_session_promotes_nobody(full_session, django_capture_on_commit_callbacks):
    session, _seated, _first, _second = full_session
    with django_capture_on_commit_callbacks(execute=True):
        Session.objects.get(pk=session.pk).delete()
    assert not Registration.objects.exists()
    assert promoted_emails() == []


def test_deleting_the_page_of_the_session_promotes_nobody(
    admin_client, full_session, django_capture_on_commit_callbacks
):
    session, _seated, _first, _second = full_session
    page = Page.objects.get(pk=session.page_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("wagtailadmin_pages:delete", args=[page.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Session.objects.filter(pk=session.pk).exists()
    assert not Registration.objects.exists()
    assert promoted_emails() == []


# --- an admin edit never writes back the seats it read ---------------------------------------------------


def test_an_admin_edit_keeps_a_registration_made_meanwhile(session, resident):
    as_loaded = Session.objects.get(pk=session.pk)  # the admin's edit view loads the row at the request's start
    services.register_for_session(session, user=resident)
    as_loaded.title = "Shelter workshop, second round"
    as_loaded.save()
    session.refresh_from_db()
    assert session.title == "Shelter workshop, second round"
    assert_seats_match_rows(session)
    assert session.registered_count == 1


def test_a_new_session_is_stored_whole(make_session):
    session = make_session(capacity=3)
    assert Session.objects.filter(pk=session.pk, capacity=3, registered_count=0).exists()


# --- the repair tool ---------------------------------------------------------------------------------------


def recount(*args) -> str:
    out = StringIO()
    call_command("recount_seats", *args, stdout=out)
    return out.getvalue()


def test_recount_seats_reports_clean_counters(full_session):
    assert "All counters match" in recount()


def test_recount_seats_repairs_drift(full_session, make_session):
    session, *_people = full_session
    fine = make_session(capacity=4)
    Session.objects.filter(pk=session.pk).update(registered_count=0)  # as if rows went behind its back
    output = recount()
    assert f"Session {session.pk}: seats 0 -> 1 (capacity 1)" in output
    assert f"Session {fine.pk}:" not in output
    assert "Repaired 1 session" in output
    assert_seats_match_rows(session)
    assert "All counters match" in recount()


def test_recount_seats_dry_run_reports_without_repairing(full_session):
    session, seated, *_rest = full_session
    Registration.objects.filter(user=seated).update(status=RegistrationStatus.CANCELLED)  # raw, no service
    with pytest.raises(CommandError, match="1 session"):
        recount("--dry-run")
    session.refresh_from_db()
    assert session.registered_count == 1


# --- in parallel ---------------------------------------------------------------------------------------------


def check_erasures_racing_registrations(session: Session) -> None:
    """Five seated people erased at once while four newcomers register: every freed seat goes to the three who
    were waiting first, then to newcomers, and the count always equals the seated rows."""
    prefix = f"race-{connection.vendor}-"
    seated = [UserFactory(email=f"{prefix}seated{n}@example.org") for n in range(5)]
    waiting = [UserFactory(email=f"{prefix}waiting{n}@example.org") for n in range(3)]
    newcomers = [UserFactory(email=f"{prefix}new{n}@example.org") for n in range(4)]
    for person in seated + waiting:
        services.register_for_session(session, user=person)

    def act(job):
        kind, person = job
        try:
            if kind == "erase":
                erase_account(User.objects.get(pk=person.pk))
            else:
                services.register_for_session(Session.objects.get(pk=session.pk), user=person)
        finally:
            connection.close()

    jobs = [("erase", p) for p in seated] + [("register", p) for p in newcomers]
    jobs = [jobs[i] for i in (0, 5, 1, 6, 2, 7, 3, 8, 4)]  # interleaved: erasures and registrations at once
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(act, jobs))
    assert_seats_match_rows(session)
    assert session.registered_count == 5
    assert all(status_of(p) == "registered" for p in waiting)
    newcomer_statuses = sorted(status_of(p) for p in newcomers)
    assert newcomer_statuses == ["registered", "registered", "waiting", "waiting"]
    assert not Registration.objects.filter(user__in=seated).exists()


@pytest.mark.django_db(transaction=True)
def test_erasures_racing_registrations_keep_the_seats_exact(make_session):
    """On the database the suite runs on (SQLite by default: its immediate transactions serialise writers)."""
    check_erasures_racing_registrations(make_session(capacity=5))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_erasures_racing_registrations_keep_the_seats_exact_on_postgresql(make_session):
    """Each thread its own connection; the session's row lock orders erasures and registrations."""
    check_erasures_racing_registrations(make_session(capacity=5))
