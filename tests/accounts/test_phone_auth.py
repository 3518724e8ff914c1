"""Sign-up and sign-in by Korean mobile number and one-time code, through allauth's real views.

Codes are read from the locmem SMS outbox (``livinglab.sms.outbox``), as a resident reads their phone.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from livinglab import sms
from tests.factories import PASSWORD, PhoneResidentFactory, ResidentFactory

pytestmark = pytest.mark.django_db

NUMBER = "010-1234-5678"
E164 = "+821012345678"


def last_code() -> str:
    assert sms.outbox, "no text message was sent"
    match = re.search(r"\b(\d{6})\b", sms.outbox[-1].body)
    assert match, sms.outbox[-1].body
    return match.group(1)


def signup(client, **overrides):
    data = {"phone": NUMBER, "display_name": "순자", "accept_terms": "on"}
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def request_code(client, phone=NUMBER, **extra):
    return client.post(reverse("account_request_login_code"), {"phone": phone}, **extra)


def confirm(client, code):
    return client.post(reverse("account_confirm_login_code"), {"code": code})


def signed_in(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


# Sign-up


def test_signup_by_phone_alone_sends_a_code_and_the_code_signs_in(client):
    response = signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    user = User.objects.get(phone=E164)
    assert user.email is None
    assert not user.phone_verified
    assert not user.has_usable_password()
    assert [message.to for message in sms.outbox] == [E164]
    assert signed_in(client) is None

    response = client.post(reverse("account_verify_phone"), {"code": last_code()})
    assert response.status_code == 302
    assert signed_in(client) == user.pk
    user.refresh_from_db()
    assert user.phone_verified
    assert mail.outbox == []


@pytest.mark.parametrize(
    "typed",
    ["01012345678", "010 1234 5678", "+82 10-1234-5678", "+821012345678"],
)
def test_every_usual_way_of_writing_the_number_is_stored_in_e164(client, typed):
    signup(client, phone=typed)
    assert User.objects.get().phone == E164


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("+1 202 555 0143", "Only Korean mobile numbers"),
        ("+81 90-1234-5678", "Only Korean mobile numbers"),
        ("12345", "such as 010-1234-5678"),
        ("010-12", "such as 010-1234-5678"),
        ("phone please", "such as 010-1234-5678"),
        ("02-123-4567", "not a mobile number"),
    ],
)
def test_foreign_malformed_or_landline_numbers_get_a_clear_form_error(client, typed, message):
    response = signup(client, phone=typed)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert sms.outbox == []


def test_signup_needs_an_email_address_or_a_phone(client):
    response = signup(client, phone="")
    assert response.status_code == 400
    assert "Give an e-mail address or a mobile number" in response.content.decode()
    assert not User.objects.exists()


def test_signup_with_email_still_needs_a_password(client):
    response = signup(client, phone="", email="minji@example.org")
    assert response.status_code == 400
    assert "Choose a password" in response.content.decode()
    assert not User.objects.exists()


def test_signup_with_both_verifies_the_phone_and_keeps_the_email(client):
    response = signup(
        client, email="minji@example.org", password1="a-long-unusual-passphrase", password2="a-long-unusual-passphrase"
    )
    assert response["Location"] == reverse("account_verify_phone")
    client.post(reverse("account_verify_phone"), {"code": last_code()})
    user = User.objects.get(phone=E164)
    assert signed_in(client) == user.pk
    assert user.email == "minji@example.org"
    # The address is still to be confirmed; the mail for it went out at sign-up.
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1


def test_signup_with_a_taken_number_creates_nothing_and_texts_the_owner(client):
    owner = PhoneResidentFactory(phone=E164)
    response = signup(client)
    # The same answer as a fresh sign-up, so the form cannot be used to probe who has an account.
    assert response.status_code == 302
    assert User.objects.filter(phone=E164).get() == owner
    assert len(sms.outbox) == 1
    assert "already has an account" in sms.outbox[0].body


def test_an_email_only_account_still_confirms_its_address_before_signing_in(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "minji@example.org",
            "display_name": "민지",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "accept_terms": "on",
        },
    )
    response = client.post(
        reverse("account_login"), {"login": "minji@example.org", "password": "a-long-unusual-passphrase"}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in(client) is None
    assert sms.outbox == []


# Sign-in by code


def test_sign_in_by_code(client):
    resident = PhoneResidentFactory(phone=E164)
    response = request_code(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_confirm_login_code")
    assert sms.outbox[-1].to == E164
    assert signed_in(client) is None

    response = confirm(client, last_code())
    assert response.status_code == 302
    assert signed_in(client) == resident.pk


def test_sign_in_with_phone_and_password_in_the_login_box(client):
    resident = PhoneResidentFactory(phone=E164)
    resident.set_password(PASSWORD)
    resident.save()
    response = client.post(reverse("account_login"), {"login": NUMBER, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(client) == resident.pk


def test_a_wrong_code_is_refused_with_400(client):
    PhoneResidentFactory(phone=E164)
    request_code(client)
    wrong = "000000" if last_code() != "000000" else "111111"
    response = confirm(client, wrong)
    assert response.status_code == 400
    assert signed_in(client) is None


def test_a_code_guessed_10_times_is_void_after_the_third_wrong_try(client):
    PhoneResidentFactory(phone=E164)
    request_code(client)
    code = last_code()
    wrong = [f"{n:06d}" for n in range(10) if f"{n:06d}" != code][:10]
    statuses = [confirm(client, guess).status_code for guess in wrong]
    # Two wrong codes may be retyped; the third voids the code (429); after that every guess finds no code.
    assert statuses[:3] == [400, 400, 429]
    assert set(statuses[3:]) == {400}
    # Even the right code no longer works.
    response = confirm(client, code)
    assert response.status_code == 400
    assert "expired or was already used" in response.content.decode()
    assert signed_in(client) is None


def test_a_used_code_cannot_be_used_again(client):
    PhoneResidentFactory(phone=E164)
    request_code(client)
    code = last_code()
    confirm(client, code)
    assert signed_in(client)
    client.post(reverse("account_logout"))

    response = confirm(client, code)
    assert response.status_code == 400
    assert signed_in(client) is None
    # Nor from another browser that saw the text.
    other = Client()
    assert confirm(other, code).status_code == 400
    assert signed_in(other) is None


def test_an_expired_code_is_refused(client, settings):
    PhoneResidentFactory(phone=E164)
    request_code(client)
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = -1
    response = confirm(client, last_code())
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert signed_in(client) is None


def test_an_expired_signup_code_is_refused(client, settings):
    signup(client)
    settings.ACCOUNT_PHONE_VERIFICATION_TIMEOUT = -1
    response = client.post(reverse("account_verify_phone"), {"code": last_code()})
    assert response.status_code == 400
    assert signed_in(client) is None
    assert not User.objects.get(phone=E164).phone_verified


def test_signup_code_guessed_three_times_wrong_is_void(client):
    signup(client)
    code = last_code()
    statuses = [
        client.post(reverse("account_verify_phone"), {"code": guess}).status_code
        for guess in [f"{n:06d}" for n in range(5) if f"{n:06d}" != code][:4]
    ]
    assert statuses[:3] == [400, 400, 429]
    assert statuses[3] == 400
    assert client.post(reverse("account_verify_phone"), {"code": code}).status_code == 400
    assert not User.objects.get(phone=E164).phone_verified


def test_unknown_number_gets_the_same_answer_and_a_notice_not_a_code(client):
    response = request_code(client, phone="010-9999-8888")
    assert response.status_code == 302
    assert [message.to for message in sms.outbox] == ["+821099998888"]
    assert "No account uses this number" in sms.outbox[0].body
    assert not re.search(r"\b\d{6}\b", sms.outbox[0].body)


@pytest.mark.parametrize("typed", ["+1 202 555 0143", "abc", "02-123-4567"])
def test_requesting_a_code_for_a_bad_number_is_400_and_sends_nothing(client, typed):
    response = request_code(client, phone=typed)
    assert response.status_code == 400
    assert sms.outbox == []


# Floods and cool-downs


def test_asking_again_for_the_same_number_within_the_cool_down_is_429(client):
    PhoneResidentFactory(phone=E164)
    assert request_code(client).status_code == 302
    response = request_code(Client())
    assert response.status_code == 429
    assert len(sms.outbox) == 1


def test_resend_within_the_cool_down_is_refused_and_sends_nothing(client):
    PhoneResidentFactory(phone=E164)
    request_code(client)
    response = client.post(reverse("account_confirm_login_code"), {"action": "resend"})
    assert response.status_code == 429
    assert len(sms.outbox) == 1


def test_sms_flood_to_one_number_stops_at_its_cap_whatever_the_address(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "request_login_code": "1000/m/ip,1000/m/key"}
    settings.SMS_RATE_LIMITS = {"number": ["3/h"], "ip": ["1000/h"]}
    PhoneResidentFactory(phone=E164)
    statuses = [request_code(Client(), REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(1, 6)]
    assert statuses == [302, 302, 302, 429, 429]
    assert len(sms.outbox) == 3


def test_sms_flood_from_one_address_stops_at_its_cap(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "request_login_code": "1000/m/ip,1000/m/key"}
    settings.SMS_RATE_LIMITS = {"number": ["100/h"], "ip": ["3/h"]}
    residents = [PhoneResidentFactory() for _ in range(5)]
    statuses = [request_code(Client(), phone=resident.phone).status_code for resident in residents]
    assert statuses == [302, 302, 302, 429, 429]
    assert len(sms.outbox) == 3


def test_a_gateway_failure_is_a_clear_503_and_keeps_the_account(client, settings):
    settings.SMS_BACKEND = "livinglab.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/closed"
    settings.SMS_GATEWAY_TIMEOUT = 1
    PhoneResidentFactory(phone=E164)
    response = request_code(client)
    assert response.status_code == 503
    assert "could not send the text message" in response.content.decode()
    assert User.objects.filter(phone=E164).exists()


# Managing both on the account page


def test_the_account_page_shows_both_and_links_to_manage_them(client):
    resident = ResidentFactory(phone=E164, phone_verified=True)
    client.force_login(resident)
    body = client.get(reverse("accounts:profile")).content.decode()
    assert resident.email in body
    assert NUMBER in body
    assert reverse("account_change_phone") in body
    assert reverse("account_email") in body


def test_an_email_resident_adds_a_phone_after_verifying_it(client):
    resident = ResidentFactory()
    client.force_login(resident)
    response = client.post(reverse("account_change_phone"), {"phone": "010 2222 3333"})
    assert response.status_code == 302
    assert sms.outbox[-1].to == "+821022223333"
    resident.refresh_from_db()
    assert resident.phone is None

    response = client.post(reverse("account_verify_phone"), {"code": last_code()})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.phone, resident.phone_verified) == ("+821022223333", True)


def test_changing_to_a_number_another_account_has_is_refused(client):
    PhoneResidentFactory(phone="+821022223333")
    resident = ResidentFactory()
    client.force_login(resident)
    client.post(reverse("account_change_phone"), {"phone": "010-2222-3333"})
    response = client.post(reverse("account_verify_phone"), {"code": "123456"})
    assert response.status_code == 400
    resident.refresh_from_db()
    assert resident.phone is None


def test_a_phone_resident_adds_an_email_address(client):
    # Signed in by code just now: allauth asks no password (they have none) to manage addresses.
    resident = PhoneResidentFactory(phone=E164)
    request_code(client)
    confirm(client, last_code())
    response = client.post(reverse("account_email"), {"action_add": "", "email": "grandma@example.org"})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=resident, email="grandma@example.org", verified=False).exists()
    assert len(mail.outbox) == 1
