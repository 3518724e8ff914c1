"""The client IP comes from X-Forwarded-For only when a configured trusted proxy sent it (issue 15 point 12)."""

import pytest
from django.test import RequestFactory

from livinglab.client_ip import client_ip

PROXY = "172.30.0.5"


def request(remote_addr: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.fixture
def trusted(settings):
    settings.TRUSTED_PROXIES = ["172.30.0.0/24", "10.0.0.1"]


def test_without_forwarding_the_peer_is_the_client(trusted):
    assert client_ip(request("203.0.113.7")) == "203.0.113.7"


def test_a_trusted_proxy_names_the_client(trusted):
    assert client_ip(request(PROXY, "198.51.100.20")) == "198.51.100.20"


def test_an_untrusted_peer_cannot_pick_its_address(trusted):
    assert client_ip(request("203.0.113.7", "198.51.100.20")) == "203.0.113.7"


def test_no_proxy_configured_ignores_the_header(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request(PROXY, "198.51.100.20")) == PROXY


def test_spoofed_left_entries_are_ignored(trusted):
    # The client wrote "1.2.3.4" itself; our proxy appended the address it saw.
    assert client_ip(request(PROXY, "1.2.3.4, 198.51.100.20")) == "198.51.100.20"


def test_a_chain_of_trusted_proxies_is_walked(trusted):
    assert client_ip(request(PROXY, "198.51.100.20, 10.0.0.1")) == "198.51.100.20"


@pytest.mark.parametrize("forwarded", ["not-an-ip", "198.51.100.20, <script>", ""])
def test_malformed_hops_stop_at_the_last_trusted_address(trusted, forwarded):
    assert client_ip(request(PROXY, forwarded)) == PROXY


def test_ipv6_proxies_and_clients(settings):
    settings.TRUSTED_PROXIES = ["fd00::/8"]
    assert client_ip(request("fd00::1", "2001:db8::7")) == "2001:db8::7"


def test_allauth_counts_the_address_we_derive(trusted):
    from allauth.account.adapter import get_adapter

    assert get_adapter().get_client_ip(request(PROXY, "198.51.100.20")) == "198.51.100.20"
    assert get_adapter().get_client_ip(request("203.0.113.7", "198.51.100.20")) == "203.0.113.7"


def test_no_code_but_client_ip_reads_the_connection_address():
    """Every limit counts the trusted-proxy client IP; the open-data API's limit used to read REMOTE_ADDR itself,
    so behind the proxy every API client shared the proxy's one address (and one limit)."""
    from tests.test_architecture import source_files

    readers = [
        module
        for module, path in source_files()
        if module != "livinglab.client_ip"
        and any(name in path.read_text(encoding="utf-8") for name in ("REMOTE_ADDR", "X_FORWARDED_FOR"))
    ]
    assert readers == []
