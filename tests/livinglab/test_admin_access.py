"""Issue 9 point 2: who may not use the Wagtail admin gets a 403 page, never a redirect loop."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_resident_opening_the_admin_gets_a_403_page_with_a_link_home(client, resident):
    client.force_login(resident)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) <= 1  # at most /admin/ -> /admin/login/, never back again
    assert b'href="/"' in response.content


def test_resident_opening_a_deep_admin_url_gets_403_too(client, resident):
    client.force_login(resident)
    response = client.get("/admin/pages/search/", follow=True)
    assert response.status_code == 403


def test_anonymous_visitor_is_sent_to_the_sign_in_page_with_next(client):
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert "next=/admin/" in response.redirect_chain[-1][0]


def test_administrator_reaches_the_admin(client, administrator):
    client.force_login(administrator)
    response = client.get("/admin/")
    assert response.status_code == 200


def test_admin_login_page_for_someone_signed_in_with_access_goes_on_to_next(client, administrator):
    client.force_login(administrator)
    response = client.get("/admin/login/?next=/admin/pages/search/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/pages/search/"
