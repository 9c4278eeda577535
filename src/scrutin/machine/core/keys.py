"""The bureau's two keys (RT 7, 18): the president's and the assessor's (and its duplicate).

At preparation the machine runs the platform's threshold key generation
(:mod:`scrutin.crypto.dkg`) in memory for three holders — the president and one or two key-holding
assessors, threshold 1 — so that the president's share together with any one assessor's share
decrypts, and nothing less does. Each share is written once, sealed under its holder's secret
code (Argon2id + XSalsa20-Poly1305, :mod:`scrutin.crypto.keystore`), to that holder's key file
(on its own removable token), and forgotten. The machine keeps only ``trustees.json``, whose
verification keys let it check that a key presented later is the right one.

The two keys both *open* the vote (RT 7) and *read* the results (RT 18): opening proves the two
holders are present (each file opens under its code and matches its verification key); the
tally uses the two shares to decrypt, with proofs anyone can check (``scrutin verify``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrutin.crypto import dkg
from scrutin.crypto.keystore import (
    MIN_PASSPHRASE,
    KeystoreError,
    open_sealed,
    seal,
    write_keystore,
)
from scrutin.record.simulate import run_ceremony

KEY_PURPOSE = "scrutin-machine-key"
PRESIDENT = "president"
ASSESSORS = ("assesseur-1", "assesseur-2")
"""Trustee identifiers inside the record; the printed documents use the members' names."""

MAX_KEY_FILE = 100_000
# RFC 9106's second recommended setting (t=3, 64 MiB), as the browser keystores of the platform:
# about a second on the machine's hardware, opened twice a day.
KDF_OPSLIMIT = 3
KDF_MEMLIMIT = 64 * 1024 * 1024


class MachineKeyError(ValueError):
    """A key that cannot be used; the message is French, for the bureau."""


@dataclass(frozen=True)
class HeldKey:
    """An opened key: whose it is and its share (kept in memory only while in use)."""

    trustee: str
    role: str
    share: int


def generate(
    ceremony_id: str, group: str, codes: dict[str, str], out: dict[str, Path]
) -> dict[str, Any]:
    """Generate the bureau's key; write each holder's sealed share to ``out[holder]``; return
    ``trustees.json``. ``codes`` maps ``president``, ``assesseur-1`` (and ``assesseur-2`` for the
    duplicate) to each holder's secret code."""
    assessors = tuple(a for a in ASSESSORS if a in codes)
    if PRESIDENT not in codes or not assessors:
        raise MachineKeyError("Il faut le code du président et celui d'au moins un assesseur.")
    for holder, code in codes.items():
        if len(code) < MIN_PASSPHRASE:
            raise MachineKeyError(
                f"Le code secret de la clé « {label(holder)} » doit compter au moins "
                f"{MIN_PASSPHRASE} caractères."
            )
    ceremony = dkg.Ceremony(
        ceremony_id, group, dkg.TrusteeId(PRESIDENT), tuple(map(dkg.TrusteeId, assessors)), 1
    )
    trustees, shares = run_ceremony(ceremony)
    for holder in (PRESIDENT, *assessors):
        secret = {
            "trustee": holder,
            "ceremony": ceremony_id,
            "share": format(shares[holder], "064x"),
        }
        write_keystore(
            out[holder],
            seal(secret, codes[holder], KEY_PURPOSE, opslimit=KDF_OPSLIMIT, memlimit=KDF_MEMLIMIT),
        )
    shares.clear()
    return trustees


def label(trustee: str) -> str:
    return {
        "president": "président",
        "assesseur-1": "assesseur",
        "assesseur-2": "assesseur (double)",
    }.get(trustee, trustee)


def open_key(trustees: dict[str, Any], path: Path, code: str) -> HeldKey:
    """Open one key file under its code and check it against ``trustees.json``."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_KEY_FILE + 1)
        if len(raw) > MAX_KEY_FILE:
            raise ValueError("too large")
        secret = open_sealed(json.loads(raw), code)
    except (OSError, ValueError, KeystoreError) as exc:
        raise MachineKeyError("Clé illisible ou code secret erroné.") from exc
    keys = dkg.trustee_keys(trustees)
    trustee = secret.get("trustee")
    if secret.get("ceremony") != keys.ceremony.ceremony_id or trustee not in keys.keys:
        raise MachineKeyError("Cette clé appartient à un autre bureau ou à une autre élection.")
    group = keys.ceremony.group
    try:
        share = int(secret["share"], 16)
    except (KeyError, TypeError, ValueError) as exc:
        raise MachineKeyError("Clé endommagée.") from exc
    if not group.equal(group.base_mul(share), keys.keys[trustee]):
        raise MachineKeyError("Cette clé ne correspond pas à celle remise à la préparation.")
    return HeldKey(trustee, keys.ceremony.role(trustee), share)


def check_pair(president: HeldKey, assessor: HeldKey) -> None:
    """RT 7 / RT 18: one key of the president and one of an assessor, together."""
    if president.role != dkg.PRESIDENT:
        raise MachineKeyError("La première clé doit être celle du président.")
    if assessor.role != dkg.ASSESSOR:
        raise MachineKeyError("La seconde clé doit être celle d'un assesseur (ou son double).")
