"""Every allauth page a person posts a form to answers a refused form with 400 and the same page, errors shown.

allauth itself answers 200 (``accounts.views.invalid_form_answers_400`` wraps its routed views). The sign-up by
phone, the social sign-up and the one-time code pages have their own tests in ``test_phone_auth`` and
``test_social_login``.
"""

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, PhoneResidentFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _reset_from_key_url(client, user) -> str:
    key_url = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    response = client.get(key_url)
    assert response.status_code == 302  # allauth moves the key into the session
    return response["Location"]


# name: (who is signed in, the page's URL, a refused post); MESSAGES holds words of each error message
CASES = {
    "login": (None, lambda c, u: reverse("account_login"), {"login": "resident@example.org", "password": "wrong"}),
    "signup": (
        None,
        lambda c, u: reverse("account_signup"),
        {"email": "new@example.org", "display_name": "민지", "password1": PASSWORD, "password2": PASSWORD},
    ),
    "request_login_code": (None, lambda c, u: reverse("account_request_login_code"), {"phone": "02-123-4567"}),
    "reset_password": (None, lambda c, u: reverse("account_reset_password"), {"email": "not an address"}),
    "reset_password_from_key": (
        None,
        _reset_from_key_url,
        {"password1": "a-long-unusual-passphrase", "password2": "another-long-passphrase"},
    ),
    "change_password": (
        "resident",
        lambda c, u: reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "a-long-unusual-passphrase", "password2": "a-long-unusual-passphrase"},
    ),
    "set_password": (
        "phone_resident",
        lambda c, u: reverse("account_set_password"),
        {"password1": "a-long-unusual-passphrase", "password2": "another-long-passphrase"},
    ),
    "add_email": ("resident", lambda c, u: reverse("account_email"), {"action_add": "", "email": "not an address"}),
    "change_phone": ("resident", lambda c, u: reverse("account_change_phone"), {"phone": "+81 90-1234-5678"}),
    "reauthenticate": ("resident", lambda c, u: reverse("account_reauthenticate"), {"password": "wrong"}),
    "delete_account": ("resident", lambda c, u: reverse("accounts:delete"), {"password": "wrong", "confirm": "on"}),
}

MESSAGES = {
    "login": "not correct",
    "signup": "Please accept the terms of use",
    "request_login_code": "not a mobile number",
    "reset_password": "Enter a valid email address",
    "reset_password_from_key": "same password",
    "change_password": "current password",
    "set_password": "same password",
    "add_email": "Enter a valid email address",
    "change_phone": "Only Korean mobile numbers",
    "reauthenticate": "Incorrect password",
    "delete_account": "That is not your password",
}


@pytest.mark.parametrize("name", CASES)
def test_a_refused_form_answers_400_with_the_page_and_its_error(client, name):
    signed_in_as, url_for, refused_post = CASES[name]
    user = PhoneResidentFactory() if signed_in_as == "phone_resident" else ResidentFactory(email="resident@example.org")
    if signed_in_as:
        client.force_login(user)
    url = url_for(client, user)

    page = client.get(url)
    assert page.status_code == 200
    assert "<form" in page.content.decode()

    response = client.post(url, refused_post)
    body = response.content.decode()
    assert response.status_code == 400
    assert MESSAGES[name] in body
    assert "<form" in body  # the same page, to correct and send again
    assert User.objects.count() == 1
