"""A desk registers a resident of its centre for a co-design session, through the co-design service: seats and
the waiting list as for anyone, stamped with the channel and the staff member, audited, and shown to staff as
"with help at <centre>"."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from codesign import services as codesign_services
from codesign.models import Registration, Session
from desk import services
from livinglab import sms
from livinglab.errors import ActionRefused
from pilots.models import PilotStatus
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

CENTRE = "성수1가1동 주민센터"


@pytest.fixture
def make_session(make_pilot):
    pilot = make_pilot(status=PilotStatus.RUNNING)

    def make(*, capacity=2, title="버스 정류장 함께 설계하기", starts_in=datetime.timedelta(days=3)):
        start = timezone.now() + starts_in
        return Session.objects.create(
            page=pilot,
            title=title,
            place="성수1가1동 주민센터 2층",
            capacity=capacity,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
        )

    return make


@pytest.fixture
def session(make_session):
    return make_session()


def test_staff_register_their_resident_for_a_seat_stamped_and_audited(staff, desk_resident, session):
    registration = services.register_for_session_for(desk_resident, staff=staff, channel="phone", session=session)
    assert registration.user == desk_resident.user and registration.is_seated
    assert registration.channel == "phone" and registration.filed_by == staff and registration.helped_at == CENTRE
    session.refresh_from_db()
    assert session.registered_count == 1
    entry = ModelLogEntry.objects.get(action="livinglab.codesign.registered_on_behalf")
    assert entry.user_id == staff.pk and entry.object_id == str(session.pk)
    assert entry.data["registration_id"] == registration.pk and entry.data["status"] == "registered"
    assert entry.data["channel"] == "phone" and entry.data["resident_id"] == desk_resident.user_id
    assert entry.data["centre"] == CENTRE


def test_a_residents_own_registration_is_online_and_not_stamped(session):
    resident = ResidentFactory()
    registration = codesign_services.register_for_session(session, user=resident)
    assert registration.channel == "online" and registration.filed_by is None and registration.helped_at == ""
    assert not ModelLogEntry.objects.filter(action="livinglab.codesign.registered_on_behalf").exists()


def test_a_full_session_puts_the_resident_on_the_waiting_list(client, staff, desk_resident, make_session):
    session = make_session(capacity=1)
    codesign_services.register_for_session(session, user=ResidentFactory())
    client.force_login(staff)
    response = client.post(
        reverse("desk:register_session", args=[desk_resident.pk]), {"session": session.pk, "channel": "in_person"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:resident", args=[desk_resident.pk])
    registration = Registration.objects.get(user=desk_resident.user)
    assert registration.is_waiting and registration.channel == "in_person"
    session.refresh_from_db()
    assert session.registered_count == 1  # the waiting list takes no seat
    page = client.get(response["Location"]).content.decode()
    assert "the resident is number 1 on the waiting list" in page
    assert "waiting list, number 1" in page and f"with help at {CENTRE}" in page


def test_the_page_says_when_the_resident_has_a_seat(client, staff, desk_resident, session):
    client.force_login(staff)
    url = reverse("desk:register_session", args=[desk_resident.pk])
    form = client.get(url).content.decode()
    assert "Register for a co-design session" in form and "2 seats left" in form and "김순자" in form
    response = client.post(url, {"session": session.pk, "channel": "phone"}, follow=True)
    page = response.content.decode()
    assert f"The resident has a seat at “{session.title}”." in page
    assert "has a seat" in page and session.get_absolute_url() in page


def test_registering_twice_is_refused_and_nothing_changes(client, staff, desk_resident, session):
    services.register_for_session_for(desk_resident, staff=staff, channel="phone", session=session)
    with pytest.raises(ActionRefused) as exc:
        services.register_for_session_for(desk_resident, staff=staff, channel="in_person", session=session)
    assert exc.value.status == 409 and "already registered" in exc.value.message
    client.force_login(staff)
    response = client.post(
        reverse("desk:register_session", args=[desk_resident.pk]), {"session": session.pk, "channel": "phone"}
    )
    assert response.status_code == 409
    assert "This resident is already registered for this session." in response.content.decode()
    assert Registration.objects.count() == 1
    session.refresh_from_db()
    assert session.registered_count == 1
    assert ModelLogEntry.objects.filter(action="livinglab.codesign.registered_on_behalf").count() == 1


def test_staff_of_another_centre_cannot_register_the_resident(client, other_staff, resident, desk_resident, session):
    with pytest.raises(ActionRefused) as exc:
        services.register_for_session_for(desk_resident, staff=other_staff, channel="phone", session=session)
    assert exc.value.status == 404
    url = reverse("desk:register_session", args=[desk_resident.pk])
    client.force_login(other_staff)
    assert client.get(url).status_code == 404
    assert client.post(url, {"session": session.pk, "channel": "phone"}).status_code == 404
    client.force_login(resident)  # not desk staff at all
    assert client.post(url, {"session": session.pk, "channel": "phone"}).status_code == 403
    assert not Registration.objects.exists()
    session.refresh_from_db()
    assert session.registered_count == 0


def test_the_page_refuses_a_missing_channel_and_a_session_not_offered(client, staff, desk_resident, make_session):
    started = make_session(title="이미 시작한 모임", starts_in=-datetime.timedelta(minutes=5))
    upcoming = make_session()
    client.force_login(staff)
    url = reverse("desk:register_session", args=[desk_resident.pk])
    assert client.post(url, {"session": upcoming.pk, "channel": ""}).status_code == 400
    assert client.post(url, {"session": upcoming.pk, "channel": "online"}).status_code == 400
    # A session that has started is not offered: choosing it anyway is bad input.
    form = client.get(url).content.decode()
    assert upcoming.title in form and started.title not in form
    assert client.post(url, {"session": started.pk, "channel": "phone"}).status_code == 400
    assert not Registration.objects.exists()


def test_the_service_refuses_a_session_that_has_started(staff, desk_resident, make_session):
    started = make_session(starts_in=-datetime.timedelta(minutes=5))
    with pytest.raises(ActionRefused) as exc:
        services.register_for_session_for(desk_resident, staff=staff, channel="phone", session=started)
    assert exc.value.status == 409
    assert not Registration.objects.exists()


def test_desk_registrations_are_held_to_the_rate_limit(settings, staff, desk_resident, make_session):
    settings.CODESIGN_REGISTRATION_RATE_LIMIT = "2/h"
    first, second, third = (make_session(title=f"워크숍 {n}") for n in range(3))
    for session in (first, second):
        services.register_for_session_for(desk_resident, staff=staff, channel="phone", session=session)
    with pytest.raises(ActionRefused) as exc:
        services.register_for_session_for(desk_resident, staff=staff, channel="phone", session=third)
    assert exc.value.status == 429
    assert Registration.objects.count() == 2
    third.refresh_from_db()
    assert third.registered_count == 0
    # The limit is the resident's: another resident of the centre is registered as usual.
    neighbour = services.register_resident(
        staff=staff, display_name="박영희", area=desk_resident.user.home_area, consent_reference="C-2026-0002"
    )
    assert services.register_for_session_for(neighbour, staff=staff, channel="phone", session=third).is_seated


def test_a_residents_own_registrations_are_held_to_the_rate_limit_too(settings, make_session):
    settings.CODESIGN_REGISTRATION_RATE_LIMIT = "1/h"
    resident = ResidentFactory()
    first, second = make_session(title="하나"), make_session(title="둘")
    codesign_services.register_for_session(first, user=resident)
    with pytest.raises(ActionRefused) as exc:
        codesign_services.register_for_session(second, user=resident)
    assert exc.value.status == 429


def test_a_refused_registration_gives_its_rate_limit_slot_back(settings, staff, desk_resident, make_session):
    settings.CODESIGN_REGISTRATION_RATE_LIMIT = "2/h"
    started = make_session(starts_in=-datetime.timedelta(minutes=5))
    with pytest.raises(ActionRefused) as exc:
        services.register_for_session_for(desk_resident, staff=staff, channel="phone", session=started)
    assert exc.value.status == 409
    # The refusal above did not use a slot: both of the two an hour are still there.
    for title in ("하나", "둘"):
        session = make_session(title=title)
        assert services.register_for_session_for(desk_resident, staff=staff, channel="phone", session=session).is_seated
    with pytest.raises(ActionRefused) as exc:
        services.register_for_session_for(desk_resident, staff=staff, channel="phone", session=make_session(title="셋"))
    assert exc.value.status == 429


def test_the_attendance_list_says_who_was_registered_with_help(client, administrator, staff, desk_resident, session):
    services.register_for_session_for(desk_resident, staff=staff, channel="in_person", session=session)
    own = ResidentFactory(display_name="온라인주민")
    codesign_services.register_for_session(session, user=own)
    # The session's day has come (attendance is taken from then on).
    start = timezone.now() - datetime.timedelta(minutes=10)
    Session.objects.filter(pk=session.pk).update(starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    client.force_login(administrator)
    page = client.get(reverse("codesign:attendance", args=[session.pk])).content.decode()
    assert f"김순자 (with help at {CENTRE})" in page
    assert "온라인주민" in page and "온라인주민 (with help" not in page


def test_a_phone_only_resident_registered_at_the_desk_is_reminded_by_text(
    staff, desk_resident, make_session, django_capture_on_commit_callbacks
):
    """The desk's registration changes nothing in the reminder's path: a resident who took the account over
    with the texted code (a verified phone, no e-mail) gets the day-before reminder by text message."""
    claim, code = services.issue_claim_code(desk_resident, staff=staff, channel="sms", sent_to=desk_resident.phone)
    user = services.claim_account(number=claim.number, code=code, email="", ip="127.0.0.1")
    assert user.own_email == "" and user.phone_verified and user.news_channel == "sms"
    start = timezone.localtime() + datetime.timedelta(days=1)
    session = make_session(starts_in=datetime.timedelta(days=1))
    Session.objects.filter(pk=session.pk).update(starts_at=start, ends_at=start + datetime.timedelta(hours=1))
    services.register_for_session_for(desk_resident, staff=staff, channel="phone", session=session)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert codesign_services.remind_session(session.pk) == [user.pk]
    assert [text.to for text in sms.outbox] == ["+821023456789"]
    assert session.title[:10] in sms.outbox[0].body
