"""Business rules of the candidatures (CCTP 3.2.2.2, 4.1.3): entry with the seats limit of
groupements, registration order, sealing and journaled unsealing, the sealed document and the
ballot as voters will see it.

Every change takes a row lock on the urn first, then checks that its candidatures are not
sealed: a change and a seal of the same urn can never interleave.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from scrutin.crypto.encoding import fingerprint

from ..audit.journal import record_event
from ..electoral.models import Elector, Question, Urn
from .models import Candidate, CandidaturesSeal, Groupement, ProfessionDeFoi, UnsealRecord

DOCUMENT_VERSION = "scrutin/candidatures/v1"


class CandidaturesError(Exception):
    """A change refused by a rule; the message is shown as is to the user."""


class SealedError(CandidaturesError):
    pass


SEALED_MESSAGE = (
    "Les candidatures du scrutin {code} sont scellées : elles ne peuvent plus être modifiées "
    "ni supprimées. Une levée du scellement, motivée et journalisée, est nécessaire."
)


def current_seal(urn: Urn) -> CandidaturesSeal | None:
    return (
        CandidaturesSeal.objects.filter(urn=urn)
        .filter(unseal__isnull=True)
        .order_by("-sealed_at")
        .first()
    )


def current_seals(urn_ids: Iterable[int]) -> dict[int, CandidaturesSeal]:
    """The seal in force of each of these urns that has one, in one query (national pages)."""
    seals: dict[int, CandidaturesSeal] = {}
    rows = CandidaturesSeal.objects.filter(urn_id__in=list(urn_ids), unseal__isnull=True)
    for seal in rows.defer("document").order_by("urn_id", "-sealed_at"):
        seals.setdefault(seal.urn_id, seal)
    return seals


def is_sealed(urn: Urn) -> bool:
    """True while a seal of the urn's candidatures is in force."""
    return CandidaturesSeal.objects.filter(urn=urn).filter(unseal__isnull=True).exists()


def lock_unsealed(urn_id: int) -> Urn:
    """Inside a transaction: lock the urn row; refuse if its candidatures are sealed."""
    urn = Urn.objects.select_for_update().get(pk=urn_id)
    if is_sealed(urn):
        raise SealedError(SEALED_MESSAGE.format(code=urn.code))
    return urn


def cci_has_delegations(cci_code: str) -> bool:
    """A CCI has territorial delegations when its electors file names some (annex 7.1.3)."""
    return Elector.objects.filter(cci_code=cci_code).exclude(delegation_code="").exists()


def next_registration(question: Question) -> int:
    """Groupements and individual candidacies of a ballot share one registration order."""
    top_g = Groupement.objects.filter(question=question).aggregate(m=Max("registration"))["m"] or 0
    top_c = Candidate.objects.filter(question=question).aggregate(m=Max("registration"))["m"] or 0
    return max(top_g, top_c) + 1


def _check_seats(groupement: Groupement, adding: int = 1) -> None:
    count = groupement.candidates.count() + adding
    seats = groupement.question.seats
    if count > seats:
        raise CandidaturesError(
            f"Le groupement « {groupement.name} » ne peut pas compter plus de {seats} candidat"
            f"{'s' if seats > 1 else ''} : c'est le nombre de sièges à pourvoir (CCTP 4.1.3)."
        )


# --- groupements -------------------------------------------------------------------------


def _check_name(question: Question, name: str, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise CandidaturesError("La dénomination du groupement est obligatoire.")
    same = Groupement.objects.filter(question=question, name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise CandidaturesError(f"Un groupement « {name} » existe déjà sur ce bulletin.")
    return name


def create_groupement(question: Question, name: str) -> Groupement:
    with transaction.atomic():
        lock_unsealed(question.urn_id)
        return Groupement.objects.create(
            question=question, name=_check_name(question, name),
            registration=next_registration(question),
        )  # fmt: skip


def rename_groupement(groupement: Groupement, name: str) -> Groupement:
    with transaction.atomic():
        lock_unsealed(groupement.question.urn_id)
        groupement.name = _check_name(groupement.question, name, exclude=groupement.pk)
        groupement.save(update_fields=["name"])
        return groupement


def delete_groupement(groupement: Groupement) -> None:
    """Delete a groupement with its candidates and its profession de foi."""
    from .professions import remove_file

    with transaction.atomic():
        lock_unsealed(groupement.question.urn_id)
        paths = list(
            ProfessionDeFoi.objects.filter(groupement=groupement).values_list("path", flat=True)
        )
        groupement.delete()
    for path in paths:
        remove_file(path)


# --- candidates --------------------------------------------------------------------------


def save_candidate(candidate: Candidate) -> Candidate:
    """Create or update a candidate. ``candidate.question`` is its ballot (its candidacy type);
    a groupement must be on the same ballot and keep within its seats (blocking)."""
    with transaction.atomic():
        lock_unsealed(candidate.question.urn_id)
        before = (
            Candidate.objects.filter(pk=candidate.pk).values("groupement_id", "question_id").first()
            if candidate.pk else None
        )  # fmt: skip
        group = candidate.groupement
        if group is not None:
            if group.question_id != candidate.question_id:
                raise CandidaturesError(
                    f"Le groupement « {group.name} » est sur l'autre bulletin : choisissez un "
                    "groupement du même type de candidature."
                )
            moved = before is None or before["groupement_id"] != group.pk
            if moved:
                _check_seats(group)
                top = group.candidates.aggregate(m=Max("position"))["m"] or 0
                candidate.position, candidate.registration = top + 1, None
        else:
            candidate.position = None
            if (
                before is None
                or before["groupement_id"] is not None
                or (before["question_id"] != candidate.question_id)
            ):
                candidate.registration = next_registration(candidate.question)
        if not candidate.runs_for_ccir:
            candidate.substitute_civility = candidate.substitute_last_name = ""
            candidate.substitute_first_name, candidate.substitute_birth_date = "", None
        candidate.save()
        if before is not None and before["groupement_id"] not in (None, candidate.groupement_id):
            _compact(Groupement.objects.get(pk=before["groupement_id"]))
        return candidate


def _compact(groupement: Groupement) -> None:
    """Renumber positions 1..n after a candidate left the groupement."""
    members = list(groupement.candidates.order_by("position"))
    for member in members:  # two passes: the (groupement, position) pair is unique
        member.position = 1000 + member.position  # type: ignore[operator]
        member.save(update_fields=["position"])
    for rank, member in enumerate(members, start=1):
        member.position = rank
        member.save(update_fields=["position"])


def delete_candidate(candidate: Candidate) -> None:
    from .professions import remove_file

    with transaction.atomic():
        lock_unsealed(candidate.question.urn_id)
        group = candidate.groupement
        paths = list(
            ProfessionDeFoi.objects.filter(candidate=candidate).values_list("path", flat=True)
        )
        candidate.delete()
        if group is not None:
            _compact(group)
    for path in paths:
        remove_file(path)


def move_candidate(candidate: Candidate, step: int) -> None:
    """Move a candidate one place up (-1) or down (+1) inside its groupement."""
    with transaction.atomic():
        lock_unsealed(candidate.question.urn_id)
        group = candidate.groupement
        if group is None:
            return
        members = list(group.candidates.order_by("position"))
        index = next(i for i, m in enumerate(members) if m.pk == candidate.pk)
        target = index + step
        if not 0 <= target < len(members):
            return
        members[index], members[target] = members[target], members[index]
        for member in members:
            member.position = 1000 + member.position  # type: ignore[operator]
            member.save(update_fields=["position"])
        for rank, member in enumerate(members, start=1):
            member.position = rank
            member.save(update_fields=["position"])


# --- the sealed document and the ballot --------------------------------------------------


def _person(c: Candidate) -> dict[str, Any]:
    data: dict[str, Any] = {
        "civility": c.civility, "last_name": c.last_name, "first_name": c.first_name,
        "birth_date": c.birth_date.isoformat(), "activity": c.activity, "town": c.town,
        "delegation": c.delegation, "substitute": None,
    }  # fmt: skip
    if c.runs_for_ccir and c.substitute_last_name:
        data["substitute"] = {
            "civility": c.substitute_civility, "last_name": c.substitute_last_name,
            "first_name": c.substitute_first_name,
            "birth_date": c.substitute_birth_date.isoformat() if c.substitute_birth_date else None,
        }  # fmt: skip
    return data


def _profession_sha(owner: Groupement | Candidate) -> str | None:
    try:
        return owner.profession.sha256
    except ProfessionDeFoi.DoesNotExist:
        return None


def ordered_entries(question: Question) -> list[Groupement | Candidate]:
    """Groupements and individual candidacies of a ballot, in registration order."""
    groupements = list(
        Groupement.objects.filter(question=question)
        .prefetch_related("candidates")
        .select_related("profession")
    )
    individuals = list(
        Candidate.objects.filter(question=question)
        .filter(groupement__isnull=True)
        .select_related("profession")
    )
    entries: list[Groupement | Candidate] = [*groupements, *individuals]
    return sorted(entries, key=lambda e: e.registration or 0)


def candidatures_document(urn: Urn) -> dict[str, Any]:
    """The canonical description of an urn's candidatures that a seal fingerprints: ballots,
    groupements and candidates in order, and the SHA-256 of each profession de foi."""
    ballots = []
    for question in urn.questions.order_by("position"):
        entries: list[dict[str, Any]] = []
        for entry in ordered_entries(question):
            if isinstance(entry, Groupement):
                entries.append({
                    "type": "groupement", "registration": entry.registration, "name": entry.name,
                    "profession_de_foi_sha256": _profession_sha(entry),
                    "candidates": [_person(c) for c in entry.candidates.order_by("position")],
                })  # fmt: skip
            else:
                entries.append({
                    "type": "individual", "registration": entry.registration,
                    "profession_de_foi_sha256": _profession_sha(entry), "candidate": _person(entry),
                })  # fmt: skip
        ballots.append({"kind": question.kind, "seats": question.seats, "title": question.title,
                        "label": question.label, "seat_label": question.seat_label,
                        "entries": entries})  # fmt: skip
    return {"version": DOCUMENT_VERSION, "urn": urn.code, "cci": urn.cci_id, "ballots": ballots}


def ballot_context(question: Question, *, preview: bool = False) -> dict[str, Any]:
    """What ``candidates/ballot.html`` shows for one ballot. Links to professions de foi go to
    the public URL (sealed candidatures only), or with ``preview`` to the COE preview URL."""
    name = "candidates:profession-preview" if preview else "candidates:profession-de-foi"
    entries = []
    for entry in ordered_entries(question):
        try:
            doc: ProfessionDeFoi | None = entry.profession
        except ProfessionDeFoi.DoesNotExist:
            doc = None
        url = reverse(name, args=[doc.public_id]) if doc else None
        if isinstance(entry, Groupement):
            members = list(entry.candidates.order_by("position"))
            entries.append({"groupement": entry, "candidates": members, "profession_url": url,
                            "registration": entry.registration})  # fmt: skip
        else:
            entries.append({"groupement": None, "candidates": [entry], "profession_url": url,
                            "registration": entry.registration})  # fmt: skip
    return {"question": question, "urn": question.urn, "entries": entries,
            "seats": question.seats}  # fmt: skip


# --- sealing -----------------------------------------------------------------------------


def seal(urn: Urn, user: Any = None) -> CandidaturesSeal:
    """Seal the candidatures of an urn (CCTP 4.1.3: no change afterwards)."""
    with transaction.atomic():
        locked = lock_unsealed(urn.pk)
        document = candidatures_document(locked)
        if not any(b["entries"] for b in document["ballots"]):
            raise CandidaturesError(
                f"Le scrutin {urn.code} n'a aucune candidature : rien à sceller."
            )
        seal_row = CandidaturesSeal.objects.create(
            urn=locked, sealed_at=timezone.now(), fingerprint=fingerprint(document),
            document=document, sealed_by=user if getattr(user, "pk", None) else None,
        )  # fmt: skip
        record_event("candidates:seal:create", actor=user, cci_code=locked.cci_id, urn_code=locked.code,
                     data={"fingerprint": seal_row.fingerprint})  # fmt: skip
        return seal_row


def unseal(urn: Urn, *, user: Any, reference: str, reason: str) -> UnsealRecord:
    """Lift the seal in force, recording who, when, under which decision and why."""
    if not reference.strip() or not reason.strip():
        raise CandidaturesError("La référence de la décision et le motif sont obligatoires.")
    with transaction.atomic():
        locked = Urn.objects.select_for_update().get(pk=urn.pk)
        current = current_seal(locked)
        if current is None:
            raise CandidaturesError(f"Les candidatures du scrutin {urn.code} ne sont pas scellées.")
        if locked.sealed_at is not None:
            raise CandidaturesError(
                f"L'urne {urn.code} est scellée (CCTP 4.1.4.6) : ses candidatures ne peuvent plus "
                "être descellées."
            )
        record = UnsealRecord.objects.create(
            seal=current, unsealed_at=timezone.now(), reference=reference.strip(),
            reason=reason.strip(), unsealed_by=user if getattr(user, "pk", None) else None,
        )  # fmt: skip
        record_event("candidates:seal:remove", actor=user, cci_code=locked.cci_id, urn_code=locked.code,
                     data={"fingerprint": current.fingerprint, "reference": record.reference,
                           "reason": record.reason})  # fmt: skip
        return record


def verify_seal(seal_row: CandidaturesSeal) -> bool:
    """True if the urn's candidatures still match the fingerprint (and the stored document)."""
    return (
        fingerprint(candidatures_document(seal_row.urn)) == seal_row.fingerprint
        and fingerprint(seal_row.document) == seal_row.fingerprint
    )
