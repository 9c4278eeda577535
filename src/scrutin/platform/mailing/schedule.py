"""When the material by e-mail leaves, and the reminders (CCTP 4.1.4.1, 5.2.3.2).

The information sent by e-mail must reach the elector "dès l'ouverture du scrutin": the COE
(or CCI France) **schedules** the initial dispatch of its CCI, and it starts only once the vote
of the CCI is open — by :func:`dispatch_due` (the command ``scrutin mailing dispatch-due``, run by
a timer at the opening; idempotent) or by the COE's button, refused before the opening. The
decision to schedule is kept where every decision is kept, in the journal
(``mailing:material:schedule`` / ``-unschedule``): no table to keep in step with it.

Reminders to the electors who have not voted are a COE decision too, refused outside the vote.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..audit.journal import record_event
from ..audit.models import JournalEntry
from ..electoral.models import Cci
from ..voting.models import UrnElection
from .models import Campaign
from .services import CampaignError, start_campaign

NONE, BEFORE, OPEN, CLOSED = "none", "before", "open", "closed"
STATE_LABELS = {NONE: "vote non programmé", BEFORE: "vote pas encore ouvert",
                OPEN: "vote ouvert", CLOSED: "vote clos"}  # fmt: skip
SCHEDULE, UNSCHEDULE = "mailing:material:schedule", "mailing:material:unschedule"


NO_KIT = (
    "Aucun kit d'impression n'a été délivré pour la CCI {cci} : aucun courrier n'a pu être "
    "imprimé, et la liste des électeurs servis par courriel n'est pas arrêtée. Le matériel "
    "n'est pas envoyé par courriel tant que CCI France n'a pas délivré le kit."
)


class DispatchRefused(Exception):
    """The dispatch or the reminder is not allowed now (French message for the COE)."""


def _state(elections: list[UrnElection], now: datetime) -> str:
    if not elections:
        return NONE
    if any(e.opens_at <= now < e.closes_at and e.closed_at is None for e in elections):
        return OPEN  # a suspension is temporary: the material still goes out
    if all(e.closed_at is not None or now >= e.closes_at for e in elections):
        return CLOSED
    return BEFORE


def cci_state(cci_code: str) -> str:
    """The vote of the CCI: open as soon as one of its urns is within its window."""
    elections = list(UrnElection.objects.filter(urn__cci_id=cci_code).defer("params"))
    return _state(elections, timezone.now())


def urn_state(urn_id: int) -> str:
    return _state(list(UrnElection.objects.filter(urn_id=urn_id).defer("params")), timezone.now())


def opening_of(cci_code: str) -> datetime | None:
    """The earliest opening of the CCI's urns (when a scheduled dispatch will leave)."""
    moments = UrnElection.objects.filter(urn__cci_id=cci_code).values_list("opens_at", flat=True)
    return min(moments, default=None)


def material_campaign(cci_code: str) -> Campaign | None:
    return Campaign.objects.filter(cci_code=cci_code, kind=Campaign.Kind.MATERIAL).first()


def scheduled_codes() -> set[str]:
    """CCIs whose latest schedule decision is "schedule" (one indexed query on the journal)."""
    latest: dict[str, str] = {}
    rows = JournalEntry.objects.filter(event__in=(SCHEDULE, UNSCHEDULE)).order_by("sequence")
    for cci_code, event in rows.values_list("cci_code", "event"):
        latest[cci_code] = event
    return {code for code, event in latest.items() if event == SCHEDULE}


def is_scheduled(cci_code: str) -> bool:
    last = (
        JournalEntry.objects.filter(event__in=(SCHEDULE, UNSCHEDULE), cci_code=cci_code)
        .order_by("-sequence")
        .values_list("event", flat=True)
        .first()
    )
    return last == SCHEDULE


def electronic_chosen(cci_code: str) -> bool:
    """The COE chose the material by e-mail (dispatch settings of the material app, C6)."""
    from ..material.models import DispatchSettings

    return bool(DispatchSettings.objects.filter(cci_code=cci_code, electronic=True).exists())


def _check_can_send(cci_code: str) -> None:
    if material_campaign(cci_code) is not None:
        raise DispatchRefused(
            f"Le matériel de vote de la CCI {cci_code} a déjà été envoyé par courriel."
        )
    from ..material import emailset

    numbers = emailset.email_numbers(cci_code)
    if numbers is None:
        raise DispatchRefused(NO_KIT.format(cci=cci_code))
    if not numbers.exists():
        raise DispatchRefused(
            f"Le kit d'impression de la CCI {cci_code} ne désigne aucun électeur à servir par "
            "courriel (la COE n'a pas choisi l'envoi du matériel par courriel, ou aucune adresse "
            "n'était valide) : tous reçoivent un courrier, il n'y a rien à envoyer."
        )


def schedule(cci_code: str, *, user: Any) -> None:
    """The COE's decision: send the material by e-mail at the opening (journaled)."""
    _check_can_send(cci_code)
    if cci_state(cci_code) == CLOSED:
        raise DispatchRefused(
            "Le vote de cette CCI est clos : l'envoi ne peut plus être programmé."
        )
    if is_scheduled(cci_code):
        raise DispatchRefused("L'envoi est déjà programmé pour l'ouverture du vote.")
    opening = opening_of(cci_code)
    record_event(SCHEDULE, actor=user, cci_code=cci_code,
                 data={"opens_at": opening.isoformat() if opening else ""})  # fmt: skip


def unschedule(cci_code: str, *, user: Any) -> None:
    if not is_scheduled(cci_code) or material_campaign(cci_code) is not None:
        raise DispatchRefused("Aucun envoi programmé à annuler.")
    record_event(UNSCHEDULE, actor=user, cci_code=cci_code, data={})


def start_dispatch(cci_code: str, *, user: Any = None) -> Campaign:
    """Start the material by e-mail of this CCI now: refused before the opening, after the
    closing, twice, or when the COE did not choose the e-mail channel (CCTP 4.1.4.1)."""
    with transaction.atomic():
        list(Cci.objects.select_for_update().filter(code=cci_code))  # one start per CCI
        _check_can_send(cci_code)
        state = cci_state(cci_code)
        if state != OPEN:
            opening = opening_of(cci_code)
            when = (
                f" Il ouvrira le {_paris(opening)} (heure de Paris)."
                if state == BEFORE and opening
                else ""
            )
            raise DispatchRefused(
                "Le matériel de vote par courriel part à l'ouverture du vote, pas avant "
                f"({STATE_LABELS[state]}).{when} Vous pouvez programmer l'envoi : il partira "
                "tout seul à l'ouverture."
                if state != CLOSED
                else "Le vote de cette CCI est clos : le matériel n'est plus envoyé."
            )
        try:
            campaign = start_campaign(Campaign.Kind.MATERIAL, cci_code, None, user)
        except CampaignError as exc:
            raise DispatchRefused(str(exc)) from exc
        record_event("mailing:material:dispatch", actor=user, cci_code=cci_code,
                     data={"campaign": campaign.pk, "messages": campaign.total,
                           "scheduled": is_scheduled(cci_code)})  # fmt: skip
        return campaign


def dispatch_due() -> list[tuple[str, Campaign | str]]:
    """Start the scheduled dispatches whose vote is open (idempotent: a CCI whose material left
    is skipped). Returns, per scheduled CCI acted on, its campaign or the French refusal."""
    done: list[tuple[str, Campaign | str]] = []
    for cci_code in sorted(scheduled_codes()):
        if material_campaign(cci_code) is not None or cci_state(cci_code) != OPEN:
            continue
        try:
            done.append((cci_code, start_dispatch(cci_code)))
        except DispatchRefused as exc:
            done.append((cci_code, str(exc)))
    return done


def start_reminder(cci_code: str, *, user: Any) -> Campaign:
    """The COE's decision to remind the electors who have not voted (journaled); refused
    outside the vote. The reminder carries no credential."""
    state = cci_state(cci_code)
    if state != OPEN:
        raise DispatchRefused(
            "Une relance n'est possible que pendant le vote "
            f"({STATE_LABELS[state]}) : elle inviterait à voter quand ce n'est pas possible."
        )
    with transaction.atomic():
        try:
            campaign = start_campaign(Campaign.Kind.REMINDER, cci_code, None, user)
        except CampaignError as exc:
            raise DispatchRefused(str(exc)) from exc
        record_event("mailing:reminder:decide", actor=user, cci_code=cci_code,
                     data={"campaign": campaign.pk, "messages": campaign.total})  # fmt: skip
        return campaign


def _paris(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y à %H:%M")
