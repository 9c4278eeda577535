"""Importing a candidatures CSV file for one CCI (docs/fr/candidatures.md): the file is read
with the electoral imports' CSV reader, checked line by line (:mod:`.csvimport`), and applied
all or nothing. Candidates are added to what is already entered; a GROUPEMENT name that
already exists on the ballot receives the new candidates after its current ones."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from ..electoral.annex7.csvfile import CsvSource
from ..electoral.annex7.issues import FileRejected, Issue, Limits, Report
from ..electoral.models import Urn
from . import csvimport
from .csvimport import COLUMNS, CandidateLine, UrnInfo, groupement_key, person_key
from .models import Candidate, Groupement
from .services import cci_has_delegations, is_sealed, lock_unsealed, next_registration

Progress = Callable[[int, int], None]


@dataclass
class ImportOutcome:
    report: Report
    cci: str | None = None
    created: dict[str, int] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.report.accepted


def urn_infos(cci: str | None = None) -> dict[str, UrnInfo]:
    urns = Urn.objects.prefetch_related("questions")
    if cci is not None:
        urns = urns.filter(cci_id=cci)
    infos = {}
    delegations: dict[str, bool] = {}
    for urn in urns:
        if urn.cci_id not in delegations:
            delegations[urn.cci_id] = cci_has_delegations(urn.cci_id)
        info = UrnInfo(urn.code, urn.cci_id, {q.kind: q.seats for q in urn.questions.all()},
                       sealed=is_sealed(urn), delegations=delegations[urn.cci_id])  # fmt: skip
        for g in Groupement.objects.filter(question__urn=urn).select_related("question"):
            info.groupement_sizes[(g.question.kind, groupement_key(g.name))] = g.candidates.count()
        for c in Candidate.objects.filter(question__urn=urn).select_related("question"):
            info.people.add((c.question.kind, person_key(c.last_name, c.first_name, c.birth_date)))
        infos[urn.code] = info
    return infos


def check_file(
    path: Path,
    cci: str | None = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> tuple[list[CandidateLine], Report]:
    """Check a whole file (bounded: see :data:`csvimport.MAX_ROWS` and ``limits``)."""
    header: tuple[Issue, ...] = ()
    try:
        with CsvSource(path) as source:
            layout, rows = source.layout_rows(COLUMNS, lambda row: False)  # a header is required
            header = layout.header_issues
            lines, parsed = csvimport.parse_rows(
                _reporting(rows, source, progress), layout.positions, urn_infos(cci),
                cci=cci, limits=limits, first_issues=header,
            )  # fmt: skip
    except FileRejected as exc:
        return [], Report(issues=[*header, exc.issue])
    if parsed.rows == 0:
        parsed.issues.append(Issue(1, "", "", True, "Le fichier ne contient aucune candidature."))
    return lines, parsed


def _reporting(
    rows: Iterator[tuple[int, list[str]]], source: CsvSource, progress: Progress | None
) -> Iterator[tuple[int, list[str]]]:
    for n, row in enumerate(rows, start=1):
        if progress is not None and n % 500 == 0:
            progress(source.bytes_read, source.size)
        yield row


def import_candidatures(
    path: Path,
    cci: str | None = None,
    user: Any = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Check then apply a file; nothing is written if any line has a blocking error."""
    lines, report = check_file(path, cci, limits, progress)
    outcome = ImportOutcome(report)
    if not report.accepted or not lines:
        return outcome
    urns = {u.code: u for u in Urn.objects.filter(code__in={ln.urn for ln in lines})}
    outcome.cci = next(iter(urns.values())).cci_id
    with transaction.atomic():
        for urn in sorted(urns.values(), key=lambda u: u.pk):
            lock_unsealed(urn.pk)
        # A concurrent change between the check and the locks is caught by re-checking.
        again, recheck = csvimport.parse_rows(
            ((ln.line, _as_row(ln)) for ln in lines), tuple(range(len(COLUMNS))),
            urn_infos(outcome.cci), cci=outcome.cci,
        )  # fmt: skip
        if not recheck.accepted:
            outcome.report.issues.extend(i for i in recheck.issues if i.blocking)
            return outcome
        groups: dict[tuple[int, str], Groupement] = {}
        for line in again:
            question = urns[line.urn].questions.get(kind=line.kind)
            candidate = Candidate(
                question=question, civility=line.civility, last_name=line.last_name,
                first_name=line.first_name, birth_date=line.birth_date, activity=line.activity,
                town=line.town, delegation=line.delegation,
                substitute_civility=line.substitute_civility,
                substitute_last_name=line.substitute_last_name,
                substitute_first_name=line.substitute_first_name,
                substitute_birth_date=line.substitute_birth_date,
            )  # fmt: skip
            if line.groupement:
                key = (question.pk, groupement_key(line.groupement))
                group = groups.get(key) or next(
                    (
                        g
                        for g in Groupement.objects.filter(question=question).all()
                        if groupement_key(g.name) == key[1]
                    ),
                    None,
                )
                if group is None:
                    group = Groupement.objects.create(question=question, name=line.groupement,
                                                      registration=next_registration(question))  # fmt: skip
                    outcome.created["groupements"] = outcome.created.get("groupements", 0) + 1
                groups[key] = group
                candidate.groupement = group
                candidate.position = group.candidates.count() + 1
            else:
                candidate.registration = next_registration(question)
            candidate.save()
            outcome.created["candidats"] = outcome.created.get("candidats", 0) + 1
    return outcome


def _as_row(line: CandidateLine) -> list[str]:
    def d(value: Any) -> str:
        return value.strftime("%d/%m/%Y") if value else ""

    return [line.urn, line.kind, line.groupement, line.civility, line.last_name, line.first_name,
            d(line.birth_date), line.activity, line.town, line.delegation,
            line.substitute_civility, line.substitute_last_name, line.substitute_first_name,
            d(line.substitute_birth_date)]  # fmt: skip
