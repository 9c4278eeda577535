"""The client's address, read in one place for every throttle, lockout and journal line.

Behind the TLS reverse proxy that docs/ops.md prescribes, ``REMOTE_ADDR`` is the proxy's own
address for every request: a throttle keyed on it would treat every voter as one. The proxy
writes the client's address into a header (``X-Forwarded-For`` by default); anyone can send that
header too, so it is believed only when the request comes from a configured proxy:

- ``SCRUTIN_TRUSTED_PROXIES``: addresses or networks (CIDR) of the reverse proxies, comma
  separated; ``unix`` trusts a peer without an address (gunicorn on a Unix socket). Empty (the
  default): no header is believed and the peer's address is the client's.
- ``SCRUTIN_TRUSTED_PROXY_HEADER``: the header, as ``X-Forwarded-For`` or as its ``request.META``
  key ``HTTP_X_FORWARDED_FOR`` (the default).

The header may list several addresses (``client, proxy1, proxy2``), each hop appending the one it
received from. It is read from the right: addresses of trusted proxies are skipped, and the first
other one is the client. Whatever a client writes itself is on the left of that and never read.
An entry that is not an address stops the reading at the last trusted hop.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_ATTRIBUTE = "_scrutin_client_address"
MAX_HOPS = 16  # entries of the header read at most (it is attacker-controlled on the left)
IPV6_PREFIX = 64  # one subscriber's IPv6 allocation is at least a /64: throttled as one source


@lru_cache(maxsize=8)
def _networks(raw: str) -> tuple[tuple[IPNetwork, ...], bool]:
    networks: list[IPNetwork] = []
    unix = False
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        if entry.lower() == "unix":
            unix = True
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"SCRUTIN_TRUSTED_PROXIES: {entry!r} is not an address or a network"
            ) from exc
    return tuple(networks), unix


def _header_key() -> str:
    name = str(getattr(settings, "SCRUTIN_TRUSTED_PROXY_HEADER", "") or "HTTP_X_FORWARDED_FOR")
    name = name.strip().upper().replace("-", "_")
    return name if name.startswith("HTTP_") else f"HTTP_{name}"


def parse_address(value: str) -> IPAddress | None:
    """An address as proxies write it (``2001:db8::1``, ``[2001:db8::1]:443``,
    ``192.0.2.1:443``), IPv4-mapped IPv6 folded to IPv4; None if it is not one."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress | None, networks: tuple[IPNetwork, ...], unix: bool) -> bool:
    if address is None:
        return unix
    return any(address in network for network in networks)


def _resolve(meta: dict[str, object]) -> str:
    raw_peer = str(meta.get("REMOTE_ADDR") or "")
    peer = parse_address(raw_peer)
    networks, unix = _networks(str(getattr(settings, "SCRUTIN_TRUSTED_PROXIES", "") or ""))
    fallback = str(peer) if peer is not None else (raw_peer[:64] or "-")
    if not _trusted(peer, networks, unix):
        return fallback
    hops = str(meta.get(_header_key()) or "").split(",")[-MAX_HOPS:]
    last = fallback
    for entry in reversed(hops):
        address = parse_address(entry)
        if address is None:
            return last
        last = str(address)
        if not _trusted(address, networks, unix):
            return last
    return last  # every hop is one of our proxies: the leftmost is the closest to the client


def client_address(request: HttpRequest | None) -> str:
    """The client's address (``-`` without a request), computed once per request."""
    if request is None:
        return "-"
    cached = getattr(request, _ATTRIBUTE, None)
    if cached is None:
        cached = _resolve(request.META)
        setattr(request, _ATTRIBUTE, cached)
    return str(cached)


def throttle_source(request: HttpRequest | None) -> str:
    """The key the throttles count a client under: its address, or its IPv6 /64 network (one
    subscriber holds a whole /64 and could otherwise change address at every attempt)."""
    address = client_address(request)
    parsed = parse_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return address
