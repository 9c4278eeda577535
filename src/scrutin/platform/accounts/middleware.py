"""Session hardening (CCTP 4.1.4.7, design README §3.8).

- :class:`SecondFactorMiddleware`: after a password sign-in, a session waiting for the second
  factor (or, for a NATIONAL / multi-CCI account without one, for its enrolment) reaches only
  the pages that provide it.
- :class:`IdleTimeoutMiddleware`: signs out after ``SCRUTIN_IDLE_TIMEOUT`` seconds without a
  request (default 900), or ``SCRUTIN_SESSION_MAX_SECONDS`` after the sign-in whatever the
  activity (default 10 h, an absolute limit no request extends), and injects the warning script
  into management pages.
- :class:`ContentSecurityPolicyMiddleware`: ``Content-Security-Policy`` on every response.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.html import escape

from .backends import SESSION_STATE

Handler = Callable[[HttpRequest], HttpResponse]

# Pages a session still waiting for its second factor may reach.
_VERIFY_PAGES = {"accounts:verify", "accounts:verify-key-options", "accounts:logout",
                 "electoral:logout", "accounts:session-ping"}  # fmt: skip
_ENROL_PAGES = {"accounts:second-factor", "accounts:totp", "accounts:key",
                "accounts:key-options", "accounts:logout", "electoral:logout",
                "accounts:session-ping"}  # fmt: skip
SEEN_AT = "accounts_seen_at"
SIGNED_IN_AT = "accounts_signed_in_at"
_SEEN_RESOLUTION = 30  # seconds; the timeout is that precise, and polling pages write less

DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def idle_timeout() -> int:
    return int(getattr(settings, "SCRUTIN_IDLE_TIMEOUT", 900))


def max_lifetime() -> int:
    """Seconds a management session lasts after its sign-in, whatever the activity."""
    return int(getattr(settings, "SCRUTIN_SESSION_MAX_SECONDS", 10 * 3600))


@receiver(user_logged_in, dispatch_uid="accounts.signed_in_at")
def _stamp_sign_in(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None:
        request.session[SIGNED_IN_AT] = time.time()


def _url_name(request: HttpRequest) -> str:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    return str(match.view_name)


class SecondFactorMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = request.session.get(SESSION_STATE) if request.user.is_authenticated else None
        if state in ("verify", "enrol"):
            allowed = _VERIFY_PAGES if state == "verify" else _ENROL_PAGES
            if request.path_info.startswith(settings.STATIC_URL):
                return self.get_response(request)
            if _url_name(request) not in allowed:
                target = "accounts:verify" if state == "verify" else "accounts:second-factor"
                if request.headers.get("Accept", "").startswith("application/json"):
                    return JsonResponse({"error": "second factor required"}, status=403)
                return HttpResponseRedirect(reverse(target))
        return self.get_response(request)


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            seen = request.session.get(SEEN_AT)
            # a session signed in before this limit existed starts counting now
            signed_in = float(request.session.setdefault(SIGNED_IN_AT, now))
            if (seen is not None and now - float(seen) > idle_timeout()) or (
                now - signed_in > max_lifetime()
            ):
                logout(request)
                return HttpResponseRedirect(f"{reverse('accounts:login')}?expiree=1")
            if seen is None or now - float(seen) >= _SEEN_RESOLUTION:
                request.session[SEEN_AT] = now  # a session write at most every 30 s
        response = self.get_response(request)
        if request.user.is_authenticated:
            _inject_idle_script(request, response)
        return response


def _inject_idle_script(request: HttpRequest, response: HttpResponse) -> None:
    if (
        response.status_code != 200
        or getattr(response, "streaming", False)
        or not response.get("Content-Type", "").startswith("text/html")
        or not request.path_info.startswith("/gestion/")
    ):
        return
    tag = (
        f'<script src="{escape(static("accounts/idle.js"))}" defer '
        f'data-idle="{idle_timeout()}" data-warn="{int(getattr(settings, "SCRUTIN_IDLE_WARNING", 120))}" '
        f'data-ping="{escape(reverse("accounts:session-ping"))}" '
        f'data-login="{escape(reverse("accounts:login"))}?expiree=1"></script>'
    ).encode()
    content = response.content
    at = content.rfind(b"</body>")
    if at != -1:
        response.content = content[:at] + tag + content[at:]
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))


class ContentSecurityPolicyMiddleware:
    """No inline script or style anywhere: every script is a static file of the site."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = getattr(
                settings, "SCRUTIN_CONTENT_SECURITY_POLICY", DEFAULT_CSP
            )
        return response
