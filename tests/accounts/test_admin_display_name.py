"""The Wagtail admin names people by their display name, never by their e-mail address (the username field)."""

import json
import re

import pytest
from django.urls import reverse
from wagtail.models import Page

from tests.factories import AdministratorFactory

pytestmark = pytest.mark.django_db

NAME = "김관리"
EMAIL = "kim.admin@example.org"


@pytest.fixture
def named_admin():
    return AdministratorFactory(display_name=NAME, email=EMAIL)


def _sidebar_props(html: str) -> str:
    return re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S).group(1)


def _account_menu_name(props: str) -> str:
    modules = json.loads(props)["modules"]
    (main_menu,) = [module for module in modules if module["_type"] == "wagtail.sidebar.MainMenuModule"]
    return main_menu["_args"][2]["name"]


def test_the_sidebar_account_menu_shows_the_display_name_not_the_email(client, named_admin):
    client.force_login(named_admin)
    props = _sidebar_props(client.get("/admin/").content.decode())
    assert _account_menu_name(props) == NAME
    assert EMAIL not in props


def test_a_page_history_names_the_editor_by_display_name(client, named_admin):
    page = Page.objects.get(depth=2)
    page.save_revision(user=named_admin, log_action=True)
    client.force_login(named_admin)
    html = client.get(reverse("wagtailadmin_pages:history", args=[page.pk])).content.decode()
    assert NAME in html
    assert EMAIL not in html


def test_a_page_listing_names_the_last_editor_by_display_name(client, named_admin):
    page = Page.objects.get(depth=2)
    page.save_revision(user=named_admin, log_action=True)
    client.force_login(named_admin)
    html = client.get(reverse("wagtailadmin_explore", args=[page.get_parent().pk])).content.decode()
    assert NAME in html
    assert EMAIL not in html


def test_first_name_is_the_display_name_and_cannot_overwrite_it(named_admin):
    # allauth copies a social account's given name into ``first_name``: it must not rename the person.
    named_admin.first_name = "Minji"
    assert named_admin.first_name == NAME
    assert named_admin.display_name == NAME
    assert named_admin.get_full_name() == NAME
