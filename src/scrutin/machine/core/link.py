"""The local link between the control module and its voter terminals, authenticated (RT 52, 70).

Every message is a JSON object sent with an HMAC-SHA-256 tag under the link key — 32 random
bytes written at preparation (``link.key``) and installed on the control module and each
terminal, never sent on the link. A terminal's request carries a fresh random nonce; the control
module's answer carries the same nonce under its tag, so an answer cannot be forged, replayed or
taken from another request. A terminal acts only on an answer that verifies (it refuses any
command that does not come from its control module), and the control module only on a request
that verifies.

Wire form (HTTP POST body on the loopback link or bytes on a serial line)::

    {"message": {...}, "tag": "<64 hex>"}      tag = HMAC-SHA-256(key, JCS(message))
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from scrutin.crypto.encoding import canonical_json
from scrutin.record import strictjson

MAX_MESSAGE = 1 << 20
ROLES = ("terminal", "control")


class LinkError(ValueError):
    """A message that does not come from the other end of the link; the text is French."""


def new_key(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))


def read_key(path: Path) -> bytes:
    try:
        key = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as exc:
        raise LinkError(f"Clé de liaison illisible ({path}).") from exc
    if len(key) != 32:
        raise LinkError(f"Clé de liaison invalide ({path}).")
    return key


def _tag(key: bytes, message: dict[str, Any]) -> str:
    return hmac.new(key, canonical_json(message), hashlib.sha256).hexdigest()


def seal(key: bytes, message: dict[str, Any]) -> bytes:
    return json.dumps({"message": message, "tag": _tag(key, message)}).encode()


def open_message(
    key: bytes, body: bytes, *, sender: str, nonce: str | None = None
) -> dict[str, Any]:
    """The message of ``body`` if its tag verifies, it comes from ``sender`` and (for an answer)
    it carries ``nonce``; else :class:`LinkError`."""
    try:
        wrapper = strictjson.loads(body, max_bytes=MAX_MESSAGE)
        message, tag = wrapper["message"], wrapper["tag"]
    except (strictjson.JsonRefused, KeyError, TypeError) as exc:
        raise LinkError("Message illisible sur la liaison.") from exc
    if not isinstance(message, dict) or not isinstance(tag, str):
        raise LinkError("Message illisible sur la liaison.")
    if not hmac.compare_digest(_tag(key, message), tag):
        raise LinkError(
            "Message refusé : il ne vient pas du module de contrôle de ce bureau"
            if sender == "control"
            else "Message refusé : il ne vient pas d'un terminal de ce bureau"
        )
    if message.get("from") != sender:
        raise LinkError("Message refusé : expéditeur inattendu.")
    if nonce is not None and message.get("nonce") != nonce:
        raise LinkError("Réponse refusée : elle ne répond pas à cette demande (rejeu ?).")
    return message


def request(terminal: int, action: str, **body: Any) -> tuple[dict[str, Any], str]:
    nonce = secrets.token_hex(16)
    return {
        "from": "terminal",
        "terminal": terminal,
        "action": action,
        "nonce": nonce,
        **body,
    }, nonce


def answer(request_message: dict[str, Any], **body: Any) -> dict[str, Any]:
    return {"from": "control", "nonce": request_message["nonce"], **body}
