"""Journal services: what a reader may see, the verification status shown to the COE, and the
immediate notification of a provider-operator access (CCTP 4.2.2.1)."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from scrutin.crypto.signing import public_key_hex
from scrutin.verify.journal import JournalReport, verify_journal

from ..accounts.perimeters import cci_codes_of, perimeter_of
from ..clientaddress import client_address
from ..keys import platform_signing_key
from .journal import checkpoint_line, entry_line, record_event
from .models import Banner, Checkpoint, JournalEntry, VerificationRun

PERMISSION = "audit.view_journal"
PARIS = ZoneInfo("Europe/Paris")
log = logging.getLogger(__name__)


def visible_entries(user: Any) -> QuerySet[JournalEntry]:
    """Entries of the reader's perimeter: NATIONAL sees every entry; a CCI perimeter sees the
    entries about its CCIs only (platform-wide entries have no CCI and stay national)."""
    codes = cci_codes_of(user)
    entries = JournalEntry.objects.all()
    return entries if codes is None else entries.filter(cci_code__in=sorted(codes))


def journal_readers() -> list[User]:
    """Active users holding ``audit.view_journal`` (through a group or directly)."""
    perm = Permission.objects.get(content_type__app_label="audit", codename="view_journal")
    users = User.objects.filter(is_active=True).filter(
        Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True)
    )
    return list(users.distinct().select_related("perimeter"))


@dataclass(frozen=True)
class Status:
    """What the journal page shows: the last checkpoint, the check of the entries since then,
    and the last full verification."""

    entries: int
    last_checkpoint: Checkpoint | None
    tail: JournalReport
    last_full: VerificationRun | None

    @property
    def intact(self) -> bool:
        return self.tail.valid and (self.last_full is None or self.last_full.valid)


def status() -> Status:
    """Quick status: signature of the last checkpoint and every entry after it (at most
    ``SCRUTIN_JOURNAL_CHECKPOINT_EVERY`` entries plus those appended since)."""
    checkpoint = Checkpoint.objects.order_by("-sequence").first()
    head = JournalEntry.objects.order_by("-sequence").first()
    start = checkpoint.sequence if checkpoint else 1
    lines = [
        entry_line(e) for e in JournalEntry.objects.filter(sequence__gte=start).order_by("sequence")
    ]
    after = (start - 1, lines[0]["previous_hash"]) if lines else (0, "0" * 64)
    tail = verify_journal(lines, [checkpoint_line(checkpoint)] if checkpoint else [],
                          public_key_hex(platform_signing_key()), after=after)  # fmt: skip
    return Status(head.sequence if head else 0, checkpoint, tail,
                  VerificationRun.objects.order_by("-checked_at").first())  # fmt: skip


@dataclass(frozen=True)
class OperatorAccess:
    entries: list[JournalEntry]
    banner: Banner
    recipients: list[str]
    mailed: bool


def _paris(moment: Any) -> str:
    return f"{moment.astimezone(PARIS):%d/%m/%Y à %H:%M:%S}"


def notify_operator_access(user: Any, request: HttpRequest | None) -> OperatorAccess:
    """Journal the access of a provider operator, show a banner to the COEs concerned and
    e-mail them at once (CCTP 4.2.2.1). An operator without a perimeter concerns every CCI."""
    from ..electoral.models import Cci

    perimeter = perimeter_of(user)
    national = perimeter is None or perimeter.national
    codes = (
        sorted(Cci.objects.values_list("code", flat=True))
        if national
        else sorted(perimeter.cci_codes if perimeter is not None else [])
    )
    scope = "NATIONAL" if national else ",".join(codes)
    data = {"ip": client_address(request), "path": request.path if request is not None else "",
            "scope": scope}  # fmt: skip
    entries = [record_event("operator:platform:access", actor=user, cci_code=code, data=data)
               for code in codes] or [record_event("operator:platform:access", actor=user, data=data)]  # fmt: skip
    when = _paris(entries[0].recorded_at)
    name = user.get_full_name() or user.get_username()
    message = (f"Un opérateur du prestataire ({name}) a accédé à la plate-forme le {when} "
               f"(périmètre : {scope}). Journal : entrée n° {entries[0].sequence}.")  # fmt: skip
    hours = int(getattr(settings, "SCRUTIN_OPERATOR_BANNER_HOURS", 24))
    banner = Banner.objects.create(message=message, national=national, cci_codes=codes,
                                   journal_sequence=entries[0].sequence,
                                   expires_at=timezone.now() + timedelta(hours=hours))  # fmt: skip
    recipients = sorted({
        reader.email for reader in journal_readers()
        if reader.pk != user.pk and reader.email and _concerned(reader, national, set(codes))
    })  # fmt: skip
    mailed = _mail(recipients, name, when, scope, entries[0].sequence)
    if not mailed:
        record_event("operator:notification:failure", actor=user, data={
            "recipients": len(recipients), "journal_sequence": entries[0].sequence})  # fmt: skip
    return OperatorAccess(entries, banner, recipients, mailed)


def _concerned(reader: User, national: bool, codes: set[str]) -> bool:
    reader_codes = cci_codes_of(reader)  # no perimeter: an empty set, never concerned
    if reader_codes is None:
        return True
    return bool(reader_codes) and (national or bool(reader_codes & codes))


def _mail(recipients: list[str], name: str, when: str, scope: str, sequence: int) -> bool:
    if not recipients:
        return True
    body = (
        "Bonjour,\n\n"
        f"Un opérateur du prestataire, {name}, a accédé à la plate-forme de vote électronique "
        f"le {when} (heure de Paris).\nPérimètre de cet accès : {scope}.\n\n"
        f"Cet accès est inscrit au journal (entrée n° {sequence}), que vous pouvez consulter "
        "dans le site de gestion, rubrique « Journal ».\n\n"
        "Ce message est envoyé automatiquement à chaque accès du prestataire (CCTP 4.2.2.1).\n"
    )
    subject = "[Scrutin] Accès d'un opérateur du prestataire à la plate-forme"
    messages = [EmailMessage(subject, body, None, [address]) for address in recipients]
    try:
        get_connection(fail_silently=False).send_messages(messages)
    except (smtplib.SMTPException, OSError):
        log.exception("operator access notification could not be e-mailed")
        return False
    return True


def banners_for(user: Any) -> list[Banner]:
    """Banners to show to a journal reader of this perimeter."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(PERMISSION):
        return []
    codes = cci_codes_of(user)
    active = Banner.objects.filter(expires_at__gt=timezone.now()).order_by("-created_at")[:50]
    return [b for b in active if b.concerns(codes)]
