"""Residents registered at a desk hear about their sessions and proposals where they are: by text message to
the number the desk wrote down, when they chose it there (with their consent), through the same pluggable
sender as everyone (``livinglab.sms``; texts land in the locmem outbox), in the language they read. An opted-out
resident, or one without a phone, gets nothing, and the desk's page says so. Claiming the account keeps the
choice, which the resident then changes on their own profile page.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.models import NotifyBy
from accounts.reach import reach_of
from codesign import services as codesign_services
from codesign.models import Session
from desk import services
from desk.models import DeskResident
from livinglab import sms
from livinglab.errors import ActionRefused
from notifications.digest import send_dong_digests
from notifications.models import Follow, OutgoingEmail
from pilots.models import PilotStatus
from proposals import services as proposal_services
from proposals.models import ProposalStatus
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

NUMBER = "+821023456789"


@pytest.fixture(autouse=True)
def quiet_channel_layer(monkeypatch):
    monkeypatch.setattr("proposals.live.broadcast", lambda messages: True)
    monkeypatch.setattr("notifications.services.broadcast", lambda messages: True)


def register(staff, dong, *, reference, phone="010-2345-6789", news="sms", language="ko", name="김순자"):
    return services.register_resident(
        staff=staff,
        display_name=name,
        area=dong,
        consent_reference=reference,
        phone=phone,
        news=news,
        language=language,
    )


@pytest.fixture
def tomorrow_session(make_pilot):
    pilot = make_pilot(status=PilotStatus.RUNNING)
    start = timezone.localtime() + datetime.timedelta(days=1)
    return Session.objects.create(
        page=pilot,
        title="버스 정류장 함께 설계하기",
        place="성수1가1동 주민센터 2층",
        capacity=10,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )


def remind(session, capture):
    sms.outbox.clear()
    with capture(execute=True):
        return codesign_services.remind_session(session.pk)


def file_and_review(resident, staff, administrator, category, dong, capture):
    with capture(execute=True):  # the author follows what the desk filed for them
        proposal = services.file_proposal_for(
            resident,
            staff=staff,
            channel="in_person",
            title="경로당 앞 계단 손잡이가 없어요",
            description="경로당 앞 계단에 손잡이가 없어서 어르신들이 넘어질까 걱정됩니다. 설치해 주세요.",
            category=category,
            area=dong,
        )
    assert Follow.objects.filter(user=resident.user, proposal=proposal).exists()
    sms.outbox.clear()
    with capture(execute=True):
        proposal_services.change_status(proposal, to_status=ProposalStatus.UNDER_REVIEW, by=administrator)
    return proposal


# --- session reminders -----------------------------------------------------------------------------------


def test_an_unclaimed_resident_who_chose_texts_gets_the_session_reminder_in_korean(
    staff, dong, tomorrow_session, django_capture_on_commit_callbacks
):
    resident = register(staff, dong, reference="C-1")
    services.register_for_session_for(resident, staff=staff, channel="in_person", session=tomorrow_session)

    assert remind(tomorrow_session, django_capture_on_commit_callbacks) == [resident.user_id]

    assert [text.to for text in sms.outbox] == [NUMBER]
    body = sms.outbox[0].body
    assert "내일: 버스 정류장 함께 설계하기" in body
    # They cannot sign in yet: the text says to stop at the desk, not on a profile page they cannot open.
    assert "수신 거부: 성수1가1동 주민센터 창구에 말씀해 주세요" in body
    assert reverse("accounts:profile") not in body
    assert not OutgoingEmail.objects.exists()  # the placeholder address reaches nobody and is never written to


def test_an_opted_out_or_phoneless_or_unasked_resident_gets_no_reminder(
    staff, dong, tomorrow_session, django_capture_on_commit_callbacks
):
    opted_out = register(staff, dong, reference="C-2", news="none")
    phoneless = register(staff, dong, reference="C-3", phone="", news="")
    # Registered before the desk asked (or without asking): "automatic" is no consent to texts.
    unasked = register(staff, dong, reference="C-4", phone="010-3333-4444", news="")
    for resident in (opted_out, phoneless, unasked):
        services.register_for_session_for(resident, staff=staff, channel="in_person", session=tomorrow_session)

    assert len(remind(tomorrow_session, django_capture_on_commit_callbacks)) == 3

    assert sms.outbox == []
    assert not OutgoingEmail.objects.exists()
    assert reach_of(opted_out.user).why_not == "opted_out"
    assert reach_of(phoneless.user).why_not == "no_phone"
    assert reach_of(unasked.user).why_not == "no_choice"


# --- status changes ------------------------------------------------------------------------------------


def test_a_status_change_of_a_proposal_filed_at_the_desk_texts_its_resident(
    staff, dong, category, administrator, django_capture_on_commit_callbacks
):
    resident = register(staff, dong, reference="C-5")
    file_and_review(resident, staff, administrator, category, dong, django_capture_on_commit_callbacks)

    assert [text.to for text in sms.outbox] == [NUMBER]
    body = sms.outbox[0].body
    assert "“경로당 앞 계단 손잡이가 없어요” 상태 변경: 검토 중" in body, body
    assert "성수1가1동 주민센터 창구에 말씀해 주세요" in body


def test_an_opted_out_or_phoneless_resident_gets_no_status_text(
    staff, dong, category, administrator, django_capture_on_commit_callbacks
):
    opted_out = register(staff, dong, reference="C-6", news="none")
    phoneless = register(staff, dong, reference="C-7", phone="", news="", name="박영희")
    file_and_review(opted_out, staff, administrator, category, dong, django_capture_on_commit_callbacks)
    file_and_review(phoneless, staff, administrator, category, dong, django_capture_on_commit_callbacks)
    assert sms.outbox == []


def test_a_resident_who_stops_texts_at_the_desk_gets_none_after(
    staff, dong, category, administrator, django_capture_on_commit_callbacks
):
    resident = register(staff, dong, reference="C-8")
    services.set_news_choice(resident, staff=staff, news="none")
    resident.user.refresh_from_db()
    assert resident.user.notify_by == NotifyBy.NONE
    file_and_review(resident, staff, administrator, category, dong, django_capture_on_commit_callbacks)
    assert sms.outbox == []
    assert ModelLogEntry.objects.filter(action="livinglab.desk.news_choice", user=staff).exists()


# --- what the desk records -------------------------------------------------------------------------------


def test_the_choice_is_recorded_with_the_consent_and_texts_need_a_number(staff, dong):
    resident = register(staff, dong, reference="C-9")
    assert resident.user.notify_by == NotifyBy.SMS and resident.user.language == "ko"
    assert resident.texts_consent_at is not None
    assert ModelLogEntry.objects.get(action="livinglab.desk.register").data["notify_by"] == "sms"

    with pytest.raises(ValidationError) as exc:
        register(staff, dong, reference="C-10", phone="", news="sms")
    assert "news" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        register(staff, dong, reference="C-11", news="pigeon")
    assert "news" in exc.value.message_dict
    assert not DeskResident.objects.filter(consent_reference__in=["C-10", "C-11"]).exists()

    quiet = register(staff, dong, reference="C-12", news="none")
    assert quiet.user.notify_by == NotifyBy.NONE and quiet.texts_consent_at is None


def test_the_register_form_records_the_choice_and_an_unasked_one_sends_nothing(client, staff, dong):
    client.force_login(staff)
    data = {
        "display_name": "이말순",
        "area": dong.pk,
        "consent_reference": "C-13",
        "phone": "010-5555-6666",
        "age_band": "",
        "consent_given": "on",
        "language": "ko",
    }
    response = client.post(reverse("desk:register"), {**data, "news": "sms"})
    assert response.status_code == 302
    resident = DeskResident.objects.get()
    assert resident.user.notify_by == NotifyBy.SMS and resident.user.language == "ko"
    assert reach_of(resident.user).channel == "sms"

    response = client.post(
        reverse("desk:register"), {**data, "consent_reference": "C-14", "phone": ""} | {"news": "sms"}
    )
    assert response.status_code == 400 and not DeskResident.objects.filter(consent_reference="C-14").exists()

    # Not asked: registered, but nothing goes to the number, and the desk's page says why.
    response = client.post(reverse("desk:register"), {**data, "consent_reference": "C-15"})
    assert response.status_code == 302
    unasked = DeskResident.objects.get(consent_reference="C-15")
    assert unasked.user.notify_by == NotifyBy.AUTO and reach_of(unasked.user).channel == "none"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "이 주민에게는 알림이 가지 않습니다: 문자 알림 수신 여부가 기록되지 않았습니다." in page


def test_the_desk_page_says_who_cannot_be_reached_and_why(client, staff, dong):
    reached = register(staff, dong, reference="C-21")
    phoneless = register(staff, dong, reference="C-22", phone="", news="", name="박영희")
    client.force_login(staff)
    page = client.get(reverse("desk:resident", args=[reached.pk]), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "문자로 갑니다(+821023456789)" in page
    assert "알림이 가지 않습니다" not in page

    page = client.get(reverse("desk:resident", args=[phoneless.pk]), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "이 주민에게는 알림이 가지 않습니다: 전화번호 없음." in page


def test_the_desk_page_records_a_new_choice_and_refuses_texts_without_a_number(client, staff, dong):
    resident = register(staff, dong, reference="C-16", news="none")
    phoneless = register(staff, dong, reference="C-17", phone="", news="", name="박영희")
    client.force_login(staff)

    response = client.post(reverse("desk:news_choice", args=[resident.pk]), {"news": "sms"})
    assert response.status_code == 302
    resident.refresh_from_db()
    resident.user.refresh_from_db()
    assert resident.user.notify_by == NotifyBy.SMS and resident.texts_consent_at is not None

    response = client.post(reverse("desk:news_choice", args=[phoneless.pk]), {"news": "sms"})
    assert response.status_code == 400
    phoneless.user.refresh_from_db()
    assert phoneless.user.notify_by == NotifyBy.AUTO


def test_another_centres_staff_cannot_change_the_choice(client, other_staff, staff, dong):
    resident = register(staff, dong, reference="C-18")
    client.force_login(other_staff)
    response = client.post(reverse("desk:news_choice", args=[resident.pk]), {"news": "none"})
    assert response.status_code == 404
    resident.user.refresh_from_db()
    assert resident.user.notify_by == NotifyBy.SMS


# --- claiming keeps the choice -------------------------------------------------------------------------


def test_a_claimed_account_keeps_the_choice_and_the_resident_changes_it(
    client, staff, dong, category, administrator, django_capture_on_commit_callbacks
):
    resident = register(staff, dong, reference="C-19")
    claim, code = services.issue_claim_code(resident, staff=staff)
    user = services.claim_account(
        number=claim.number, code=code, email="soonja@example.org", password="a long Passphrase 42", ip="127.0.0.1"
    )
    user.refresh_from_db()
    assert user.notify_by == NotifyBy.SMS  # the letter proves no phone, but the choice stays

    proposal = file_and_review(resident, staff, administrator, category, dong, django_capture_on_commit_callbacks)
    # Still texts, to the number the desk recorded; now they can stop them on their own profile page.
    assert [text.to for text in sms.outbox] == [NUMBER]
    assert reverse("accounts:profile") in sms.outbox[0].body
    assert not OutgoingEmail.objects.exists()  # their choice is texts, not e-mail

    # The desk no longer decides for them.
    resident.refresh_from_db()
    with pytest.raises(ActionRefused) as exc:
        services.set_news_choice(resident, staff=staff, news="none")
    assert exc.value.status == 409

    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"display_name": "김순자", "notify_by": "none"})
    assert response.status_code == 302
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.change_status(proposal, to_status=ProposalStatus.ACCEPTED, by=administrator)
    assert sms.outbox == []


def test_a_resident_who_claims_with_the_texted_code_keeps_getting_texts(
    staff, dong, tomorrow_session, django_capture_on_commit_callbacks
):
    resident = register(staff, dong, reference="C-20")
    claim, code = services.issue_claim_code(resident, staff=staff, channel="sms", sent_to=NUMBER)
    user = services.claim_account(number=claim.number, code=code, email="", ip="127.0.0.1")
    assert user.notify_by == NotifyBy.SMS and user.phone_verified
    services.register_for_session_for(resident, staff=staff, channel="phone", session=tomorrow_session)
    remind(tomorrow_session, django_capture_on_commit_callbacks)
    assert [text.to for text in sms.outbox] == [NUMBER]
    assert reverse("accounts:profile") in sms.outbox[0].body


# --- the weekly "my dong" digest -------------------------------------------------------------------------


def test_the_weekly_digest_texts_a_desk_resident_who_chose_texts_and_no_one_else_of_theirs(staff, dong):
    chose_texts = register(staff, dong, reference="D-1")
    register(staff, dong, reference="D-2", news="none", name="이영수")
    register(staff, dong, reference="D-3", phone="010-3333-4444", news="", name="박미자")  # never asked
    register(staff, dong, reference="D-4", phone="", news="", name="최정숙")
    ProposalFactory(area=dong, title="놀이터 그늘막이 필요해요")
    sms.outbox.clear()

    assert send_dong_digests.call() == 1

    [text] = sms.outbox
    assert text.to == NUMBER
    assert chose_texts.user.home_area_id == dong.pk
    assert "이번 주 성동구 성수1가1동: 새 제안 1건, 상태 변경 0건, 예정된 모임 0건." in text.body  # in Korean
    assert "성수1가1동 주민센터 창구에 말씀해 주세요" in text.body  # not a profile page they cannot open
    assert reverse("accounts:profile") not in text.body
    assert not OutgoingEmail.objects.exists()
