"""Matching a resend request to an elector line, and routing it to a CCI (docs/resend.md,
"Matching").

1. A 13-digit elector number that exists: that line (``number``). The COE still compares the
   identity with the document before deciding.
2. Otherwise the family or usage name, the postal code (postal or legal address) and the birth
   date (when the line has one), with the first name when given: exactly one line matches
   (``identity``). Several or none: no match, the COE picks the line.
3. Routing: the matched line's CCI; else the CCI whose code starts the typed number (the first
   three digits of an elector number are its CCI's code); else the national queue, where a
   national manager routes the request.

Names are compared without accents, case, spaces, hyphens or apostrophes. The postal-code
lookup reads at most ``MAX_CANDIDATES`` lines.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from ..electoral.models import Cci, Elector

MAX_CANDIDATES = 500
MAX_SUGGESTIONS = 20


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(
        ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch)
    ).upper()


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


@dataclass(frozen=True)
class Match:
    number: str  # blank: no line
    cci_code: str  # blank: national queue
    method: str  # "number", "identity" or ""


def _names_match(elector: Elector, family: str, first: str) -> bool:
    names = {normalise(elector.family_name), normalise(elector.usage_name)} - {""}
    if normalise(family) not in names:
        return False
    return not first or normalise(first) == normalise(elector.first_name)


def find(
    *, typed_number: str, family_name: str, first_name: str, postal_code: str,
    birth_date: date | None,
) -> Match:  # fmt: skip
    number = digits(typed_number)
    if len(number) == 13:
        elector = Elector.objects.filter(number=number).only("number", "cci_code").first()
        if elector is not None:
            return Match(elector.number, elector.cci_code, "number")
    postal = postal_code.replace(" ", "")
    if family_name and postal:
        lines = Elector.objects.filter(Q(postal_code=postal) | Q(legal_postal_code=postal)).only(
            "number", "cci_code", "family_name", "usage_name", "first_name", "birth_date"
        )[:MAX_CANDIDATES]
        found = [
            e for e in lines
            if _names_match(e, family_name, first_name)
            and (e.birth_date is None or e.birth_date == birth_date)
        ]  # fmt: skip
        if len(found) == 1:
            return Match(found[0].number, found[0].cci_code, "identity")
    if len(number) >= 3 and Cci.objects.filter(code=number[:3]).exists():
        return Match("", number[:3], "")
    return Match("", "", "")


def suggestions(cci_code: str | None, family_name: str, postal_code: str) -> list[Elector]:
    """Lines a manager may pick for a request: same name or same postal code, inside the CCI
    (``None``: every CCI, for the national queue)."""
    name = family_name.strip().upper()
    postal = postal_code.replace(" ", "")
    terms = Q(pk__in=[])
    if name:
        terms |= Q(family_name__iexact=name) | Q(usage_name__iexact=name)
    if postal:
        terms |= Q(postal_code=postal)
    query = Elector.objects.filter(terms)
    if cci_code is not None:
        query = query.filter(cci_code=cci_code)
    return list(query.select_related("urn").order_by("number")[:MAX_SUGGESTIONS])
