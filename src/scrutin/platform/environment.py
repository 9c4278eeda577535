"""Production or test instance of the same code (CCTP 5.1.1.4–5.1.1.6; docs/fr/environnement-de-test.md).

``SCRUTIN_ENVIRONMENT`` is ``production`` (the default) or ``test``. A test instance:

* shows « ENVIRONNEMENT DE TEST » on every page (:func:`context` and the ``test_banner`` tag);
* sends e-mails and SMS only to a sink or to the allow-list ``SCRUTIN_TEST_RECIPIENTS``
  (:mod:`scrutin.platform.mailing.testguard`);
* marks every document it signs with ``"environment": "test"`` (:func:`mark`), which a production
  instance and the dispatch tools refuse, and which ``scrutin verify`` reports.

A production instance writes documents exactly as before (no ``environment`` member at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.http import HttpRequest

PRODUCTION = "production"
TEST = "test"
ENVIRONMENTS = (PRODUCTION, TEST)
#: the member a test instance adds to every document it signs (docs/protocol.md §15)
MEMBER = "environment"
BANNER = "ENVIRONNEMENT DE TEST"
REFUSED_MAIL = "Environnement de test : destinataire hors de la liste autorisée"
REFUSED_SMS = "Environnement de test : numéro hors de la liste autorisée"
TEST_MATERIAL = (
    "il provient d'un environnement de test (mention « environment » : « test ») et ne peut pas "
    "servir sur la plate-forme de production"
)


def is_test() -> bool:
    return getattr(settings, "SCRUTIN_ENVIRONMENT", PRODUCTION) == TEST


def mark(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with ``"environment": "test"`` on a test instance; unchanged (same object, same
    bytes once signed) on a production instance. Call it before signing."""
    if is_test():
        document[MEMBER] = TEST
    return document


def is_marked(document: object) -> bool:
    """True if a document carries the test mark (whatever its value: anything but absent is
    treated as test material, never as production)."""
    return isinstance(document, dict) and MEMBER in document


def refuse_marked(document: object, what: str) -> str | None:
    """The French refusal when a production instance is given a document marked test."""
    if is_marked(document) and not is_test():
        return f"{what} refusé : {TEST_MATERIAL}."
    return None


# --- the allow-list of recipients ------------------------------------------------------------

_PHONE_NOISE = re.compile(r"[\s.\-()]")


def normalise_phone(number: str) -> str:
    """``06 12 34 56 78`` / ``+33 6 12…`` / ``0033612…`` → ``+33612345678``."""
    digits = _PHONE_NOISE.sub("", number.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("0") and len(digits) == 10:
        digits = "+33" + digits[1:]
    return digits


@dataclass(frozen=True)
class AllowList:
    """Addresses (exact, case-insensitive), ``@domain`` suffixes and phone numbers."""

    addresses: frozenset[str]
    domains: tuple[str, ...]
    phones: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> AllowList:
        addresses, domains, phones = set(), [], set()
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            if item.startswith("@"):
                domains.append(item.lower())
            elif "@" in item:
                addresses.add(item.lower())
            else:
                phones.add(normalise_phone(item))
        return cls(frozenset(addresses), tuple(domains), frozenset(phones))

    def allows_address(self, address: str) -> bool:
        address = parseaddr(address)[1].strip().lower()  # "Nom <a@b>" → "a@b"
        return address in self.addresses or any(address.endswith(d) for d in self.domains)

    def allows_phone(self, number: str) -> bool:
        return normalise_phone(number) in self.phones


def allow_list() -> AllowList:
    return AllowList.parse(str(getattr(settings, "SCRUTIN_TEST_RECIPIENTS", "") or ""))


def context(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``test_environment`` (bool) in every template rendered with a request."""
    return {"test_environment": is_test()}
