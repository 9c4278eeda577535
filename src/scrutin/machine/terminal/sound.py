"""The terminal's spoken prompts (RT 61–64), fetched from the control module over the local link.

The prompts were synthesised at preparation and checked at the control module's start; the
terminal asks for their index once, then for each prompt the first time it is played, piece by
piece (each piece an authenticated answer), checks the whole file against the SHA-256 of the
index, and keeps it in a bounded memory cache. Nothing is synthesised here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from collections import OrderedDict
from typing import Any

from scrutin.machine.core import audio
from scrutin.machine.core.link import LinkError
from scrutin.machine.terminal import client

CACHE_BYTES = 64 * 1024 * 1024

_lock = threading.Lock()
_index: dict[str, dict[str, Any]] | None = None
_cache: OrderedDict[str, bytes] = OrderedDict()


def index() -> dict[str, dict[str, Any]]:
    """Every prompt's SHA-256 and size; empty for a preparation without audio."""
    global _index
    if _index is None:
        answer = client.call("audio")
        found = answer.get("audio")
        if not isinstance(found, dict) or len(found) > audio.MAX_PROMPTS:
            raise LinkError("Index des messages sonores illisible.")
        _index = found
    return _index


def wav(key: str) -> bytes:
    """The WAV file of prompt ``key``, checked against the index; :class:`LinkError` if the
    control module does not give exactly that file."""
    entry = index().get(key)
    if entry is None:
        raise LinkError("Message sonore inconnu.")
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    size = int(entry["bytes"])
    if not 0 < size <= audio.MAX_PROMPT_BYTES:
        raise LinkError("Message sonore trop long.")
    pieces: list[bytes] = []
    received = 0
    while received < size:
        answer = client.call("audio", key=key, offset=received)
        try:
            piece = base64.b64decode(str(answer["chunk"]), validate=True)
        except (KeyError, binascii.Error) as exc:
            raise LinkError(answer.get("error", "Message sonore indisponible.")) from exc
        if not piece:
            raise LinkError("Message sonore incomplet.")
        pieces.append(piece)
        received += len(piece)
    data = b"".join(pieces)
    if len(data) != size or hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise LinkError("Message sonore altéré : il ne correspond pas à la préparation.")
    with _lock:
        _cache[key] = data
        while sum(len(v) for v in _cache.values()) > CACHE_BYTES:
            _cache.popitem(last=False)
    return data
