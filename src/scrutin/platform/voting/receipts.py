"""The voter's receipt (issue 6, step 6): émargement time, tracker, platform signature.

Signed, returned to the voter and never stored: the database keeps the émargement time but not
the tracker, so the receipt is the only place where the two meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from scrutin.crypto.signing import public_key_hex, sign_document

from ..keys import platform_signing_key

RECEIPT_FORMAT = "scrutin-receipt/v1"


@dataclass(frozen=True)
class Receipt:
    election: str
    urn_code: str
    tracker: str
    voted_at: datetime
    signature: str
    public_key: str

    @property
    def document(self) -> dict[str, str]:
        return receipt_document(self.election, self.urn_code, self.tracker, self.voted_at)


def receipt_document(
    election: str, urn_code: str, tracker: str, voted_at: datetime
) -> dict[str, str]:
    return {
        "format": RECEIPT_FORMAT,
        "election": election,
        "urn": urn_code,
        "tracker": tracker,
        "voted_at": timezone.localtime(voted_at).isoformat(timespec="seconds"),
    }


def make_receipt(election: str, urn_code: str, tracker: str, voted_at: datetime) -> Receipt:
    key = platform_signing_key()
    signature = sign_document(key, receipt_document(election, urn_code, tracker, voted_at))
    return Receipt(election, urn_code, tracker, voted_at, signature, public_key_hex(key))


def check_receipt(document_json: str, signature_hex: str) -> dict[str, str] | None:
    """The receipt document if it carries the platform's valid signature, else None."""
    from scrutin.crypto.signing import InvalidSignature, verify_document
    from scrutin.record.strictjson import loads

    try:
        document = loads(document_json, max_bytes=4096, max_depth=2)
        signature = bytes.fromhex(signature_hex)
    except (ValueError, TypeError):  # JsonRefused is a ValueError
        return None
    if not isinstance(document, dict) or document.get("format") != RECEIPT_FORMAT:
        return None
    if set(document) != {"format", "election", "urn", "tracker", "voted_at"}:
        return None
    try:
        verify_document(platform_signing_key().verify_key.encode(), document, signature)
    except InvalidSignature:
        return None
    return {k: str(v) for k, v in document.items()}


def receipt_text(document: dict[str, str], signature: str) -> str:
    return (
        "Bonjour,\n\nVotre vote a bien été enregistré.\n\n"
        f"Scrutin : {document['urn']}\n"
        f"Date et heure du vote (heure de Paris) : {document['voted_at']}\n"
        f"Code de suivi de votre bulletin : {document['tracker']}\n"
        f"Signature de la plate-forme : {signature}\n\n"
        "Ce message prouve que vous avez voté ; il ne dit pas pour qui. Après la clôture, le code "
        "de suivi permet de retrouver votre bulletin chiffré dans l'urne publiée.\n"
    )
