"""The mail server down or refusing: sign-up and password reset still answer, say the mail was not sent, and work
once it is back. Before, the account was made and then the request failed with a 500 (the mail went out inside it).

The mail backend is Django's real SMTP backend, pointed at a port where nothing listens.
"""

import logging

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from tests.factories import PASSWORD, SIGNUP_FORM, ResidentFactory
from tests.live.servers import free_port

pytestmark = pytest.mark.django_db

NOT_SENT = "We could not send you the e-mail just now. Please try again in a few minutes."
SENT = "Confirmation email sent to"  # allauth's note
# What allauth's pages after sign-up and a reset request say, true only when the mail went out.
VERIFICATION_SENT = "We have sent an email to you for verification."
RESET_SENT = "We have sent you an email."


@pytest.fixture
def mail_server_down(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 5, "use_tls": False},
        }
    }


def mail_server_back(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def test_signup_with_the_mail_server_down_makes_the_account_and_says_the_mail_was_not_sent(
    client, mail_server_down, caplog
):
    with caplog.at_level(logging.ERROR, logger="accounts.adapters"):
        response = client.post(reverse("account_signup"), SIGNUP_FORM, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    page = response.content.decode()
    assert NOT_SENT in page
    assert SENT not in page  # allauth's note that it went out is left out
    assert VERIFICATION_SENT not in page  # and so is its page's
    assert "we will send the verification e-mail again" in page
    assert not EmailAddress.objects.get(email=SIGNUP_FORM["email"]).verified
    assert "email_confirmation_signup not sent" in caplog.text
    assert SIGNUP_FORM["email"] not in caplog.text  # the log names the mail, not the person


def test_signup_with_the_mail_server_up_says_the_mail_was_sent(client):
    response = client.post(reverse("account_signup"), SIGNUP_FORM, follow=True)
    assert len(mail.outbox) == 1
    page = response.content.decode()
    assert SENT in page and VERIFICATION_SENT in page
    assert NOT_SENT not in page


def test_once_the_mail_server_is_back_logging_in_sends_the_confirmation_again(client, settings, mail_server_down):
    client.post(reverse("account_signup"), SIGNUP_FORM)
    client.logout()
    mail_server_back(settings)
    cache.clear()  # allauth lets one confirmation go per address every 3 minutes: they have passed

    response = client.post(
        reverse("account_login"), {"login": SIGNUP_FORM["email"], "password": SIGNUP_FORM["password1"]}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_password_reset_with_the_mail_server_down_says_the_mail_was_not_sent(client, mail_server_down):
    resident = ResidentFactory()
    response = client.post(reverse("account_reset_password"), {"email": resident.email}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert NOT_SENT in page
    assert RESET_SENT not in page and "Ask for a new link in a few minutes." in page
    assert User.objects.get(pk=resident.pk).check_password(PASSWORD)  # the password is unchanged


def test_a_reset_for_an_unknown_address_reads_the_same_while_the_mail_server_is_down(client, mail_server_down):
    """The outage must not tell which addresses have an account: an unknown one is mailed too, and fails alike."""
    resident = ResidentFactory()
    known = client.post(reverse("account_reset_password"), {"email": resident.email}, follow=True)
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"}, follow=True)
    assert unknown.redirect_chain == known.redirect_chain
    assert NOT_SENT in unknown.content.decode() and NOT_SENT in known.content.decode()


def test_password_reset_with_the_mail_server_up_sends_the_link_and_no_warning(client):
    resident = ResidentFactory()
    response = client.post(reverse("account_reset_password"), {"email": resident.email}, follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and "password/reset/key" in mail.outbox[0].body
    page = response.content.decode()
    assert RESET_SENT in page
    assert NOT_SENT not in page


def test_a_mail_sent_outside_a_request_is_logged_when_the_server_is_down(mail_server_down, caplog):
    with caplog.at_level(logging.ERROR, logger="accounts.adapters"):
        get_adapter().send_mail("account/email/password_reset_key", "someone@example.org", {"password_reset_url": "x"})
    assert "password_reset_key not sent" in caplog.text


def test_the_note_is_in_korean_for_a_korean_page(client, mail_server_down):
    with translation.override("ko"):
        signup = reverse("account_signup")
    response = client.post(signup, SIGNUP_FORM, follow=True, headers={"accept-language": "ko"})
    page = response.content.decode()
    assert "지금은 이메일을 보낼 수 없습니다. 몇 분 후 다시 시도해 주세요." in page
    assert "몇 분 후 이메일 주소와 비밀번호로 로그인하시면 인증 메일을 다시 보내 드립니다." in page
