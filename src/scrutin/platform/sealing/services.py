"""Sealing the urns and the platform before the vote, and each urn at its closing
(CCTP 4.1.4.6, 4.1.4.7, 4.1.4.8, 4.2.2.2; design invariant 7; docs/protocol.md §14).

Order of the operations, each one refused until the previous holds:

1. **Urn seal**, per urn, within the perimeter: the COE's key ceremony is finalized, the
   candidatures are sealed, the electors are imported; the urn's election is built and fixed,
   then signed with the fingerprints of its electors list and candidatures. The platform must
   not be sealed at that moment (CCTP 4.1.4.7: every urn is sealed *before* the platform).
2. **Platform seal**, national, only when every urn that has an election is sealed: digests of
   the code and of the served assets, and the list of the urn seals. The vote is open for an
   urn only while a platform seal is in force and the urn is sealed (``voting.cast``).
   Unsealing records a signed unseal (decision reference and reason); voting stops until a new
   platform seal.
3. **Closing seal**, per urn, at its closing time (``close_due``) or by authorised decision
   (``close_urn``): the vote is closed, casts in flight finish, then the ballots file and the
   émargement list are counted, fingerprinted and signed. Nothing is accepted afterwards.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from scrutin.crypto.encoding import fingerprint

from ..audit.journal import record_event
from ..ballotbox.models import Ballot, BallotIntent
from ..electoral import fingerprints as list_fingerprints
from ..electoral.models import Elector, Urn
from ..voting.models import CastIntent, UrnElection
from . import documents as docs
from .ballots import BALLOTBOX, ballots_digest, write_ballots_file
from .models import PlatformSeal, UrnClosing, UrnSeal

PARIS = ZoneInfo("Europe/Paris")
#: Longest wait for the casts in flight when closing (a crashed cast is settled by recovery
#: after ``voting.cast.STALE_AFTER``, two minutes).
CLOSE_WAIT_SECONDS = 180.0

__all__ = [
    "SealingError", "ballots_digest", "bundle", "close_due", "close_urn", "closing_of",
    "fingerprints", "national_window", "platform_seal_in_force", "seal_election",
    "seal_platform", "seal_urn", "unseal_platform", "urn_preconditions", "write_ballots_file",
]  # fmt: skip


class SealingError(Exception):
    """A sealing or closing action refused now; the message (French) says why."""


# --- state ---------------------------------------------------------------------------------


def platform_seal_in_force() -> PlatformSeal | None:
    return PlatformSeal.objects.filter(unsealed_at__isnull=True).order_by("-sequence").first()


def latest_platform_seal() -> PlatformSeal | None:
    return PlatformSeal.objects.order_by("-sequence").first()


def closing_of(urn: Urn) -> UrnClosing | None:
    """The closing seal of the urn (``ballot_count``, ``ballots_sha256``, ``fingerprint``…)."""
    return UrnClosing.objects.filter(urn=urn).first()


def unsealed_urns() -> list[Urn]:
    """Urns that have an election but no seal: the platform cannot be sealed while any remains."""
    return list(
        Urn.objects.filter(election__isnull=False, seal__isnull=True)
        .select_related("cci")
        .order_by("code")
    )


def fingerprints(urn: Urn) -> dict[str, str]:
    """The seals' fingerprints the minutes and results quote ("" when not sealed yet)."""
    seal = UrnSeal.objects.filter(urn=urn).first()
    closing = closing_of(urn)
    platform = ""
    if closing is not None:
        platform = closing.document.get("platform_seal") or ""
    elif (latest := latest_platform_seal()) is not None:
        platform = latest.fingerprint
    return {
        "platform": platform,
        "opening": seal.fingerprint if seal else "",
        "closing": closing.fingerprint if closing else "",
        "ballots": closing.ballots_sha256 if closing else "",
        "emargements": closing.emargements_sha256 if closing else "",
    }


# --- the opening window ---------------------------------------------------------------------


def _moment(value: object, name: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise SealingError(f"{name} : date et heure ISO 8601 attendues ({value!r}).") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


def national_window() -> tuple[datetime, datetime] | None:
    """The national opening and closing times (``SCRUTIN_VOTE_OPENS_AT`` / ``_CLOSES_AT``, in
    the settings or the environment; ISO 8601, Paris time when no offset), if both are set."""
    values = []
    for name in ("SCRUTIN_VOTE_OPENS_AT", "SCRUTIN_VOTE_CLOSES_AT"):
        value = getattr(settings, name, None) or os.environ.get(name)
        if not value:
            return None
        values.append(_moment(value, name))
    return values[0], values[1]


def check_window(opens_at: datetime, closes_at: datetime) -> None:
    if opens_at >= closes_at:
        raise SealingError("La clôture du vote doit être postérieure à son ouverture.")
    if closes_at <= timezone.now():
        raise SealingError("La date de clôture du vote est déjà passée.")


# --- urn seal ---------------------------------------------------------------------------------


def urn_preconditions(urn: Urn) -> list[str]:
    """Why ``urn`` cannot be sealed now (French, one reason per item), or ``[]``."""
    return preconditions([urn])[urn.id]


def preconditions(urns: Iterable[Urn]) -> dict[int, list[str]]:
    """:func:`urn_preconditions` of many urns with a fixed number of queries (the sealing page
    lists every urn of the nation)."""
    from ..candidates.services import current_seals
    from ..ceremony.models import KeyCeremony

    urns = list(urns)
    ids = [u.id for u in urns]
    sealed = set(UrnSeal.objects.filter(urn_id__in=ids).values_list("urn_id", flat=True))
    platform_sealed = platform_seal_in_force() is not None
    finalized = set(
        KeyCeremony.objects.filter(
            cci_id__in={u.cci_id for u in urns}, trustees__isnull=False
        ).values_list("cci_id", flat=True)
    )
    candidatures = current_seals(ids)
    with_electors = set(
        Urn.objects.filter(id__in=ids)
        .filter(Exists(Elector.objects.filter(urn=OuterRef("pk"))))
        .values_list("id", flat=True)
    )
    out = {}
    for urn in urns:
        if urn.id in sealed:
            out[urn.id] = ["l'urne est déjà scellée."]
            continue
        reasons = []
        if platform_sealed:
            reasons.append(
                "la plate-forme est scellée : les urnes se scellent avant elle "
                "(un descellement national est nécessaire)."
            )
        if urn.cci_id not in finalized:
            reasons.append("la cérémonie des clés de la COE n'est pas terminée.")
        if urn.id not in candidatures:
            reasons.append("les candidatures ne sont pas scellées.")
        if urn.id not in with_electors:
            reasons.append("aucun électeur n'est importé pour cette urne.")
        out[urn.id] = reasons
    return out


def seal_urn(urn: Urn, *, opens_at: datetime, closes_at: datetime, user: Any = None) -> UrnSeal:
    """Build the urn's election from its COE's key ceremony and seal it (CCTP 4.1.4.6)."""
    from ..ceremony.services import finalized_trustees
    from ..voting.elections import open_election

    check_window(opens_at, closes_at)
    with transaction.atomic():
        locked = Urn.objects.select_for_update().select_related("cci").get(pk=urn.pk)
        reasons = urn_preconditions(locked)
        if reasons:
            raise SealingError(f"Urne {locked.code} : " + " ".join(reasons))
        trustees = finalized_trustees(locked.cci_id)
        assert trustees is not None  # checked above
        election = open_election(
            locked, trustees, trustees["ceremony"]["group"], opens_at, closes_at
        )
        return seal_election(election, user=user)


def seal_election(election: UrnElection, *, user: Any = None) -> UrnSeal:
    """Seal an urn whose election is built (by ``seal_urn``): its election, trustees, electors
    list and candidatures as they are now. Refused once sealed or while the platform is."""
    from ..candidates.services import current_seal

    with transaction.atomic():
        urn = Urn.objects.select_for_update().select_related("cci").get(pk=election.urn_id)
        if UrnSeal.objects.filter(urn=urn).exists():
            raise SealingError(f"Urne {urn.code} : l'urne est déjà scellée.")
        if platform_seal_in_force() is not None:
            raise SealingError(f"Urne {urn.code} : la plate-forme est scellée.")
        election = UrnElection.objects.select_for_update().get(pk=election.pk)
        # recomputed from every row under the urn's lock, and stored: the control list shows
        # exactly what the seal fixes
        count, electors_sha256 = list_fingerprints.refresh([urn])[urn.id]
        candidatures = current_seal(urn)
        now = timezone.now()
        document, fp = docs.signed({
            "format": docs.URN_SEAL, "urn": urn.code, "cci": urn.cci_id,
            "election": election.fingerprint, "trustees": election.params["trustees"],
            "opens_at": docs.iso(election.opens_at), "closes_at": docs.iso(election.closes_at),
            "electors": {"count": count, "sha256": electors_sha256},
            "candidatures": candidatures.fingerprint if candidatures else None,
            "sealed_at": docs.iso(now),
        })  # fmt: skip
        seal = UrnSeal.objects.create(urn=urn, document=document, fingerprint=fp, sealed_at=now,
                                      sealed_by=_user(user))  # fmt: skip
        Urn.objects.filter(pk=urn.pk).update(sealed_at=now)
        record_event("urn:seal:create", actor=user, cci_code=urn.cci_id, urn_code=urn.code,
                     data={"seal": fp, "election": election.fingerprint, "electors": count,
                           "electors_sha256": electors_sha256,
                           "candidatures": document["candidatures"]})  # fmt: skip
        return seal


def _user(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


# --- platform seal ----------------------------------------------------------------------------


def seal_platform(*, user: Any = None) -> PlatformSeal:
    """Seal the platform (national; CCTP 4.1.4.6, 4.1.4.7): refused unless every urn with an
    election is sealed. Lists the SHA-256 of every code file and served asset."""
    with transaction.atomic():
        # every urn row locked: no urn can be sealed (or built) while this seal is written
        list(Urn.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        if platform_seal_in_force() is not None:
            raise SealingError("La plate-forme est déjà scellée.")
        missing = unsealed_urns()
        if missing:
            codes = ", ".join(u.code for u in missing[:20]) + (" …" if len(missing) > 20 else "")
            raise SealingError(
                f"{len(missing)} urne(s) ne sont pas scellées ({codes}) : "
                "toutes les urnes doivent l'être avant la plate-forme."
            )
        seals = {s.urn.code: s.fingerprint for s in UrnSeal.objects.select_related("urn")}
        if not seals:
            raise SealingError("Aucune urne n'est scellée : il n'y a rien à ouvrir au vote.")
        previous = latest_platform_seal()
        sequence = previous.sequence + 1 if previous else 1
        code, assets = docs.code_block(), docs.assets_block()
        now = timezone.now()
        document, fp = docs.signed({
            "format": docs.PLATFORM_SEAL, "sequence": sequence,
            "previous": previous.fingerprint if previous else None,
            "code": code,
            "assets": assets,
            "urns": dict(sorted(seals.items())), "sealed_at": docs.iso(now),
        })  # fmt: skip
        seal = PlatformSeal.objects.create(sequence=sequence, document=document, fingerprint=fp,
                                           sealed_at=now, sealed_by=_user(user))  # fmt: skip
        record_event("platform:seal:create", actor=user,
                     data={"seal": fp, "sequence": sequence, "code_sha256": document["code"]["sha256"],
                           "assets_sha256": document["assets"]["sha256"], "urns": len(seals)})  # fmt: skip
        return seal


def unseal_platform(*, user: Any, reference: str, reason: str) -> PlatformSeal:
    """Lift the platform seal in force (national decision, CCTP 4.1.4.6): a signed unseal is
    recorded and journaled; voting stops until the platform is sealed again."""
    reference, reason = reference.strip(), reason.strip()
    if not reference or not reason:
        raise SealingError("La référence de la décision et le motif sont obligatoires.")
    with transaction.atomic():
        seal = (
            PlatformSeal.objects.select_for_update()
            .filter(unsealed_at__isnull=True)
            .order_by("-sequence")
            .first()
        )
        if seal is None:
            raise SealingError("La plate-forme n'est pas scellée.")
        now = timezone.now()
        document, fp = docs.signed({
            "format": docs.PLATFORM_UNSEAL, "seal": seal.fingerprint, "sequence": seal.sequence,
            "reference": reference, "reason": reason, "unsealed_at": docs.iso(now),
        })  # fmt: skip
        seal.unseal_document = document
        seal.unsealed_at = now
        seal.unsealed_by = _user(user)
        seal.save(update_fields=["unseal_document", "unsealed_at", "unsealed_by"])
        record_event("platform:seal:remove", actor=user,
                     data={"seal": seal.fingerprint, "unseal": fp, "reference": reference,
                           "reason": reason})  # fmt: skip
        return seal


# --- closing ----------------------------------------------------------------------------------


def _casts_in_flight(urn: Urn) -> bool:
    """A cast of the urn has started and not finished: its intent, or its ballot still tagged."""
    if CastIntent.objects.filter(urn=urn).exists():
        return True
    ballots = Ballot.objects.using(BALLOTBOX).filter(urn_code=urn.code).values("fingerprint")
    return BallotIntent.objects.using(BALLOTBOX).filter(fingerprint__in=ballots).exists()


def _wait_for_casts(urn: Urn, limit: float) -> None:
    """Until every cast that started before the closing has finished (or been settled by the
    crash recovery, which runs here too)."""
    from ..voting.cast import recover

    started = time.monotonic()
    last_recovery = started
    while _casts_in_flight(urn):
        now = time.monotonic()
        if now - started > limit:
            raise SealingError(
                f"Urne {urn.code} : des votes en cours d'enregistrement ne se terminent pas ; "
                "la clôture reprendra à la prochaine exécution."
            )
        if now - last_recovery >= 1.0:
            recover()  # settles intents older than STALE_AFTER and orphan tags
            last_recovery = now
        time.sleep(0.05)


def close_urn(
    urn: Urn, *, user: Any = None, reason: str = "", wait: float = CLOSE_WAIT_SECONDS
) -> UrnClosing:
    """Close the vote of ``urn`` and seal it (CCTP 4.1.4.8). Idempotent: an urn already
    sealed at its closing gets its existing seal back.

    ``closed_at`` is set under the election row's exclusive lock, which waits for the casts
    that are inside their first step (they hold a key-share lock on that row, see
    ``voting.cast``): a cast either recorded its intent before, and is waited for and counted,
    or sees the urn closed and is refused."""
    election = UrnElection.objects.filter(urn=urn).first()
    if election is None:
        raise SealingError(f"Urne {urn.code} : aucune élection n'a été préparée.")
    existing = closing_of(urn)
    if existing is not None:
        return existing
    if not UrnSeal.objects.filter(urn=urn).exists():
        raise SealingError(f"Urne {urn.code} : l'urne n'a jamais été scellée, son vote n'a pas pu ouvrir.")  # fmt: skip
    decision = bool(reason.strip())
    with transaction.atomic():
        locked = UrnElection.objects.select_for_update().get(pk=election.pk)
        if locked.closed_at is None:
            now = timezone.now()
            locked.closed_at = min(now, locked.closes_at)
            locked.save(update_fields=["closed_at"])
    _wait_for_casts(urn, wait)
    with transaction.atomic():
        locked = UrnElection.objects.select_for_update().get(pk=election.pk)
        existing = closing_of(urn)  # a concurrent closing finished first
        if existing is not None:
            return existing
        assert locked.closed_at is not None
        count, ballots_sha256 = ballots_digest(urn)
        emargements = docs.emargements_document(urn.code)
        em_count, em_sha256 = len(emargements["emargements"]), fingerprint(emargements)
        urn_seal = UrnSeal.objects.get(urn=urn)
        platform = latest_platform_seal()
        now = timezone.now()
        document, fp = docs.signed({
            "format": docs.URN_CLOSING, "urn": urn.code, "election": locked.fingerprint,
            "urn_seal": urn_seal.fingerprint,
            "platform_seal": platform.fingerprint if platform else None,
            "closes_at": docs.iso(locked.closes_at), "closed_at": docs.iso(locked.closed_at),
            "trigger": "decision" if decision else "schedule", "reason": reason.strip(),
            "ballots": {"count": count, "sha256": ballots_sha256},
            "emargements": {"count": em_count, "sha256": em_sha256},
            "sealed_at": docs.iso(now),
        })  # fmt: skip
        closing = UrnClosing.objects.create(
            urn=urn, document=document, fingerprint=fp, closed_at=locked.closed_at, sealed_at=now,
            ballot_count=count, ballots_sha256=ballots_sha256, emargement_count=em_count,
            emargements_sha256=em_sha256, closed_by=_user(user),
        )  # fmt: skip
        record_event("voting:urn:close", actor=user, cci_code=urn.cci_id, urn_code=urn.code,
                     data={"closing_seal": fp, "election": locked.fingerprint,
                           "closed_at": document["closed_at"], "voters": em_count,
                           "ballot_count": count, "trigger": document["trigger"],
                           "reason": document["reason"]})  # fmt: skip
    if not Urn.objects.filter(seal__isnull=False, closing__isnull=True).exists():
        # the last open urn is closed: the ballot box forgets the order of arrival (docs/voting.md)
        from ..ballotbox.order import rewrite_after_close

        rewrite_after_close()
    return closing


def due_urns(now: datetime | None = None) -> list[Urn]:
    """Sealed urns whose closing time has passed and that have no closing seal yet."""
    moment = now or timezone.now()
    return list(
        Urn.objects.filter(
            election__closes_at__lte=moment, seal__isnull=False, closing__isnull=True
        )
        .select_related("cci")
        .order_by("code")
    )


def close_due(now: datetime | None = None) -> tuple[list[UrnClosing], list[str]]:
    """Close every urn whose closing time has passed (the timer's job; idempotent). Returns
    the closings made and the errors (an urn that could not be closed is retried next time)."""
    done, errors = [], []
    for urn in due_urns(now):
        try:
            done.append(close_urn(urn))
        except SealingError as exc:
            errors.append(str(exc))
    return done, errors


# --- publication ------------------------------------------------------------------------------


def bundle() -> dict[str, Any]:
    """Every seal document, for anyone to verify (``scrutin verify --seals``), with the
    election parameters the urn seals fingerprint."""
    platform = list(PlatformSeal.objects.order_by("sequence"))
    urn_seals = list(UrnSeal.objects.select_related("urn__election").order_by("urn__code"))
    return {
        "format": docs.BUNDLE,
        "platform": [p.document for p in platform],
        "unseals": [p.unseal_document for p in platform if p.unseal_document is not None],
        "urns": [s.document for s in urn_seals],
        "closings": [c.document for c in UrnClosing.objects.order_by("urn__code")],
        "elections": {s.urn.code: s.urn.election.params for s in urn_seals},
    }
