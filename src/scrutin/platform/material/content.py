"""What a CCI's letter says, gathered from the platform (CCTP 5.2.2; docs/material-platform.md).

The same facts feed the BAT proof and the kit (contract C1), and their fingerprint is what a BAT
approval is bound to: a kit is issued only if the content approved is still the content now.

Sources, in the order they are tried:
* voting dates — the sealed elections of the CCI's urns (``voting.UrnElection``: earliest
  opening, latest closing), else the national window of the settings
  (``SCRUTIN_VOTE_OPENS_AT`` / ``_CLOSES_AT``, ``sealing.services.national_window``);
* support phone, e-mail and message — the structure file's values of the CCI's urns (annex
  7.1.2, per urn): the first non-empty value of each, urns in code order;
* voting address — ``SCRUTIN_SITE_URL`` and the voting site's first page.
"""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Min
from django.urls import reverse

from scrutin.crypto.encoding import canonical_json

from ..electoral.models import Cci, Urn
from ..sealing.services import SealingError, national_window
from ..support.contact import readable_message
from ..voting.models import UrnElection
from .models import DispatchSettings

PARIS = ZoneInfo("Europe/Paris")
LOGO_MAX_BYTES = 2_000_000  # the electoral app caps uploads at 500 kB; a converted JPEG grows


class MaterialError(Exception):
    """A letter or a kit cannot be produced; the message (French) says why and what to do."""


def voting_window(cci_code: str) -> tuple[datetime, datetime] | None:
    """(opening, closing) of the CCI's vote, or ``None`` while no date is fixed."""
    bounds = UrnElection.objects.filter(urn__cci_id=cci_code).aggregate(
        opens=Min("opens_at"), closes=Max("closes_at")
    )
    if bounds["opens"] is not None and bounds["closes"] is not None:
        return bounds["opens"], bounds["closes"]
    try:
        return national_window()
    except SealingError as exc:
        raise MaterialError(str(exc)) from exc


def support_of(cci_code: str) -> dict[str, str]:
    """Support phone, e-mail and message of the CCI (first non-empty value over its urns)."""
    found = {"phone": "", "email": "", "message": ""}
    fields = {"phone": "cci_phone", "email": "cci_email", "message": "assistance_message"}
    for urn in Urn.objects.filter(cci_id=cci_code).select_related("cci").order_by("code"):
        for key, field in fields.items():
            if not found[key]:
                found[key] = str(getattr(urn, field)).strip()
                if key == "message":
                    found[key] = readable_message(found[key], urn.cci.label)
    return found


def voting_url() -> str:
    base = str(getattr(settings, "SCRUTIN_SITE_URL", "http://localhost:8000")).rstrip("/")
    return base + reverse("voting:login")


def logo_png(cci: Cci) -> str | None:
    """The CCI's logo as base64 PNG (a JPEG is converted), or ``None`` without a logo."""
    if not cci.logo:
        return None
    try:
        with cci.logo.open("rb") as fh:
            data = fh.read(LOGO_MAX_BYTES + 1)
    except OSError as exc:
        raise MaterialError(
            f"Le logo de la CCI {cci.code} est illisible : déposez-le à nouveau."
        ) from exc
    if len(data) > LOGO_MAX_BYTES:
        raise MaterialError(f"Le logo de la CCI {cci.code} est trop volumineux.")
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                out = io.BytesIO()
                image.convert("RGB").save(out, format="PNG")
                data = out.getvalue()
        except (UnidentifiedImageError, OSError) as exc:
            raise MaterialError(
                f"Le logo de la CCI {cci.code} n'est pas une image lisible : déposez-le à nouveau."
            ) from exc
    return base64.b64encode(data).decode("ascii")


def iso_paris(moment: datetime) -> str:
    return moment.astimezone(PARIS).isoformat(timespec="seconds")


def dispatch_document(row: DispatchSettings) -> dict[str, Any]:
    reroute = row.mode == DispatchSettings.Mode.REROUTE
    return {"mode": row.mode, "batch_size": row.batch_size,
            "reroute_address": row.reroute_lines if reroute else None}  # fmt: skip


def settings_of(cci_code: str) -> DispatchSettings:
    """The CCI's dispatch settings (defaults, not saved, when its COE has not chosen yet)."""
    row = DispatchSettings.objects.filter(cci_code=cci_code).first()
    return row if row is not None else DispatchSettings(cci_code=cci_code)


def letter_content(cci_code: str) -> dict[str, Any]:
    """Everything the letters of the CCI show that does not depend on the elector.

    Raises :class:`MaterialError` when something required is missing (dates, CCI address).
    """
    cci = Cci.objects.filter(code=cci_code).first()
    if cci is None:
        raise MaterialError(f"La CCI {cci_code} n'existe pas dans la structure électorale.")
    row = settings_of(cci_code)
    if not row.return_lines:
        raise MaterialError(
            "L'adresse de la CCI (en-tête du courrier) n'est pas encore saisie dans les choix "
            "d'expédition."
        )
    window = voting_window(cci_code)
    if window is None:
        raise MaterialError(
            "Les dates d'ouverture et de clôture du vote ne sont pas encore fixées : le courrier "
            "ne peut pas être composé."
        )
    return {
        "cci": {"code": cci.code, "label": cci.label, "address": row.return_lines,
                "logo_png": logo_png(cci)},
        "voting_url": voting_url(),
        "opening": iso_paris(window[0]),
        "closing": iso_paris(window[1]),
        "support": support_of(cci_code),
        "dispatch": dispatch_document(row),
        "electronic_chosen": row.electronic,
    }  # fmt: skip


def content_fingerprint(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of :func:`letter_content` (what a BAT approval binds)."""
    return hashlib.sha256(canonical_json(content)).hexdigest()
