"""The electors file checked a batch of rows at a time (issue 15: an import close to a raw COPY).

:meth:`ElectorChecker.check_row` applies every annex-7.1.3 rule to one row and writes every
finding. Almost every row of a real file has no finding, so a batch is first *screened* column by
column with C-level operations (``set`` inclusions, ``str.join`` then ``isdigit``, ``map(len)``):
a row that any rule might object to is *flagged* and goes through ``check_row`` itself, so each
of its findings is the one ``check_row`` writes. A row the screen lets through is one that
``check_row`` would store unchanged (but for the sub-category it ignores, annex col. 4) without
any finding: the screen only decides which rows take the short road, never what a finding says.
The stored rows then go out per batch: one COPY text, one digest update per urn, one array extend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import compress
from operator import itemgetter

import numpy as np

from .electors import _LIMITS, _TRUNCATED_MANDATORY, WIDTHS, ElectorChecker, _birth_date
from .emails import email_problem
from .phones import normalise_mobile

# The annex's columns by position (see ``electors.COLUMNS``).
_CCI, _CAT, _SUB, _NUMBER, _CIVILITY, _BIRTH, _SIREN, _NIC, _FORM = 0, 2, 3, 4, 6, 9, 13, 14, 18
_POSTAL = ((24, 26), (32, 34))
_EMAIL, _PHONE = 35, 36
_LENGTH_LIMITS = tuple((col, limit) for col, limit in enumerate(_LIMITS) if limit < 1 << 30)
_CIVILITIES_OR_EMPTY = frozenset({"", "M.", "MR", "MME", "MLLE"})
_FORMS_OR_EMPTY = frozenset({"", "A", "B"})
_FRANCE = ("", "FRANCE")
_CACHE_MAX = 100_000  # distinct birth dates remembered between batches
# Characters a COPY text field cannot hold as they are (PostgreSQL COPY, text format).
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

Sink = Callable[[list[str | None]], None]
CopyWriter = Callable[[str], None]


def _digits_of_width(column: Sequence[str], width: int) -> bool:
    """Every value is exactly ``width`` ASCII digits (one join, one scan)."""
    if set(map(len, column)) != {width}:
        return False
    joined = "".join(column)
    return joined.isascii() and joined.isdigit()


def _is_postcode(value: str) -> bool:
    """``[A-Za-z0-9]{5}`` (annex cols. 25 and 33, an address in France)."""
    return len(value) == 5 and value.isascii() and value.isalnum()


class Batch:
    """A batch of rows as 37 stripped columns, the rows flagged for ``check_row`` and, for the
    others, their urn, stored sub-category, ISO birth date and E.164 mobile."""

    def __init__(self, checker: ElectorChecker, columns: list[list[str]], short: set[int]) -> None:
        self.columns = columns
        self.size = n = len(columns[0])
        self.short = short
        self.flagged = set(short)
        self.urns: list[int] = [0] * n
        self.births: list[str | None] = [None] * n
        self.mobiles = [""] * n
        self.subcategories = columns[_SUB]  # as stored: "" where the category has none (col. 4)
        cci = checker.cci_code
        if cci is None:  # the first valid row decides the file's CCI: check_row sees them all
            self.flagged.update(range(n))
            return
        self._lengths()
        self._cci_and_urn(checker, cci)
        self._numbers_and_codes()
        self._birth_dates(checker)
        for col, country_col in _POSTAL:
            self._postcodes(col, country_col)
        self._contacts(cci)

    def _flag(self, column: Sequence[str], wrong: Callable[[str], bool]) -> None:
        self.flagged.update(i for i, v in enumerate(column) if wrong(v))

    def _lengths(self) -> None:
        columns = self.columns
        for col, limit in _LENGTH_LIMITS:
            if max(map(len, columns[col])) > limit:
                self._flag(columns[col], lambda v, limit=limit: len(v) > limit)  # type: ignore[misc]
        for col in _TRUNCATED_MANDATORY:
            if "" in columns[col]:
                self._flag(columns[col], lambda v: not v)

    def _cci_and_urn(self, checker: ElectorChecker, cci: str) -> None:
        columns = self.columns
        if columns[_CCI].count(cci) != self.size:
            self._flag(columns[_CCI], lambda v: v != cci)
        pairs = list(zip(columns[_CAT], columns[_SUB], strict=True))
        resolved = {p: checker.fast_urn(cci, *p) for p in set(pairs)}
        urn_of = {p: r[0] for p, r in resolved.items() if r is not None}
        if len(urn_of) < len(resolved):
            self.flagged.update(i for i, p in enumerate(pairs) if p not in urn_of)
            self.urns = [urn_of.get(p, 0) for p in pairs]
        else:
            self.urns = list(map(urn_of.__getitem__, pairs))
        if any(r is not None and r[1] != p[1] for p, r in resolved.items()):
            stored = {p: p[1] if r is None else r[1] for p, r in resolved.items()}
            self.subcategories = list(map(stored.__getitem__, pairs))

    def _numbers_and_codes(self) -> None:
        columns = self.columns
        for col, width in ((_NUMBER, 10), (_SIREN, 9), (_NIC, 5)):
            if not _digits_of_width(columns[col], width):
                self._flag(columns[col], lambda v, w=width: not (  # type: ignore[misc]
                    len(v) == w and v.isascii() and v.isdigit()))  # fmt: skip
        for col, allowed in ((_CIVILITY, _CIVILITIES_OR_EMPTY), (_FORM, _FORMS_OR_EMPTY)):
            if not allowed.issuperset(columns[col]):
                self._flag(columns[col], lambda v, a=allowed: v not in a)  # type: ignore[misc]

    def _birth_dates(self, checker: ElectorChecker) -> None:
        known = checker.fast_births
        births = self.columns[_BIRTH]
        bad = set()
        for value in set(births).difference(known):
            born, problem = _birth_date(value) if value else (None, "missing")
            if problem:
                bad.add(value)
                continue
            if len(known) >= _CACHE_MAX:
                known.clear()
            known[value] = born
        if bad:
            self._flag(births, bad.__contains__)
            self.births = [known.get(v) for v in births]
        else:
            self.births = list(map(known.__getitem__, births))

    def _postcodes(self, col: int, country_col: int) -> None:
        countries, codes = self.columns[country_col], self.columns[col]
        distinct = set(countries)
        in_france = {c for c in distinct if c.upper() in _FRANCE}
        if len(in_france) == len(distinct):
            if (
                set(map(len, codes)) == {5}
                and (joined := "".join(codes)).isascii()
                and (joined.isalnum())
            ):
                return
            self._flag(codes, lambda v: not _is_postcode(v))
            return
        width = WIDTHS[col]
        self.flagged.update(
            i
            for i, (v, c) in enumerate(zip(codes, countries, strict=True))
            if (not _is_postcode(v) if c in in_france else len(v) > width)
        )

    def _contacts(self, cci: str) -> None:
        emails, phones, mobiles = self.columns[_EMAIL], self.columns[_PHONE], self.mobiles
        for i in compress(range(self.size), emails):
            if email_problem(emails[i]) is not None:
                self.flagged.add(i)
        for i in compress(range(self.size), phones):
            e164, problem = normalise_mobile(phones[i], cci)
            if problem:
                self.flagged.add(i)
            else:
                mobiles[i] = e164 or ""

    def values(self, i: int) -> list[str]:
        """Row ``i`` as ``check_row`` takes it (stripped, in the annex's order)."""
        return [column[i] for column in self.columns]

    def put(self, i: int, out: list[str | None]) -> None:
        """Row ``i`` as ``check_row`` stored it (truncations and all)."""
        for column, value in zip(self.columns, out[5:], strict=True):
            column[i] = value  # type: ignore[assignment]
        self.subcategories[i] = out[5 + _SUB]  # type: ignore[assignment]
        self.urns[i] = int(out[1])  # type: ignore[arg-type]
        self.births[i] = out[2]
        self.mobiles[i] = out[3]  # type: ignore[assignment]


def screen(
    checker: ElectorChecker,
    rows: Sequence[list[str]],
    positions: tuple[int, ...],
    width: int,
    identity: bool,
) -> Batch:
    """Strip and screen a batch of raw CSV rows (rows shorter than ``width`` are flagged)."""
    short: set[int] = set()
    if min(map(len, rows)) < width:
        short = {i for i, row in enumerate(rows) if len(row) < width}
        blank = [""] * width
        rows = [blank if i in short else row for i, row in enumerate(rows)]
    if identity and max(map(len, rows)) == width:
        raw = zip(*rows, strict=True)
    else:
        raw = zip(*map(itemgetter(*positions), rows), strict=True)
    return Batch(checker, [list(map(str.strip, column)) for column in raw], short)


def store(
    checker: ElectorChecker,
    batch: Batch,
    lines: list[int],
    kept: list[bool] | None,
    fast: list[bool] | None,
    sink: Sink | None,
    copy: CopyWriter | None,
) -> None:
    """Record the batch's stored rows (``kept``: which, all when ``None``) in file order: the
    duplicates finder's numbers of the screened ones (``fast``; ``check_row`` recorded the
    others), each urn's count and fingerprint, then the COPY text or the ``sink`` rows."""
    columns = [*batch.columns[:_SUB], batch.subcategories, *batch.columns[_SUB + 1 :]]
    numbers, fast_lines = columns[_NUMBER], lines
    if fast is not None:
        numbers, fast_lines = list(compress(numbers, fast)), list(compress(lines, fast))
    if numbers:
        packed = (np.array(numbers, dtype=np.int64) << 29) | np.array(fast_lines, dtype=np.int64)
        checker.add_numbers(packed.tobytes())
    urns, births, mobiles = batch.urns, batch.births, batch.mobiles
    if kept is not None:
        columns = [list(compress(column, kept)) for column in columns]
        urns, lines = list(compress(urns, kept)), list(compress(lines, kept))
        births, mobiles = list(compress(births, kept)), list(compress(mobiles, kept))
    if not urns:
        return
    canonical = list(map("\x1f".join, zip(*columns, strict=True)))
    distinct = dict.fromkeys(urns)
    for urn in distinct:
        rows = canonical if len(distinct) == 1 else list(compress(canonical, map(urn.__eq__, urns)))
        tally = checker.tally(urn)
        tally.count += len(rows)
        tally.digest.update(("\n".join(rows) + "\n").encode("utf-8"))
    cci_numbers = list(map(str.__add__, columns[_CCI], columns[_NUMBER]))
    if copy is not None:
        copy(_copy_text(canonical, columns, cci_numbers, urns, births, mobiles, lines))
    if sink is not None:
        for row in zip(cci_numbers, map(str, urns), births, mobiles, map(str, lines), *columns,
                       strict=True):  # fmt: skip
            sink(list(row))


def _copy_text(
    canonical: list[str],
    columns: list[list[str]],
    numbers: list[str],
    urns: list[int],
    births: list[str | None],
    mobiles: list[str],
    lines: list[int],
) -> str:
    """COPY text lines in the order of ``sink`` rows (number, urn, birth date, mobile, line, then
    the 37 values); a NULL birth date is ``\\N``; values escaped where COPY needs it."""
    blob = "\n".join(canonical)
    plain = (
        blob.count("\n") == len(canonical) - 1
        and blob.count("\x1f") == 36 * len(canonical)
        and "\t" not in blob
        and "\\" not in blob
        and "\r" not in blob
    )
    if plain:
        texts = blob.replace("\x1f", "\t").split("\n")
    else:
        texts = [
            "\t".join(v.translate(_COPY_ESCAPES) for v in row) for row in zip(*columns, strict=True)
        ]
    dates = ["\\N" if b is None else b for b in births]
    rows = zip(numbers, map(str, urns), dates, mobiles, map(str, lines), texts, strict=True)
    return "\n".join(map("\t".join, rows)) + "\n"
