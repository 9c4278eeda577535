"""The one :class:`Machine` of the control process, and the lock that serialises its writers.

The control module is the only writer of the ballot store and the journal (design machine.md);
gunicorn runs it as one worker, and every action takes :data:`LOCK`, so a restart can tell
whether an interrupted vote was stored (RT 68).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from scrutin.machine import settings
from scrutin.machine.core.link import read_key
from scrutin.machine.core.machine import Machine

LOCK = threading.RLock()
_machine: Machine | None = None
last_contact: dict[int, float] = {}
"""Monotonic time of each terminal's last authenticated request (self-test, RT 4)."""
seen_nonces: set[str] = set()
MAX_NONCES = 200_000


def machine() -> Machine:
    global _machine
    with LOCK:
        if _machine is None:
            _machine = Machine(Path(settings.MACHINE_INTERNAL), Path(settings.MACHINE_REMOVABLE))
        return _machine


def link_key() -> bytes:
    return read_key(Path(settings.MACHINE_LINK_KEY))


def touch(terminal: int) -> None:
    last_contact[terminal] = time.monotonic()
