"""Importing the structure file and the electors files into the database (CCTP 4.1.2, annex 7).

A file with any blocking error changes nothing: the import runs in one transaction that is
rolled back, and the report lists every finding. Nothing can be imported once an urn concerned
is sealed. On PostgreSQL electors are streamed with ``COPY``; memory does not grow with the file.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from scrutin.record.writer import file_digest

from ..accounts.perimeters import can_access_cci
from .annex7 import electors as annex_electors
from .annex7 import structure as annex_structure
from .annex7.csvfile import CsvSource
from .annex7.electors import StructureIndex
from .annex7.issues import FileRejected, Findings, Issue, Limits, Report
from .fingerprints import refresh as refresh_fingerprints
from .fingerprints import store as store_fingerprints
from .models import Category, Cci, Elector, ImportIssue, ImportRun, Question, Urn

Progress = Callable[[int, int], None]
ELECTOR_COLUMNS = (
    "number",
    "urn_id",
    "birth_date",
    "mobile_e164",
    "source_line",
    *annex_electors.FIELDS,
)
URN_FIELDS = (
    "subcategory_label", "seats_ccir", "seats_ccit", "site_title", "label_ccir", "label_ccit",
    "category_type_label", "seat_label_1", "seat_label_2", "seat_label_3", "ballot_title_1",
    "ballot_title_2", "assistance_message", "cci_phone", "cci_email", "cci_url", "r731_8",
)  # fmt: skip


class ImportRefused(Exception):
    """The import is not allowed in the current state (e.g. an urn is sealed)."""


@dataclass
class StructureDiff:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "removed": self.removed,
                "unchanged": self.unchanged}  # fmt: skip


ISSUE_BATCH = 1000


def limits() -> Limits:
    """What a report keeps (``SCRUTIN_IMPORT_FINDINGS_PER_KIND``) and the ceiling of blocking
    findings after which reading stops (``SCRUTIN_IMPORT_MAX_BLOCKING``, 0 for none)."""
    return Limits(
        per_kind=settings.SCRUTIN_IMPORT_FINDINGS_PER_KIND,
        max_blocking=settings.SCRUTIN_IMPORT_MAX_BLOCKING,
    )


def save_issues(run: ImportRun, issues: Iterable[Issue]) -> None:
    """Write the findings in batches of :data:`ISSUE_BATCH` rows."""
    batch: list[ImportIssue] = []
    for i in issues:
        batch.append(ImportIssue(run=run, line=i.line, column=i.column[:60], value=i.value[:2000],
                                 blocking=i.blocking, message=i.message))  # fmt: skip
        if len(batch) >= ISSUE_BATCH:
            ImportIssue.objects.bulk_create(batch)
            batch = []
    if batch:
        ImportIssue.objects.bulk_create(batch)


def findings_summary(report: Report) -> dict[str, Any]:
    """What the report page says of a capped report: exact counts per kind, what was left out,
    where reading stopped (empty when every finding was kept)."""
    if not (report.omitted or report.stopped_at is not None):
        return {}
    assert isinstance(report.issues, Findings)
    per_kind = report.issues.limits.per_kind if report.issues.limits else 0
    return {"findings": {"omitted": report.omitted, "stopped_at": report.stopped_at,
                         "per_kind": per_kind, "kinds": report.issues.kinds()}}  # fmt: skip


def finish(run: ImportRun, report: Report, summary: dict[str, Any]) -> ImportRun:
    """Save the findings, then the outcome: a run shows its status only once its report is
    complete (issue 19)."""
    save_issues(run, report.issues)
    run.rows = report.rows
    run.blocking = report.blocking
    run.warnings = report.warnings
    run.status = ImportRun.Status.ACCEPTED if report.accepted else ImportRun.Status.REJECTED
    run.summary = summary | findings_summary(report)
    run.finished_at = timezone.now()
    run.save()
    return run


def _urn_values(spec: annex_structure.UrnSpec) -> dict[str, Any]:
    values = {name: getattr(spec, name) for name in URN_FIELDS}
    values["source_line"] = spec.line
    return values


def import_structure(run: ImportRun) -> ImportRun:
    """Apply a structure file: create or update CCIs, categories, urns and their ballots.

    Re-importing before sealing shows what changed; once any urn is sealed it is refused.
    An urn that still has electors cannot disappear from the structure.
    """
    path = Path(run.path)
    run.sha256 = file_digest(path)
    specs, report = annex_structure.read_structure(path, limits())
    diff = StructureDiff()
    if report.accepted:
        with transaction.atomic():
            if Urn.objects.select_for_update().filter(sealed_at__isnull=False).exists():
                raise ImportRefused(
                    "Les urnes sont scellées : la structure électorale ne peut plus être modifiée."
                )
            existing = {u.code: u for u in Urn.objects.select_related("category")}
            new_codes = {s.code for s in specs}
            for code, urn in sorted(existing.items()):
                if code not in new_codes:
                    if urn.electors.exists():
                        report.issues.append(Issue(0, "", code, True,
                            f"Le scrutin {code} a des électeurs : il ne peut pas être retiré de la structure."))  # fmt: skip
                    else:
                        diff.removed.append(code)
            _refuse_dropping_candidatures(specs, existing, diff, report)
            if report.accepted:
                _apply_structure(specs, existing, diff)
            else:
                diff = StructureDiff()
    return finish(run, report, {"diff": diff.as_json(), "urns": len(specs)})


def _refuse_dropping_candidatures(
    specs: list[annex_structure.UrnSpec],
    existing: dict[str, Urn],
    diff: StructureDiff,
    report: Report,
) -> None:
    """A ballot that already holds candidatures cannot disappear (its seats set to 0, or its urn
    removed): the COE must delete those candidatures first."""
    kept = {s.code: {b.kind for b in s.ballots()} for s in specs}
    for question in Question.objects.filter(urn__code__in=list(existing)).select_related("urn"):
        if question.kind in kept.get(question.urn.code, set()):
            continue
        held = question.groupements.count() + question.candidates.count()
        if held:
            report.issues.append(Issue(0, "", question.urn.code, True,
                f"Le scrutin {question.kind} de l'urne {question.urn.code} a déjà {held} candidature(s) "
                "ou groupement(s) : il ne peut pas être retiré de la structure."))  # fmt: skip
            if question.urn.code in diff.removed:
                diff.removed.remove(question.urn.code)


def _apply_structure(
    specs: list[annex_structure.UrnSpec], existing: dict[str, Urn], diff: StructureDiff
) -> None:
    Question.objects.filter(urn__code__in=diff.removed).delete()
    Urn.objects.filter(code__in=diff.removed).delete()
    for spec in specs:
        cci, _ = Cci.objects.update_or_create(
            code=spec.cci_code, defaults={"label": spec.cci_label}
        )
        category, _ = Category.objects.update_or_create(
            cci=cci, code=spec.category_code, defaults={"label": spec.category_label}
        )
        values = _urn_values(spec)
        urn = existing.get(spec.code)
        if urn is None:
            urn = Urn.objects.create(cci=cci, category=category, code=spec.code,
                                     subcategory_code=spec.subcategory_code, **values)  # fmt: skip
            diff.created.append(spec.code)
        else:
            changed = [n for n, v in values.items() if n != "source_line" and getattr(urn, n) != v]
            for name, value in values.items():
                setattr(urn, name, value)
            urn.save()
            if changed:
                diff.updated[spec.code] = changed
            else:
                diff.unchanged += 1
        kept = []
        for position, ballot in enumerate(spec.ballots(), start=1):
            Question.objects.update_or_create(
                urn=urn, kind=ballot.kind,
                defaults={"position": position, "seats": ballot.seats, "title": ballot.title,
                          "label": ballot.label, "seat_label": ballot.seat_label},
            )  # fmt: skip
            kept.append(ballot.kind)
        urn.questions.exclude(kind__in=kept).delete()
    Cci.objects.filter(urns__isnull=True).delete()


def structure_index() -> dict[str, StructureIndex]:
    """The structure as the electors checker needs it, from the database."""
    urns: dict[str, dict[tuple[str, str], int]] = {}
    # a scrutin's latest election wins (electoral.succession: ``011-C.2`` after ``011-C``)
    for urn_id, cci, cat, sub in Urn.objects.order_by("generation", "code").values_list(
        "id", "cci_id", "category__code", "subcategory_code"
    ):
        urns.setdefault(cci, {})[(cat, sub)] = urn_id
    return {cci: StructureIndex(cci, mapping) for cci, mapping in urns.items()}


PEEK_BYTES = 1 << 16


def peek_cci(path: Path) -> str | None:
    """The CODE CCI of the first elector row, to know which list a file replaces.

    Only the first :data:`PEEK_BYTES` bytes are read (their complete lines), so the web request
    that checks the uploader's perimeter does bounded work whatever the file (issue 19); the
    job reads the whole file and refuses any row of another CCI."""
    with path.open("rb") as fh:
        head = fh.read(PEEK_BYTES)
    if len(head) == PEEK_BYTES:
        head = head[: head.rfind(b"\n") + 1]
    if not head.strip():
        return None
    with tempfile.TemporaryDirectory() as folder:
        sample = Path(folder) / "debut.csv"
        sample.write_bytes(head)
        try:
            with CsvSource(sample) as source:
                layout, rows = source.layout_rows(
                    annex_electors.COLUMNS, annex_electors.starts_with_code
                )
                row = next(rows, None)
                if row is None or len(row[1]) <= layout.positions[0]:
                    return None
                return row[1][layout.positions[0]].strip() or None
        except FileRejected:
            return None


def uploads_folder() -> Path:
    """Where the web pages keep uploaded files until their import ends (``MEDIA_ROOT/imports``)."""
    return Path(settings.MEDIA_ROOT) / "imports"


def discard_upload(run: ImportRun) -> None:
    """Delete a run's file if it is a web upload (a file named on the command line is the
    user's own and stays); the run keeps its name and SHA-256."""
    path = Path(run.path)
    if path.parent.resolve() == uploads_folder().resolve():
        path.unlink(missing_ok=True)


def purge_uploads(now: datetime | None = None) -> int:
    """Delete the uploads of refused or failed runs, and those of imported runs older than
    ``SCRUTIN_IMPORT_RETENTION_DAYS``; return how many files were deleted (issue 19)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SCRUTIN_IMPORT_RETENTION_DAYS)
    folder = uploads_folder().resolve()
    if not folder.is_dir():
        return 0
    done = (ImportRun.Status.REJECTED, ImportRun.Status.FAILED)
    runs = ImportRun.objects.filter(
        Q(status__in=done) | Q(status=ImportRun.Status.ACCEPTED, finished_at__lt=cutoff)
    ).values_list("path", flat=True)
    deleted = 0
    for name in runs.iterator(chunk_size=2000):
        path = Path(name)
        if path.parent.resolve() == folder and path.exists():
            path.unlink(missing_ok=True)
            deleted += 1
    # A file no run names (a request that failed after saving it) goes after the retention too.
    known = None
    for path in uploads_folder().glob("*"):
        if datetime.fromtimestamp(path.stat().st_mtime, tz=UTC) < cutoff:
            if known is None:
                known = set(ImportRun.objects.values_list("path", flat=True))
            if str(path) not in known:
                path.unlink(missing_ok=True)
                deleted += 1
    return deleted


class _SqliteSink:
    """Batched INSERTs for the embedded SQLite default (the demo and the voting machine)."""

    def __init__(self) -> None:
        cols = ", ".join(ELECTOR_COLUMNS)
        marks = ", ".join(["%s"] * len(ELECTOR_COLUMNS))
        self.sql = f"INSERT INTO {Elector._meta.db_table} ({cols}) VALUES ({marks})"  # noqa: S608 - fixed names
        self.batch: list[list[str | None]] = []

    def __call__(self, row: list[str | None]) -> None:
        self.batch.append(row)
        if len(self.batch) >= 5000:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.batch)
            self.batch = []


def _delete_cci_electors(cci: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Elector._meta.db_table} WHERE cci_code = %s", [cci])  # noqa: S608
        return int(cursor.rowcount)


def import_electors(run: ImportRun, progress: Progress | None = None) -> ImportRun:
    """Replace one CCI's electors list with the file's, or change nothing (any blocking error)."""
    path = Path(run.path)
    digest = hashlib.sha256()
    index = structure_index()
    cci_code = peek_cci(path)
    summary: dict[str, Any] = {}

    class _Rollback(Exception):
        pass

    report = Report()
    user = run.created_by
    if cci_code and user is not None and not can_access_cci(user, cci_code):
        raise ImportRefused(
            f"Ce fichier concerne la CCI {cci_code}, qui n'est pas dans votre périmètre."
        )
    try:
        with transaction.atomic():
            if cci_code in index:
                locked = Urn.objects.select_for_update().filter(cci_id=cci_code)
                if any(u.sealed_at for u in locked):
                    raise ImportRefused(
                        f"Les urnes de la CCI {cci_code} sont scellées : sa liste électorale ne "
                        "peut plus être modifiée."
                    )
                summary["removed_previous"] = _delete_cci_electors(cci_code)
            if connection.vendor == "postgresql":
                cols = ", ".join(ELECTOR_COLUMNS)
                with connection.cursor() as cursor:
                    copy_sql = f"COPY {Elector._meta.db_table} ({cols}) FROM STDIN"
                    raw = cursor.cursor
                    with raw.copy(copy_sql) as copy:
                        report, checker = annex_electors.read_electors(
                            path, index, None, progress, digest, limits(), copy=copy.write
                        )
            else:
                sqlite_sink = _SqliteSink()
                report, checker = annex_electors.read_electors(
                    path, index, sqlite_sink, progress, digest, limits()
                )
                if report.accepted:
                    sqlite_sink.flush()
            if not report.accepted:
                raise _Rollback
            urns = Urn.objects.in_bulk(list(checker.tallies))
            for urn in Urn.objects.filter(cci_id=checker.cci_code):
                urns.setdefault(urn.id, urn)
            summary["urns"] = {}
            prints: dict[int, tuple[int, str]] = {}
            for urn_id, urn in sorted(urns.items(), key=lambda kv: kv[1].code):
                tally = checker.tallies.get(urn_id)
                prints[urn_id] = (
                    (tally.count, tally.fingerprint) if tally else (0, hashlib.sha256().hexdigest())
                )
                summary["urns"][urn.code] = dict(
                    zip(("count", "fingerprint"), prints[urn_id], strict=True)
                )
            if checker.cci_code:
                run.cci_id = checker.cci_code
            # What the control list and the seal read. The CCI's previous list was deleted above,
            # so each urn now holds exactly the rows hashed as they were copied: their tallies are
            # what a re-read would compute. Should no list have been deleted, the urns are re-read.
            if cci_code in index and checker.cci_code == cci_code:
                store_fingerprints(prints)
            else:
                refresh_fingerprints(urns.values())
    except _Rollback:
        summary = {}
        if cci_code in index:  # a refused file still belongs to its CCI (its findings quote it)
            run.cci_id = cci_code
    run.sha256 = digest.hexdigest() if report.rows else file_digest(path)
    return finish(run, report, summary)
