"""The BAT proof of a CCI: its letter rendered for one elector of its own list, with a code
that can never be valid, and marked "SPÉCIMEN" (CCTP 5.2.2; contract C2).

The code printed contains ``0`` and ``I``, two characters the secret-code alphabet excludes
(credentials.codes), so the proof can never be used to vote even if it leaves the COE.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone

from scrutin.material.kit import KitError, LetterKit
from scrutin.material.letter import LetterData, render

from ..electoral.models import Elector
from .content import MaterialError, content_fingerprint, letter_content
from .kits import KIT_FORMAT, _iso_utc

SPECIMEN_CODE = "SPECI-MEN00-00000"


def sample_elector(cci_code: str) -> Elector:
    """The first elector (by number) of the CCI, preferring one with a postal address."""
    electors = Elector.objects.filter(cci_code=cci_code).select_related("urn__category")
    electors = electors.order_by("number")
    elector = electors.exclude(postal_city="").first() or electors.first()
    if elector is None:
        raise MaterialError("Cette CCI n'a pas encore d'électeurs : l'épreuve ne peut pas être "
                            "composée.")  # fmt: skip
    return elector


def proof_kit(content: dict[str, Any]) -> dict[str, Any]:
    """A kit document for the proof: the real content, no electronic list, the BAT pending."""
    now = _iso_utc(timezone.now())
    return {
        "format": KIT_FORMAT,
        "issued_at": now,
        **{k: content[k] for k in ("cci", "voting_url", "opening", "closing", "support",
                                   "dispatch")},
        "electronic": [],
        "bat": {"coe": None, "national": None},  # a proof is what the approvals are given on
        "recipient_fingerprint": "0" * 64,
    }  # fmt: skip


def letter_data(elector: Elector) -> LetterData:
    urn = elector.urn
    return LetterData(
        identifier=elector.number, code=SPECIMEN_CODE,
        birth_date_asked=elector.birth_date is not None, civility=elector.civility,
        family_name=elector.family_name, usage_name=elector.usage_name,
        first_name=elector.first_name, company_name=elector.company_name,
        recipient=elector.postal_recipient, complement1=elector.postal_complement1,
        complement2=elector.postal_complement2, street=elector.postal_street,
        place=elector.postal_place, postal_code=elector.postal_code, city=elector.postal_city,
        country=elector.postal_country, category=elector.category_code,
        subcategory=elector.subcategory_code, category_label=urn.category.label,
        subcategory_label=urn.subcategory_label,
    )  # fmt: skip


def render_proof(cci_code: str) -> tuple[bytes, str]:
    """(PDF bytes, content fingerprint) of the CCI's proof."""
    content = letter_content(cci_code)
    elector = sample_elector(cci_code)
    try:
        kit = LetterKit.from_document(proof_kit(content))
    except KitError as exc:
        raise MaterialError(f"L'épreuve ne peut pas être composée : {exc}") from exc
    out = io.BytesIO()
    render(kit, [letter_data(elector)], out, specimen=True)
    return out.getvalue(), content_fingerprint(content)
