"""Mobile phone numbers (CCTP annex 7.1.3, column 37): normalised to E.164, mobiles only.

The number is used only to send an SMS, so a fixed line is reported: it cannot receive one.
Numbers in local format are read in the region of the elector's CCI (overseas CCIs use their
own numbering plan), then in metropolitan France.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType

# CCI codes of the overseas departments whose numbering plan differs from metropolitan France.
_OVERSEAS_REGION = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT"}
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def region_for_cci(cci_code: str) -> str:
    return _OVERSEAS_REGION.get(cci_code, "FR")


@lru_cache(maxsize=4096)
def _parse(value: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


_SEPARATORS = str.maketrans("", "", " .-")


_INVALID = "Numéro de téléphone invalide : aucun SMS ne pourra être envoyé."
_NOT_MOBILE = "Ce numéro n'est pas un numéro de téléphone mobile : il ne peut pas recevoir de SMS."


@lru_cache(maxsize=100_000)
def _french_block(block: str) -> tuple[str | None, str | None]:
    """Classification of a metropolitan block (first 5 digits of the national number).

    ``0`` + the block + ``0000`` parses, in region FR, to this national number of +33: its type
    (one metadata pass) says whether it is valid (not ``UNKNOWN``) and a mobile, as ``parse``
    then ``is_valid_number`` then ``number_type`` would, at a third of their cost."""
    if block.startswith("0"):  # "00…" is FR's international prefix: let parse read it
        return _classify(_parse("0" + block + "0000", "FR"))
    kind = phonenumbers.number_type(
        phonenumbers.PhoneNumber(country_code=33, national_number=int(block + "0000"))
    )
    if kind == PhoneNumberType.UNKNOWN:
        return None, _INVALID
    if kind not in _MOBILE_TYPES:
        return None, _NOT_MOBILE
    return "+33" + block + "0000", None


def _classify(number: phonenumbers.PhoneNumber | None) -> tuple[str | None, str | None]:
    if number is None:
        return None, _INVALID
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None, _NOT_MOBILE
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def _french_national(value: str) -> str | None:
    """The 9 national digits of a metropolitan number written 0XXXXXXXXX, +33… or 0033…."""
    digits = value.translate(_SEPARATORS)
    for prefix in ("0033", "+33", "0"):
        if digits.startswith(prefix):
            national = digits[len(prefix) :]
            if len(national) == 9 and national.isascii() and national.isdigit():
                return national
            return None
    return None


def normalise_mobile(value: str, cci_code: str) -> tuple[str | None, str | None]:
    """Return ``(e164, None)`` for a valid mobile number, else ``(None, reason in French)``.

    Metropolitan numbers are classified by their block: the French numbering plan (ARCEP)
    allocates whole blocks by their first digits and every French pattern ends in free digits,
    so the block decides validity and type — checked against libphonenumber once per block.
    """
    region = region_for_cci(cci_code)
    if region == "FR" and (national := _french_national(value)) is not None:
        _e164, problem = _french_block(national[:5])
        return (None, problem) if problem else ("+33" + national, None)
    number = _parse(value, region)
    if number is None and region != "FR":
        number = _parse(value, "FR")
    return _classify(number)
