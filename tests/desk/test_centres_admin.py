"""Community centres in the admin: administrators add and edit them (``desk.manage_centres``); nobody deletes one
there (residents, staff and paper forms point at it); desk staff, experts, moderators and residents do nothing.

The table: each role x each action (list, add, edit, delete), by GET and by POST, with the database checked
after every refused POST.
"""

import pytest
from django.urls import reverse

from accounts.models import Role
from desk.models import Centre
from proposals.rules import can
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("centres:index")
ADD = reverse("centres:add")
REFUSED_ROLES = ["anonymous", "resident", "expert", "moderator", "staff"]


@pytest.fixture
def moderator(db):
    return UserFactory(role=Role.MODERATOR, display_name="Moderator")


@pytest.fixture
def superuser(db):
    return UserFactory(role=Role.RESIDENT, is_superuser=True, is_staff=True, display_name="Superuser")


def person(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def refused(response) -> bool:
    """403, or Wagtail's redirect to a login page or to the admin's home with "no permission"."""
    if response.status_code == 403:
        return True
    return response.status_code == 302 and (
        response["Location"].startswith(("/admin/login/", "/accounts/login/")) or response["Location"] == "/admin/"
    )


def centre_rows():
    return sorted(Centre.objects.values_list("pk", "name", "name_en", "area_id", "address"))


# --- the rule itself --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("resident", False),
        ("expert", False),
        ("moderator", False),
        ("staff", False),
        ("administrator", True),
        ("superuser", True),
    ],
)
def test_who_may_manage_centres(request, role, allowed, staff):
    assert can(person(request, role), "desk.manage_centres") is allowed


def test_an_inactive_administrator_may_not(administrator):
    administrator.is_active = False
    assert not can(administrator, "desk.manage_centres")


# --- administrators -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["administrator", "superuser"])
def test_an_administrator_adds_a_centre(client, request, role, dong, centre):
    client_for(client, person(request, role))
    assert client.get(INDEX).status_code == 200
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, {"name": "성수2가1동 주민센터", "name_en": "Seongsu 2-ga 1-dong", "area": dong.pk})
    assert response.status_code == 302
    added = Centre.objects.get(name="성수2가1동 주민센터")
    assert added.area == dong and added.name_en == "Seongsu 2-ga 1-dong"


def test_an_administrator_edits_a_centre(client, administrator, centre, other_dong):
    client.force_login(administrator)
    edit = reverse("centres:edit", args=[centre.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"name": centre.name, "area": other_dong.pk, "address": "왕십리로 1"})
    assert response.status_code == 302
    centre.refresh_from_db()
    assert centre.area == other_dong and centre.address == "왕십리로 1"


def test_a_centre_without_a_name_or_dong_is_the_form_again(client, administrator, centre):
    client.force_login(administrator)
    before = centre_rows()
    assert client.post(ADD, {"name": "", "area": ""}).status_code == 200
    response = client.post(ADD, {"name": "Nowhere", "area": "999999"})
    assert response.status_code == 200 and "area" in response.context["form"].errors
    assert centre_rows() == before


def test_nobody_deletes_a_centre_not_even_an_administrator(client, administrator, superuser, staff, centre):
    delete = reverse("centres:delete", args=[centre.pk])
    for user in (administrator, superuser):
        client.force_login(user)
        assert refused(client.get(delete)), user
        assert refused(client.post(delete)), user
        assert delete not in client.get(reverse("centres:edit", args=[centre.pk])).content.decode()
    assert Centre.objects.filter(pk=centre.pk).exists()


def test_the_listing_offers_adding_to_administrators(client, administrator, centre, other_centre):
    client.force_login(administrator)
    html = client.get(INDEX).content.decode()
    assert ADD in html and reverse("centres:edit", args=[centre.pk]) in html and other_centre.name in html


# --- everyone else ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_others_neither_see_nor_change_centres(client, request, role, staff, centre, dong):
    client_for(client, person(request, role))
    before = centre_rows()
    edit = reverse("centres:edit", args=[centre.pk])
    delete = reverse("centres:delete", args=[centre.pk])
    for url in (INDEX, ADD, edit, delete):
        assert refused(client.get(url)), (role, url)
    assert refused(client.post(ADD, {"name": "Taken over", "area": dong.pk})), role
    assert refused(client.post(edit, {"name": "Renamed", "area": dong.pk})), role
    assert refused(client.post(delete)), role
    assert centre_rows() == before


@pytest.mark.parametrize("role", ["expert", "moderator", "staff"])
def test_the_centres_menu_item_is_for_administrators(client, request, role, administrator, staff):
    client.force_login(administrator)
    assert INDEX in client.get("/admin/").content.decode()
    client.force_login(person(request, role))
    response = client.get("/admin/")
    assert INDEX not in response.content.decode()
