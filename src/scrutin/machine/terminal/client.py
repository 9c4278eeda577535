"""The terminal's side of the local link: every answer must verify under the link key and carry
the request's nonce, or the terminal does nothing with it (RT 52, 70)."""

from __future__ import annotations

import urllib.error
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import Any

from scrutin.machine import settings
from scrutin.machine.core import link

TIMEOUT = 10


@lru_cache(maxsize=1)
def _key() -> bytes:
    return link.read_key(Path(settings.MACHINE_LINK_KEY))


def call(action: str, **body: Any) -> dict[str, Any]:
    """Send one request to the control module; the verified answer, or :class:`LinkError`."""
    message, nonce = link.request(settings.MACHINE_TERMINAL, action, **body)
    req = urllib.request.Request(  # noqa: S310 - the control module's loopback URL, from settings
        settings.MACHINE_CONTROL_URL.rstrip("/") + "/liaison/",
        data=link.seal(_key(), message),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310
            raw = resp.read(link.MAX_MESSAGE + 1)
    except urllib.error.HTTPError as exc:
        raise link.LinkError("Le module de contrôle a refusé la demande du terminal.") from exc
    except OSError as exc:
        raise link.LinkError("Le module de contrôle ne répond pas.") from exc
    return link.open_message(_key(), raw, sender="control", nonce=nonce)


_details: dict[str, dict[str, Any]] = {}


def scrutin(scrutin_id: str) -> dict[str, Any]:
    """A scrutin's ballot and election parameters, kept once fetched (they never change)."""
    if scrutin_id not in _details:
        answer = call("scrutin", scrutin=scrutin_id)
        if "details" not in answer:
            raise link.LinkError(answer.get("error", "Scrutin inconnu."))
        _details[scrutin_id] = answer["details"]
    return _details[scrutin_id]
