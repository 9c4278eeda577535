"""The support line shown to voters (CCTP 5.1.3.2, 5.1.3.2.3).

Before sign-in every voting-site page shows the national line (a single non-surcharged number
and an e-mail: ``SCRUTIN_SUPPORT_PHONE``, ``SCRUTIN_SUPPORT_EMAIL``, ``SCRUTIN_SUPPORT_MESSAGE``).
Once an elector is signed in, the page shows the phone, e-mail and message of the elector's urn
from the structure file (annex 7.1.2), each falling back to the national one when blank.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest

from ..electoral.models import Elector, Urn
from ..voting import session

_NOT_DIAL = re.compile(r"[^0-9+]")
_CACHE_ATTRIBUTE = "_scrutin_support_line"


@dataclass(frozen=True)
class SupportLine:
    phone: str
    email: str
    message: str
    cci_label: str = ""  # set when the line is the elector's CCI's

    @property
    def phone_href(self) -> str:
        dial = _NOT_DIAL.sub("", self.phone)
        return f"tel:{dial}" if len(dial) >= 3 else ""

    @property
    def email_href(self) -> str:
        try:
            validate_email(self.email)
        except ValidationError:
            return ""
        return f"mailto:{self.email}"


def readable_message(message: str, who: str) -> str:
    """Annex 7.1.2 column R (MESSAGE ASSISTANCE) is a fragment written to follow the CCI's name:
    the annex's own example is ", au 01 02 03 04 05, ouvert du lundi au vendredi, 9h00 à
    18h00". Shown alone it would start with a comma; such a fragment gets ``who`` in front."""
    text = message.strip()
    if text.startswith((",", ";")):
        return f"{who}{text}"
    return text


def national() -> SupportLine:
    return SupportLine(
        phone=settings.SCRUTIN_SUPPORT_PHONE,
        email=settings.SCRUTIN_SUPPORT_EMAIL,
        message=settings.SCRUTIN_SUPPORT_MESSAGE,
    )


def for_urn(urn: Urn) -> SupportLine:
    """The urn's line from the structure file, the national values where it has none."""
    default = national()
    return SupportLine(
        phone=urn.cci_phone.strip() or default.phone,
        email=urn.cci_email.strip() or default.email,
        message=readable_message(urn.assistance_message, urn.cci.label) or default.message,
        cci_label=urn.cci.label,
    )


def signed_in_number(request: HttpRequest) -> str | None:
    """The signed-in elector's number, read without renewing the session (a footer must not
    keep a session alive); ``None`` when there is none or it has expired."""
    store = getattr(request, "session", None)
    data = store.get(session.SESSION_KEY) if store is not None else None
    if not isinstance(data, dict) or "number" not in data:
        return None
    now = time.time()
    since = float(data.get("since", 0))
    seen = float(data.get("seen", since))
    if now - since > session.max_seconds() or now - seen > session.idle_seconds():
        return None
    return str(data["number"])


def for_request(request: HttpRequest) -> SupportLine:
    """The line to show on this voting-site page (computed once per request)."""
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if isinstance(cached, SupportLine):
        return cached
    line = national()
    number = signed_in_number(request)
    if number is not None:
        known = getattr(request, session.VOTER_ATTRIBUTE, None)  # the page's own elector
        if known is not None and known.number == number:
            line = for_urn(known.urn)
        elif elector := Elector.objects.select_related("urn__cci").filter(number=number).first():
            line = for_urn(elector.urn)
    setattr(request, _CACHE_ATTRIBUTE, line)
    return line
