"""Login limits: strict per account, generous per shared address, and the address only from a trusted proxy.

Issue 13 point 5 and issue 15 point 12: ten residents behind one community-centre address, each mistyping once,
must not lock out the eleventh; a blocked login answers 429; a raw X-Forwarded-For never picks the address.
"""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, ResidentFactory

pytestmark = pytest.mark.django_db

CENTRE = "198.51.100.20"
PROXY = "172.30.0.5"


def login(client, email, password, **headers):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


def test_ten_neighbours_mistyping_once_do_not_lock_out_the_eleventh(client):
    neighbours = ResidentFactory.create_batch(11)
    for neighbour in neighbours[:10]:
        assert login(client, neighbour.email, "wrong", REMOTE_ADDR=CENTRE).status_code == 200
    response = login(client, neighbours[10].email, PASSWORD, REMOTE_ADDR=CENTRE)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(neighbours[10].pk)


def test_one_account_is_locked_after_five_failures_from_any_addresses(client):
    resident = ResidentFactory()
    for number in range(5):
        assert login(client, resident.email, "wrong", REMOTE_ADDR=f"203.0.113.{number + 1}").status_code == 200
    response = login(client, resident.email, PASSWORD, REMOTE_ADDR="203.0.113.99")
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_on_one_account_leaves_its_neighbours_free(client):
    locked, neighbour = ResidentFactory.create_batch(2)
    for _ in range(5):
        login(client, locked.email, "wrong", REMOTE_ADDR=CENTRE)
    assert login(client, locked.email, PASSWORD, REMOTE_ADDR=CENTRE).status_code == 429
    assert login(client, neighbour.email, PASSWORD, REMOTE_ADDR=CENTRE).status_code == 302


@pytest.fixture
def tight_ip_limit(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/5m/ip,5/5m/key"}
    settings.TRUSTED_PROXIES = ["172.30.0.0/24"]


def test_a_spoofed_forwarded_for_does_not_escape_the_ip_limit(client, tight_ip_limit):
    victims = ResidentFactory.create_batch(4)
    for number, victim in enumerate(victims[:3]):
        response = login(
            client, victim.email, "wrong", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.9.9.{number}"
        )
        assert response.status_code == 200
    response = login(client, victims[3].email, "wrong", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.9.9.200")
    assert response.status_code == 429


def test_clients_behind_the_trusted_proxy_are_counted_apart(client, tight_ip_limit):
    residents = ResidentFactory.create_batch(4)
    for resident in residents[:3]:
        login(client, resident.email, "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert (
        login(client, residents[3].email, "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code
        == 429
    )
    response = login(client, residents[3].email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert response.status_code == 302
