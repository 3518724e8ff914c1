"""Easy reading: text size and contrast, remembered in the browser's cookie and on the account."""

import pytest
from django.urls import reverse

from accounts.reading import COOKIE, ReadingPreferences

pytestmark = pytest.mark.django_db


def test_visitor_choice_is_kept_in_a_cookie_and_rendered_on_html(client):
    response = client.post(reverse("accounts:reading"), {"text_size": "3", "next": "/proposals/"})
    assert response.status_code == 302 and response["Location"] == "/proposals/"
    assert response.cookies[COOKIE].value == "s3c0"
    page = client.get(reverse("proposals:list")).content.decode()
    assert 'class="text-size-3"' in page
    client.post(reverse("accounts:reading"), {"high_contrast": "1"})
    assert 'class="text-size-3 contrast-high"' in client.get(reverse("proposals:list")).content.decode()


def test_signed_in_choice_follows_the_account_to_a_new_browser(client, resident):
    client.force_login(resident)
    client.post(reverse("accounts:reading"), {"text_size": "2", "high_contrast": "1"})
    resident.refresh_from_db()
    assert resident.text_size == 2 and resident.high_contrast
    client.cookies.pop(COOKIE)
    assert 'class="text-size-2 contrast-high"' in client.get(reverse("proposals:list")).content.decode()


@pytest.mark.parametrize("data", [{"text_size": "9"}, {"text_size": "x"}, {"high_contrast": "yes"}])
def test_bad_values_are_400_and_change_nothing(client, resident, data):
    client.force_login(resident)
    response = client.post(reverse("accounts:reading"), data)
    assert response.status_code == 400
    resident.refresh_from_db()
    assert resident.text_size == 1 and not resident.high_contrast
    assert COOKIE not in response.cookies


def test_next_never_leaves_the_site(client):
    response = client.post(reverse("accounts:reading"), {"text_size": "2", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("value", ["", "s4c0", "s2c2", "garbage", "s2c"])
def test_a_tampered_cookie_is_ignored(value):
    assert ReadingPreferences.parse(value) is None
