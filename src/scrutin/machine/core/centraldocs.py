"""The documents of centralisation (RT 22, 23, 28): results files and acknowledgements, signed
with Ed25519 over their canonical JSON without ``signature`` (docs/machine-centralisation.md).

- ``scrutin-bureau-results/v1``: one scrutin of one bureau, signed by the bureau's machine key;
- ``scrutin-commune-results/v1``: one scrutin of a commune (the sum and each bureau's line),
  signed by the commune's centralising key, for the prefecture;
- ``scrutin-central-ack/v1``: the signed acknowledgement (« accusé de réception », RT 23) a
  centralising level returns for a results file it accepted.

Framework-free; every reading is bounded (strict JSON, :data:`MAX_FILE`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nacl.signing

from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.signing import InvalidSignature, public_key_hex, sign_document, verify_document
from scrutin.machine.core.package import Scrutin
from scrutin.record import strictjson

BUREAU_RESULTS = "scrutin-bureau-results/v1"
COMMUNE_RESULTS = "scrutin-commune-results/v1"
ACK = "scrutin-central-ack/v1"
MAX_FILE = 8 * 1024 * 1024
"""A commune file of 100 bureaux × 100 lists of 400 names stays well under this."""


class CentralError(ValueError):
    """A centralisation document refused; the message is French and says why."""


def body(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "signature"}


def doc_fingerprint(doc: Mapping[str, Any]) -> str:
    """The fingerprint of a signed document: SHA-256 of its canonical JSON without signature."""
    return fingerprint(body(doc))


def sign(key: nacl.signing.SigningKey, doc: dict[str, Any]) -> dict[str, Any]:
    doc = body(doc) | {"signing_key": public_key_hex(key)}
    doc["signature"] = sign_document(key, doc)
    return doc


def signature_holds(doc: Mapping[str, Any], key_hex: str) -> bool:
    """Whether ``doc`` carries ``key_hex`` and an Ed25519 signature of it by that key."""
    try:
        if doc.get("signing_key") != key_hex:
            return False
        verify_document(bytes.fromhex(key_hex), body(doc), bytes.fromhex(doc["signature"]))
    except (InvalidSignature, KeyError, TypeError, ValueError):
        return False
    return True


def load(path: Path, what: str) -> dict[str, Any]:
    """A centralisation document from a file, read by the strict bounded reader."""
    try:
        doc = strictjson.load_file(path, max_bytes=MAX_FILE)
    except OSError as exc:
        raise CentralError(f"{what} illisible ({path.name}) : {exc.strerror or exc}.") from exc
    except strictjson.JsonRefused as exc:
        raise CentralError(
            f"{what} refusé ({path.name}) : ce n'est pas un fichier valide ({exc})."
        ) from exc
    if not isinstance(doc, dict):
        raise CentralError(f"{what} refusé ({path.name}) : ce n'est pas un fichier valide.")
    return doc


def scrutin_description(s: Scrutin) -> dict[str, Any]:
    """A scrutin as centralisation names it: enough to compare two bureaux' and to count."""
    out: dict[str, Any] = {
        "id": s.id,
        "title": s.title,
        "preset": s.preset,
        "constituency": s.constituency,
        "round": s.round,
        "seats": s.seats,
    }
    if len(s.ballots) > 1 or s.ballots[0].id != s.id:
        out["questions"] = [{"id": b.id, "text": b.text} for b in s.ballots]
    else:
        (b,) = s.ballots
        out["max"] = b.max
        out["choices"] = [
            {"id": c.id, "name": c.name, "members": list(c.members)} for c in b.choices
        ]
    return out


def figures_of_results(results: Mapping[str, Any]) -> dict[str, Any]:
    """A machine results document (``results/<id>.json``) as centralisation figures."""
    n, null = int(results["voters"]), int(results["null"])
    answers = [
        {"blank": a["blank"], "cast": n - null - a["blank"], "votes": list(a["counts"])}
        for a in results["answers"]
    ]
    return {"registered": results["registered"], "voters": n, "null": null, "answers": answers}


def make_ack(
    key: nacl.signing.SigningKey,
    *,
    level: str,
    receiver: Mapping[str, str],
    received: Mapping[str, Any],
    number: int,
    received_at: str,
    journal: str,
    replaces: str | None,
) -> dict[str, Any]:
    """RT 23: the acknowledgement of an accepted results file."""
    return sign(
        key,
        {
            "format": ACK,
            "level": level,
            "receiver": dict(receiver),
            "election": received["election"],
            "sender": received["sender"],
            "scrutin": received["scrutin"]["id"],
            "transmission": doc_fingerprint(received),
            "figures": received["figures"],
            "number": number,
            "received_at": received_at,
            "journal": journal,
            "replaces": replaces,
        },
    )


def check_ack(ack: object, sent: Mapping[str, Any], pinned_key: str | None) -> dict[str, Any]:
    """An acknowledgement checked against the results file it answers (``sent``) and, when the
    sender already knows it, the receiver's key; raises :class:`CentralError` in French."""
    if not isinstance(ack, dict) or ack.get("format") != ACK:
        raise CentralError("Ce fichier n'est pas un accusé de réception de centralisation.")
    key = ack.get("signing_key")
    if not isinstance(key, str) or not signature_holds(ack, key):
        raise CentralError(
            "Accusé de réception refusé : sa signature ne correspond pas à son contenu "
            "(document modifié)."
        )
    if pinned_key is not None and key != pinned_key:
        raise CentralError(
            "Accusé de réception refusé : il n'est pas signé par le bureau centralisateur "
            "qui a accusé les envois précédents."
        )
    if ack.get("transmission") != doc_fingerprint(sent):
        raise CentralError(
            "Accusé de réception refusé : il ne porte pas sur le fichier de résultats envoyé "
            f"pour le scrutin « {sent['scrutin']['title']} » (autre envoi ou autre bureau)."
        )
    return ack
