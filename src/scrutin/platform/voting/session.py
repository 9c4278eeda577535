"""The voter's session (CCTP 4.1.4.2; issue 19 items 17–18).

* The cookie is a browser-session cookie (no ``Max-Age``/``Expires``): closing the browser ends
  it, so the next person at a shared computer does not find the ballot.
* The idle limit is checked here, on the server: ``SCRUTIN_VOTER_SESSION_SECONDS`` (default
  20 minutes) after the last page of the voting site; « Prolonger » counts as one. The time of
  the last page is rewritten only once it is 1 % of that limit old (12 s by default), so the
  pages a voter opens in quick succession cost no session write; the session can end up to that
  much earlier, never later.
* The absolute limit, ``SCRUTIN_VOTER_SESSION_MAX_SECONDS`` after the sign-in (default one
  hour), is never moved by any request.

An expired voter session loses only its voter part (a member signed in to the management site
in the same browser stays signed in there).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest

SESSION_KEY = "voter"
VOTER_ATTRIBUTE = "scrutin_voter"  # the signed-in elector, once read for the request


def idle_seconds() -> int:
    """How long a voter's session lasts after the last action (setting, default 20 minutes)."""
    return int(getattr(settings, "SCRUTIN_VOTER_SESSION_SECONDS", 20 * 60))


def max_seconds() -> int:
    """How long a voter's session lasts after the sign-in, whatever the activity."""
    return int(getattr(settings, "SCRUTIN_VOTER_SESSION_MAX_SECONDS", 3600))


def signed_in(number: str, step: str = "ready") -> dict[str, Any]:
    """The voter part of a session just signed in: without ``since`` a session is expired."""
    now = int(time.time())
    return {"number": number, "step": step, "since": now, "seen": now}


def start(request: HttpRequest, number: str, step: str) -> None:
    """A new voter session (new key: no fixation) after the identifier and code are checked.
    A browser that brought no session gets a fresh key when the session is first saved."""
    if request.session.session_key is not None:
        request.session.cycle_key()
    request.session[SESSION_KEY] = signed_in(number, step)
    request.session.set_expiry(0)  # browser-session cookie; the limits are checked below


def current(request: HttpRequest, step: str = "ready") -> dict[str, Any] | None:
    """The voter's session data at ``step``, renewed; ``None`` (and the voter part dropped) once
    idle for longer than the idle limit or older than the absolute limit."""
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    now = time.time()
    since = float(data.get("since", 0))
    seen = float(data.get("seen", since))
    if now - since > max_seconds() or now - seen > idle_seconds():
        del request.session[SESSION_KEY]
        return None
    if data.get("step") != step:
        return None
    if now - seen >= idle_seconds() / 100:  # renewed to within 1 % (one write less per page)
        request.session[SESSION_KEY] = {**data, "seen": int(now)}
    return dict(data)


def remaining(request: HttpRequest) -> int:
    """Seconds before the session ends if the voter does nothing (0 if there is none)."""
    data = request.session.get(SESSION_KEY)
    if not data:
        return 0
    now = time.time()
    left = min(
        float(data["seen"]) + idle_seconds() - now, float(data["since"]) + max_seconds() - now
    )
    return max(0, int(left))
