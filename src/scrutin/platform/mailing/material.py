"""Voting material by e-mail and SMS (issue 14; CCTP 4.1.4.1, 5.2.3, 5.2.3.2, 5.1.3.3).

Composers of the mailing engine (contract C3) for three kinds of campaign:

* ``material`` — the initial dispatch at the opening (CCTP 4.1.4.1 "dès l'ouverture", 5.2.3.2)
  to the electors whose material goes by e-mail (contract C6). In the worker, for each elector,
  a new code is drawn and only its HMAC stored (:func:`credentials.services.issue_for_dispatch`,
  a ``mail`` run recording the campaign); the code then exists only in the message being handed
  to SMTP/SMS. An elector with a mobile gets the **code by SMS** and the identifier with the
  notice by e-mail (two channels, as the CNIL recommends); otherwise everything by e-mail.
* ``resend`` — new material by e-mail only (CCTP 5.1.3.3), through :func:`resend_material`
  (contract C4): the old code is killed at once, before the message is even queued. The message
  goes to the address queued on its :class:`~.models.Message` row: the list's, or another one the
  COE approved (the requester's, after checking the identity document); the sealed electoral list
  is never changed.
* ``reminder`` — a reminder to the electors who have not voted yet, without any credential.

Both credential kinds are registered ``resend_uncertain``: after a crash a message left
``sending`` is composed again, which draws another code and kills the one that may have left
(docs/credentials.md, "Codes sent by e-mail or SMS"). No code is ever logged, stored in a
:class:`~.models.Message`, put in an exception, a Celery argument or the journal.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from ..audit.journal import record_event
from ..credentials import codes
from ..credentials import services as credentials
from ..credentials.models import GenerationRun
from ..electoral.models import Elector
from ..voting.models import Emargement, UrnElection
from .composers import Outgoing, composer, support_of
from .models import Campaign, Message


class MaterialError(Exception):
    """The material cannot be sent (French message for the person who asked)."""


def voting_url() -> str:
    """The voting site's address printed in every message (``SCRUTIN_SITE_URL``)."""
    return settings.SCRUTIN_SITE_URL.rstrip("/") + reverse("voting:login")


def paris(moment: datetime) -> str:
    """``lundi 7 décembre 2026 à 9 h 00`` in Paris time."""
    return dateformat.format(timezone.localtime(moment), r"l j F Y \à G \h i")


def _name(elector: Elector) -> str:
    return " ".join(p for p in (elector.first_name, elector.usage_name or elector.family_name) if p)


def _context(elector: Elector, *, code: str | None = None, resend: bool = False) -> dict[str, Any]:
    election = (
        UrnElection.objects.filter(urn_id=elector.urn_id).only("opens_at", "closes_at").first()
    )
    mobile = elector.mobile_e164
    return {
        "name": _name(elector), "cci_label": elector.urn.cci.label, "identifier": elector.number,
        "code": codes.format_code(code) if code else None, "mobile_hint": mobile[-2:],
        "birth_date_asked": elector.birth_date is not None, "company_name": elector.company_name,
        "opens": paris(election.opens_at) if election else "",
        "closes": paris(election.closes_at) if election else "",
        "voting_url": voting_url(), "support": support_of(elector), "resend": resend,
    }  # fmt: skip


def _email(
    elector: Elector, context: dict[str, Any], subject: str, name: str, to: str | None = None
) -> Outgoing:
    return Outgoing(
        channel="email", to=to or elector.email, subject=subject,
        text=render_to_string(f"mailing/material/{name}.txt", context),
        html=render_to_string(f"mailing/material/{name}.html", context),
    )  # fmt: skip


def _subject(elector: Elector, resend: bool) -> str:
    what = "votre nouveau matériel de vote" if resend else "votre matériel de vote"
    return f"Élections de la {elector.urn.cci.label} : {what}"


def material_messages(
    elector: Elector, code: str, *, resend: bool = False, to: str | None = None
) -> list[Outgoing]:
    """The messages carrying this elector's material: the code by SMS and the rest by e-mail
    when there is a mobile (never for a resend: CCTP 5.1.3.3 says e-mail only), else one
    e-mail with everything. ``to``: the e-mail address when it is not the list's (a resend to an
    address the COE approved)."""
    label, subject = elector.urn.cci.label, _subject(elector, resend)
    if elector.mobile_e164 and not resend:
        sms = render_to_string("mailing/material/sms.txt", {"cci_label": label,
                               "code": codes.format_code(code)}).strip()  # fmt: skip
        return [
            Outgoing(channel="sms", to=elector.mobile_e164, subject="", text=sms),
            _email(elector, _context(elector), subject, "email"),
        ]
    return [_email(elector, _context(elector, code=code, resend=resend), subject, "email", to)]


# --- who gets what --------------------------------------------------------------------------


def electronic_electors(cci_code: str) -> QuerySet[Elector]:
    """Contract C6: exactly the e-mail set frozen by the CCI's latest issued main kit (the
    electors for whom no letter was printed), minus those a supplementary kit printed letters
    for; nobody when no kit was issued (``material.emailset``). Not a recomputation: an address
    that bounced after the kit stays in the set (the COE sees it as stranded), and one corrected
    after the kit does not join it (that elector has a letter). A query, not a set: 2 million
    numbers never sit in memory when the campaign queues its messages."""
    from ..material.emailset import email_electors

    return email_electors(cci_code)


def not_voted(cci_code: str) -> QuerySet[Elector]:
    """Electors of the CCI with an e-mail address who have not voted yet (no émargement)."""
    voted = Emargement.objects.filter(urn__cci_id=cci_code).values("elector_number")
    return Elector.objects.filter(cci_code=cci_code).exclude(email="").exclude(number__in=voted)


_RUNS: dict[int, GenerationRun] = {}


def _run_of(campaign: Campaign) -> GenerationRun:
    """The ``mail`` generation run of this campaign (created by the first elector's turn)."""
    run = _RUNS.get(campaign.pk)
    if run is None:
        run = credentials.mail_run(campaign.cci_code, campaign.pk, user=campaign.created_by,
                                   reason=f"{campaign.get_kind_display()} (envoi n° {campaign.pk})")  # fmt: skip
        if len(_RUNS) > 1000:  # a long-lived worker: keep the cache small
            _RUNS.clear()
        _RUNS[campaign.pk] = run
    return run


# --- composers (called by the engine, one elector at a time, in its transaction) ------------


@composer("material", select=electronic_electors, resend_uncertain=True)
def compose_material(campaign: Campaign, elector: Elector) -> list[Outgoing]:
    """CCTP 5.2.3.2: a new code, then the code by SMS + identifier and notice by e-mail, or
    everything by e-mail when the elector has no mobile."""
    if not elector.email:
        return []
    if elector.mobile_e164:
        sms = _sms_state(campaign, elector.number)
        if sms in HANDED:  # a retry of the e-mail alone: the code that left by SMS stays valid
            return [_email(elector, _context(elector), _subject(elector, False), "email")]
        if sms in (Message.Status.REFUSED, Message.Status.FAILED):  # no SMS: all by e-mail
            code = credentials.issue_for_dispatch(elector.number, _run_of(campaign))
            return [
                _email(elector, _context(elector, code=code), _subject(elector, False), "email")
            ]
    code = credentials.issue_for_dispatch(elector.number, _run_of(campaign))
    return material_messages(elector, code)


HANDED = (Message.Status.SENT, Message.Status.SENDING, Message.Status.DELIVERED,
          Message.Status.BOUNCED)  # fmt: skip


def _sms_state(campaign: Campaign, number: str) -> str | None:
    """The status of this elector's SMS in this campaign (None before the first attempt)."""
    return (
        Message.objects.filter(campaign=campaign, elector_number=number, channel="sms")
        .values_list("status", flat=True)
        .first()
    )


def _queued_address(campaign: Campaign, number: str) -> str:
    """The e-mail address this elector's message of the campaign was queued for."""
    address = (
        Message.objects.filter(campaign=campaign, elector_number=number, channel="email")
        .order_by("id")
        .values_list("address", flat=True)
        .first()
    )
    return address or ""


@composer("resend", resend_uncertain=True)
def compose_resend(campaign: Campaign, elector: Elector) -> list[Outgoing]:
    """CCTP 5.1.3.3: new material, by e-mail only, the code in the e-mail, to the address the
    COE approved when it decided (queued on the message row by :func:`resend_material`: the
    list's or the requester's), never to another one; the code is drawn here, at send time."""
    to = _queued_address(campaign, elector.number)
    if not to:
        return []
    code = credentials.issue_for_dispatch(elector.number, _run_of(campaign))
    return material_messages(elector, code, resend=True, to=to)


@composer("reminder", select=not_voted)
def compose_reminder(campaign: Campaign, elector: Elector) -> list[Outgoing]:
    """A reminder to vote, without any credential (a COE decision)."""
    if not elector.email or Emargement.objects.filter(elector_number=elector.number).exists():
        return []  # voted since the campaign was queued
    context = _context(elector)
    subject = f"Élections de la {elector.urn.cci.label} : vous n'avez pas encore voté"
    return [_email(elector, context, subject, "reminder")]


# --- contract C4 ---------------------------------------------------------------------------


def address_digest(address: str) -> str:
    """SHA-256 (hex) of an e-mail address, trimmed and lower-cased: what the journal keeps of
    a resend's destination (the journal outlives the requests and is exported, so never the
    address in clear; whoever holds the address can check it against the digest)."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def approved_address(address: str) -> str:
    """``address`` trimmed, or :class:`MaterialError` (French) when it is not an e-mail address."""
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise MaterialError(
            f"L'adresse électronique « {address} » n'est pas valide "
            "(exemple : prenom.nom@exemple.fr)."
        ) from None
    return address


def resend_material(number: str, *, user: Any, reason: str, address: str = "") -> Message:
    """Send new material to this elector by e-mail only (CCTP 5.1.3.3), for the resend and
    support services. The old code is dead when this returns (its hash is replaced by random
    bytes in this transaction); the worker then draws the new code and sends it. Journaled.

    ``address`` is where the message goes when it is not the list's: an address the COE
    approved (the requester's, checked against the identity document). It is queued on the
    message row only; the sealed electoral list is not changed. Blank: the list's address.

    Raises :class:`MaterialError` when there is no such elector, no address to send to, an
    invalid ``address``, or the vote of the elector's urn is closed."""
    from . import schedule
    from .services import CampaignError, start_campaign

    number = codes.normalise_identifier(number)
    elector = Elector.objects.select_related("urn").filter(number=number).first()
    if elector is None:
        raise MaterialError(f"Aucun électeur n'a l'identifiant {number}.")
    destination = approved_address(address) if address.strip() else elector.email
    if not destination:
        raise MaterialError(
            f"L'électeur {number} n'a pas d'adresse électronique sur la liste électorale, et "
            "aucune autre adresse n'a été choisie : son matériel de vote ne peut être renvoyé "
            "que par courriel. Indiquez l'adresse où l'envoyer (celle du demandeur, après avoir "
            "vérifié sa pièce d'identité)."
        )
    if schedule.urn_state(elector.urn_id) == schedule.CLOSED:
        raise MaterialError(
            "Le vote de ce scrutin est clos : le matériel de vote n'est plus renvoyé."
        )
    actor = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        try:
            campaign = start_campaign(Campaign.Kind.RESEND, elector.cci_code, [number], actor)
        except CampaignError as exc:
            raise MaterialError(str(exc)) from exc
        message = campaign.messages.get()
        if message.address != destination:
            message.address = destination
            message.save(update_fields=["address"])
        run = credentials.mail_run(elector.cci_code, campaign.pk, user=actor, reason=reason)
        credentials.revoke(number, run)
        to_list = destination.strip().lower() == elector.email.strip().lower()
        record_event("mailing:material:resend", actor=actor, cci_code=elector.cci_code,
                     urn_code=elector.urn.code, data={"number": number, "campaign": campaign.pk,
                     "run": run.pk, "reason": reason.strip()[:300],
                     "to": "list" if to_list else "approved",
                     "address_sha256": address_digest(destination)})  # fmt: skip
        return message
