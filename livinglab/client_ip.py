"""The client's IP address, read from ``X-Forwarded-For`` only when a configured trusted proxy sent it.

Rate limits (allauth's login limits, our posting limits) count per address. Trusting a raw
``X-Forwarded-For`` lets anyone pick a fresh address per request and escape every limit, or pin a neighbour's
address and lock them out. So the header counts only when the connection itself comes from an address in
``TRUSTED_PROXIES`` (addresses or networks, e.g. the reverse proxy's container network); then the
right-most entry that is not itself a trusted proxy is the client, as in nginx's ``real_ip_recursive``.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The address rate limits count: the peer, or what a trusted proxy says the peer was."""
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not _is_trusted(peer, networks):
        return str(peer)
    client = peer
    for entry in reversed(forwarded.split(",")):
        hop = _parse(entry)
        if hop is None:
            # A malformed hop was written by someone we do not trust: stop at the last address we can vouch for.
            break
        client = hop
        if not _is_trusted(hop, networks):
            break
    return str(client)
