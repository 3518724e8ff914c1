"""Kakao and Naver sign-in through allauth's real OAuth2 flow, against a loopback stand-in for each provider.

What the stand-in proves: our settings and adapters drive allauth's authorization-code flow end to end (the
redirect with its state, the state check on return, the server-side code-for-token exchange with our client id
and secret, the profile request with the bearer token, and what we do with the profile: sign in, attach by
verified e-mail only, or ask for details).

What it does not prove: the real consent screens and which scopes Kakao or Naver actually grant, real token
signing and expiry, the providers' real profile payloads beyond the documented shapes copied here, their rate
limits and outages, and the redirect URIs registered at developers.kakao.com / developers.naver.com.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.kakao.views import KakaoOAuth2Adapter
from allauth.socialaccount.providers.naver.views import NaverOAuth2Adapter
from django.urls import reverse

from accounts.models import User
from tests.factories import AdministratorFactory, ResidentFactory

pytestmark = pytest.mark.django_db


class Provider:
    """A loopback HTTP server answering a provider's token and profile endpoints; records what it was sent."""

    def __init__(self, profile: dict):
        self.profile = profile
        self.token_requests = []
        self.profile_requests = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, data, status=200):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                provider.token_requests.append(parse_qs(self.rfile.read(length).decode()))
                self._json({"access_token": "stand-in-token", "token_type": "bearer", "expires_in": 3600})

            def do_GET(self):
                provider.profile_requests.append(self.headers.get("Authorization"))
                if self.headers.get("Authorization") != "Bearer stand-in-token":
                    self._json({"error": "invalid token"}, status=401)
                    return
                self._json(provider.profile)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def stand_in(monkeypatch, adapter_class, profile):
    provider = Provider(profile)
    monkeypatch.setattr(adapter_class, "access_token_url", f"{provider.base}/oauth/token")
    monkeypatch.setattr(adapter_class, "profile_url", f"{provider.base}/v2/user/me")
    monkeypatch.setattr(adapter_class, "authorize_url", f"{provider.base}/oauth/authorize")
    return provider


@pytest.fixture
def apps(db):
    SocialApp.objects.create(provider="kakao", name="Kakao", client_id="kakao-id", secret="kakao-secret")
    SocialApp.objects.create(provider="naver", name="Naver", client_id="naver-id", secret="naver-secret")


@pytest.fixture
def kakao(monkeypatch, apps):
    providers = []

    def start(profile):
        provider = stand_in(monkeypatch, KakaoOAuth2Adapter, profile)
        providers.append(provider)
        return provider

    yield start
    for provider in providers:
        provider.close()


@pytest.fixture
def naver(monkeypatch, apps):
    providers = []

    def start(profile):
        provider = stand_in(monkeypatch, NaverOAuth2Adapter, profile)
        providers.append(provider)
        return provider

    yield start
    for provider in providers:
        provider.close()


def kakao_profile(uid=4242, email="halmeoni@kakao.example", verified=True, nickname="김할머니"):
    account = {"profile": {"nickname": nickname}}
    if email is not None:
        account.update({"email": email, "is_email_verified": verified, "has_email": True})
    return {"id": uid, "kakao_account": account, "properties": {"nickname": nickname}}


def sign_in_with(client, provider_id, *, process=None):
    """Start at our login URL, follow to the (stand-in) authorize page, come back with a code and the state."""
    data = {"process": process} if process else {}
    start = client.post(reverse(f"{provider_id}_login"), data)
    assert start.status_code == 302
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["client_id"] == [f"{provider_id}-id"]
    return client.get(reverse(f"{provider_id}_callback"), {"code": "stand-in-code", "state": query["state"][0]})


def signed_in(client):
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_kakao_sign_in_creates_an_account_from_a_verified_profile(client, kakao):
    provider = kakao(kakao_profile())
    response = sign_in_with(client, "kakao")
    assert response.status_code == 302
    user = User.objects.get(email="halmeoni@kakao.example")
    assert signed_in(client) == user.pk
    assert user.display_name == "김할머니"
    assert SocialAccount.objects.get(user=user).uid == "4242"
    # The code went back to the token endpoint from the server, with our secret; the profile with the token.
    [token_request] = provider.token_requests
    assert token_request["code"] == ["stand-in-code"]
    assert token_request["client_secret"] == ["kakao-secret"]
    assert provider.profile_requests == ["Bearer stand-in-token"]


def test_kakao_with_a_verified_email_signs_into_the_existing_account(client, kakao):
    existing = ResidentFactory(email="halmeoni@kakao.example")
    kakao(kakao_profile())
    sign_in_with(client, "kakao")
    assert signed_in(client) == existing.pk
    assert SocialAccount.objects.get(provider="kakao").user == existing
    assert User.objects.count() == 1


def test_kakao_with_an_unverified_email_never_attaches_to_an_existing_account(client, kakao):
    existing = ResidentFactory(email="halmeoni@kakao.example")
    kakao(kakao_profile(verified=False))
    response = sign_in_with(client, "kakao")
    assert signed_in(client) is None
    assert not SocialAccount.objects.filter(user=existing).exists()
    # The person is asked for details instead; the taken address is refused there.
    assert response.status_code == 302
    assert response["Location"] == reverse("socialaccount_signup")
    page = client.post(
        reverse("socialaccount_signup"),
        {"email": "halmeoni@kakao.example", "display_name": "김씨", "accept_terms": "on"},
    )
    assert page.status_code == 400
    assert "An account already exists with this email address" in page.content.decode()
    assert signed_in(client) is None
    assert User.objects.count() == 1


def test_a_verified_provider_email_does_not_attach_to_an_account_that_never_confirmed_it(client, kakao):
    squatter = ResidentFactory(email="halmeoni@kakao.example", verified=False)
    kakao(kakao_profile())
    sign_in_with(client, "kakao")
    assert signed_in(client) != squatter.pk
    assert not SocialAccount.objects.filter(user=squatter).exists()


def test_kakao_profile_without_email_asks_for_details(client, kakao):
    kakao(kakao_profile(email=None))
    response = sign_in_with(client, "kakao")
    assert response["Location"] == reverse("socialaccount_signup")
    assert not User.objects.exists()

    page = client.get(reverse("socialaccount_signup"))
    assert page.status_code == 200
    assert "김할머니" in page.content.decode()

    refused = client.post(reverse("socialaccount_signup"), {"display_name": "김할머니", "accept_terms": "on"})
    assert refused.status_code == 400
    assert "Give an e-mail address or a mobile number" in refused.content.decode()
    assert not User.objects.exists()

    response = client.post(
        reverse("socialaccount_signup"), {"display_name": "김할머니", "phone": "010-3333-4444", "accept_terms": "on"}
    )
    assert response.status_code == 302
    user = User.objects.get(phone="+821033334444")
    assert user.email is None
    assert SocialAccount.objects.get(user=user).provider == "kakao"


def test_naver_sign_in(client, naver):
    profile = {
        "resultcode": "00",
        "message": "success",
        "response": {"id": "naver-77", "email": "dong@naver.example", "nickname": "동네주민"},
    }
    naver(profile)
    sign_in_with(client, "naver")
    user = User.objects.get(email="dong@naver.example")
    assert signed_in(client) == user.pk
    assert user.display_name == "동네주민"
    assert EmailAddress.objects.get(user=user).verified


def test_a_forged_state_signs_in_no_one(client, kakao):
    provider = kakao(kakao_profile())
    client.post(reverse("kakao_login"))
    response = client.get(reverse("kakao_callback"), {"code": "stand-in-code", "state": "forged"})
    assert signed_in(client) is None
    assert provider.token_requests == []
    assert 400 <= response.status_code < 500


def test_connect_and_disconnect_on_the_account_page(client, kakao):
    resident = ResidentFactory()
    client.force_login(resident)
    assert reverse("socialaccount_connections") in client.get(reverse("accounts:profile")).content.decode()
    kakao(kakao_profile(email="other@kakao.example"))
    sign_in_with(client, "kakao", process="connect")
    account = SocialAccount.objects.get(user=resident)
    assert account.provider == "kakao"

    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.filter(user=resident).exists()


def test_superusers_configure_the_providers_in_the_admin(client, resident):
    # Credentials are for the site's superusers (Wagtail asks for the model's permissions, which no group has).
    administrator = AdministratorFactory(is_superuser=True, is_staff=True)
    url = reverse("social_apps:index")
    client.force_login(resident)
    assert client.get(url).status_code in (302, 403)
    client.force_login(administrator)
    response = client.post(
        reverse("social_apps:add"),
        {"provider": "kakao", "name": "Kakao", "client_id": "from-admin", "secret": "s", "key": "", "settings": "{}"},
    )
    assert response.status_code == 302
    assert SocialApp.objects.get(provider="kakao").client_id == "from-admin"
    assert "Kakao" in client.get(url).content.decode()
