"""Shared helpers of the browser-module tests."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from scrutin.crypto.encoding import encode_point
from scrutin.crypto.group import get_group

ROOT = Path(__file__).resolve().parents[3]
BUNDLE = ROOT / "src/scrutin/platform/voting/static/voting/scrutin-ballot.js"


def election(group_name: str) -> tuple[dict[str, Any], int]:
    """A fresh two-question election of reference size (CCIR 12/6, CCIT 30/15)."""
    group = get_group(group_name)
    secret = group.random_scalar()
    doc = {
        "format": "scrutin-election/v1",
        "election_id": f"browser-test-{secrets.token_hex(4)}",
        "title": "Élection CCI – essai du module navigateur",
        "group": group_name,
        "public_key": encode_point(group, group.base_mul(secret)),
        "trustees": secrets.token_hex(32),
        "platform_key": secrets.token_hex(32),
        "questions": [
            {
                "id": qid,
                "title": qid.upper(),
                "candidates": [
                    {"id": f"{qid}-{i}", "name": f"Candidat·e {i}"} for i in range(1, k + 1)
                ],
                "max": seats,
            }
            for qid, k, seats in (("ccir", 12, 6), ("ccit", 30, 15))
        ],
    }
    return doc, secret
