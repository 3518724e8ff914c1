"""``load_demo_data``: idempotent, and never creates known passwords under production settings."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from wagtail.models import Page, Site

from accounts.models import Role, User
from home.demo import DEMO_PASSWORD
from proposals.models import Area, Category

pytestmark = pytest.mark.django_db


def _counts():
    return {
        "pages": Page.objects.count(),
        "sites": Site.objects.count(),
        "areas": Area.objects.count(),
        "categories": Category.objects.count(),
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
    }


def test_demo_data_twice_creates_nothing_twice(settings, capsys):
    settings.LIVINGLAB_ENVIRONMENT = "development"
    call_command("load_demo_data")
    first = _counts()
    call_command("load_demo_data")
    assert _counts() == first
    assert first["areas"] == 10  # 2 gu + 8 dong
    assert Area.objects.filter(parent__isnull=True).count() == 2
    assert first["categories"] >= 5
    assert {u.role for u in User.objects.all()} >= {Role.RESIDENT, Role.EXPERT, Role.ADMINISTRATOR}


def test_demo_users_can_log_in_and_the_resident_is_refused_the_admin(client, settings):
    settings.LIVINGLAB_ENVIRONMENT = "development"
    call_command("load_demo_data")
    expected = {Role.ADMINISTRATOR: 200, Role.EXPERT: 200, Role.MODERATOR: 200, Role.RESIDENT: 302}
    for user in User.objects.filter(email__endswith="@livinglab.example"):
        client.logout()
        response = client.post("/accounts/login/", {"login": user.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, user.email
        assert client.get("/admin/").status_code == expected[user.role], user.email


def test_credentials_are_printed_in_development_only(settings, capsys):
    settings.LIVINGLAB_ENVIRONMENT = "development"
    call_command("load_demo_data")
    assert DEMO_PASSWORD in capsys.readouterr().out

    settings.LIVINGLAB_ENVIRONMENT = "test"
    call_command("load_demo_data")
    assert DEMO_PASSWORD not in capsys.readouterr().out


def test_production_settings_refuse_known_passwords(settings):
    settings.LIVINGLAB_ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo_data")
    assert not User.objects.exists()
    assert not Area.objects.exists()  # the whole load is one transaction
