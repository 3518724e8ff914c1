"""Roles and the Wagtail admin: only administrators get in, and they get in through allauth's login."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import Role
from accounts.services import set_role
from tests.factories import PASSWORD, AdministratorFactory, ExpertFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def test_role_groups_give_admin_access_but_only_administrators_publish():
    administrators = Group.objects.get(name="Administrators")
    experts = Group.objects.get(name="Experts")
    assert administrators.permissions.filter(codename="access_admin").exists()
    assert administrators.page_permissions.filter(permission__codename="publish_page").exists()
    # Experts reach the admin to draft pilot pages (see the pilots app), and never publish.
    assert experts.permissions.filter(codename="access_admin").exists()
    assert not experts.page_permissions.filter(permission__codename="publish_page").exists()


@pytest.mark.parametrize(
    ("factory", "admin_status"),
    [(ResidentFactory, 403), (ExpertFactory, 200), (AdministratorFactory, 200)],
    ids=["resident", "expert", "administrator"],
)
def test_wagtail_admin_access_by_role(client, factory, admin_status):
    client.force_login(factory())
    # A signed-in resident gets the 403 page (issue 9 point 2), not a redirect back to the sign-in page.
    response = client.get("/admin/", follow=True)
    assert response.status_code == admin_status
    assert all(not url.startswith(reverse("account_login")) for url, _status in response.redirect_chain)


def test_anonymous_visitor_is_sent_to_the_allauth_login(client):
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=/admin/")


def test_wagtail_login_page_redirects_to_allauth(client):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/pages/"


def test_admin_login_attempts_share_the_rate_limit(client):
    admin = AdministratorFactory()
    for _ in range(5):
        client.post("/accounts/login/?next=/admin/", {"login": admin.email, "password": "guess"})
    response = client.post("/accounts/login/?next=/admin/", {"login": admin.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_set_role_moves_group_membership():
    user = ResidentFactory()
    set_role(user, Role.EXPERT, expertise="Air quality", organisation="KIST")
    assert list(user.groups.values_list("name", flat=True)) == ["Experts"]
    assert (user.expertise, user.organisation) == ("Air quality", "KIST")

    set_role(user, Role.ADMINISTRATOR)
    assert list(user.groups.values_list("name", flat=True)) == ["Administrators"]
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("wagtailadmin.access_admin")

    set_role(user, Role.RESIDENT)
    user = type(user).objects.get(pk=user.pk)
    assert not user.groups.exists()
    assert not user.has_perm("wagtailadmin.access_admin")


def test_set_role_refuses_an_expert_without_a_field_and_unknown_roles():
    user = ResidentFactory()
    with pytest.raises(ValueError):
        set_role(user, Role.EXPERT)
    with pytest.raises(ValueError):
        set_role(user, "mayor")
    user.refresh_from_db()
    assert user.role == Role.RESIDENT
