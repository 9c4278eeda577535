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
