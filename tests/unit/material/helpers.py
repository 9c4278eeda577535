"""Shared builders for the letters' tests: a signed kit and elector lines (framework-free)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import nacl.signing

from scrutin.material.kit import kit_document, sign_kit
from scrutin.material.letter import LetterData

PARIS = ZoneInfo("Europe/Paris")
OPENING = datetime(2026, 11, 19, 9, 0, tzinfo=PARIS)
CLOSING = datetime(2026, 12, 2, 18, 0, tzinfo=PARIS)
PLATFORM_KEY = nacl.signing.SigningKey(bytes(range(32)))


def kit_doc(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "cci_code": "750", "cci_label": "CCI Paris Île-de-France",
        "cci_address": ["27 avenue de Friedland", "75008 Paris"], "voting_url": "https://vote.example.fr/",
        "opening": OPENING, "closing": CLOSING,
        "support": {"phone": "01 23 45 67 89", "email": "assistance@cci-paris.fr",
                 "message": "Du lundi au vendredi, de 9 h à 18 h."},
        "mode": "reroute", "batch_size": 50,
        "reroute_address": ["COE CCI PARIS", "27 AVENUE DE FRIEDLAND", "75008 PARIS"],
        "recipient_fingerprint": "a" * 64, "issued_at": datetime(2026, 10, 1, 12, tzinfo=UTC),
        "coe": ("Jeanne Martin", datetime(2026, 9, 30, 10, tzinfo=UTC)),
        "national": ("Paul Durand", datetime(2026, 9, 30, 15, tzinfo=UTC)),
    }  # fmt: skip
    values.update(changes)
    return kit_document(**values)


def write_kit(path: Path, doc: dict[str, Any], key: nacl.signing.SigningKey = PLATFORM_KEY) -> Path:
    path.write_text(json.dumps(sign_kit(doc, key), ensure_ascii=False), encoding="utf-8")
    return path


def elector(n: int = 1, **changes: Any) -> LetterData:
    values: dict[str, Any] = {
        "identifier": f"750{n:010d}", "code": "ABCDE-FGHJK-MNPQR", "birth_date_asked": True,
        "civility": "MME", "family_name": "DUPONT", "usage_name": "DURAND", "first_name": "Élodie",
        "company_name": "Boulangerie Élodie", "recipient": "BOULANGERIE ELODIE",
        "complement1": "", "complement2": "", "street": "12 RUE DE L'EGLISE", "place": "",
        "postal_code": "75011", "city": "Paris", "country": "", "category": "1", "subcategory": "",
    }  # fmt: skip
    values.update(changes)
    return LetterData(**values)
