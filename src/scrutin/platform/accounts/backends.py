"""Password authentication with lockout; every password sign-in leaves the session waiting
for the second factor (see :mod:`.middleware`)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from ..clientaddress import throttle_source
from . import lockout
from .services import has_second_factor, needs_second_factor

PASSWORD_LOGIN = "_scrutin_password_login"  # noqa: S105 (an attribute name, not a secret)
SESSION_STATE = "accounts_2fa"  # "verify", "enrol", or "ok"


class LockoutBackend(ModelBackend):
    """``ModelBackend`` behind the lockout counters, with a constant minimum duration."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        started = time.monotonic()
        ip = throttle_source(request)
        try:
            if lockout.is_locked(username, ip):
                User().set_password(password)  # same work as a real check
                return None
            user = super().authenticate(request, username=username, password=password)
            if user is None:
                lockout.record_failure(username, ip)
                return None
            if not has_second_factor(user):  # else cleared once the second factor is given
                lockout.clear_account(username)
            setattr(user, PASSWORD_LOGIN, True)
            return user
        finally:
            lockout.pad(started)


@receiver(user_logged_in)
def _second_factor_state(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """After a password sign-in, the session is restricted until the second factor is given
    (account with a device) or enrolled (wide perimeter without one)."""
    if request is None or not getattr(user, PASSWORD_LOGIN, False):
        return
    if has_second_factor(user):
        request.session[SESSION_STATE] = "verify"
    elif needs_second_factor(user):
        request.session[SESSION_STATE] = "enrol"
    else:
        request.session[SESSION_STATE] = "ok"
