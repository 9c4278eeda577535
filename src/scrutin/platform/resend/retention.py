"""Keeping requests and identity documents until the end of the appeal period, then deleting
them (issue 14; docs/resend.md, "Retention"), and rotating the documents' key.

The end of the appeal period ("fin du délai de recours") is set per CCI, or once for all
(:class:`.models.AppealPeriod` with a blank CCI). ``scrutin resend purge`` deletes, for every CCI
whose end is *past* (strictly before today, Paris time), its requests of any status with their
documents, and the national queue's when the national end is past; it prints and journals what it
deleted. Without a date nothing is deleted. The address each accepted request's new material was
sent to (possibly the requester's, not the list's) is blanked on its mailing rows at the same
time (:func:`forget_addresses`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from ..audit.journal import record_event
from . import storage
from .models import AppealPeriod, IdentityDocument, ResendRequest

BATCH = 500


@dataclass
class PurgedCci:
    cci_code: str  # blank: the national queue
    ends_on: date
    requests: int = 0
    documents: int = 0
    references: list[str] = field(default_factory=list)


def set_appeal_end(cci_code: str, ends_on: date, *, actor: str) -> AppealPeriod:
    period, _ = AppealPeriod.objects.update_or_create(
        cci_code=cci_code, defaults={"ends_on": ends_on, "set_by": actor, "set_at": timezone.now()}
    )
    record_event("resend:retention:set", actor=actor, cci_code=cci_code or None,
                 data={"cci": cci_code or "toutes", "ends_on": ends_on.isoformat()})  # fmt: skip
    return period


def expired(today: date | None = None) -> dict[str, date]:
    """CCI code (blank: national queue) → end of its appeal period, for those past."""
    today = today or timezone.localdate()
    periods = {p.cci_code: p.ends_on for p in AppealPeriod.objects.all()}
    default = periods.get("")
    codes = set(ResendRequest.objects.values_list("cci_code", flat=True).distinct())
    ends = {code: periods.get(code, default) for code in codes}
    return {code: end for code, end in ends.items() if end is not None and end < today}


def forget_addresses(request_ids: list[int]) -> int:
    """Blank the addresses on the mailing rows (messages, bounces) of the resend campaigns of
    these requests: an address the COE approved outside the list must go with the request."""
    from ..mailing.models import Bounce, Message

    sent = ResendRequest.objects.filter(pk__in=request_ids, material_message_id__isnull=False)
    messages = Message.objects.filter(pk__in=sent.values("material_message_id"))
    campaigns = messages.values("campaign_id")
    Bounce.objects.filter(message__campaign_id__in=campaigns).update(address="")
    return Message.objects.filter(campaign_id__in=campaigns).update(address="")


def purge(*, today: date | None = None, dry_run: bool = False, actor: str = "") -> list[PurgedCci]:
    report = []
    for code, end in sorted(expired(today).items()):
        done = PurgedCci(code, end)
        query = ResendRequest.objects.filter(cci_code=code).order_by("pk")
        while True:
            batch = list(query.values_list("pk", "public_id")[:BATCH]) if not dry_run else []
            if dry_run:
                rows = list(query.values_list("pk", "public_id"))
                done.requests = len(rows)
                done.references = [str(u).split("-")[0].upper() for _, u in rows]
                done.documents = IdentityDocument.objects.filter(request__cci_code=code).count()
                break
            if not batch:
                break
            ids = [pk for pk, _ in batch]
            with transaction.atomic():
                forget_addresses(ids)
                done.documents += IdentityDocument.objects.filter(request_id__in=ids).delete()[0]
                ResendRequest.objects.filter(pk__in=ids).delete()
            done.requests += len(ids)
            done.references += [str(u).split("-")[0].upper() for _, u in batch]
        if not dry_run and done.requests:
            record_event("resend:request:purge", actor=actor or None, cci_code=code or None,
                         data={"cci": code or "file nationale", "ends_on": end.isoformat(),
                               "count": done.requests, "documents": done.documents,
                               "references": done.references[:1000]})  # fmt: skip
        report.append(done)
    return report


def rotate_key(*, actor: str = "") -> tuple[str, int, list[str]]:
    """New current key, every document re-sealed under it, keys no longer used dropped (except
    the previous one). Returns (new key id, documents re-sealed, dropped key ids)."""
    new_id = storage.add_key()
    count = 0
    for pk in IdentityDocument.objects.exclude(key_id=new_id).values_list("pk", flat=True):
        with transaction.atomic():
            doc = IdentityDocument.objects.select_for_update().select_related("request").get(pk=pk)
            public_id = str(doc.request.public_id)
            data = storage.open_sealed(
                storage.Sealed(doc.key_id, bytes(doc.sealed)), public_id, doc.kind
            )
            sealed = storage.seal(data, public_id, doc.kind)
            doc.key_id, doc.sealed = sealed.key_id, sealed.blob
            doc.save(update_fields=["key_id", "sealed"])
            count += 1
    used = set(IdentityDocument.objects.values_list("key_id", flat=True).distinct())
    unused = {key_id for key_id, _ in storage.all_keys()} - used
    dropped = storage.drop_keys(unused)
    record_event("resend:key:rotate", actor=actor or None,
                 data={"key": new_id, "count": count, "previous": ",".join(dropped) or "-"})  # fmt: skip
    return new_id, count, dropped
