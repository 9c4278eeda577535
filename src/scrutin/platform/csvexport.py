"""The one CSV writer of the project: every CSV the platform or its commands write goes through it
(docs/ops.md, "CSV exports").

* The format the French spreadsheets open directly: ``;`` separator, CRLF line ends, UTF-8 with a
  byte-order mark for the files a person downloads.
* Formula injection (CWE-1236, review issue 12.7): a text cell that a spreadsheet would read as a
  formula — starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — is written
  with a leading apostrophe, which spreadsheets show as text. A raison sociale
  ``=HYPERLINK("http://…")`` comes out as ``'=HYPERLINK("http://…")``. A plain signed number
  (``-12``, ``+33612345678``, ``-3,5``) cannot call anything and is left as it is, so telephone
  numbers in E.164 keep their ``+``. Neutralising is idempotent: a neutralised cell starts with
  an apostrophe and is not changed again.
* Big exports stream: :func:`csv_response` sends the rows as they come (a
  :class:`~django.http.StreamingHttpResponse`), in blocks of a few hundred rows, so memory stays
  flat whatever the number of rows; the caller gives an iterator over the database
  (``.iterator(chunk_size=…)``, a server-side cursor on PostgreSQL).

The only CSV files written otherwise are the synthetic *input* files of
:mod:`scrutin.platform.electoral.annex7.generate` (test and demo data, not exports: a test may
need a formula in them to prove it is neutralised on the way out).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import StreamingHttpResponse

FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-][0-9]+(?:[.,][0-9]+)?\Z")
BOM = "\ufeff"
ROWS_PER_BLOCK = 500


def safe_cell(value: object) -> object:
    """``value``, or a text that no spreadsheet evaluates if it would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_LEAD) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


class CsvWriter:
    """``csv.writer`` with the project's dialect, every cell passed through :func:`safe_cell`."""

    def __init__(self, stream: IO[str]) -> None:
        self._writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(header: Sequence[str], rows: Iterable[Iterable[object]], bom: bool = True) -> str:
    """A whole (small) CSV document as text."""
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = CsvWriter(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def csv_blocks(
    header: Sequence[str], rows: Iterable[Iterable[object]], bom: bool = True
) -> Iterator[bytes]:
    """The CSV document as UTF-8 blocks of :data:`ROWS_PER_BLOCK` rows, produced lazily."""
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = CsvWriter(out)
    writer.writerow(header)
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
        if count % ROWS_PER_BLOCK == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Iterable[object]]
) -> StreamingHttpResponse:
    """A streamed CSV download; ``filename`` is ASCII, built by the caller, never from input."""
    from django.http import StreamingHttpResponse

    response = StreamingHttpResponse(
        csv_blocks(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


__all__ = ["FORMULA_LEAD", "CsvWriter", "csv_blocks", "csv_response", "csv_text", "safe_cell"]
