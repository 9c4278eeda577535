"""The support desk's business logic (CCTP 5.1.3.2): find an elector inside the agent's
perimeter, show what support may know of them, record contacts, export the log.

What an agent never sees: the secret code (it is not stored in clear anywhere), the birth date
(it is the second sign-in factor: only *whether* it is asked), the text of the messages sent, and
how anyone voted. Whether the elector has voted is shown as yes/no on the elector's card only
(never in a list, never with the time), and each card opened is journaled: see docs/support.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..accounts.perimeters import can_access_cci, cci_codes_of, is_national
from ..audit.journal import record_event
from ..electoral.models import Elector
from ..voting.models import Emargement
from . import links
from .models import ContactLog

#: At most this many electors per search: the agent refines rather than pages.
SEARCH_LIMIT = 20
MIN_NAME_LETTERS = 3
MAX_QUERY = 80
CONTACTS_PER_PAGE = 50
NUMBER = re.compile(r"[0-9]{13}")


class SearchError(ValueError):
    """A search the desk cannot run; the message says what to type instead (French)."""


ResendRefused = links.ResendRefused


@dataclass(frozen=True)
class SearchResult:
    electors: list[Elector]
    more: bool  # more than SEARCH_LIMIT matched: the agent must refine
    kind: str  # "number", "email" or "name"


def _in_perimeter(user: Any, rows: QuerySet[Elector]) -> QuerySet[Elector]:
    codes = cci_codes_of(user)
    if codes is None:
        return rows
    return rows.filter(cci_code__in=sorted(codes)) if codes else rows.none()


def search(user: Any, query: str) -> SearchResult:
    """Electors matching ``query`` inside the user's perimeter, at most :data:`SEARCH_LIMIT`
    (see :func:`search_rows`)."""
    kind, rows = search_rows(user, query)
    found = list(rows)
    return SearchResult(found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT, kind)


def search_rows(user: Any, query: str) -> tuple[str, QuerySet[Elector]]:
    """The kind of search and its query (one more row than shown, to know there are more).

    * 13 digits (spaces, dots and dashes ignored): the elector number, exactly;
    * text with ``@``: the e-mail address, exactly, case ignored;
    * otherwise the start of the usage name, family name or raison sociale (3 letters at least).

    Each form reads an index (the primary key, or the expression indexes of migration 0002 on
    PostgreSQL), never the whole list.
    """
    text = " ".join(query.split())[:MAX_QUERY]
    compact = re.sub(r"[\s.\-]", "", text)
    rows = Elector.objects.select_related("urn__cci")
    if not text:
        raise SearchError("Saisissez un numéro d'électeur, une adresse électronique ou un nom.")
    if compact.isdigit():
        if not NUMBER.fullmatch(compact):
            raise SearchError(
                f"Le numéro d'électeur a 13 chiffres ; vous en avez saisi {len(compact)}."
            )
        kind, rows = "number", rows.filter(number=compact)
    elif "@" in text:
        kind, rows = "email", rows.filter(email__iexact=text.replace(" ", ""))
    else:
        if sum(c.isalpha() for c in text) < MIN_NAME_LETTERS:
            raise SearchError(
                f"Saisissez au moins {MIN_NAME_LETTERS} lettres du nom ou de la raison sociale."
            )
        kind, rows = "name", rows.filter(
            Q(usage_name__istartswith=text) | Q(family_name__istartswith=text)
            | Q(company_name__istartswith=text)
        )  # fmt: skip
    return kind, _in_perimeter(user, rows).order_by("number")[: SEARCH_LIMIT + 1]


def find(user: Any, number: str) -> Elector | None:
    """The elector, or ``None`` when unknown or outside the user's perimeter (same answer)."""
    elector = (
        Elector.objects.select_related("urn__cci", "urn__category")
        .filter(number=number[:13])
        .first()
    )
    if elector is None or not can_access_cci(user, elector.cci_code):
        return None
    return elector


@dataclass(frozen=True)
class Card:
    elector: Elector
    birth_date_asked: bool
    has_voted: bool
    dispatch: list[links.DispatchLine] | None  # None: e-mail and SMS dispatch not installed
    pending: links.PendingResend | None
    resend_available: bool
    contacts: list[ContactLog]


def card(user: Any, elector: Elector) -> Card:
    """What the desk may know of one elector; opening it is journaled (it shows émargement)."""
    has_voted = Emargement.objects.filter(elector_number=elector.number).exists()
    record_event("support:elector:view", actor=user, cci_code=elector.cci_code,
                 urn_code=elector.urn.code, data={"number": elector.number})  # fmt: skip
    return Card(
        elector=elector,
        birth_date_asked=elector.birth_date is not None,
        has_voted=has_voted,
        dispatch=links.dispatch_status(elector.number),
        pending=links.pending_resend(elector.number),
        resend_available=links.resend_installed(),
        contacts=list(visible_contacts(user).filter(elector_number=elector.number)[:10]),
    )


def open_resend(user: Any, elector: Elector, note: str) -> links.PendingResend:
    """A resend request for the COE of the elector's CCI to decide (CCTP 5.1.3.3; C5)."""
    note = note.strip()
    if len(note) < 10:
        raise ResendRefused(
            "Motif : décrivez la demande et comment l'identité de la personne a été vérifiée "
            "(10 caractères au moins)."
        )
    if not links.resend_installed():
        raise ResendRefused("Le service de renvoi du matériel de vote n'est pas en service.")
    if Emargement.objects.filter(elector_number=elector.number).exists():
        raise ResendRefused(
            "Cet électeur a déjà voté : un nouveau matériel ne lui permettrait pas de voter à "
            "nouveau. S'il dit ne pas avoir voté lui-même, transmettez au niveau 2 pour la "
            "commission."
        )
    pending = links.pending_resend(elector.number)
    if pending is not None:
        raise ResendRefused(
            "Une demande de renvoi attend déjà la décision de la commission (déposée le "
            f"{timezone.localtime(pending.created_at):%d/%m/%Y à %H:%M})."
        )
    return links.open_resend(elector.number, user=user, note=note[:2000])


# The contact log (CCTP 5.1.3.2.4) ------------------------------------------------------------


def visible_contacts(user: Any) -> QuerySet[ContactLog]:
    """National: every contact. Otherwise the contacts of the user's CCIs and their own."""
    rows = ContactLog.objects.select_related("agent")
    if is_national(user):
        return rows
    codes = sorted(cci_codes_of(user) or ())
    return rows.filter(Q(cci_code__in=codes) | Q(agent_id=user.pk))


@transaction.atomic
def record_contact(user: Any, *, requester_name: str, channel: str, contacted_at: datetime,
                   nature: str, details: str, level: int,
                   elector: Elector | None = None) -> ContactLog:  # fmt: skip
    """One contact of the log, journaled (who took it, its nature; not the requester's name)."""
    codes = cci_codes_of(user)
    own_cci = next(iter(codes)) if codes is not None and len(codes) == 1 else ""
    contact = ContactLog.objects.create(
        requester_name=requester_name, channel=channel, contacted_at=contacted_at,
        nature=nature, details=details, level=level,
        elector_number=elector.number if elector else "",
        cci_code=elector.cci_code if elector else own_cci, agent=user,
    )  # fmt: skip
    record_event("support:contact:create", actor=user, cci_code=contact.cci_code or None,
                 data={"contact": contact.pk, "channel": channel, "nature": nature,
                       "level": level, "number": contact.elector_number})  # fmt: skip
    return contact


def contacts_page(user: Any, before: str) -> tuple[list[ContactLog], int | None]:
    """Newest first, keyset on the id (``?avant=``); returns the rows and the next key."""
    rows = visible_contacts(user)
    if before.isdigit():
        rows = rows.filter(pk__lt=int(before))
    found = list(rows.order_by("-pk")[: CONTACTS_PER_PAGE + 1])
    more = len(found) > CONTACTS_PER_PAGE
    page = found[:CONTACTS_PER_PAGE]
    return page, (page[-1].pk if more and page else None)


EXPORT_HEADER = ("Date et heure (Paris)", "Nom et prénom du demandeur", "Canal",
                 "Nature de la demande", "Précisions", "Niveau", "Numéro d'électeur",
                 "Code CCI", "Agent")  # fmt: skip


def record_export(user: Any) -> int:
    """Journal an export of the log for CCI France; returns the number of rows it holds."""
    count = visible_contacts(user).count()
    record_event("support:contacts:export", actor=user, data={"rows": count})
    return count


def export_rows(user: Any) -> Iterator[list[object]]:
    """The whole log, oldest first, streamed from the database (a server-side cursor on
    PostgreSQL: memory stays flat whatever the log's length)."""
    for c in visible_contacts(user).order_by("pk").iterator(chunk_size=2000):
        yield [
            f"{timezone.localtime(c.contacted_at):%d/%m/%Y %H:%M}", c.requester_name,
            c.get_channel_display(), c.get_nature_display(), c.details, c.level,
            c.elector_number, c.cci_code, c.agent.get_username(),
        ]  # fmt: skip
