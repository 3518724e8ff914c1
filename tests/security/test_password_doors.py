"""Doors that check a password outside allauth's sign-in: none may be tried without a limit (issue 15 point 12).

Wagtail's front-end sign-in (``/_util/login/``) was Django's bare ``LoginView``: it signed a resident in after
any number of wrong passwords, past every allauth limit. The passwords of private pages and documents had no
limit either, and Wagtail's admin password reset mailed anyone a link without one.
"""

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction

from tests.factories import PASSWORD, AdministratorFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def test_wagtails_front_end_sign_in_checks_no_password(client):
    resident = ResidentFactory()
    for _ in range(8):
        client.post("/_util/login/", {"username": resident.email, "password": "wrong"})
    response = client.post("/_util/login/?next=/private/", {"username": resident.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/private/"


def test_reverse_names_the_sign_in_page_for_private_pages(client):
    assert client.get(reverse("wagtailcore_login")).status_code == 302


def test_the_admins_own_password_reset_sends_nothing(client):
    """Wagtail's admin reset mailed a link to any address posted to it, without a limit; allauth's has them."""
    administrator = AdministratorFactory()
    for _ in range(3):
        assert client.post("/admin/password_reset/", {"email": administrator.email}).status_code == 404
    assert mail.outbox == []
    assert client.post(reverse("account_reset_password"), {"email": administrator.email}).status_code == 302
    assert len(mail.outbox) == 1


@pytest.fixture
def private_page(db):
    page = Page.objects.filter(depth=2).first()
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="district-secret"
    )
    return page, restriction


def _try(client, page, restriction, password, ip="203.0.113.9"):
    url = reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk])
    return client.post(url, {"password": password, "return_url": page.url}, REMOTE_ADDR=ip)


def test_page_passwords_are_tried_a_limited_number_of_times_per_address(client, settings, private_page):
    settings.PAGE_PASSWORD_RATE_LIMIT = "3/10m"
    page, restriction = private_page
    assert [_try(client, page, restriction, f"guess-{n}").status_code for n in range(3)] == [200, 200, 200]
    refused = _try(client, page, restriction, "district-secret")
    assert refused.status_code == 429
    assert "Too many wrong passwords" in refused.content.decode()
    assert _try(client, page, restriction, "district-secret", ip="203.0.113.10").status_code == 302


def test_a_right_page_password_does_not_count(client, settings, private_page):
    settings.PAGE_PASSWORD_RATE_LIMIT = "1/10m"
    page, restriction = private_page
    for _ in range(3):
        assert _try(client, page, restriction, "district-secret").status_code == 302
    assert _try(client, page, restriction, "wrong").status_code == 200
    assert _try(client, page, restriction, "district-secret").status_code == 429
