"""The Reports menu's "Aging pages" names the last publisher by display name, not by e-mail address (Wagtail's
own report calls ``get_username()``, the sign-in field, which stays the e-mail address for logging in)."""

import pytest
from django.urls import reverse
from wagtail.models import Page

from accounts.services import erase_account
from tests.factories import PASSWORD, AdministratorFactory, ResidentFactory

pytestmark = pytest.mark.django_db

NAME = "김관리"
EMAIL = "kim.admin@example.org"


@pytest.fixture
def published_by_named_admin():
    admin = AdministratorFactory(display_name=NAME, email=EMAIL)
    page = Page.objects.get(depth=2)
    page.save_revision(user=admin).publish(user=admin)
    return admin


def test_the_menu_leads_to_the_report_that_names_people(client, published_by_named_admin):
    client.force_login(published_by_named_admin)
    html = client.get(reverse("wagtailadmin_home")).content.decode()  # any admin page has the menu
    assert reverse("livinglab_aging_pages") in html
    assert f'"url": "{reverse("wagtailadmin_reports:aging_pages")}"' not in html


def test_wagtails_own_address_leads_to_the_report_that_names_people(client, published_by_named_admin):
    client.force_login(published_by_named_admin)
    response = client.get(reverse("wagtailadmin_reports:aging_pages") + "?page=1", follow=True)
    assert response.redirect_chain == [(reverse("livinglab_aging_pages") + "?page=1", 302)]
    html = response.content.decode()
    assert NAME in html and EMAIL not in html


def test_the_old_address_still_needs_admin_access(client, resident):
    client.force_login(resident)
    response = client.get(reverse("wagtailadmin_reports:aging_pages"), follow=True)
    # Led to ours, which sends a resident to the admin's sign-in, which refuses them (403).
    assert response.redirect_chain[-1][0].startswith("/admin/login/")
    assert response.status_code == 403
    assert EMAIL not in response.content.decode()


def test_the_aging_pages_report_names_the_publisher_by_display_name(client, published_by_named_admin):
    client.force_login(published_by_named_admin)
    response = client.get(reverse("livinglab_aging_pages"))
    assert response.status_code == 200
    html = response.content.decode()
    assert NAME in html and EMAIL not in html
    results = client.get(reverse("livinglab_aging_pages_results")).content.decode()
    assert NAME in results and EMAIL not in results


def test_the_csv_export_names_the_publisher_by_display_name(client, published_by_named_admin):
    client.force_login(published_by_named_admin)
    response = client.get(reverse("livinglab_aging_pages"), {"export": "csv"})
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert NAME in body and EMAIL not in body


def test_an_erased_publisher_reads_former_participant(client, published_by_named_admin):
    erase_account(published_by_named_admin)
    client.force_login(AdministratorFactory())
    html = client.get(reverse("livinglab_aging_pages_results")).content.decode()
    assert "Former participant" in html and EMAIL not in html and NAME not in html


def test_a_resident_cannot_open_the_report(client):
    client.force_login(ResidentFactory())
    response = client.get(reverse("livinglab_aging_pages"))
    assert response.status_code in (302, 403)


def test_signing_in_still_uses_the_email_address(client, published_by_named_admin):
    assert published_by_named_admin.get_username() == EMAIL
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
