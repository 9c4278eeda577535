"""The e-mail set a CCI's issued kits froze (contract C6, CCTP 5.2.2, 5.2.3.1, 5.2.3.2).

Every elector must get material exactly once: a letter, or an e-mail at the opening. The letters
are printed from the kit, so the kit — not a later recomputation — decides who gets an e-mail:

* the **latest main kit** of a CCI lists its e-mail set (``electronic``): no letter is printed
  for them, and the opening dispatch sends to exactly them;
* a **supplementary kit** issued after it prints letters for some of them (an address that
  failed after the main kit was issued); they leave the e-mail set, so they do not also get an
  e-mail whose new code would kill their letter's;
* **no main kit issued**: no letter can have been printed from it and nobody is in the e-mail
  set, so the opening dispatch sends nothing for the CCI (the dispatch page says so in French).

An elector of the e-mail set whose address has since failed (an uncorrected bounce — test
campaign, or the material e-mail itself — or an address removed) is *stranded*: the COE sees
them on the dispatch page, and the way out is a supplementary kit, or the COE's resend (to the
corrected address or to one the COE approved). An elector whose resend has not failed has their
material: neither stranded nor in the opening dispatch (whose new code would kill the resent
one).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from ..electoral.models import Elector
from ..mailing.models import Bounce, Campaign, Message
from .models import IssuedKit, KitNumber

BATCH = 5000


def latest_main(cci_code: str) -> IssuedKit | None:
    """The main kit that defines the CCI's e-mail set (None: no kit issued yet)."""
    return IssuedKit.objects.filter(cci_code=cci_code, kind=IssuedKit.Kind.MAIN).first()


def supplements_since(main: IssuedKit) -> QuerySet[IssuedKit]:
    """Supplementary kits issued after ``main`` (those issued before a newer main kit are
    superseded by it: its set was computed with their addresses already failed)."""
    return IssuedKit.objects.filter(
        cci_code=main.cci_code, kind=IssuedKit.Kind.SUPPLEMENT, pk__gt=main.pk
    )


def email_numbers(cci_code: str) -> QuerySet[KitNumber, Any] | None:
    """Numbers of the frozen e-mail set as a query (``values("number")``, usable in a
    subquery); None when no main kit was issued for the CCI."""
    main = latest_main(cci_code)
    if main is None:
        return None
    lettered = KitNumber.objects.filter(kit__in=supplements_since(main)).values("number")
    return KitNumber.objects.filter(kit=main).exclude(number__in=lettered).values("number")


def resent(cci_code: str) -> QuerySet[Message, Any]:
    """Numbers of the CCI's electors whose material was resent by e-mail (contract C4) and has
    not failed: they have their material, from the resend."""
    failed = (Message.Status.REFUSED, Message.Status.BOUNCED, Message.Status.FAILED)
    return (
        Message.objects.filter(
            campaign__cci_code=cci_code,
            campaign__kind=Campaign.Kind.RESEND,
            channel=Message.Channel.EMAIL,
        )
        .exclude(status__in=failed)
        .values("elector_number")
    )


def email_electors(cci_code: str) -> QuerySet[Elector]:
    """Electors the opening dispatch sends material to: the frozen e-mail set, less those who
    already got their material by a resend (an opening e-mail would draw another code and kill
    the resent one — fatal when the resend went to another address the COE approved)."""
    numbers = email_numbers(cci_code)
    if numbers is None:
        return Elector.objects.none()
    return Elector.objects.filter(cci_code=cci_code, number__in=numbers).exclude(
        number__in=resent(cci_code)
    )


def stranded(cci_code: str) -> QuerySet[Elector]:
    """Electors of the frozen e-mail set whose address failed since: an uncorrected bounce
    (refusal or delivery-status notification, of the test campaign or of the material e-mail
    itself) or no address any more. No letter was printed for them and no e-mail will reach
    them."""
    failed = Bounce.objects.filter(cci_code=cci_code, corrected_at__isnull=True)
    return (
        email_electors(cci_code)
        .filter(Q(email="") | Q(number__in=failed.values("elector_number")))
        .order_by("number")
    )


def _chunks(items: Iterable[str]) -> Iterable[list[str]]:
    it = iter(items)
    while chunk := list(islice(it, BATCH)):
        yield chunk


def record(cci_code: str, kind: str, *, sha256: str, fingerprint: str, numbers: Iterable[str],
           user: Any) -> IssuedKit:  # fmt: skip
    """Record an issued kit and the numbers it names (in the caller's transaction)."""
    actor = user if getattr(user, "is_authenticated", False) else None
    kit = IssuedKit.objects.create(cci_code=cci_code, kind=kind, sha256=sha256,
                                   fingerprint=fingerprint, issued_by=actor,
                                   issued_at=timezone.now())  # fmt: skip
    count = 0
    for chunk in _chunks(sorted(set(numbers))):
        KitNumber.objects.bulk_create(KitNumber(kit=kit, number=n) for n in chunk)
        count += len(chunk)
    kit.count = count
    kit.save(update_fields=["count"])
    return kit


def numbers_of(kit: IssuedKit) -> set[str]:
    return set(kit.numbers.values_list("number", flat=True))
