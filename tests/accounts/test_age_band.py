"""The voluntary age band on the profile: optional, checked, kept out of public pages, erased with the account."""

import pytest
from django.urls import reverse

from accounts.services import erase_account
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def test_the_profile_saves_an_age_band_and_says_why_it_is_asked(client, resident):
    client.force_login(resident)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'name="age_band"' in page and "never shown to anyone on the site" in page
    response = client.post(reverse("accounts:profile"), {"display_name": resident.display_name, "age_band": "40_59"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.age_band == "40_59"


def test_the_profile_refuses_an_unknown_age_band(client, resident):
    client.force_login(resident)
    response = client.post(reverse("accounts:profile"), {"display_name": resident.display_name, "age_band": "101"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    resident.refresh_from_db()
    assert resident.age_band == ""


def test_the_age_band_is_optional_can_be_taken_back_and_stays_when_left_out(client):
    person = ResidentFactory(age_band="60_74")
    client.force_login(person)
    # An older form without the field: the band stays.
    assert client.post(reverse("accounts:profile"), {"display_name": "순자"}).status_code == 302
    person.refresh_from_db()
    assert person.age_band == "60_74"
    # "Prefer not to say": taken back.
    assert client.post(reverse("accounts:profile"), {"display_name": "순자", "age_band": ""}).status_code == 302
    person.refresh_from_db()
    assert person.age_band == ""


def test_the_age_band_is_not_on_the_public_profile(client):
    person = ResidentFactory(age_band="75_plus")
    page = client.get(reverse("proposals:person", args=[person.pk])).content.decode()
    assert "75 and over" not in page and "age band" not in page.lower()


def test_erasing_the_account_clears_the_age_band():
    person = ResidentFactory(age_band="20_39")
    erase_account(person)
    person.refresh_from_db()
    assert person.is_erased and person.age_band == ""
