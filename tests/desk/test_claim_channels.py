"""What the claim leaves the resident to sign in with: a texted code proves the phone (so a phone alone will
do), an e-mail address is confirmed by allauth's own mail sent at claim time, and the desk's placeholder
address is never shown as theirs."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts.models import User
from desk import services
from desk.models import ClaimCode
from livinglab import ratelimit, sms
from livinglab.errors import ActionRefused
from tests.factories import PhoneResidentFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-resident-passphrase"
E164 = "+821023456789"  # the number the desk recorded (tests/desk/conftest.py)


def _texted_code(staff, desk_resident) -> tuple[ClaimCode, str]:
    sms.outbox.clear()
    claim = services.send_claim_code_by_sms(desk_resident, staff=staff, claim_url="http://testserver/desk/claim/")
    code = re.search(r"code (\w{4}-\w{4})", sms.outbox[-1].body).group(1)
    return claim, code


def _post_claim(client, claim, code, **fields):
    data = {"number": claim.number, "code": code, "email": "", "password": "", "password_again": ""} | fields
    return client.post(reverse("desk:claim"), data)


def _link_from_mail(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


# A code by text message: the phone is proven


def test_a_texted_code_claims_with_the_phone_alone_and_verifies_it(staff, desk_resident):
    claim, code = _texted_code(staff, desk_resident)
    assert claim.sent_to == E164
    user = services.claim_account(number=claim.number, code=code, email="", password="")
    user.refresh_from_db()
    assert user.phone == E164 and user.phone_verified
    assert user.email is None and not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert user.news_channel == "sms"
    entry = ModelLogEntry.objects.get(action="livinglab.desk.claimed")
    assert entry.data["phone_verified"] is True and entry.data["channel"] == "sms"


def test_after_a_phone_claim_the_resident_signs_in_with_a_code_to_that_phone(client, staff, desk_resident, monkeypatch):
    claim, code = _texted_code(staff, desk_resident)
    response = _post_claim(client, claim, code)
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "010-2345-6789" in body and "residents.invalid" not in body
    client.logout()
    sms.outbox.clear()
    # A while later: the desk's text counts against the number's cool-down, as every text to it does.
    later = ratelimit.clock() + 60
    monkeypatch.setattr(ratelimit, "clock", lambda: later)
    response = client.post(reverse("account_request_login_code"), {"phone": "010-2345-6789"})
    assert response.status_code == 302
    login_code = re.search(r"\b(\d{6})\b", sms.outbox[-1].body).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": login_code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(desk_resident.user_id)


def test_a_texted_code_with_an_e_mail_gives_both_ways_in(staff, desk_resident, django_capture_on_commit_callbacks):
    claim, code = _texted_code(staff, desk_resident)
    with django_capture_on_commit_callbacks(execute=True):
        user = services.claim_account(number=claim.number, code=code, email="soonja@example.org", password=PASSWORD)
    assert user.phone_verified and user.email == "soonja@example.org" and user.check_password(PASSWORD)
    (message,) = mail.outbox
    assert message.to == ["soonja@example.org"]


def test_a_number_that_belongs_to_another_account_is_409_and_changes_nothing(client, staff, desk_resident):
    other = PhoneResidentFactory(phone=E164)
    claim, code = _texted_code(staff, desk_resident)
    with pytest.raises(ActionRefused) as exc:
        services.claim_account(number=claim.number, code=code, email="", password="")
    assert exc.value.status == 409 and "another account" in exc.value.message
    response = _post_claim(client, claim, code, email="soonja@example.org", password=PASSWORD, password_again=PASSWORD)
    assert response.status_code == 409 and "another account" in response.content.decode()
    claim.refresh_from_db()
    desk_resident.refresh_from_db()
    desk_resident.user.refresh_from_db()
    other.refresh_from_db()
    assert claim.used_at is None and claim.failed_attempts == 0 and not desk_resident.is_claimed
    assert desk_resident.user.phone is None and desk_resident.user.email.endswith("@residents.invalid")
    assert other.phone == E164 and other.phone_verified
    assert "_auth_user_id" not in client.session
    assert ModelLogEntry.objects.filter(action="livinglab.desk.claim_refused", data__reason="phone_taken").count() == 2


def test_the_number_check_comes_after_the_code_so_it_reveals_nothing(staff, desk_resident):
    PhoneResidentFactory(phone=E164)
    claim, _code = _texted_code(staff, desk_resident)
    with pytest.raises(ActionRefused) as exc:
        services.claim_account(number=claim.number, code="ZZZZ-ZZZZ", email="", password="")
    assert exc.value.status == 400


def test_a_used_texted_code_is_409_and_the_phone_stays(staff, desk_resident):
    claim, code = _texted_code(staff, desk_resident)
    services.claim_account(number=claim.number, code=code, email="", password="")
    with pytest.raises(ActionRefused) as exc:
        services.claim_account(number=claim.number, code=code, email="x@example.org", password=PASSWORD)
    assert exc.value.status == 409
    user = User.objects.get(pk=desk_resident.user_id)
    assert user.phone == E164 and user.email is None


def test_ten_wrong_texted_codes_lock_it_and_verify_no_phone(staff, desk_resident):
    claim, code = _texted_code(staff, desk_resident)
    for _attempt in range(10):
        with pytest.raises(ActionRefused):
            services.claim_account(number=claim.number, code="WRONGCODE", email="", password="")
    with pytest.raises(ActionRefused) as exc:
        services.claim_account(number=claim.number, code=code, email="", password="")
    assert exc.value.status == 429
    assert User.objects.get(pk=desk_resident.user_id).phone is None


def test_a_phone_claim_with_a_weak_password_is_400(client, staff, desk_resident):
    claim, code = _texted_code(staff, desk_resident)
    response = _post_claim(client, claim, code, password="1234", password_again="1234")
    assert response.status_code == 400
    assert ClaimCode.objects.get(pk=claim.pk).used_at is None


def test_an_e_mail_without_a_password_is_400(client, staff, desk_resident):
    claim, code = _texted_code(staff, desk_resident)
    response = _post_claim(client, claim, code, email="soonja@example.org")
    assert response.status_code == 400
    assert "Choose a password" in response.content.decode()


# A printed letter: it proves no phone


def test_a_letter_claim_needs_an_e_mail_address_and_verifies_no_phone(client, staff, desk_resident):
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    assert claim.sent_to == ""
    response = _post_claim(client, claim, code, password=PASSWORD, password_again=PASSWORD)
    assert response.status_code == 400
    assert "Enter your e-mail address." in response.content.decode()
    user = services.claim_account(number=claim.number, code=code, email="soonja@example.org", password=PASSWORD)
    assert user.phone is None and not user.phone_verified


def test_a_letter_claim_sends_the_confirmation_mail_and_its_link_opens_the_sign_in(
    client, staff, desk_resident, django_capture_on_commit_callbacks
):
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_claim(
            client, claim, code, email="soonja@example.org", password=PASSWORD, password_again=PASSWORD
        )
    assert response.status_code == 302
    assert "We sent a link to soonja@example.org" in client.get(response["Location"]).content.decode()
    (message,) = mail.outbox
    assert message.to == ["soonja@example.org"]
    client.logout()
    client.post(_link_from_mail(message))
    assert EmailAddress.objects.get(email="soonja@example.org").verified
    response = client.post(reverse("account_login"), {"login": "soonja@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] != reverse("account_email_verification_sent")
    assert client.session["_auth_user_id"] == str(desk_resident.user_id)


def test_until_the_link_is_opened_signing_in_by_e_mail_waits_for_it(
    client, staff, desk_resident, django_capture_on_commit_callbacks
):
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_account(number=claim.number, code=code, email="soonja@example.org", password=PASSWORD)
    response = client.post(reverse("account_login"), {"login": "soonja@example.org", "password": PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


# The desk's placeholder address


def test_the_placeholder_address_is_never_shown_as_the_residents_own(client, desk_resident):
    user = desk_resident.user
    assert user.email.endswith("@residents.invalid") and user.own_email == ""
    client.force_login(user)
    body = client.get(reverse("accounts:profile")).content.decode()
    assert "residents.invalid" not in body
    assert "Add an e-mail address" in body


def test_another_centres_staff_cannot_print_a_letter(client, other_staff, desk_resident):
    client.force_login(other_staff)
    assert client.post(reverse("desk:claim_letter", args=[desk_resident.pk])).status_code == 404
    assert not ClaimCode.objects.exists()
