"""Roles and the Wagtail admin: only administrators get in, and they get in through allauth's login."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import Role
from accounts.services import set_role
from home.demo import build_pages
from tests.factories import PASSWORD, AdministratorFactory, ExpertFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_role_groups_give_admin_access_but_only_administrators_publish():
    administrators = Group.objects.get(name="Administrators")
    experts = Group.objects.get(name="Experts")
    assert administrators.permissions.filter(codename="access_admin").exists()
    assert administrators.page_permissions.filter(permission__codename="publish_page").exists()
    # Experts reach the admin to draft pilot pages (see the pilots app), and never publish.
    assert experts.permissions.filter(codename="access_admin").exists()
    assert not experts.page_permissions.filter(permission__codename="publish_page").exists()


def test_moderators_enter_the_admin_with_no_right_to_pages_images_or_documents():
    # Wagtail's own "Moderators" group (which the role took over) came with add, edit and publish on every page
    # and full rights on images and documents; accounts 0014 takes them away.
    moderators = Group.objects.get(name="Moderators")
    assert list(moderators.permissions.values_list("codename", flat=True)) == ["access_admin"]
    assert not moderators.page_permissions.exists()
    assert not moderators.collection_permissions.exists()


def test_a_moderator_cannot_edit_publish_or_move_a_page(client):
    home = build_pages()
    moderator = UserFactory(role=Role.MODERATOR)
    rights = home.permissions_for_user(moderator)
    assert not (rights.can_edit() or rights.can_publish() or rights.can_add_subpage() or rights.can_lock())
    client.force_login(moderator)
    assert client.get("/admin/").status_code == 200  # the moderation queue is in the admin
    response = client.get(f"/admin/pages/{home.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    administrator = AdministratorFactory()
    assert home.permissions_for_user(administrator).can_publish()


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
