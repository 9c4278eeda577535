"""One finding about one value of an imported file, and the report that collects them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ...csvexport import csv_text


@dataclass(frozen=True, slots=True)
class Issue:
    """An error found in a file: ``line`` is 1-based in the file, header included.

    ``column`` is the column name as the annex writes it ("NOM D'USAGE"), or "" for a finding
    about the whole line or file. ``blocking`` issues prevent the whole import; the others are
    warnings whose value was corrected (truncated) as the annex says.
    """

    line: int
    column: str
    value: str
    blocking: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Limits:
    """How much of a file's report is kept (issue 19): the first ``per_kind`` findings of each
    kind (a column and a gravity) are kept whole, the others only counted; reading stops once
    ``max_blocking`` blocking findings are found (0: never). ``None`` limits keep everything."""

    per_kind: int = 100
    max_blocking: int = 10_000
    value_width: int = 500  # a kept finding's value is cut to this many characters


# Distinct kinds counted separately; a file naming more unknown columns shares one last kind.
MAX_KINDS = 200
KIND_COLUMN_WIDTH = 60


class Findings(list[Issue]):
    """The findings of one file: a list holding the kept ones, with exact counts of all.

    Without limits it is a plain list of every finding (the annex rules' tests read it so).
    With :class:`Limits`, at most ``per_kind`` findings of each ``(column, blocking)`` kind are
    kept: memory stays bounded whatever the file, and :attr:`counts` says how many there were.
    """

    def __init__(self, limits: Limits | None = None) -> None:
        super().__init__()
        self.limits = limits
        self.counts: dict[tuple[str, bool], int] = {}
        self.blocking = 0
        self.warnings = 0
        self.announced = 0

    def append(self, issue: Issue, *, keep: bool = False) -> None:
        """Count ``issue``; keep it if its kind is under the cap (or ``keep``)."""
        if issue.blocking:
            self.blocking += 1
        else:
            self.warnings += 1
        key = (issue.column[:KIND_COLUMN_WIDTH], issue.blocking)
        seen = self.counts.get(key)
        if seen is None and len(self.counts) >= MAX_KINDS:
            key = ("…", issue.blocking)
            seen = self.counts.get(key)
        seen = (seen or 0) + 1
        self.counts[key] = seen
        if self.limits is None or keep:
            super().append(issue)
        elif seen <= self.limits.per_kind:
            if len(issue.value) > self.limits.value_width:
                issue = replace(issue, value=issue.value[: self.limits.value_width] + "…")
            super().append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        for issue in issues:
            self.append(issue)

    def announce(self, issue: Issue) -> None:
        """Keep ``issue`` whatever the limits, outside the counts (the notice that reading
        stopped: it is about the report, not a finding of the file)."""
        self.announced += 1
        super().append(issue)

    @property
    def hopeless(self) -> bool:
        """True once the blocking findings reach the ceiling: reading may stop."""
        return bool(self.limits and self.limits.max_blocking) and (
            self.blocking >= self.limits.max_blocking  # type: ignore[union-attr]
        )

    @property
    def omitted(self) -> int:
        """How many findings were counted but not kept."""
        return self.blocking + self.warnings + self.announced - len(self)

    def kinds(self) -> list[dict[str, Any]]:
        """Per kind, the exact count and how many are kept (for the report's summary)."""
        per_kind = self.limits.per_kind if self.limits else None
        return [
            {"column": column, "blocking": blocking, "count": count,
             "kept": count if per_kind is None else min(count, per_kind)}
            for (column, blocking), count in sorted(self.counts.items(), key=lambda kv: -kv[1])
        ]  # fmt: skip


def stop_notice(line: int, limits: Limits) -> Issue:
    """The finding that says reading stopped early on a hopeless file (issue 19)."""
    ceiling = f"{limits.max_blocking:,}".replace(",", "\u202f")
    return Issue(line, "", "", True,
                 f"Lecture arrêtée avant la ligne {line} : le fichier compte déjà {ceiling} "
                 "erreurs bloquantes. Les lignes suivantes n'ont pas été contrôlées ; corrigez le "
                 "fichier puis importez-le à nouveau.")  # fmt: skip


class FileRejected(Exception):
    """The file as a whole cannot be read (encoding, not a CSV, missing columns)."""

    def __init__(self, message: str, *, line: int = 0, column: str = "") -> None:
        super().__init__(message)
        self.issue = Issue(line=line, column=column, value="", blocking=True, message=message)


@dataclass
class Report:
    """Outcome of checking or importing one file."""

    rows: int = 0
    issues: list[Issue] = field(default_factory=list)
    stopped_at: int | None = None  # the line where reading stopped on a hopeless file

    @classmethod
    def capped(cls, limits: Limits | None) -> Report:
        """A report keeping at most what ``limits`` allow (everything when ``None``)."""
        return cls(issues=Findings(limits))

    @property
    def blocking(self) -> int:
        if isinstance(self.issues, Findings):
            return self.issues.blocking
        return sum(1 for i in self.issues if i.blocking)

    @property
    def warnings(self) -> int:
        if isinstance(self.issues, Findings):
            return self.issues.warnings
        return sum(1 for i in self.issues if not i.blocking)

    @property
    def omitted(self) -> int:
        """Findings counted but not kept (0 without limits)."""
        return self.issues.omitted if isinstance(self.issues, Findings) else 0

    @property
    def accepted(self) -> bool:
        return self.blocking == 0

    def as_json(self) -> dict[str, Any]:
        """The JSON of ``scrutin electors check --report json`` (documented in docs/fr)."""
        payload: dict[str, Any] = {
            "accepted": self.accepted,
            "rows": self.rows,
            "errors": [i.as_dict() for i in self.issues],
        }
        if self.omitted or self.stopped_at is not None:
            assert isinstance(self.issues, Findings)
            payload |= {"blocking": self.blocking, "warnings": self.warnings,
                        "omitted": self.omitted, "stopped_at": self.stopped_at,
                        "kinds": self.issues.kinds()}  # fmt: skip
        return payload


REPORT_CSV_HEADER = ["ligne", "colonne", "valeur", "bloquante", "message"]


def report_csv(issues: Iterable[Issue]) -> str:
    """The report as a CSV a spreadsheet opens directly (``;``, UTF-8 with BOM)."""
    return csv_text(REPORT_CSV_HEADER, map(report_row, issues))


def report_row(i: Issue) -> list[object]:
    """One line of the report's CSV (written by :mod:`scrutin.platform.csvexport`)."""
    return [i.line, i.column, i.value, "oui" if i.blocking else "non", i.message]
