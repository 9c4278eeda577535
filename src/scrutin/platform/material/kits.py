"""Issuing the signed letter kit of a CCI for the dispatch operator (contract C1, CCTP 5.2.2).

The kit is issued only when the COE's BAT and CCI France's BAT général are both approved and the
letter's content is still the one they approved. It is signed with the platform key; the
operator's ``scrutin material letters`` checks the signature and both approvals before printing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from django.utils import timezone

from scrutin.crypto.signing import sign_document
from scrutin.material.kit import KitError, LetterKit

from ..audit.journal import record_event
from ..credentials.services import active_recipient
from ..keys import platform_public_key_hex, platform_signing_key
from .channels import electronic_numbers
from .content import MaterialError, content_fingerprint, letter_content
from .services import bat_of

KIT_FORMAT = "scrutin-letter-kit/v1"


def _iso_utc(moment: Any) -> str:
    return str(moment.astimezone(UTC).isoformat(timespec="seconds")).replace("+00:00", "Z")


def _validate(kit: dict[str, Any]) -> None:
    """Check the document with the letters' own strict parser (``scrutin.material.kit``)."""
    try:
        LetterKit.from_document(kit)
    except KitError as exc:
        raise MaterialError(f"Le kit ne peut pas être produit : {exc}") from exc


def kit_document(cci_code: str) -> dict[str, Any]:
    """The KIT of contract C1 for ``cci_code``; :class:`MaterialError` (French) when refused."""
    bat = bat_of(cci_code)
    if not bat.coe_approved:
        raise MaterialError(f"CCI {cci_code} : la COE n'a pas encore validé son BAT.")
    if bat.national_at is None or bat.coe_at is None:
        raise MaterialError(f"CCI {cci_code} : CCI France n'a pas encore validé le BAT général.")
    content = letter_content(cci_code)
    if content_fingerprint(content) != bat.content_sha256:
        raise MaterialError(
            f"CCI {cci_code} : le courrier a changé depuis la validation du BAT (logo, dates, "
            "assistance ou adresse). Le BAT doit être rouvert puis validé à nouveau."
        )
    recipient = active_recipient()
    if recipient is None:
        raise MaterialError("Aucune clé de l'opérateur d'expédition n'est enregistrée.")
    electronic = sorted(electronic_numbers(cci_code))
    kit = {
        "format": KIT_FORMAT,
        "issued_at": _iso_utc(timezone.now()),
        **{k: content[k] for k in ("cci", "voting_url", "opening", "closing", "support",
                                   "dispatch")},
        "electronic": electronic,
        "bat": {"coe": {"by": bat.coe_by, "at": _iso_utc(bat.coe_at)},
                "national": {"by": bat.national_by, "at": _iso_utc(bat.national_at)}},
        "recipient_fingerprint": recipient.fingerprint,
    }  # fmt: skip
    _validate(kit)
    return kit


def issue_kit(cci_code: str, *, user: Any) -> tuple[str, bytes]:
    """(file name, bytes) of ``kit-<CCI>.json``, signed and journaled with its SHA-256."""
    kit = kit_document(cci_code)
    signed = {"kit": kit, "signature": sign_document(platform_signing_key(), kit),
              "public_key": platform_public_key_hex()}  # fmt: skip
    body = json.dumps(signed, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    digest = hashlib.sha256(body).hexdigest()
    record_event("material:kit:issue", actor=user, cci_code=cci_code, data={
        "sha256": digest, "electronic": len(kit["electronic"]),
        "recipient_fingerprint": kit["recipient_fingerprint"], "mode": kit["dispatch"]["mode"],
    })  # fmt: skip
    return f"kit-{cci_code}.json", body
