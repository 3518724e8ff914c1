"""Kakao and Naver sign-in configured from the environment (``KAKAO_CLIENT_ID`` and ``_SECRET``, ``NAVER_…``).

The settings module is read afresh under a chosen environment (``livinglab/settings/base.py`` executed as a new
module; the running settings are not touched), and what it produced is then put in place for the login page:
a provider whose variables are set has its button; one without them (and without an app in the admin) has none.
"""

import importlib.util
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialApp
from django.test import override_settings
from django.urls import reverse

import livinglab.settings

pytestmark = pytest.mark.django_db

BASE_SETTINGS = Path(livinglab.settings.__file__).with_name("base.py")
VARIABLES = ("KAKAO_CLIENT_ID", "KAKAO_CLIENT_SECRET", "NAVER_CLIENT_ID", "NAVER_CLIENT_SECRET")


def providers_under(monkeypatch, **environment) -> dict:
    """``SOCIALACCOUNT_PROVIDERS`` as ``base.py`` computes it with exactly these provider variables set."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("livinglab.settings._provider_probe", BASE_SETTINGS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SOCIALACCOUNT_PROVIDERS


def login_page(client, providers) -> str:
    with override_settings(SOCIALACCOUNT_PROVIDERS=providers):
        response = client.get(reverse("account_login"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_settings_read_the_client_ids_and_secrets(monkeypatch):
    providers = providers_under(
        monkeypatch,
        KAKAO_CLIENT_ID="kakao-from-env",
        KAKAO_CLIENT_SECRET="kakao-secret",
        NAVER_CLIENT_ID="naver-from-env",
        NAVER_CLIENT_SECRET="naver-secret",
    )
    assert providers["kakao"]["APPS"] == [{"client_id": "kakao-from-env", "secret": "kakao-secret"}]
    assert providers["naver"]["APPS"] == [{"client_id": "naver-from-env", "secret": "naver-secret"}]
    # Kakao is asked for the nickname and the e-mail address (matched only when Kakao verified it).
    assert providers["kakao"]["SCOPE"] == ["profile_nickname", "account_email"]


def test_without_the_variables_the_settings_configure_no_app(monkeypatch):
    providers = providers_under(monkeypatch)
    assert "APPS" not in providers["kakao"] and "APPS" not in providers["naver"]
    # A secret alone is not an app.
    assert "APPS" not in providers_under(monkeypatch, KAKAO_CLIENT_SECRET="orphan")["kakao"]


def test_a_configured_provider_has_its_button_on_the_login_page(client, monkeypatch):
    providers = providers_under(monkeypatch, KAKAO_CLIENT_ID="kakao-from-env", KAKAO_CLIENT_SECRET="s")
    html = login_page(client, providers)
    assert reverse("kakao_login") in html
    assert reverse("naver_login") not in html  # Naver's variables are not set


def test_both_providers_have_buttons_when_both_are_configured(client, monkeypatch):
    providers = providers_under(
        monkeypatch, KAKAO_CLIENT_ID="k", KAKAO_CLIENT_SECRET="s", NAVER_CLIENT_ID="n", NAVER_CLIENT_SECRET="s"
    )
    html = login_page(client, providers)
    assert reverse("kakao_login") in html and reverse("naver_login") in html


def test_no_variables_and_no_admin_app_means_no_button(client, monkeypatch):
    html = login_page(client, providers_under(monkeypatch))
    assert reverse("kakao_login") not in html and reverse("naver_login") not in html
    # The password and phone sign-in stay.
    assert 'name="login"' in html or 'name="password"' in html


def test_an_app_added_in_the_admin_shows_its_button_without_variables(client, monkeypatch):
    SocialApp.objects.create(provider="naver", name="Naver", client_id="from-admin", secret="s")
    html = login_page(client, providers_under(monkeypatch))
    assert reverse("naver_login") in html and reverse("kakao_login") not in html


def test_the_button_starts_the_flow_with_the_client_id_from_the_environment(client, monkeypatch):
    providers = providers_under(monkeypatch, KAKAO_CLIENT_ID="kakao-from-env", KAKAO_CLIENT_SECRET="s")
    with override_settings(SOCIALACCOUNT_PROVIDERS=providers):
        response = client.post(reverse("kakao_login"))
    assert response.status_code == 302
    assert "client_id=kakao-from-env" in response["Location"]
    with override_settings(SOCIALACCOUNT_PROVIDERS=providers_under(monkeypatch)):
        refused = client.post(reverse("kakao_login"))
    assert refused.status_code >= 400 and refused.status_code < 500
