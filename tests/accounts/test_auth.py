"""Sign-up, e-mail verification, login, logout and password reset through allauth's real views."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils.http import int_to_base36

from accounts.models import Role, User
from tests.factories import PASSWORD, SIGNUP_FORM, DongFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _link_from_mail(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def _signup(client, **overrides):
    return client.post(reverse("account_signup"), {**SIGNUP_FORM, **overrides})


def test_signup_creates_an_unverified_resident_and_sends_a_confirmation(client):
    dong = DongFactory()
    response = _signup(client, home_area=dong.pk)

    assert response.status_code == 302
    user = User.objects.get(email="minji@example.org")
    assert user.role == Role.RESIDENT
    assert user.display_name == "민지"
    assert user.home_area == dong
    assert not user.groups.exists()
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_signup_with_a_taken_email_creates_nothing_and_reveals_nothing(client):
    existing = ResidentFactory(email="minji@example.org")
    response = _signup(client)
    # Same answer as a fresh sign-up, so the form cannot be used to probe who has an account.
    assert response.status_code == 302
    assert User.objects.filter(email="minji@example.org").count() == 1
    assert User.objects.get(email="minji@example.org").check_password(PASSWORD)
    assert existing.pk == User.objects.get(email="minji@example.org").pk
    assert len(mail.outbox) == 1
    assert "already" in mail.outbox[0].body.lower()


def test_signup_rejects_mismatched_passwords_and_a_short_name(client):
    response = _signup(client, password2="something-else-entirely", display_name="x")
    body = response.content.decode()
    assert response.status_code == 400
    assert "same password" in body
    assert "at least 2 characters" in body
    assert not User.objects.exists()


def test_signup_escapes_markup_in_the_display_name(client):
    _signup(client, display_name="<script>alert(1)</script>")
    user = User.objects.get(email="minji@example.org")
    EmailAddress.objects.filter(user=user).update(verified=True)
    client.force_login(user)
    body = client.get(reverse("accounts:profile")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_unverified_user_cannot_log_in_until_the_email_is_confirmed(client):
    _signup(client)
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": "minji@example.org", "password": "a-long-unusual-passphrase"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    confirm_url = _link_from_mail(mail.outbox[0])
    assert client.get(confirm_url).status_code == 200  # GET only shows the confirm button
    assert not EmailAddress.objects.get(email="minji@example.org").verified
    client.post(confirm_url)
    assert EmailAddress.objects.get(email="minji@example.org").verified

    response = client.post(
        reverse("account_login"), {"login": "minji@example.org", "password": "a-long-unusual-passphrase"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="minji@example.org").pk)


def test_a_forged_confirmation_key_verifies_nothing(client):
    _signup(client)
    response = client.post(reverse("account_confirm_email", args=["not-a-real-key"]))
    assert response.status_code == 404
    response = client.get(reverse("account_confirm_email", args=["not-a-real-key"]))
    assert response.status_code == 404  # the page says the link is wrong or expired, with a 4xx
    assert "expired or is invalid" in response.content.decode()
    assert not EmailAddress.objects.get(email="minji@example.org").verified


def test_login_with_a_wrong_password_is_refused(client, resident):
    response = client.post(reverse("account_login"), {"login": resident.email, "password": "wrong"})
    assert response.status_code == 400
    assert "not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_and_logout(client, resident):
    response = client.post(reverse("account_login"), {"login": resident.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(resident.pk)

    assert client.get(reverse("account_logout")).status_code == 200  # a confirmation page, not a logout
    assert "_auth_user_id" in client.session
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_logout_requires_the_csrf_token(resident):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(resident)
    response = csrf_client.post(reverse("account_logout"))
    assert response.status_code == 403
    assert "_auth_user_id" in csrf_client.session


def test_failed_logins_are_rate_limited(client, resident):
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": resident.email, "password": "wrong"})
        assert response.status_code == 400
    # Even the right password is refused now, with a clear message and 429.
    response = client.post(reverse("account_login"), {"login": resident.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_logins_spread_over_many_accounts_from_one_address_get_429(client, resident):
    """Credential stuffing: the address's bound counts distinct accounts (LOGIN_FAILED_ACCOUNTS_PER_IP, 100 in
    five minutes), so the 101st account tried from one address is refused (accounts.login_limits)."""
    statuses = [
        client.post(reverse("account_login"), {"login": f"x{i}@example.org", "password": "x"}).status_code
        for i in range(101)
    ]
    assert statuses[:100] == [400] * 100
    assert statuses[100] == 429
    assert client.post(reverse("account_login"), {"login": resident.email, "password": "x"}).status_code == 429


def test_a_flood_of_login_posts_from_one_address_gets_429(client, settings):
    """Every password sign-in POST counts against allauth's per-address flood limit ("login"), refused or not."""
    assert settings.ACCOUNT_RATE_LIMITS["login"] == "300/m/ip"
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "5/m/ip"}
    statuses = [
        client.post(reverse("account_login"), {"login": f"x{i}@example.org", "password": "x"}).status_code
        for i in range(6)
    ]
    assert statuses == [400] * 5 + [429]


def test_password_reset_sets_a_new_password(client, resident):
    response = client.post(reverse("account_reset_password"), {"email": resident.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    reset_url = _link_from_mail(mail.outbox[0])

    response = client.get(reset_url)
    assert response.status_code == 302  # allauth moves the key into the session
    form_url = response["Location"]
    response = client.post(form_url, {"password1": "brand-new-passphrase-1", "password2": "brand-new-passphrase-1"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.check_password("brand-new-passphrase-1")
    assert not resident.check_password(PASSWORD)


def test_password_reset_with_a_bad_key_changes_nothing(client, resident):
    url = f"/accounts/password/reset/key/{int_to_base36(resident.pk)}-not-a-key/"
    response = client.get(url)
    assert response.status_code == 400
    assert "bad token" in response.content.decode().lower()
    response = client.post(url, {"password1": "another-long-passphrase", "password2": "another-long-passphrase"})
    assert response.status_code == 400
    assert "bad token" in response.content.decode().lower()
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)


def test_a_good_reset_link_still_opens_the_form(client, resident):
    client.post(reverse("account_reset_password"), {"email": resident.email})
    (link,) = re.findall(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert "bad token" not in response.content.decode().lower()
    assert 'name="password1"' in response.content.decode()


def test_password_reset_for_an_unknown_address_sends_no_mail_to_it(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302  # no account enumeration
    assert all("password/reset/key" not in m.body for m in mail.outbox)


def test_profile_needs_login_and_saves_valid_changes(client, resident):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

    client.force_login(resident)
    response = client.post(reverse("accounts:profile"), {"display_name": "새 이름", "home_area": ""})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.display_name == "새 이름"

    response = client.post(reverse("accounts:profile"), {"display_name": " ", "home_area": "999999"})
    assert response.status_code == 400
    resident.refresh_from_db()
    assert resident.display_name == "새 이름"


@pytest.mark.parametrize("language", ["ko", "en"])
def test_profile_home_area_placeholder_is_ours_in_both_languages(client, resident, language):
    client.force_login(resident)
    client.cookies["django_language"] = language
    body = client.get(reverse("accounts:profile"), headers={"accept-language": language}).content.decode()
    assert "Select an option" not in body
    assert {"ko": "밝히지 않음", "en": "Prefer not to say"}[language] in body
