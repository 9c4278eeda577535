"""The public help page of the voting site (CCTP 5.1.3.2: the support is mentioned on the
voting site and reachable by an elector who has not received the voting material)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from ..voting import session
from .contact import for_request


def _resend_url() -> str:
    """The public resend form (issue 14, app ``resend``), once it is installed."""
    for name in ("resend-public:form",):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


@require_GET
def faq(request: HttpRequest) -> HttpResponse:
    """Questions fréquentes: plain French, no sign-in, figures read from the settings in force."""
    return render(request, "support/faq.html", {
        "line": for_request(request),
        "max_failures": settings.SCRUTIN_VOTER_MAX_FAILURES,
        "lock_minutes": max(1, settings.SCRUTIN_VOTER_LOCK_SECONDS // 60),
        "idle_minutes": max(1, session.idle_seconds() // 60),
        "resend_url": _resend_url(),
    })  # fmt: skip
