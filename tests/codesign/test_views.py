"""Session pages: what each viewer sees, registering and cancelling through the forms, calendars, attendance."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from codesign import services
from codesign.models import Registration, Session, SessionFormat, WalkIn
from tests.factories import AdministratorFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def test_anyone_reads_a_session_with_its_seats(client, session):
    response = client.get(session.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert session.title in body
    assert f'id="seats-{session.pk}"' in body
    assert 'data-seats-left="2"' in body
    assert reverse("codesign:session_ics", args=[session.pk]) in body


def test_an_unpublished_session_is_not_found(client, make_session):
    assert client.get(make_session(is_published=False).get_absolute_url()).status_code == 404


def test_the_online_link_shows_only_to_people_with_a_seat(client, make_session):
    session = make_session(capacity=1, format=SessionFormat.ONLINE, place="", online_url="https://meet.example.org/x")
    seated, waiting = ResidentFactory.create_batch(2)
    services.register_for_session(session, user=seated)
    services.register_for_session(session, user=waiting)
    assert "meet.example.org" not in client.get(session.get_absolute_url()).content.decode()
    client.force_login(waiting)
    assert "meet.example.org" not in client.get(session.get_absolute_url()).content.decode()
    client.force_login(seated)
    assert "meet.example.org" in client.get(session.get_absolute_url()).content.decode()


def test_registering_through_the_form(client, session, resident):
    client.force_login(resident)
    response = client.post(reverse("codesign:register", args=[session.pk]))
    assert response.status_code == 302
    assert Registration.objects.get(session=session).user == resident
    page = client.get(session.get_absolute_url()).content.decode()
    assert 'data-registration="registered"' in page


def test_registering_twice_through_the_form_answers_409(client, session, resident):
    client.force_login(resident)
    client.post(reverse("codesign:register", args=[session.pk]))
    response = client.post(reverse("codesign:register", args=[session.pk]))
    assert response.status_code == 409
    assert Registration.objects.filter(session=session).count() == 1
    session.refresh_from_db()
    assert session.registered_count == 1


def test_anonymous_registration_goes_to_sign_in(client, session):
    response = client.post(reverse("codesign:register", args=[session.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Registration.objects.exists()


def test_registering_is_post_only(client, session, resident):
    client.force_login(resident)
    assert client.get(reverse("codesign:register", args=[session.pk])).status_code == 405


def test_cancelling_through_the_form_promotes(client, make_session):
    session = make_session(capacity=1)
    seated, waiting = ResidentFactory.create_batch(2)
    services.register_for_session(session, user=seated)
    services.register_for_session(session, user=waiting)
    client.force_login(seated)
    assert client.post(reverse("codesign:cancel", args=[session.pk])).status_code == 302
    assert Registration.objects.get(user=waiting).status == "registered"


def test_cancelling_without_a_registration_answers_409(client, session, resident):
    client.force_login(resident)
    assert client.post(reverse("codesign:cancel", args=[session.pk])).status_code == 409


def test_the_seats_fragment(client, session, resident):
    services.register_for_session(session, user=resident)
    response = client.get(reverse("codesign:seats", args=[session.pk]))
    assert response.status_code == 200
    assert 'data-seats-left="1"' in response.content.decode()


def test_minutes_show_once_published_and_are_sanitised(client, session):
    proposal = ProposalFactory()
    session.minutes = '<p>We agreed on shade.</p><script>alert(1)</script><p onclick="x()">Next</p>'
    session.save()
    session.proposals.add(proposal)
    assert "We agreed on shade" not in client.get(session.get_absolute_url()).content.decode()
    Session.objects.filter(pk=session.pk).update(minutes_published_at=timezone.now())
    body = client.get(session.get_absolute_url()).content.decode()
    assert "We agreed on shade" in body
    assert "<script>alert" not in body and "onclick" not in body
    assert proposal.get_absolute_url() in body


def test_the_session_calendar(client, session):
    response = client.get(reverse("codesign:session_ics", args=[session.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == session.title
    assert event.decoded("DTSTART") == session.starts_at.replace(microsecond=0)
    assert "Residents' Hall" in str(event["LOCATION"])


def test_the_page_calendar_lists_its_published_sessions_without_meeting_links(client, pilot, make_session):
    make_session(title="First")
    make_session(title="Online", format=SessionFormat.ONLINE, place="", online_url="https://meet.example.org/secret")
    make_session(title="Draft", is_published=False)
    response = client.get(reverse("codesign:page_ics", args=[pilot.pk]))
    calendar = Calendar.from_ical(response.content)
    assert sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT")) == ["First", "Online"]
    assert b"meet.example.org/secret" not in response.content


def test_the_pilot_page_lists_its_sessions_live(client, pilot, session):
    body = client.get(pilot.url).content.decode()
    assert session.title in body
    assert f'ws-connect="/ws/codesign/pages/{pilot.pk}/"' in body
    assert reverse("codesign:page_ics", args=[pilot.pk]) in body


def test_the_page_sessions_tag_uses_a_constant_number_of_queries(
    client, pilot, make_session, django_assert_num_queries
):
    make_session(title="One")
    client.get(pilot.url)  # warm Wagtail's caches (site, content types)
    with CaptureQueriesContext(connection) as one:
        client.get(pilot.url)
    for n in range(4):
        make_session(title=f"More {n}")
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(pilot.url)


# --- attendance ------------------------------------------------------------------------------------------


@pytest.fixture
def today_session(make_session):
    return make_session(capacity=3, starts_in=datetime.timedelta(minutes=-30))


def seat(session, user):
    Registration.objects.create(session=session, user=user, status="registered")
    Session.objects.filter(pk=session.pk).update(registered_count=session.registrations.seated().count())


def test_staff_check_people_in_and_count_walk_ins(client, today_session):
    admin = AdministratorFactory()
    came, missed = ResidentFactory.create_batch(2)
    seat(today_session, came)
    seat(today_session, missed)
    client.force_login(admin)
    url = reverse("codesign:attendance", args=[today_session.pk])
    came_registration = Registration.objects.get(user=came)
    assert client.post(url, {"form": "attendance", "present": [came_registration.pk]}).status_code == 302
    assert (
        client.post(url, {"form": "walk_ins", "count": 3, "channel": "paper", "names": "Kim, Lee"}).status_code == 302
    )
    came_registration.refresh_from_db()
    assert came_registration.checked_in_by == admin
    assert Registration.objects.get(user=missed).checked_in_at is None
    walk_in = WalkIn.objects.get()
    assert (walk_in.count, walk_in.channel, walk_in.names) == (3, "paper", "Kim, Lee")
    assert services.attendance_summary(today_session) == {"checked_in": 1, "walk_ins": 3, "total": 4}
    assert 'data-attendance-total="4"' in client.get(url).content.decode()


def test_a_resident_cannot_take_attendance(client, today_session, resident):
    client.force_login(resident)
    url = reverse("codesign:attendance", args=[today_session.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"form": "walk_ins", "count": 3, "channel": "paper"}).status_code == 403
    assert not WalkIn.objects.exists()


def test_attendance_opens_on_the_day(client, session):
    client.force_login(AdministratorFactory())
    url = reverse("codesign:attendance", args=[session.pk])
    assert client.get(url).status_code == 409
    assert client.post(url, {"form": "walk_ins", "count": 3, "channel": "paper"}).status_code == 409
    assert not WalkIn.objects.exists()


def test_bad_walk_ins_are_refused(client, today_session):
    client.force_login(AdministratorFactory())
    url = reverse("codesign:attendance", args=[today_session.pk])
    assert client.post(url, {"form": "walk_ins", "count": 0, "channel": "paper"}).status_code == 400
    assert client.post(url, {"form": "walk_ins", "count": 2, "channel": "fax"}).status_code == 400
    assert not WalkIn.objects.exists()


def test_only_registered_people_are_checked_in(client, today_session):
    client.force_login(AdministratorFactory())
    stranger = ResidentFactory()
    other_session_registration = Registration.objects.create(
        session=Session.objects.create(
            page=today_session.page,
            title="Other",
            place="x",
            capacity=1,
            starts_at=today_session.starts_at,
            ends_at=today_session.ends_at,
        ),
        user=stranger,
        status="registered",
    )
    url = reverse("codesign:attendance", args=[today_session.pk])
    response = client.post(url, {"form": "attendance", "present": [other_session_registration.pk]})
    assert response.status_code == 400
    other_session_registration.refresh_from_db()
    assert other_session_registration.checked_in_at is None


# --- the admin -------------------------------------------------------------------------------------------


def test_administrators_manage_sessions_in_the_admin(client, session):
    client.force_login(AdministratorFactory())
    listing = client.get(reverse("wagtailsnippets_codesign_session:list"))
    assert listing.status_code == 200
    assert session.title in listing.content.decode()
    assert client.get(reverse("wagtailsnippets_codesign_session:edit", args=[session.pk])).status_code == 200


def test_residents_and_experts_do_not_reach_the_sessions_admin(client, session, resident):
    client.force_login(resident)
    response = client.get(reverse("wagtailsnippets_codesign_session:list"))
    assert response.status_code in (302, 403)
    assert session.title not in response.content.decode()


def test_a_started_session_says_registration_is_closed_not_that_its_waiting_list_is_open(client, make_session):
    started = make_session(capacity=1, starts_in=-datetime.timedelta(minutes=5))
    Session.objects.filter(pk=started.pk).update(registered_count=1)
    body = client.get(started.get_absolute_url()).content.decode()
    assert "Registration is closed: the session has started." in body and "waiting list open" not in body
