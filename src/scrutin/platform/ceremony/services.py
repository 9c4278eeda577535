"""Key ceremony services: creating and restarting a COE's ceremony, receiving the key holders'
public round messages, finalising ``trustees.json`` (docs/key-ceremony.md, CCTP 3.2.2.6,
4.1.4.8). Only public documents pass here; the secrets stay on the holders' devices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from scrutin.crypto import dkg
from scrutin.crypto.encoding import EncodingError, fingerprint
from scrutin.crypto.group import GROUP_NAMES

from ..accounts.perimeters import perimeter_of
from ..audit.journal import record_event
from ..electoral.models import Cci, Urn
from . import rounds
from .models import KeyCeremony, KeyHolder, RoundMessage
from .rounds import Refused

HOLD_KEY = "accounts.hold_key"


def finalized_trustees(cci_code: str) -> dict[str, Any] | None:
    """The COE's public ``trustees.json`` once its ceremony is finalized, else ``None``."""
    row = KeyCeremony.objects.filter(cci_id=cci_code, trustees__isnull=False).first()
    return row.trustees if row else None


def _ceremony_id(code: str, attempt: int) -> str:
    """``coe-011-1``; for the ceremony of a later election of the CCI (after an annulment or for
    a partial election, ``electoral.succession``) ``coe-011-e2-1``: never an earlier id again."""
    from .models import ArchivedCeremony

    archived = ArchivedCeremony.objects.filter(cci_id=code).count()
    return f"coe-{code}-{attempt}" if archived == 0 else f"coe-{code}-e{archived + 1}-{attempt}"


def display_name(user: Any) -> str:
    return str(user.get_full_name() or user.username)


def trustee_names(cci_code: str) -> dict[str, str]:
    """The key holders of the COE's ceremony by trustee id: their account's full name (the PV
    and the tally page name them, not ``president`` / ``assesseur-1``)."""
    holders = KeyHolder.objects.filter(ceremony__cci_id=cci_code).select_related("user")
    return {h.trustee: display_name(h.user) for h in holders}


def eligible_holders(cci_code: str) -> list[User]:
    """Active management accounts with ``accounts.hold_key`` whose perimeter covers the CCI."""
    users = User.objects.filter(is_active=True, perimeter__isnull=False).select_related("perimeter")
    found = []
    for user in users.order_by("last_name", "first_name", "username"):
        perimeter = perimeter_of(user)
        if perimeter is not None and perimeter.covers(cci_code) and user.has_perm(HOLD_KEY):
            found.append(user)
    return found


def locked_reason(ceremony: KeyCeremony | None, cci_code: str) -> str | None:
    """Why the ceremony can no longer change: finalized, or an urn of the CCI already sealed."""
    if ceremony is not None and ceremony.finalized_at is not None:
        return "La cérémonie est terminée : trustees.json est publié et ne peut plus changer."
    if Urn.objects.filter(cci_id=cci_code, sealed_at__isnull=False).exists():
        return "Une urne de la CCI est déjà scellée : la cérémonie des clés ne peut plus changer."
    return None


def _check_unlocked(ceremony: KeyCeremony | None, cci_code: str) -> None:
    reason = locked_reason(ceremony, cci_code)
    if reason:
        raise Refused(reason)


def ceremony_of(ceremony: KeyCeremony) -> dkg.Ceremony:
    return dkg.parse_ceremony(ceremony.document)


def _assign(
    ceremony: KeyCeremony,
    group: str,
    president: User,
    assessors: list[User],
    threshold: int,
) -> None:
    """Validate the choice of holders, write ceremony.json of the attempt and the slots."""
    code = ceremony.cci_id
    eligible = {u.pk for u in eligible_holders(code)}
    people = [president, *assessors]
    if group not in GROUP_NAMES:
        raise Refused("Groupe inconnu : ristretto255 ou P-256.")
    if not assessors:
        raise Refused("Choisissez au moins un assesseur détenteur de clé (CCTP 3.2.2.6).")
    if len({u.pk for u in people}) != len(people):
        raise Refused("Le président et les assesseurs doivent être des personnes distinctes.")
    if any(u.pk not in eligible for u in people):
        raise Refused("Chaque détenteur doit être un compte de la CCI autorisé à détenir une clé.")
    if not 1 <= threshold <= len(assessors):
        raise Refused(
            f"Le seuil doit être compris entre 1 et {len(assessors)} (nombre d'assesseurs)."
        )
    ids = ["president", *(f"assesseur-{i}" for i in range(1, len(assessors) + 1))]
    document = {
        "format": dkg.CEREMONY_FORMAT,
        "ceremony_id": _ceremony_id(code, ceremony.attempt),
        "group": group,
        "president": ids[0],
        "assessors": ids[1:],
        "threshold": threshold,
    }
    dkg.parse_ceremony(document)
    ceremony.document = document
    ceremony.save()
    ceremony.holders.all().delete()
    for position, (trustee, user) in enumerate(zip(ids, people, strict=True)):
        role = KeyHolder.Role.PRESIDENT if position == 0 else KeyHolder.Role.ASSESSOR
        KeyHolder.objects.create(
            ceremony=ceremony, trustee=trustee, role=role, position=position, user=user
        )


def _holders_data(ceremony: KeyCeremony) -> dict[str, str]:
    return {h.trustee: h.user.username for h in ceremony.holders.select_related("user")}


@transaction.atomic
def create_ceremony(
    cci: Cci, *, actor: Any, group: str, president: User, assessors: list[User], threshold: int
) -> KeyCeremony:
    """Open the COE's ceremony (CCTP 4.1.4.8); journaled ``ceremony:coe:create``."""
    Cci.objects.select_for_update().filter(pk=cci.pk).first()
    if KeyCeremony.objects.filter(cci=cci).exists():
        raise Refused("La cérémonie de cette COE existe déjà ; recommencez-la si nécessaire.")
    _check_unlocked(None, cci.code)
    ceremony = KeyCeremony(cci=cci, attempt=1)
    _assign(ceremony, group, president, assessors, threshold)
    record_event("ceremony:coe:create", actor=actor, cci_code=cci.code, data={
        "ceremony": fingerprint(ceremony.document), "ceremony_id": ceremony.document["ceremony_id"],
        "group": group, "threshold": threshold, "holders": _holders_data(ceremony),
    })  # fmt: skip
    return ceremony


@transaction.atomic
def restart_ceremony(
    cci_code: str,
    *,
    actor: Any,
    reason: str,
    group: str,
    president: User,
    assessors: list[User],
    threshold: int,
) -> KeyCeremony:
    """A new attempt after a complaint (or a lost support before the end): every holder starts
    again from round 1 with the new ceremony.json; journaled ``ceremony:coe:restart``."""
    ceremony = KeyCeremony.objects.select_for_update().get(cci_id=cci_code)
    _check_unlocked(ceremony, cci_code)
    if not reason.strip():
        raise Refused("Indiquez le motif de la reprise (il est inscrit au journal).")
    previous = fingerprint(ceremony.document)
    complaints = sorted(
        {c for m in messages(ceremony, 3) for c in m.document.get("complaints", [])}
    )
    ceremony.attempt += 1
    _assign(ceremony, group, president, assessors, threshold)
    record_event("ceremony:coe:restart", actor=actor, cci_code=cci_code, data={
        "previous": previous, "ceremony": fingerprint(ceremony.document),
        "attempt": ceremony.attempt, "reason": reason.strip()[:500], "complaints": complaints,
        "group": group, "threshold": threshold, "holders": _holders_data(ceremony),
    })  # fmt: skip
    return ceremony


def messages(ceremony: KeyCeremony, number: int) -> list[RoundMessage]:
    return list(
        RoundMessage.objects.filter(ceremony=ceremony, attempt=ceremony.attempt, round=number)
    )


def documents(ceremony: KeyCeremony, number: int) -> list[dict[str, Any]]:
    return [m.document for m in messages(ceremony, number)]


def holder_of(ceremony: KeyCeremony, user: Any) -> KeyHolder | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ceremony.holders.filter(user=user).first()


def _expected(c: dkg.Ceremony, number: int) -> set[str]:
    return set(c.assessors) if number == 2 else {c.president, *c.assessors}


def round_complete(ceremony: KeyCeremony, number: int) -> bool:
    c = ceremony_of(ceremony)
    return {m.trustee for m in messages(ceremony, number)} == _expected(c, number)


@transaction.atomic
def receive(cci_code: str, user: Any, raw: bytes) -> str:
    """Check and keep a holder's round message; returns the French confirmation shown to them."""
    ceremony = KeyCeremony.objects.select_for_update().get(cci_id=cci_code)
    _check_unlocked(ceremony, cci_code)
    holder = holder_of(ceremony, user)
    if holder is None:
        raise Refused("Vous n'êtes pas détenteur de clé de cette cérémonie.")
    doc = rounds.load(raw)
    c = ceremony_of(ceremony)
    number = rounds.check_common(c, holder.trustee, doc)
    previous = RoundMessage.objects.filter(
        ceremony=ceremony, attempt=ceremony.attempt, round=number, trustee=holder.trustee
    ).first()
    if previous is not None:
        same = previous.fingerprint == fingerprint(doc)
        raise Refused(
            f"Votre message du tour {number} a déjà été reçu le "
            f"{timezone.localtime(previous.received_at):%d/%m/%Y à %H:%M}"
            + (" (c'est le même fichier)." if same else " : un second message est refusé.")
        )
    round1 = documents(ceremony, 1)
    if number > 1 and not round_complete(ceremony, 1):
        raise Refused(
            f"Le tour {number} n'est pas encore ouvert : il manque des messages du tour 1."
        )
    if number == 1:
        rounds.check_round1(c, holder.trustee, doc)
        if {m["trustee"] for m in round1} | {holder.trustee} == _expected(c, 1):
            try:
                dkg.check_round1(c, [*round1, doc])
            except (dkg.CeremonyError, EncodingError) as exc:
                raise Refused(f"Les messages du tour 1 sont incohérents ({exc}).") from None
    elif number == 2:
        rounds.check_round2(c, holder.trustee, doc, round1)
    else:
        if holder.role == KeyHolder.Role.ASSESSOR and not round_complete(ceremony, 2):
            raise Refused("Le tour 3 n'est pas encore ouvert : il manque des messages du tour 2.")
        rounds.check_round3(c, holder.trustee, doc, round1)
    try:
        with transaction.atomic():
            RoundMessage.objects.create(
                ceremony=ceremony, attempt=ceremony.attempt, round=number,
                trustee=holder.trustee, document=doc, fingerprint=fingerprint(doc),
                received_from=user,
            )  # fmt: skip
    except IntegrityError:
        raise Refused(f"Votre message du tour {number} a déjà été reçu.") from None
    data: dict[str, Any] = {"round": number, "trustee": holder.trustee,
                            "message": fingerprint(doc), "ceremony": fingerprint(c.to_json())}  # fmt: skip
    if number == 3:
        data["complaints"] = list(doc["complaints"])
    record_event("ceremony:round:receive", actor=user, cci_code=cci_code, data=data)
    if number == 3 and doc["complaints"]:
        return (
            f"Message du tour 3 reçu, avec une réclamation contre {', '.join(doc['complaints'])} : "
            "l'organisateur doit recommencer la cérémonie."
        )
    return f"Message du tour {number} reçu et vérifié (empreinte {fingerprint(doc)[:16]}…)."


@transaction.atomic
def finalize(cci_code: str, actor: Any) -> KeyCeremony:
    """Every round 3 is in without complaint: build and keep trustees.json (journaled)."""
    ceremony = KeyCeremony.objects.select_for_update().get(cci_id=cci_code)
    _check_unlocked(ceremony, cci_code)
    c = ceremony_of(ceremony)
    round3 = documents(ceremony, 3)
    complaints = sorted({x for m in round3 for x in m["complaints"]})
    if complaints:
        raise Refused(
            f"Réclamation contre {', '.join(complaints)} : une part invalide a été envoyée, "
            "recommencez la cérémonie."
        )
    missing = sorted(_expected(c, 3) - {m["trustee"] for m in round3})
    if missing:
        raise Refused(f"Il manque les confirmations du tour 3 de : {', '.join(missing)}.")
    try:
        trustees = dkg.finalize(c, documents(ceremony, 1), round3)
    except (dkg.CeremonyError, EncodingError) as exc:
        raise Refused(f"La cérémonie ne peut pas être terminée : {exc}.") from None
    ceremony.trustees = trustees
    ceremony.finalized_at = timezone.now()
    ceremony.save(update_fields=["trustees", "finalized_at"])
    record_event("ceremony:coe:finalize", actor=actor, cci_code=cci_code, data={
        "trustees": fingerprint(trustees), "public_key": trustees["public_key"],
        "ceremony": fingerprint(c.to_json()), "attempt": ceremony.attempt,
    })  # fmt: skip
    return ceremony


@dataclass(frozen=True)
class HolderRow:
    holder: KeyHolder
    received: dict[int, RoundMessage | None]
    complaints: list[str]

    @property
    def name(self) -> str:
        return display_name(self.holder.user)


def progress(ceremony: KeyCeremony) -> list[HolderRow]:
    """Who has posted what in the current attempt (organiser's page)."""
    got = {(m.round, m.trustee): m for m in ceremony.messages.filter(attempt=ceremony.attempt)}
    rows = []
    for h in ceremony.holders.select_related("user"):
        received = {n: got.get((n, h.trustee)) for n in (1, 2, 3)}
        r3 = received[3]
        rows.append(HolderRow(h, received, list(r3.document["complaints"]) if r3 else []))
    return rows


def next_round(ceremony: KeyCeremony, holder: KeyHolder) -> tuple[int | None, str]:
    """The round the holder can run now (or ``None``) and a French explanation."""
    if ceremony.finalized_at is not None:
        return (
            None,
            "La cérémonie est terminée. Conservez votre support de clé jusqu'au dépouillement.",
        )
    posted = {
        m.round
        for m in RoundMessage.objects.filter(
            ceremony=ceremony, attempt=ceremony.attempt, trustee=holder.trustee
        )
    }
    if 1 not in posted:
        return 1, "Tour 1 : créez vos engagements et votre fichier secret du tour 1."
    if not round_complete(ceremony, 1):
        return None, "Votre tour 1 est reçu. Attendez les messages du tour 1 des autres gardiens."
    president = holder.role == KeyHolder.Role.PRESIDENT
    if not president and 2 not in posted:
        return 2, "Tour 2 : chiffrez une part pour chacun des autres assesseurs."
    if not president and not round_complete(ceremony, 2):
        return None, "Votre tour 2 est reçu. Attendez les messages du tour 2 des autres assesseurs."
    if 3 not in posted:
        return 3, "Tour 3 : vérifiez les parts reçues et créez votre clé de dépouillement."
    return None, "Votre confirmation du tour 3 est reçue. L'organisateur termine la cérémonie."
