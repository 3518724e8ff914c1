"""Administrators grant roles in Wagtail's user admin; nobody else can."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _edit_data(user, **overrides):
    data = {
        "email": user.email,
        "display_name": user.display_name,
        "home_area": "",
        "role": Role.EXPERT,
        "expertise": "Structural engineering",
        "organisation": "KAIST",
        "is_active": "on",
        "password1": "",
        "password2": "",
    }
    data.update(overrides)
    return data


def test_administrator_grants_the_expert_role_in_wagtail(client, administrator):
    resident = ResidentFactory()
    client.force_login(administrator)
    url = reverse("wagtailusers_users:edit", args=[resident.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, _edit_data(resident))
    assert response.status_code == 302, response.content.decode()[:2000]
    resident.refresh_from_db()
    assert resident.role == Role.EXPERT
    assert (resident.expertise, resident.organisation) == ("Structural engineering", "KAIST")
    assert list(resident.groups.values_list("name", flat=True)) == ["Experts"]


def test_expert_role_without_a_field_is_refused(client, administrator):
    resident = ResidentFactory()
    client.force_login(administrator)
    response = client.post(reverse("wagtailusers_users:edit", args=[resident.pk]), _edit_data(resident, expertise=""))
    assert response.status_code == 200
    assert "needs a field of expertise" in response.content.decode()
    resident.refresh_from_db()
    assert resident.role == Role.RESIDENT


@pytest.mark.parametrize("role_fixture", ["resident", "expert"])
def test_non_administrators_cannot_reach_the_user_admin(client, request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    other = ResidentFactory()
    client.force_login(user)
    response = client.post(reverse("wagtailusers_users:edit", args=[other.pk]), _edit_data(other))
    assert response.status_code in (302, 403)
    other.refresh_from_db()
    assert other.role == Role.RESIDENT


def test_administrators_grant_roles_but_do_not_create_accounts(client, administrator):
    # People sign up themselves (and verify their e-mail); district staff only change roles.
    client.force_login(administrator)
    assert client.get(reverse("wagtailusers_users:add")).status_code == 302


def test_superuser_creates_an_expert_account(client, administrator):
    from accounts.models import User

    administrator.is_superuser = True
    administrator.save(update_fields=["is_superuser"])
    client.force_login(administrator)
    url = reverse("wagtailusers_users:add")
    assert client.get(url).status_code == 200
    data = {
        "email": "engineer@example.org",
        "display_name": "박공학",
        "home_area": "",
        "role": Role.EXPERT,
        "expertise": "Hydraulic engineering",
        "organisation": "Seoul Institute",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="engineer@example.org")
    assert user.role == Role.EXPERT
    assert list(user.groups.values_list("name", flat=True)) == ["Experts"]

    response = client.post(url, {**data, "email": "other@example.org", "password2": "does-not-match-at-all"})
    assert response.status_code == 200
    assert not User.objects.filter(email="other@example.org").exists()
