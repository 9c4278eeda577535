"""Campaigns and their messages as seen by the rest of the platform (contract C3 of issue 14):
start a campaign, the dispatch status of an elector, the addresses that bounced, and the COE's
correction of a bounced address (CCTP 5.2.3.1)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..audit.journal import record_event
from ..electoral.changes import correct_elector
from ..electoral.models import Elector
from .composers import registered
from .models import Bounce, Campaign, Message

BATCH = 5000


class CampaignError(Exception):
    """The campaign cannot start; the message says why, in French."""


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) and getattr(user, "pk", None) else None


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _address(elector: dict[str, str], channel: str) -> str:
    return elector["mobile_e164"] if channel == Message.Channel.SMS else elector["email"]


def _targets(kind: str, cci_code: str, numbers: Iterable[str] | None) -> Iterator[dict[str, str]]:
    reg = registered(kind)
    fields = ("number", "email", "mobile_e164")
    if numbers is None:
        base = reg.select(cci_code) if reg.select else Elector.objects.filter(cci_code=cci_code)
        yield from base.order_by("number").values(*fields).iterator(chunk_size=BATCH)
        return
    unknown: list[str] = []
    for chunk in _chunks(dict.fromkeys(n.strip() for n in numbers if n.strip()), BATCH):
        found = {e["number"]: e for e in Elector.objects.filter(cci_code=cci_code, number__in=chunk).values(*fields)}  # fmt: skip
        unknown += [n for n in chunk if n not in found]
        if unknown:
            shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
            raise CampaignError(
                f"Numéro(s) d'électeur absent(s) de la liste de la CCI {cci_code} : {shown}"
            )
        yield from (found[n] for n in chunk)


@transaction.atomic
def start_campaign(kind: str, cci_code: str, numbers: Iterable[str] | None, user: Any) -> Campaign:
    """Queue one message per elector (``numbers`` None: every elector of the CCI the kind
    selects) and start the send loop once the transaction commits; journaled."""
    try:
        reg = registered(kind)
    except LookupError as exc:
        raise CampaignError(str(exc)) from None
    campaign = Campaign.objects.create(kind=kind, cci_code=cci_code, created_by=_user(user))
    total = 0
    batch: list[Message] = []
    for elector in _targets(kind, cci_code, numbers):
        batch.append(Message(campaign=campaign, elector_number=elector["number"],
                             channel=reg.channel, address=_address(elector, reg.channel)))  # fmt: skip
        if len(batch) >= BATCH:
            Message.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    Message.objects.bulk_create(batch)
    total += len(batch)
    if total == 0:
        raise CampaignError(f"Aucun électeur de la CCI {cci_code} n'est concerné par cet envoi.")
    campaign.total = total
    campaign.save(update_fields=["total"])
    record_event("mailing:campaign:send-init", actor=_user(user), cci_code=cci_code,
                 data={"campaign": campaign.pk, "kind": kind, "messages": total})  # fmt: skip
    from . import tasks

    transaction.on_commit(lambda: tasks.dispatch(campaign))
    return campaign


def status_of(number: str) -> list[Message]:
    """The latest message of each channel for this elector (never its content)."""
    out = []
    for channel in Message.Channel.values:
        latest = (
            Message.objects.filter(elector_number=number, channel=channel)
            .select_related("campaign")
            .order_by("-id")
            .first()
        )
        if latest is not None:
            out.append(latest)
    return out


def bounced_numbers(cci_code: str) -> set[str]:
    """Electors of the CCI with a bounce not corrected yet."""
    rows = Bounce.objects.filter(cci_code=cci_code, corrected_at__isnull=True)
    return set(rows.values_list("elector_number", flat=True))


def open_bounces(cci_code: str) -> Any:
    """The CCI's uncorrected bounces, latest first (the COE's list)."""
    return Bounce.objects.filter(cci_code=cci_code, corrected_at__isnull=True)


@transaction.atomic
def correct_address(number: str, email: str, *, authority: str, reference: str, reason: str,
                    user: Any = None) -> Elector:  # fmt: skip
    """The COE corrects a bounced e-mail address. The change goes through the electors list's
    own rules (``electoral.changes.correct_elector``: annex checks, refused once the urn is
    sealed, recorded as a CELE or court decision with its reference, list fingerprint
    refreshed); the elector's bounces are then marked corrected. Raises
    ``ElectorChangeError`` (French) when refused."""
    before = Elector.objects.get(number=number).email
    elector, _warnings = correct_elector(number, {"email": email.strip()}, authority=authority,
                                         reference=reference, reason=reason, user=_user(user))  # fmt: skip
    Bounce.objects.filter(elector_number=number, corrected_at__isnull=True).update(
        corrected_at=timezone.now(), corrected_by=_user(user)
    )
    record_event("mailing:address:correct", actor=_user(user), cci_code=elector.cci_code,
                 urn_code=elector.urn.code, data={"elector": number, "reference": reference,
                 "changed": before != elector.email})  # fmt: skip
    return elector


BOUNCES_SHOWN = 500


def overview(cci_code: str) -> dict[str, Any]:
    """What the COE sees first: electors with an address, open bounces, the latest test."""
    return {
        "with_email": Elector.objects.filter(cci_code=cci_code).exclude(email="").count(),
        "with_mobile": Elector.objects.filter(cci_code=cci_code).exclude(mobile_e164="").count(),
        "bounces": open_bounces(cci_code).count(),
        "last_test": Campaign.objects.filter(cci_code=cci_code, kind=Campaign.Kind.TEST).first(),
    }


def corrected_to_retest(cci_code: str) -> set[str]:
    """Electors whose bounced address was corrected and who got no test e-mail since."""
    out = set()
    corrected = Bounce.objects.filter(cci_code=cci_code, corrected_at__isnull=False)
    for number, corrected_at in corrected.values_list("elector_number", "corrected_at").iterator():
        later = Message.objects.filter(elector_number=number, campaign__kind=Campaign.Kind.TEST,
                                       campaign__created_at__gt=corrected_at)  # fmt: skip
        if not later.exists():
            out.add(number)
    return out
