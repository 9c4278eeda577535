"""Checking a restitution archive (CCTP 4.2.3) without Django nor the database: the platform's
signature over ``restitution.json`` and the SHA-256 of every member, nothing missing, nothing
added. The CCI that receives the archive runs it with ``scrutin data check-return``."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path
from typing import IO, Any

from scrutin.crypto.signing import InvalidSignature, verify_document

FORMAT = "scrutin-restitution/v1"
MANIFEST = "restitution.json"


class RestitutionError(Exception):
    """The archive is not a valid restitution archive (message in French)."""


def _stream_digest(fh: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while block := fh.read(1 << 20):
        digest.update(block)
    return digest.hexdigest()


def check(path: Path, *, expected_key: str | None = None) -> dict[str, Any]:
    """Re-check a restitution archive: signature of ``restitution.json`` and SHA-256 of every
    member, with nothing missing and nothing added. Returns the signed document; raises
    :class:`RestitutionError` (French message) otherwise."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            document = _check_members(tar, expected_key)
    except (OSError, EOFError, tarfile.TarError, ValueError) as exc:
        raise RestitutionError(f"{path.name} n'est pas une archive tar.gz lisible.") from exc
    return document


def _check_members(tar: tarfile.TarFile, expected_key: str | None) -> dict[str, Any]:
    members = [m for m in tar.getmembers() if m.isfile()]
    folder = members[0].name.split("/", 1)[0] if members else ""
    by_name = {m.name.removeprefix(folder + "/"): m for m in members}
    raw = by_name.get(MANIFEST)
    if raw is None or (fh := tar.extractfile(raw)) is None:
        raise RestitutionError(f"{MANIFEST} manque dans l'archive.")
    document = json.loads(fh.read())
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RestitutionError("Ce n'est pas une archive de restitution de Scrutin.")
    signature = document.pop("signature", "")
    key = document.get("platform_key", "")
    if expected_key is not None and key != expected_key:
        raise RestitutionError("L'archive n'est pas signée par la clé de plate-forme attendue.")
    try:
        verify_document(bytes.fromhex(key), document, bytes.fromhex(signature))
    except (InvalidSignature, ValueError) as exc:
        raise RestitutionError(f"La signature de {MANIFEST} n'est pas valide.") from exc
    expected: dict[str, str] = document["files"]
    present = set(by_name) - {MANIFEST}
    if present != set(expected):
        extra, missing = sorted(present - set(expected)), sorted(set(expected) - present)
        raise RestitutionError(
            "Le contenu de l'archive ne correspond pas à sa liste signée "
            f"(en trop : {', '.join(extra) or 'aucun'} ; manquants : "
            f"{', '.join(missing) or 'aucun'})."
        )
    for name, digest in sorted(expected.items()):
        member = tar.extractfile(by_name[name])
        if member is None or _stream_digest(member) != digest:
            raise RestitutionError(f"Le fichier {name} a été modifié (empreinte différente).")
    document["signature"] = signature
    return document
