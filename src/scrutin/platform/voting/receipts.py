"""The voter's receipt (issue 6, step 6): émargement time, tracker, platform signature.

Signed, returned to the voter and never stored: the database keeps the émargement time but not
the tracker, so the receipt is the only place where the two meet."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from scrutin.crypto.signing import public_key_hex, sign_document
from scrutin.frenchdates import long_date

from ..electoral.models import Urn
from ..environment import MEMBER, TEST, is_test, mark
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
    """The signed document; ``"environment": "test"`` on a test instance only (§15)."""
    return mark({
        "format": RECEIPT_FORMAT,
        "election": election,
        "urn": urn_code,
        "tracker": tracker,
        "voted_at": timezone.localtime(voted_at).isoformat(timespec="seconds"),
    })  # fmt: skip


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
    fields = {"format", "election", "urn", "tracker", "voted_at"}
    if is_test():  # a test instance's receipts carry the mark; a production one never accepts it
        fields.add(MEMBER)
        if document.get(MEMBER) != TEST:
            return None
    if set(document) != fields:
        return None
    try:
        verify_document(platform_signing_key().verify_key.encode(), document, signature)
    except InvalidSignature:
        return None
    return {k: str(v) for k, v in document.items()}


def _urn(urn_code: str) -> Urn | None:
    return Urn.objects.select_related("cci", "category").filter(code=urn_code).first()


def election_name(urn_code: str, urn: Urn | None = None) -> str:
    """What the voter voted in, in words: « Élections des membres de la CCI de l'Ain 2026 —
    Services (moins de 10 salariés) » (never the urn's internal code alone)."""
    urn = urn or _urn(urn_code)
    if urn is None:
        return urn_code
    sub = f" ({urn.subcategory_label})" if urn.subcategory_label else ""
    return f"{urn.site_title} — {urn.category.label}{sub}"


def tracker_groups(tracker: str) -> str:
    """The tracker in groups of eight characters, easier to read aloud, compare and copy (and
    it wraps on a phone)."""
    return " ".join(tracker[i : i + 8] for i in range(0, len(tracker), 8))


def receipt_context(receipt: Receipt) -> dict[str, object]:
    """What the receipt page shows: the election by its name, the date in words, the tracker;
    the signed document and the signature for the technical proof (one click away)."""
    document_json = json.dumps(receipt.document, ensure_ascii=False)
    urn = _urn(receipt.urn_code)
    return {
        "receipt": receipt,
        "election_name": election_name(receipt.urn_code, urn),
        "site_title": getattr(urn, "site_title", ""),
        "voted_at": long_date(receipt.voted_at),
        "tracker": tracker_groups(receipt.tracker),
        "document_json": document_json,
    }


def receipt_text(document: dict[str, str], signature: str) -> str:
    voted_at = long_date(datetime.fromisoformat(document["voted_at"]))
    return (
        "Bonjour,\n\nVotre vote a bien été enregistré.\n\n"
        f"Élection : {election_name(document['urn'])}\n"
        f"Date et heure du vote : {voted_at} (heure de Paris)\n"
        f"Numéro de suivi de votre bulletin : {tracker_groups(document['tracker'])}\n\n"
        "Ce message prouve que vous avez voté ; il ne dit pas pour qui. Après la clôture, le "
        "numéro de suivi permet de retrouver votre bulletin chiffré dans l'urne publiée.\n\n"
        "Preuve technique (pour une vérification par un expert) : le document signé ci-dessous "
        "et la signature Ed25519 de la plate-forme.\n"
        f"Document : {json.dumps(document, ensure_ascii=False)}\n"
        f"Signature de la plate-forme : {signature}\n"
    )
