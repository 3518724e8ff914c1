"""Handing the account over with a one-time code (printed or texted): hashed, expiring, limited tries, single use."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from desk import services
from desk.models import ClaimCode
from livinglab import sms
from livinglab.errors import ActionRefused

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-resident-passphrase"


def _claim(claim, code, **kwargs):
    return services.claim_account(
        number=claim.number, code=code, email=kwargs.pop("email", "soonja@example.org"), password=PASSWORD, **kwargs
    )


def test_resident_claims_the_account_and_signs_in_themselves(client, staff, desk_resident):
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    assert code not in claim.code_hash and claim.matches(code)
    user = _claim(claim, code.lower()[:4] + "-" + code[4:])
    user.refresh_from_db()
    desk_resident.refresh_from_db()
    assert user.email == "soonja@example.org" and user.check_password(PASSWORD)
    assert desk_resident.is_claimed
    assert EmailAddress.objects.get(user=user).email == "soonja@example.org"
    assert client.login(email="soonja@example.org", password=PASSWORD)


def test_a_used_code_is_409(staff, desk_resident):
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    _claim(claim, code)
    with pytest.raises(ActionRefused) as exc:
        _claim(claim, code, email="someone@example.org")
    assert exc.value.status == 409
    assert ModelLogEntry.objects.filter(action="livinglab.desk.claim_refused", data__reason="used").exists()


def test_an_expired_code_is_410(staff, desk_resident):
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    ClaimCode.objects.filter(pk=claim.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ActionRefused) as exc:
        _claim(claim, code)
    assert exc.value.status == 410
    desk_resident.refresh_from_db()
    assert not desk_resident.is_claimed


def test_ten_wrong_codes_lock_the_letter_even_for_the_right_code(staff, desk_resident):
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    statuses = []
    for _attempt in range(10):
        with pytest.raises(ActionRefused) as exc:
            _claim(claim, "WRONGCODE")
        statuses.append(exc.value.status)
    assert statuses == [400] * 9 + [429]
    with pytest.raises(ActionRefused) as exc:
        _claim(claim, code)
    assert exc.value.status == 429
    assert ModelLogEntry.objects.filter(action="livinglab.desk.claim_refused", data__reason="wrong_code").count() == 10
    desk_resident.refresh_from_db()
    assert not desk_resident.is_claimed


def test_a_new_letter_replaces_the_old_one(staff, desk_resident):
    old, old_code = services.issue_claim_code(desk_resident, staff=staff)
    new, new_code = services.issue_claim_code(desk_resident, staff=staff)
    with pytest.raises(ActionRefused) as exc:
        _claim(old, old_code)
    assert exc.value.status == 409
    _claim(new, new_code)


def test_an_address_of_another_account_is_refused_and_the_code_stays_valid(staff, desk_resident, resident):
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    with pytest.raises(ValidationError) as exc:
        _claim(claim, code, email=resident.email)
    assert "email" in exc.value.message_dict
    _claim(claim, code)


def test_only_the_centres_staff_issue_letters(other_staff, desk_resident):
    with pytest.raises(ActionRefused) as exc:
        services.issue_claim_code(desk_resident, staff=other_staff)
    assert exc.value.status == 404
    assert not ClaimCode.objects.exists()


def test_the_code_goes_by_text_to_the_residents_phone_and_claims_the_account(client, staff, desk_resident):
    sms.outbox.clear()
    client.force_login(staff)
    response = client.post(reverse("desk:claim_text", args=[desk_resident.pk]))
    assert response.status_code == 302
    (message,) = sms.outbox
    assert message.to == desk_resident.phone and message.to.startswith("+8210")
    claim = ClaimCode.objects.get(resident=desk_resident)
    assert claim.channel == "sms" and claim.number in message.body
    code = re.search(r"code (\w{4}-\w{4})", message.body).group(1)
    user = _claim(claim, code)
    assert user.check_password(PASSWORD)


def test_no_phone_is_409_and_no_code_is_made(client, staff, desk_resident):
    desk_resident.phone = ""
    desk_resident.save(update_fields=["phone"])
    with pytest.raises(ActionRefused) as exc:
        services.send_claim_code_by_sms(desk_resident, staff=staff, claim_url="http://testserver/desk/claim/")
    assert exc.value.status == 409
    assert not ClaimCode.objects.exists()


def test_a_gateway_failure_is_503_and_withdraws_the_code(settings, staff, desk_resident):
    settings.SMS_BACKEND = "livinglab.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"  # nothing listens on the discard port
    with pytest.raises(ActionRefused) as exc:
        services.send_claim_code_by_sms(desk_resident, staff=staff, claim_url="http://testserver/desk/claim/")
    assert exc.value.status == 503
    claim = ClaimCode.objects.get(resident=desk_resident)
    assert claim.revoked_at is not None


def test_another_centres_staff_cannot_text_the_code(client, other_staff, desk_resident):
    sms.outbox.clear()
    client.force_login(other_staff)
    assert client.post(reverse("desk:claim_text", args=[desk_resident.pk])).status_code == 404
    assert client.get(reverse("desk:claim_text", args=[desk_resident.pk])).status_code in (404, 405)
    assert not sms.outbox and not ClaimCode.objects.exists()


def test_claim_page_answers_the_refusal_status_and_logs_in_on_success(client, staff, desk_resident):
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    data = {"number": claim.number, "code": "ZZZZZZZZ", "email": "soonja@example.org"}
    data |= {"password": PASSWORD, "password_again": PASSWORD}
    response = client.post(reverse("desk:claim"), data)
    assert response.status_code == 400
    response = client.post(reverse("desk:claim"), {**data, "code": code})
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_letter_page_shows_the_code_once_and_is_not_cached(client, staff, desk_resident):
    client.force_login(staff)
    response = client.post(reverse("desk:claim_letter", args=[desk_resident.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    claim = ClaimCode.objects.get()
    assert claim.number in response.content.decode() and "<svg" in response.content.decode()
