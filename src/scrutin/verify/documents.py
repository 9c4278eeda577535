"""Strict, bounded reading of record documents for the independent verifier.

Imports only the shared layer (``scrutin.crypto.group``, ``scrutin.crypto.encoding``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrutin.crypto.encoding import EncodingError, decode_point, decode_scalar, hex_bytes
from scrutin.crypto.group import Group

MAX_DOCUMENT = 64 * 1024 * 1024  # decryptions.json of a large election stays far below
MAX_SMALL_DOCUMENT = 4 * 1024 * 1024
MAX_BALLOT_LINE = 4 * 1024 * 1024


class Malformed(ValueError):
    """A document that does not follow docs/protocol.md; the message names the place."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise Malformed(f"clé JSON dupliquée {key!r}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise Malformed(f"valeur JSON non standard {name}")


def parse_json(data: bytes, where: str) -> Any:
    try:
        return json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constants,
            parse_float=lambda s: _no_constants(f"nombre décimal {s}"),
        )
    except Malformed as exc:
        raise Malformed(f"{where} : {exc}") from exc
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Malformed(f"{where} : JSON invalide ({type(exc).__name__})") from exc


def load(path: Path, limit: int = MAX_SMALL_DOCUMENT) -> Any:
    try:
        size = path.stat().st_size
        if size > limit:
            raise Malformed(f"{path.name} : fichier trop volumineux ({size} octets > {limit})")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise Malformed(f"{path.name} : fichier absent") from exc
    except OSError as exc:
        raise Malformed(f"{path.name} : illisible ({exc.strerror})") from exc
    return parse_json(data, path.name)


def obj(
    value: object, keys: set[str], where: str, optional: set[str] | None = None
) -> dict[str, Any]:
    """``value`` as an object with exactly ``keys`` (plus any of ``optional``)."""
    if not isinstance(value, dict):
        raise Malformed(f"{where} : objet JSON attendu")
    if set(value) - (optional or set()) != keys:
        missing, extra = sorted(keys - set(value)), sorted(set(value) - keys - (optional or set()))
        detail = []
        if missing:
            detail.append(f"champ(s) manquant(s) {missing}")
        if extra:
            detail.append(f"champ(s) inconnu(s) {extra}")
        raise Malformed(f"{where} : {', '.join(detail)}")
    return value


ENVIRONMENT = "environment"


def environment(document: dict[str, Any], where: str) -> bool:
    """True if the document carries ``"environment": "test"`` (a test instance made it,
    docs/protocol.md §15); absent: False; any other value is malformed."""
    if ENVIRONMENT not in document:
        return False
    if document[ENVIRONMENT] != "test":
        raise Malformed(f"{where}.environment : « test » attendu (membre absent en production)")
    return True


def array(value: object, where: str, length: int | None = None) -> list[Any]:
    if not isinstance(value, list):
        raise Malformed(f"{where} : tableau JSON attendu")
    if length is not None and len(value) != length:
        raise Malformed(f"{where} : {length} éléments attendus, {len(value)} trouvés")
    return value


def string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise Malformed(f"{where} : chaîne attendue")
    return value


def integer(value: object, where: str, low: int = 0, high: int = 2**53) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Malformed(f"{where} : entier attendu")
    if not low <= value <= high:
        raise Malformed(f"{where} : entier hors de [{low}, {high}]")
    return value


def point(group: Group[Any], value: object, where: str, *, identity: bool = False) -> Any:
    try:
        return decode_point(group, value, where, allow_identity=identity)
    except EncodingError as exc:
        raise Malformed(f"{where} : élément de groupe invalide ({exc})") from exc


def scalar(group: Group[Any], value: object, where: str) -> int:
    try:
        return decode_scalar(group, value, where)
    except EncodingError as exc:
        raise Malformed(f"{where} : scalaire invalide ({exc})") from exc


def digest(value: object, where: str, length: int = 32) -> bytes:
    """Exactly ``length`` bytes as ``2·length`` lowercase hexadecimal characters (§3)."""
    try:
        return hex_bytes(value, length, where)
    except EncodingError as exc:
        raise Malformed(
            f"{where} : {2 * length} caractères hexadécimaux minuscules attendus"
        ) from exc
