"""Modifying an electors list until the urns are sealed (CCTP 4.1.2): additions, corrections
and removals by CELE decision or court decision, each recorded with its reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from .annex7.electors import COLUMNS, FIELDS, ElectorChecker
from .annex7.issues import Issue
from .fingerprints import refresh as refresh_fingerprints
from .imports import structure_index
from .models import Elector, ElectorChange, Urn


class ElectorChangeError(Exception):
    """The change is refused; ``issues`` says why, per column, in French."""

    def __init__(self, message: str, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []


def _snapshot(elector: Elector) -> dict[str, Any]:
    data = model_to_dict(elector, fields=["number", "urn", "mobile_e164", *FIELDS])
    data["birth_date"] = elector.birth_date.isoformat() if elector.birth_date else None
    return data


def _validate(values: dict[str, str]) -> tuple[list[str | None], list[Issue]]:
    """The annex rules applied to one elector, exactly as for a file line."""
    row = [str(values.get(name, "") or "").strip() for name in FIELDS]
    issues: list[Issue] = []
    out = ElectorChecker(structure_index()).check(0, row, issues)
    blocking = [i for i in issues if i.blocking]
    if out is None or blocking:
        raise ElectorChangeError(
            "Les données de l'électeur ne respectent pas l'annexe 7.1.3.", blocking
        )
    return out, issues


def _refuse_if_sealed(urn: Urn) -> None:
    if urn.sealed_at is not None:
        raise ElectorChangeError(
            f"L'urne {urn.code} est scellée : la liste électorale ne peut plus être modifiée."
        )


def _apply(elector: Elector, out: list[str | None]) -> None:
    elector.urn_id = int(str(out[1]))
    elector.birth_date = date.fromisoformat(out[2]) if out[2] else None
    elector.mobile_e164 = out[3] or ""
    for name, value in zip(FIELDS, out[5:], strict=True):
        setattr(elector, name, value or "")


@transaction.atomic
def add_elector(values: dict[str, str], *, authority: str, reference: str, reason: str, user: Any = None) -> tuple[Elector, list[Issue]]:  # fmt: skip
    out, warnings = _validate(values)
    number = str(out[0])
    urn = Urn.objects.select_for_update().get(pk=int(str(out[1])))
    _refuse_if_sealed(urn)
    if Elector.objects.filter(number=number).exists():
        raise ElectorChangeError(
            f"Le numéro d'électeur {number} existe déjà.",
            [
                Issue(
                    0, COLUMNS[4], number[3:], True, "Numéro d'électeur déjà présent dans la liste."
                )
            ],
        )
    elector = Elector(number=number, source_line=None)
    _apply(elector, out)
    elector.save(force_insert=True)
    ElectorChange.objects.create(number=number, cci_id=urn.cci_id, action=ElectorChange.Action.ADD,
                                 authority=authority, reference=reference, reason=reason,
                                 after=_snapshot(elector), created_by=user)  # fmt: skip
    refresh_fingerprints([urn])
    return elector, warnings


@transaction.atomic
def correct_elector(number: str, values: dict[str, str], *, authority: str, reference: str, reason: str, user: Any = None) -> tuple[Elector, list[Issue]]:  # fmt: skip
    elector = Elector.objects.select_for_update().select_related("urn").get(number=number)
    _refuse_if_sealed(elector.urn)
    merged = {name: getattr(elector, name) for name in FIELDS} | values
    if merged["cci_code"] + merged["local_number"] != number:
        raise ElectorChangeError("Le code CCI et le numéro d'électeur ne peuvent pas être corrigés : "
                                 "retirez l'électeur puis ajoutez-le.")  # fmt: skip
    out, warnings = _validate(merged)
    target = Urn.objects.select_for_update().get(pk=int(str(out[1])))
    _refuse_if_sealed(target)
    before, previous = _snapshot(elector), elector.urn
    _apply(elector, out)
    elector.save()
    ElectorChange.objects.create(number=number, cci_id=target.cci_id, action=ElectorChange.Action.CORRECT,
                                 authority=authority, reference=reference, reason=reason,
                                 before=before, after=_snapshot(elector), created_by=user)  # fmt: skip
    refresh_fingerprints({previous.id: previous, target.id: target}.values())
    return elector, warnings


@transaction.atomic
def remove_elector(
    number: str, *, authority: str, reference: str, reason: str, user: Any = None
) -> None:
    elector = Elector.objects.select_for_update().select_related("urn").get(number=number)
    _refuse_if_sealed(elector.urn)
    ElectorChange.objects.create(number=number, cci_id=elector.urn.cci_id, action=ElectorChange.Action.REMOVE,
                                 authority=authority, reference=reference, reason=reason,
                                 before=_snapshot(elector), created_by=user)  # fmt: skip
    elector.delete()
    refresh_fingerprints([elector.urn])
