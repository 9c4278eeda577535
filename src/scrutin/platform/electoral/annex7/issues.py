"""One finding about one value of an imported file, and the report that collects them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


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

    @property
    def blocking(self) -> int:
        return sum(1 for i in self.issues if i.blocking)

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if not i.blocking)

    @property
    def accepted(self) -> bool:
        return self.blocking == 0

    def as_json(self) -> dict[str, Any]:
        """The JSON of ``scrutin electors check --report json`` (documented in docs/fr)."""
        return {
            "accepted": self.accepted,
            "rows": self.rows,
            "errors": [i.as_dict() for i in self.issues],
        }


REPORT_CSV_HEADER = ["ligne", "colonne", "valeur", "bloquante", "message"]


def report_csv(issues: Iterable[Issue]) -> str:
    """The report as a CSV a spreadsheet opens directly (``;``, UTF-8 with BOM)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(REPORT_CSV_HEADER)
    for i in issues:
        writer.writerow([i.line, i.column, i.value, "oui" if i.blocking else "non", i.message])
    return out.getvalue()
