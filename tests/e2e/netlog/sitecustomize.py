"""Loaded by every Python process of the machine in the isolation test (RT 73) through
PYTHONPATH: an audit hook appends each socket address a process binds, connects or sends to,
and each name it resolves, to the file named by SCRUTIN_NET_LOG. Audit hooks survive fork, so
gunicorn's workers log too."""

from __future__ import annotations

import json
import os
import sys

_LOG = os.environ.get("SCRUTIN_NET_LOG")
_EVENTS = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo"}


def _hook(event: str, args: tuple[object, ...]) -> None:
    if event not in _EVENTS or _LOG is None:
        return
    if event == "socket.getaddrinfo":
        target: object = args[0]
    else:
        target = args[1] if len(args) > 1 else None
    if isinstance(target, bytes):
        target = target.decode("latin-1")
    if isinstance(target, tuple):
        target = list(target)
    line = json.dumps({"pid": os.getpid(), "event": event, "target": target}, default=str)
    fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


if _LOG:
    sys.addaudithook(_hook)
