"""The client's address, one function for every use: throttles, log-in rate limits and the
security log.

``X-Forwarded-For`` is a header any client can send, so it is read only when the request comes
from a configured proxy (``TRUSTED_PROXIES``: addresses or networks, default none). Then the
header is walked from the right, skipping the trusted proxies; the first other hop is the
client. A client that writes its own header therefore only adds hops to the left of the ones
the proxies append, which are never read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:443"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d: the same address.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


@lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in configured)


def trusted_proxies() -> tuple[Network, ...]:
    configured: Iterable[str] = getattr(settings, "TRUSTED_PROXIES", ()) or ()
    return _networks(tuple(configured))


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in network for network in trusted_proxies())


def client_address(request: HttpRequest | None) -> str:
    """The address of the client that sent ``request`` ("" outside a request)."""
    if request is None:
        return ""
    remote = _ip(str(request.META.get("REMOTE_ADDR", "")))
    if remote is None:
        return ""
    if not _trusted(remote):
        return str(remote)
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _ip(hop)
        if address is None:
            # A hop no proxy of ours would write: the proxies appended everything to its
            # right, so the last good address before it is the best the portal knows.
            break
        if not _trusted(address):
            return str(address)
        remote = address
    return str(remote)
