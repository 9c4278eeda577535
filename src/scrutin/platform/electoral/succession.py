"""A new election of a scrutin, decided nationally (docs/fr/annulation.md, issue 17):

* **annulment** (:func:`annul`): the election of an urn is annulled by a decision (reference and
  reason required); its rows — election parameters, urn and closing seals, ballots, tally,
  results, record — are **never changed**: they stay, marked as annulled by the
  :class:`~.models.UrnSuccession` that names them, and the pages and exports that show results
  say « Élection annulée par décision … du … »;
* **partial election** (:func:`partial`): during the mandate, seats to fill in some categories of
  one CCI; the general election stays valid and untouched.

Either way the new election is a **new urn** of the same CCI × category × sub-category, with the
next ``generation`` and the code ``<code of the first>.<n>`` (``011-C.2``): its own questions
(new candidatures), dates (given when it is sealed), election identifier
(``cci-2026-011-C.2``), seals, ballots and record — every existing service already keeps urns
apart, so the two records and their seals verify independently and the public record format
does not change (docs/protocol.md §16).

What moves to the new urn: the electors (the same list; a CELE or court decision can amend it
before the new urn's seal, or :func:`replace_list` replaces it by a new annex-7 file). For them to vote again, the previous émargement list is first
archived to ``VAR_DIR/successions/<code>/emargements.json`` (its fingerprint is checked against
the closing seal, and ``scrutin urns check-seals`` checks the archive afterwards), then removed;
their credentials are invalidated (kept only as :class:`DeadCredential` hashes so that a login
with them gets a clear French message); and the COE's finalized key ceremony is archived
(:class:`ArchivedCeremony`) so that it runs a new one. A decision is refused while any urn of
the CCI has not finished its tally: an annulment decides on proclaimed results, and the new
ceremony replaces the keys the tally of those urns would need.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from scrutin.crypto.encoding import fingerprint

from ..accounts.perimeters import is_national
from ..audit.journal import record_event
from . import fingerprints
from .models import Cci, Elector, Question, Urn, UrnSuccession

NATIONAL_ONLY = (
    "Seul un compte national (CCI France) peut annuler une élection ou créer une élection "
    "partielle."
)
SKIPPED_FIELDS = {"id", "code", "sealed_at", "generation", "seats_ccir", "seats_ccit"}


class SuccessionRefused(Exception):
    """The decision cannot be applied (French message); nothing was changed."""


@dataclass
class Created:
    previous: Urn
    successor: Urn
    succession: UrnSuccession


def root_code(urn: Urn) -> str:
    """The code of the scrutin's first election (``011-C`` for ``011-C.2``)."""
    return urn.code.split(".", 1)[0]


def annulment_of(urn: Urn) -> UrnSuccession | None:
    """The decision that annulled this urn's election, if any."""
    return (UrnSuccession.objects.filter(previous=urn, kind=UrnSuccession.Kind.ANNULMENT)
            .select_related("successor").first())  # fmt: skip


def annulments(urn_ids: list[int]) -> dict[int, UrnSuccession]:
    """:func:`annulment_of` for many urns in one query (exports and pages)."""
    rows = UrnSuccession.objects.filter(
        previous_id__in=urn_ids, kind=UrnSuccession.Kind.ANNULMENT
    ).select_related("successor")
    return {row.previous_id: row for row in rows}


def status_label(urn: Urn, annulled: UrnSuccession | None = None) -> str:
    """What the results pages and exports say of the election an urn holds (French)."""
    if annulled is not None:
        return f"{annulled.label()} — remplacée par l'urne {annulled.successor.code}"
    origin = UrnSuccession.objects.filter(successor=urn).first() if urn.generation > 1 else None
    if origin is None:
        return "Élection en vigueur"
    what = "nouvelle élection" if origin.is_annulment else "élection partielle"
    return f"Élection en vigueur ({what} n° {urn.generation}, décision {origin.reference})"


def current_codes(cci_code: str) -> list[str]:
    """The CCI's sealed urns whose election is in force (not replaced by a new election): what
    « every urn of the CCI » means for an annulment (an urn never sealed had no election)."""
    urns = Urn.objects.filter(
        cci_id=cci_code, successions__isnull=True, seal__isnull=False
    ).order_by("code")
    return list(urns.values_list("code", flat=True))


def _check(user: Any, reference: str, reason: str) -> tuple[str, str]:
    if user is None or not is_national(user):
        raise SuccessionRefused(NATIONAL_ONLY)
    reference, reason = reference.strip(), reason.strip()
    if not reference:
        raise SuccessionRefused(
            "Indiquez la référence de la décision (elle est inscrite au journal)."
        )
    if not reason:
        raise SuccessionRefused("Indiquez le motif de la décision (il est inscrit au journal).")
    return reference[:200], reason


def _check_cci_tallied(cci: Cci) -> None:
    from ..tally.models import TallySession

    pending = []
    for urn in Urn.objects.filter(cci=cci).select_related("tally").order_by("code"):
        if hasattr(urn, "seal") and annulment_of(urn) is None:
            tally = getattr(urn, "tally", None)
            if tally is None or tally.state != TallySession.State.DONE:
                pending.append(urn.code)
    if pending:
        raise SuccessionRefused(
            f"Dépouillement non terminé pour l'urne ou les urnes {', '.join(pending)} de la CCI "
            f"{cci.code} : une annulation porte sur des résultats proclamés, et la nouvelle "
            "élection (annulation ou élection partielle) remplacera les clés de la COE par une "
            "nouvelle cérémonie. Terminez d'abord le dépouillement "
            "(une urne encore ouverte se clôt sur décision : scrutin urns close CODE --motif …)."
        )


def _current(urn: Urn) -> None:
    if Urn.objects.filter(category=urn.category, subcategory_code=urn.subcategory_code,
                          generation__gt=urn.generation).exists():  # fmt: skip
        raise SuccessionRefused(
            f"L'urne {urn.code} a déjà été remplacée par une élection plus récente : la décision "
            "porte sur l'élection en vigueur."
        )


def _successor(previous: Urn, seats: tuple[int, int] | None) -> Urn:
    """The new urn: the previous one's structure row, the next generation, its own questions."""
    generation = 1 + (Urn.objects.filter(category=previous.category,
                                         subcategory_code=previous.subcategory_code)
                      .aggregate(g=Max("generation"))["g"] or 1)  # fmt: skip
    values = {f.attname: getattr(previous, f.attname) for f in Urn._meta.concrete_fields
              if f.attname not in SKIPPED_FIELDS}  # fmt: skip
    ccir, ccit = seats if seats is not None else (previous.seats_ccir, previous.seats_ccit)
    suffix = f" — élection n° {generation}"
    values["site_title"] = previous.site_title[: 100 - len(suffix)] + suffix
    urn = Urn.objects.create(code=f"{root_code(previous)}.{generation}", generation=generation,
                             seats_ccir=ccir, seats_ccit=ccit, **values)  # fmt: skip
    wanted: dict[str, int] = {Question.Kind.CCIR.value: ccir, Question.Kind.CCIT.value: ccit}
    position = 0
    for question in previous.questions.order_by("position"):
        if wanted.get(question.kind, 0) > 0:
            position += 1
            Question.objects.create(urn=urn, kind=question.kind, position=position,
                                    seats=wanted[question.kind], title=question.title,
                                    label=question.label, seat_label=question.seat_label)  # fmt: skip
    if position == 0:
        raise SuccessionRefused(f"Aucun siège à pourvoir pour l'urne {previous.code}.")
    return urn


def archive_dir(urn: Urn) -> Path:
    return Path(settings.VAR_DIR) / "successions" / urn.code


def _archive_emargements(previous: Urn) -> tuple[int, str, str]:
    """Write the previous émargement list (not public: it names voters) next to nothing else,
    check it against the closing seal, then empty it. Returns (count, fingerprint, folder)."""
    from ..sealing.documents import emargements_document
    from ..voting.models import CastIntent, Emargement

    if CastIntent.objects.filter(urn=previous).exists():
        raise SuccessionRefused(
            f"Un vote est en cours d'enregistrement dans l'urne {previous.code}."
        )
    document = emargements_document(previous.code)
    digest = fingerprint(document)
    closing = getattr(previous, "closing", None)
    if closing is not None and digest != closing.emargements_sha256:
        raise SuccessionRefused(
            f"La liste d'émargement de l'urne {previous.code} diffère de son scellement de "
            "clôture : rien n'est fait (scrutin urns check-seals)."
        )
    folder = archive_dir(previous)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "emargements.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    Emargement.objects.filter(urn=previous).delete()
    return len(document["emargements"]), digest, str(folder)


def _kill_credentials(previous: Urn, numbers: list[str], message: str) -> int:
    from ..credentials.models import Credential, DeadCredential

    now = timezone.now()
    rows = Credential.objects.filter(elector_id__in=numbers)
    dead = [DeadCredential(number=number, code_hash=bytes(code_hash), urn_code=previous.code,
                           message=message[:300], killed_at=now)
            for number, code_hash in rows.values_list("elector_id", "code_hash")]  # fmt: skip
    DeadCredential.objects.bulk_create(dead, batch_size=5000)
    rows.delete()
    return len(dead)


def _archive_ceremony(cci: Cci) -> bool:
    """Archive the COE's finalized ceremony used by a sealed urn, so that it runs a new one."""
    from ..ceremony.models import ArchivedCeremony, KeyCeremony

    ceremony = KeyCeremony.objects.select_for_update().filter(cci=cci).first()
    if ceremony is None or ceremony.trustees is None:
        return False
    used = fingerprint(ceremony.trustees)
    from ..sealing.models import UrnSeal

    if not any(s.document.get("trustees") == used for s in UrnSeal.objects.filter(urn__cci=cci)):
        return False  # a ceremony already made for the new election: kept
    ArchivedCeremony.objects.create(cci=cci, document=ceremony.document, trustees=ceremony.trustees,
                                    created_at=ceremony.created_at,
                                    finalized_at=ceremony.finalized_at, archived_at=timezone.now())  # fmt: skip
    ceremony.delete()
    return True


def _transfer(previous: Urn, successor: Urn, kind: str, reference: str, reason: str,
              user: Any, decided_at: Any) -> UrnSuccession:  # fmt: skip
    what = (
        "annulée"
        if kind == UrnSuccession.Kind.ANNULMENT
        else "remplacée par une élection partielle"
    )
    day = timezone.localtime(decided_at).strftime("%d/%m/%Y")
    message = (f"Cet identifiant concernait l'élection de l'urne {previous.code}, {what} par "
               f"décision {reference} du {day} : il n'est plus valable. Utilisez les nouveaux "
               "identifiants qui vous sont adressés pour la nouvelle élection.")  # fmt: skip
    count, digest, folder = _archive_emargements(previous)
    electors_sha = fingerprints.urn_fingerprint(previous)[1]
    numbers = list(Elector.objects.filter(urn=previous).values_list("number", flat=True))
    Elector.objects.filter(urn=previous).update(urn=successor)
    fingerprints.refresh([successor])
    killed = _kill_credentials(previous, numbers, message)
    succession = UrnSuccession.objects.create(
        previous=previous, successor=successor, kind=kind, reference=reference, reason=reason,
        decided_at=decided_at, decided_by=user, archive=folder, electors=len(numbers),
        electors_sha256=electors_sha, emargements=count, emargements_sha256=digest)  # fmt: skip
    record_event("urn:electors:transfer", actor=user, cci_code=previous.cci_id,
                 urn_code=successor.code, data={
                     "from": previous.code, "to": successor.code, "electors": len(numbers),
                     "electors_sha256": electors_sha, "emargements": count,
                     "emargements_sha256": digest, "credentials_invalidated": killed})  # fmt: skip
    return succession


def annul(codes: list[str], *, reference: str, reason: str, user: Any) -> list[Created]:
    """Annul the election of these urns (one urn, or every urn of one CCI) and create their new
    elections. Journaled ``urn:election:annul``; raises :class:`SuccessionRefused`."""
    reference, reason = _check(user, reference, reason)
    if not codes:
        raise SuccessionRefused("Indiquez l'urne (ou la CCI) dont l'élection est annulée.")
    with transaction.atomic():
        urns = list(Urn.objects.select_for_update().filter(code__in=codes).order_by("code"))
        if unknown := sorted(set(codes) - {u.code for u in urns}):
            raise SuccessionRefused(f"Urne inconnue : {', '.join(unknown)}.")
        if len({u.cci_id for u in urns}) != 1:
            raise SuccessionRefused(
                "Une décision porte sur une urne ou sur les urnes d'une seule CCI."
            )
        cci = urns[0].cci
        for urn in urns:
            _current(urn)
            if annulment_of(urn) is not None:
                raise SuccessionRefused(f"L'élection de l'urne {urn.code} est déjà annulée.")
            election = getattr(urn, "election", None)
            if election is None or not hasattr(urn, "seal"):
                raise SuccessionRefused(
                    f"L'urne {urn.code} n'a pas encore d'élection scellée : il n'y a rien à "
                    "annuler (ses candidatures et sa cérémonie peuvent encore être reprises)."
                )
        _check_cci_tallied(cci)
        now, out = timezone.now(), []
        for urn in urns:
            successor = _successor(urn, None)
            succession = _transfer(urn, successor, UrnSuccession.Kind.ANNULMENT, reference,
                                   reason, user, now)  # fmt: skip
            record_event("urn:election:annul", actor=user, cci_code=cci.code, urn_code=urn.code,
                         data={"reference": reference, "reason": reason,
                               "election": urn.election.fingerprint, "urn_seal": urn.seal.fingerprint,
                               "successor": successor.code})  # fmt: skip
            out.append(Created(urn, successor, succession))
        _archive_ceremony(cci)
    return out


def partial(cci_code: str, seats: dict[str, tuple[int, int]], *, reference: str, reason: str,
            user: Any) -> list[Created]:  # fmt: skip
    """A partial election in one CCI: for each urn code, the (CCIR, CCIT) seats to fill. The
    general election is not changed. Journaled ``urn:election:partial``."""
    reference, reason = _check(user, reference, reason)
    if not seats:
        raise SuccessionRefused("Indiquez au moins une urne et ses sièges à pourvoir.")
    with transaction.atomic():
        cci = Cci.objects.select_for_update().filter(code=cci_code).first()
        if cci is None:
            raise SuccessionRefused(f"CCI inconnue : {cci_code}.")
        urns = {u.code: u for u in Urn.objects.filter(cci=cci, code__in=list(seats))}
        if unknown := sorted(set(seats) - set(urns)):
            raise SuccessionRefused(f"Urne inconnue dans la CCI {cci_code} : {', '.join(unknown)}.")
        for code, (ccir, ccit) in seats.items():
            urn = urns[code]
            _current(urn)
            # bounded by the seats of the scrutin (its general election), whichever its latest
            general = Urn.objects.get(category=urn.category, subcategory_code=urn.subcategory_code,
                                      generation=1)  # fmt: skip
            if (
                ccir < 0
                or ccit < 0
                or ccir > general.seats_ccir
                or ccit > general.seats_ccit
                or ccir + ccit == 0
            ):
                raise SuccessionRefused(
                    f"Sièges à pourvoir invalides pour l'urne {code} : de 0 à {general.seats_ccir} "
                    f"(CCIR) et de 0 à {general.seats_ccit} (CCIT), au moins un siège."
                )
        _check_cci_tallied(cci)
        now, out = timezone.now(), []
        for code in sorted(seats):
            successor = _successor(urns[code], seats[code])
            succession = _transfer(urns[code], successor, UrnSuccession.Kind.PARTIAL, reference,
                                   reason, user, now)  # fmt: skip
            out.append(Created(urns[code], successor, succession))
        record_event("urn:election:partial", actor=user, cci_code=cci.code, data={
            "reference": reference, "reason": reason,
            "urns": {c.successor.code: {"previous": c.previous.code, "ccir": c.successor.seats_ccir,
                                        "ccit": c.successor.seats_ccit} for c in out}})  # fmt: skip
        _archive_ceremony(cci)
    return out


def replace_list(codes: list[str], path: Path, *, reference: str, reason: str,
                 user: Any) -> dict[str, int]:  # fmt: skip
    """A **new electors list** for new elections not sealed yet (instead of the list taken
    over): an annex-7 electors file of the CCI whose every row belongs to one of these urns;
    their current list is replaced, or nothing changes (any blocking error, a row of another
    urn, a number already used by another urn of the CCI). Journaled ``urn:electors:replace``.
    Returns the number of electors per urn code."""
    from ..credentials.models import Credential
    from .annex7 import electors as annex_electors
    from .imports import ELECTOR_COLUMNS, limits, structure_index

    reference, reason = _check(user, reference, reason)
    urns = {u.id: u for u in Urn.objects.filter(code__in=codes)}
    if not urns or len(urns) != len(set(codes)):
        raise SuccessionRefused(f"Urne inconnue parmi : {', '.join(codes)}.")
    for urn in urns.values():
        if urn.generation == 1 or not UrnSuccession.objects.filter(successor=urn).exists():
            raise SuccessionRefused(
                f"L'urne {urn.code} n'est pas une nouvelle élection : sa liste se remplace par "
                "l'import habituel des fichiers d'électeurs."
            )
        if urn.sealed_at is not None:
            raise SuccessionRefused(
                f"L'urne {urn.code} est scellée : sa liste ne peut plus changer."
            )
    if len({u.cci_id for u in urns.values()}) != 1:
        raise SuccessionRefused("Une liste électorale concerne les urnes d'une seule CCI.")
    rows: list[list[str | None]] = []
    report, _checker = annex_electors.read_electors(path, structure_index(), rows.append,
                                                    limits=limits())  # fmt: skip
    if not report.accepted:
        first = "; ".join(f"ligne {i.line} : {i.message}" for i in report.issues if i.blocking)
        raise SuccessionRefused(f"Fichier refusé : {first[:600]}")
    urn_at = ELECTOR_COLUMNS.index("urn_id")
    if others := sorted({str(r[0]) for r in rows if int(str(r[urn_at])) not in urns}):
        raise SuccessionRefused(
            f"{len(others)} électeur(s) du fichier n'appartiennent à aucune des urnes "
            f"{', '.join(sorted(u.code for u in urns.values()))} (ex. {others[0]}) : rien n'est changé."
        )
    numbers = [str(r[0]) for r in rows]
    with transaction.atomic():
        taken = Elector.objects.filter(number__in=numbers).exclude(urn_id__in=list(urns))
        if clash := taken.values_list("number", flat=True).first():
            raise SuccessionRefused(
                f"Le numéro d'électeur {clash} est déjà celui d'un électeur d'une autre urne : "
                "rien n'est changé."
            )
        old = list(Elector.objects.filter(urn_id__in=list(urns)).values_list("number", flat=True))
        Credential.objects.filter(elector_id__in=old).delete()
        removed = Elector.objects.filter(urn_id__in=list(urns)).delete()[0]
        Elector.objects.bulk_create(
            [Elector(**dict(zip(ELECTOR_COLUMNS, row, strict=True))) for row in rows],
            batch_size=2000,
        )
        refreshed = fingerprints.refresh(urns.values())
        counts = {urn.code: refreshed[urn.id][0] for urn in urns.values()}
        record_event("urn:electors:replace", actor=user, cci_code=next(iter(urns.values())).cci_id,
                     data={"reference": reference, "reason": reason, "urns": counts,
                           "removed": removed, "file": path.name})  # fmt: skip
    return counts


def dead_credential_message(identifier: str, code: str) -> str | None:
    """The message for a login with a credential of a replaced election, else ``None``."""
    import hmac

    from ..credentials import codes as credential_codes
    from ..credentials.models import DeadCredential
    from ..credentials.services import _pepper

    number = credential_codes.normalise_identifier(identifier)[:64]
    typed = credential_codes.normalise_code(code)[:64]
    digest = credential_codes.code_hash(_pepper(), number, typed)
    for stored, message in DeadCredential.objects.filter(number=number).values_list(
        "code_hash", "message"
    ):
        if hmac.compare_digest(bytes(stored), digest):
            return str(message)
    return None


def next_steps(created: list[Created]) -> list[str]:
    """What the COE and CCI France do next for the new election(s), in order (French)."""
    codes = ", ".join(c.successor.code for c in created)
    cci = created[0].successor.cci_id
    return [
        f"Nouvelle(s) urne(s) : {codes} (CCI {cci}). Calendrier accéléré, dans l'ordre :",
        "  1. Liste électorale : reprise telle quelle (modifications par décision de la CELE "
        "ou du juge, page Électeurs) ou remplacée par une nouvelle liste (scrutin urns new-list), "
        "avant le scellement.",
        "  2. Nouvelles candidatures, puis leur scellement — /gestion/candidatures/",
        f"  3. Nouvelle cérémonie des clés de la COE — /gestion/ceremonie/cci/{cci}/",
        "  4. CCI France descelle la plate-forme (décision), la COE scelle la nouvelle urne avec "
        "ses propres dates d'ouverture et de clôture, puis CCI France rescelle — /gestion/scellement/",
        f"  5. Identifiants : « lignes sans identifiant » pour la CCI {cci} — /gestion/identifiants/ "
        "(les anciens identifiants sont invalidés).",
        "  6. Vote, clôture, dépouillement, résultats et registre de la nouvelle urne, comme "
        "pour l'élection générale.",
    ]
