"""The client's address behind the reverse proxy (review 12.1): the proxy's header is believed
only from a configured proxy, read from the right, and every throttle uses the same helper."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from scrutin.platform.clientaddress import client_address, parse_address, throttle_source

PROXY = "10.0.0.5"


def request(peer: str, forwarded: str | None = None, header: str = "HTTP_X_FORWARDED_FOR") -> Any:
    extra = {header: forwarded} if forwarded is not None else {}
    return RequestFactory().get("/vote/", REMOTE_ADDR=peer, **extra)


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.SCRUTIN_TRUSTED_PROXIES = "10.0.0.0/24, 2001:db8:ffff::1"
    settings.SCRUTIN_TRUSTED_PROXY_HEADER = "X-Forwarded-For"


def test_review_12_1_proxy_header_gives_the_client_address(behind_proxy: None) -> None:
    assert client_address(request(PROXY, "203.0.113.7")) == "203.0.113.7"
    assert client_address(request(PROXY, "[2001:db8::7]:51000")) == "2001:db8::7"
    assert client_address(request(PROXY, "198.51.100.1:443")) == "198.51.100.1"
    assert client_address(request(PROXY, "::ffff:198.51.100.2")) == "198.51.100.2"


def test_review_12_1_header_from_an_unknown_peer_is_ignored(behind_proxy: None) -> None:
    """Anyone may send X-Forwarded-For; only our proxies are believed."""
    assert client_address(request("198.51.100.9", "203.0.113.7")) == "198.51.100.9"


def test_review_12_1_header_ignored_when_no_proxy_is_configured(settings: Any) -> None:
    settings.SCRUTIN_TRUSTED_PROXIES = ""
    assert client_address(request(PROXY, "203.0.113.7")) == PROXY


def test_review_12_1_what_the_client_writes_on_the_left_is_never_read(behind_proxy: None) -> None:
    # the client sent "X-Forwarded-For: 192.0.2.1"; our proxy appended the address it saw
    assert client_address(request(PROXY, "192.0.2.1, 203.0.113.7")) == "203.0.113.7"
    # two of our proxies in a row are skipped
    assert client_address(request(PROXY, "192.0.2.1, 203.0.113.7, 10.0.0.6")) == "203.0.113.7"
    # garbage in the header stops the reading at the last trusted hop
    assert client_address(request(PROXY, "203.0.113.7, pas-une-adresse")) == PROXY
    assert client_address(request(PROXY, "")) == PROXY
    assert client_address(request(PROXY)) == PROXY


def test_review_12_1_other_header_and_unix_socket(settings: Any) -> None:
    settings.SCRUTIN_TRUSTED_PROXIES = "unix"
    settings.SCRUTIN_TRUSTED_PROXY_HEADER = "HTTP_X_REAL_IP"
    assert client_address(request("", "203.0.113.8", header="HTTP_X_REAL_IP")) == "203.0.113.8"
    assert client_address(request("198.51.100.9", "203.0.113.8", header="HTTP_X_REAL_IP")) == (
        "198.51.100.9"
    )


def test_review_12_1_ipv6_clients_are_throttled_by_their_64(behind_proxy: None) -> None:
    one = throttle_source(request(PROXY, "2001:db8:1:2::1"))
    other = throttle_source(request(PROXY, "2001:db8:1:2:ffff::9"))
    assert one == other == "2001:db8:1:2::/64"
    assert throttle_source(request(PROXY, "203.0.113.7")) == "203.0.113.7"


def test_review_12_1_misconfigured_proxy_list_is_refused(settings: Any) -> None:
    settings.SCRUTIN_TRUSTED_PROXIES = "10.0.0.0/24, proxy.example"
    with pytest.raises(ImproperlyConfigured, match=r"proxy\.example"):
        client_address(request(PROXY, "203.0.113.7"))


def test_parse_address_refuses_what_is_not_an_address() -> None:
    assert parse_address("not-an-address") is None
    assert parse_address("999.1.1.1") is None
    assert str(parse_address(" 192.0.2.1 ")) == "192.0.2.1"


def test_review_12_1_no_other_module_reads_the_peer_address() -> None:
    """One place reads REMOTE_ADDR and the forwarding header: this helper."""
    from pathlib import Path

    import scrutin

    root = Path(scrutin.__file__).parent
    readers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if any(
            word in path.read_text(encoding="utf-8")
            for word in ("REMOTE_ADDR", "X_FORWARDED_FOR", "X-Forwarded-For")
        )
    )
    assert readers == ["platform/clientaddress.py", "platform/settings.py"]
