"""The electors file of one CCI (CCTP annex 7.1.3): 37 columns, every rule as the annex writes it.

One streaming pass: each row is checked, truncated where the annex says the error is not
blocking, and handed to a ``sink`` (or, as COPY text, to the database) while the report collects
every finding of the file. The caller rolls the whole import back if any finding is blocking.
Rows are read by batches of :data:`BATCH`; ``fastpath`` screens a batch column by column and only
rows that a rule may object to go through :meth:`ElectorChecker.check_row`, which writes every
finding. The only state kept per row is 8 bytes (elector number and line) to find duplicates at
the end.

Where the annex contradicts itself the choice is documented in ``docs/fr/import-electeurs.md``:
column 11 (NOM DE FAMILLE) is declared 34 long but its rule says 30: the rule (30) is applied.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import islice
from operator import gt, itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from .csvfile import CsvSource
from .emails import email_problem
from .issues import FileRejected, Findings, Issue, Limits, Report, stop_notice
from .phones import normalise_mobile

COLUMNS: tuple[str, ...] = (
    "CODE CCI", "CODE DELEGATION", "CODE CATEGORIE", "CODE SOUS CATEGORIE", "NUMERO ELECTEUR",
    "CLE INTERNE CCI", "CIVILITE", "NOM D'USAGE", "PRENOM", "DATE DE NAISSANCE",
    "NOM DE FAMILLE", "TYPE ELECTEUR", "CODE GREFFE", "NUMERO SIREN", "NUMERO NIC",
    "RAISON SOCIALE", "ENSEIGNE", "NAF", "TYPE FORME JURIDIQUE", "ADRACH DESTINATAIRE",
    "ADRACH COMPLEMENT1", "ADRACH COMPLEMENT2", "ADRACH VOIE", "ADRACH LIEU DIT",
    "ADRACH CODE POSTAL", "ADRACH LOCALITE", "ADRACH PAYS", "ADRJUR DESTINATAIRE",
    "ADRJUR COMPLEMENT1", "ADRJUR COMPLEMENT2", "ADRJUR VOIE", "ADRJUR LIEU DIT",
    "ADRJUR CODE POSTAL", "ADRJUR LOCALITE", "ADRJUR PAYS", "EMAIL", "TELEPHONE",
)  # fmt: skip

# Model field names, in the annex's column order (the Elector model and the COPY use them).
FIELDS: tuple[str, ...] = (
    "cci_code", "delegation_code", "category_code", "subcategory_code", "local_number",
    "cci_internal_key", "civility", "usage_name", "first_name", "birth_date_raw",
    "family_name", "elector_type", "registry_code", "siren", "nic",
    "company_name", "trade_name", "naf", "legal_form_type", "postal_recipient",
    "postal_complement1", "postal_complement2", "postal_street", "postal_place",
    "postal_code", "postal_city", "postal_country", "legal_recipient",
    "legal_complement1", "legal_complement2", "legal_street", "legal_place",
    "legal_postal_code", "legal_city", "legal_country", "email", "phone",
)  # fmt: skip

# Stored width of each column (annex length; postal codes abroad have no annex rule: 38).
WIDTHS: tuple[int, ...] = (
    3, 3, 1, 2, 10, 20, 4, 34, 30, 8, 30, 3, 5, 9, 5, 38, 38, 5, 1, 38,
    38, 38, 38, 38, 38, 32, 38, 38, 38, 38, 38, 38, 38, 32, 38, 255, 50,
)  # fmt: skip

# Columns whose only rule is a maximum length, truncated with a non-blocking error.
_TRUNCATED_OPTIONAL = (1, 5, 8, 10, 11, 12, 15, 16, 17, 20, 21, 22, 23, 26, 28, 29, 30, 31, 34, 36)
# Mandatory columns truncated with a non-blocking error when too long (8, 20, 26, 28, 34).
_TRUNCATED_MANDATORY = (7, 19, 25, 27, 33)
# Per column, the length beyond which the generic truncation applies (others have their own rule).
_LIMITS = tuple(
    WIDTHS[c] if c in _TRUNCATED_OPTIONAL + _TRUNCATED_MANDATORY else 1 << 30 for c in range(37)
)
_mandatory = itemgetter(*_TRUNCATED_MANDATORY)
_CIVILITIES = frozenset({"M.", "MR", "MME", "MLLE"})
_UNKNOWN_BIRTH = "01011901"
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_POSTCODE = re.compile(r"[A-Za-z0-9]{5}", re.ASCII)
_MISSING = "Donnée obligatoire non renseignée."


@dataclass(frozen=True)
class StructureIndex:
    """What the structure file says of one CCI: its categories and their sub-categories.

    ``urns`` maps ``(category, sub-category or "")`` to the caller's urn identifier.
    """

    cci_code: str
    urns: Mapping[tuple[str, str], int]

    def subcategories(self, category: str) -> frozenset[str] | None:
        """``None`` if the category is unknown; an empty set if it has no sub-category."""
        subs = {s for (c, s) in self.urns if c == category}
        return None if not subs else frozenset(s for s in subs if s)


def index_from_structure_file(path: Path) -> tuple[dict[str, StructureIndex], Report]:
    """The structure index read from a structure file (``electors check --structure``)."""
    from .structure import read_structure

    specs, report = read_structure(path)
    urns: dict[str, dict[tuple[str, str], int]] = {}
    for n, spec in enumerate(specs, start=1):
        urns.setdefault(spec.cci_code, {})[(spec.category_code, spec.subcategory_code)] = n
    return {cci: StructureIndex(cci, m) for cci, m in urns.items()}, report


@dataclass
class UrnTally:
    """Per-urn control figures (CCTP 4.1.2): count and fingerprint of the imported rows."""

    count: int = 0
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)

    @property
    def fingerprint(self) -> str:
        return self.digest.hexdigest()


def canonical_row(values: list[str]) -> bytes:
    """The bytes of one stored elector row in the control-list fingerprint (documented)."""
    return ("\x1f".join(values) + "\n").encode("utf-8")


def _is_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


@lru_cache(maxsize=65536)
def _birth_date(value: str) -> tuple[str | None, str | None]:
    """``(iso date or None for unknown, problem)`` for a JJMMAAAA value (annex col. 10)."""
    if value == _UNKNOWN_BIRTH:
        return None, None
    if len(value) != 8 or not _DIGITS.fullmatch(value):
        return None, "Date attendue sur 8 chiffres au format JJMMAAAA (01011901 si inconnue)."
    day, month, year = int(value[:2]), int(value[2:4]), int(value[4:])
    if year < 1900:
        return None, "L'année de naissance doit être égale ou supérieure à 1900."
    try:
        born = date(year, month, day)
    except ValueError:
        return None, "Cette date n'existe pas (JJMMAAAA)."
    if born > date.today():
        return None, "La date de naissance est dans le futur."
    return born.isoformat(), None


class ElectorChecker:
    """Checks rows of one CCI's electors file against the annex and the structure."""

    def __init__(self, structure: Mapping[str, StructureIndex]) -> None:
        self.structure = structure
        self.cci_code: str | None = None
        self.tallies: dict[int, UrnTally] = {}
        self._numbers = array("q")  # (number << 29) | line, for duplicate detection
        self._subcats: dict[str, frozenset[str] | None] = {}
        self._urns: dict[tuple[str, str, str], tuple[int, str] | None] = {}
        self.fast_births: dict[str, str | None] = {}  # valid DATE DE NAISSANCE -> ISO or None

    def check(self, line: int, values: list[str], issues: list[Issue]) -> list[str | None] | None:
        """Return the stored row ``[number13, urn, birth ISO or None, mobile E.164, line, *37 values]``,
        or ``None`` when the row has a blocking error (all its findings go to ``issues``); the
        stored row is counted in its urn's tally."""
        out = self.check_row(line, values, issues)
        if out is not None:
            tally = self.tally(int(str(out[1])))
            tally.count += 1
            tally.digest.update(canonical_row(values))
        return out

    def tally(self, urn: int) -> UrnTally:
        tally = self.tallies.get(urn)
        if tally is None:
            tally = self.tallies[urn] = UrnTally()
        return tally

    def add_numbers(self, packed: bytes) -> None:
        """Elector numbers packed ``(number << 29) | line`` as int64, for the duplicates finder."""
        self._numbers.frombytes(packed)

    def fast_urn(self, cci: str, category: str, subcat: str) -> tuple[int, str] | None:
        """``(urn, stored sub-category)`` of a row of CCI ``cci`` whose CODE CATEGORIE and CODE
        SOUS CATEGORIE have no finding; ``None`` if they have one (then ``check_row`` says it)."""
        key = (cci, category, subcat)
        if key in self._urns:
            return self._urns[key]
        found = None
        index = self.structure.get(cci)
        subs = index.subcategories(category) if index is not None and category else None
        if subs is not None and not subs:
            found = (index.urns[(category, "")], "")  # type: ignore[union-attr]
        elif subs and subcat in subs:
            found = (index.urns[(category, subcat)], subcat)  # type: ignore[union-attr]
        if len(self._urns) < 10_000:
            self._urns[key] = found
        return found

    def check_row(
        self, line: int, values: list[str], issues: list[Issue]
    ) -> list[str | None] | None:
        """:meth:`check` without the tally (the caller fingerprints the stored rows)."""
        blocking = False

        def bad(col: int, message: str) -> None:
            nonlocal blocking
            blocking = True
            issues.append(Issue(line, COLUMNS[col], values[col], True, message))

        def warn(col: int, original: str, message: str) -> None:
            issues.append(Issue(line, COLUMNS[col], original, False, message))

        # One C-level pass decides whether the per-column loops are needed at all.
        if any(map(gt, map(len, values), _LIMITS)) or not all(_mandatory(values)):
            for col in _TRUNCATED_OPTIONAL:
                value = values[col]
                if len(value) > WIDTHS[col]:
                    values[col] = value[: WIDTHS[col]]
                    warn(col, value, f"Tronquée à {WIDTHS[col]} caractères ({len(value)} reçus).")
            for col in _TRUNCATED_MANDATORY:
                value = values[col]
                if not value:
                    bad(col, _MISSING)
                elif len(value) > WIDTHS[col]:
                    values[col] = value[: WIDTHS[col]]
                    warn(col, value, f"Tronquée à {WIDTHS[col]} caractères ({len(value)} reçus).")

        # 1 CODE CCI — must be a CCI of the structure, the same on every line of the file.
        cci = values[0]
        index = None
        if not cci:
            bad(0, _MISSING)
        elif cci not in self.structure:
            bad(0, "Ce code CCI n'existe pas dans la structure électorale.")
        elif self.cci_code is not None and cci != self.cci_code:
            bad(0, f"Un fichier ne contient que les électeurs d'une CCI ({self.cci_code}).")
        else:
            self.cci_code = cci
            index = self.structure[cci]

        # 3 CODE CATEGORIE, 4 CODE SOUS CATEGORIE — must match the structure.
        category, subcat = values[2], values[3]
        urn: int | None = None
        if not category:
            bad(2, _MISSING)
        elif index is not None:
            key = f"{cci}\x00{category}"
            if key not in self._subcats:
                self._subcats[key] = index.subcategories(category)
            subs = self._subcats[key]
            if subs is None:
                bad(
                    2,
                    f"Cette catégorie n'existe pas pour la CCI {cci} dans la structure électorale.",
                )
            elif not subs:
                values[3] = ""  # CCI without sub-category: the value is ignored (annex col. 4)
                urn = index.urns[(category, "")]
            elif not subcat:
                bad(3, "Sous-catégorie obligatoire : cette catégorie a des sous-catégories.")
            elif subcat not in subs:
                bad(
                    3,
                    f"Cette sous-catégorie n'existe pas pour la catégorie {category} de la CCI {cci}.",
                )
            else:
                urn = index.urns[(category, subcat)]

        # 5 NUMERO ELECTEUR — 10 digits, unique.
        number = values[4]
        if not number:
            bad(4, _MISSING)
        elif len(number) != 10 or not _is_digits(number):
            bad(4, "Le numéro d'électeur doit compter exactement 10 chiffres (zéros à gauche).")
        else:
            self._numbers.append((int(number) << 29) | line)

        # 7 CIVILITE
        if values[6] and values[6] not in _CIVILITIES:
            bad(6, "Civilité attendue : « M. », « MR », « MME » ou « MLLE » (ou vide).")

        # 10 DATE DE NAISSANCE
        born: str | None = None
        if not values[9]:
            bad(9, "Donnée obligatoire : indiquez 01011901 si la date de naissance est inconnue.")
        else:
            born, problem = _birth_date(values[9])
            if problem:
                bad(9, problem)

        # 14 NUMERO SIREN (9), 15 NUMERO NIC (5): shorter is blocking, longer is truncated.
        for col, width, name in ((13, 9, "SIREN"), (14, 5, "NIC")):
            value = values[col]
            if not value:
                bad(col, _MISSING)
            elif not _is_digits(value):
                bad(col, f"Le numéro {name} ne doit contenir que des chiffres.")
            elif len(value) < width:
                bad(
                    col,
                    f"Numéro {name} {value} : {width} chiffres attendus, complétez avec des 0 à gauche.",
                )
            elif len(value) > width:
                values[col] = value[:width]
                warn(col, value, f"Numéro {name} {value} tronqué à {width} chiffres.")

        # 19 TYPE FORME JURIDIQUE
        legal_form = values[18]
        if legal_form:
            if len(legal_form) > 1:
                values[18] = legal_form = legal_form[:1]
                warn(18, values[18], "Tronquée à 1 caractère.")
            if legal_form not in ("A", "B"):
                bad(18, "Valeur attendue : « A » (personne physique) ou « B » (personne morale).")

        # 25, 33 CODE POSTAL: 5 characters when the country is empty or FRANCE.
        for col, country_col in ((24, 26), (32, 34)):
            if values[country_col].upper() in ("", "FRANCE"):
                value = values[col]
                if not value:
                    bad(col, "Code postal obligatoire pour une adresse en France.")
                elif not _POSTCODE.fullmatch(value):
                    bad(
                        col,
                        "Le code postal d'une adresse en France compte exactement 5 caractères.",
                    )
            elif len(values[col]) > WIDTHS[col]:
                original = values[col]
                values[col] = original[: WIDTHS[col]]
                warn(col, original, f"Tronquée à {WIDTHS[col]} caractères.")

        # 36 EMAIL — the annex's own rule, blocking.
        if values[35] and (problem := email_problem(values[35])):
            bad(35, problem)

        # 37 TELEPHONE — a mobile, normalised to E.164; otherwise no SMS can be sent (warning).
        mobile = ""
        if values[36]:
            e164, problem = normalise_mobile(values[36], cci or "")
            if problem:
                warn(36, values[36], problem)
            else:
                mobile = e164 or ""

        if blocking or urn is None:
            return None
        return [cci + number, str(urn), born, mobile, str(line), *values]

    def duplicate_issues(self) -> list[Issue]:
        """Every repeated elector number, pointing at its first line (annex col. 5)."""
        return list(self.iter_duplicate_issues())

    def iter_duplicate_issues(self) -> Iterator[Issue]:
        """The repeated elector numbers one by one, so a capped report holds only what it keeps.

        The packed ``(number << 29) | line`` values are sorted in place as one int64 buffer
        (8 bytes per elector, no per-row Python object); only the duplicates become objects.
        No number can be added while the generator runs (the buffer is exported).
        """
        packed = np.frombuffer(self._numbers, dtype=np.int64)  # a view: no second copy
        packed.sort(kind="stable")
        numbers = packed >> 29
        repeated = np.flatnonzero(numbers[1:] == numbers[:-1]) + 1
        mask = (1 << 29) - 1
        first_line = 0
        previous = -1
        for i in repeated.tolist():
            number = int(numbers[i])
            if number != previous:
                first_line = int(packed[i - 1]) & mask
                previous = number
            yield Issue(int(packed[i]) & mask, "NUMERO ELECTEUR", f"{number:010d}", True,
                        f"Numéro d'électeur en double : déjà présent ligne {first_line}.")  # fmt: skip


def starts_with_code(row: list[str]) -> bool:
    """A first row whose first field (CODE CCI) is a number is data, not a header."""
    return bool(row) and bool(_DIGITS.fullmatch(row[0].strip()))


Sink = Callable[[list[str | None]], None]
Progress = Callable[[int, int], None]
BATCH = 2000  # rows screened together (see ``fastpath``); memory stays that of one batch
PROGRESS_EVERY = 20_000


def _batches(
    rows: Iterator[tuple[int, list[str]]],
) -> Iterator[tuple[list[int], list[list[str]], FileRejected | None]]:
    """The rows by batches (the first row alone: it decides the file's CCI). A batch cut short by
    an unreadable line comes with its :class:`FileRejected`, raised once its rows are read."""
    size = 1
    while True:
        read: list[tuple[int, list[str]]] = []
        rejected = None
        try:
            read.extend(islice(rows, size))  # keeps the rows read before an exception
        except FileRejected as exc:
            rejected = exc
        if read or rejected is not None:
            lines, raws = (list(c) for c in zip(*read, strict=True)) if read else ([], [])
            yield lines, raws, rejected
        if rejected is not None or len(read) < size:
            return
        size = BATCH


def read_electors(
    path: Path,
    structure: Mapping[str, StructureIndex],
    sink: Sink | None = None,
    progress: Progress | None = None,
    digest: Any = None,
    limits: Limits | None = None,
    copy: Callable[[str], None] | None = None,
) -> tuple[Report, ElectorChecker]:
    """Check a whole file, passing each valid row to ``sink``; the report lists every finding.

    ``digest`` (a hashlib object) receives the file's bytes, so the file is fingerprinted in the
    pass that detects its encoding rather than in a separate read. With ``limits`` the report
    keeps the first findings of each kind and counts the others, and reading stops once the
    file has ``limits.max_blocking`` blocking findings (announced in the report). ``copy``
    receives the valid rows as PostgreSQL COPY text (the columns of ``sink`` rows, in order),
    a batch of rows at a time."""
    from . import fastpath

    report = Report.capped(limits)
    checker = ElectorChecker(structure)
    issues = report.issues
    assert isinstance(issues, Findings)
    try:
        with CsvSource(path, digest) as source:
            layout, rows = source.layout_rows(COLUMNS, starts_with_code)
            issues.extend(layout.header_issues)
            width, positions = layout.width, layout.positions
            identity = positions == tuple(range(width))
            for lines, raws, rejected in _batches(rows):
                if not lines:
                    raise rejected  # type: ignore[misc]
                if limits is not None and issues.hopeless:
                    report.stopped_at = lines[0]
                    break
                batch = fastpath.screen(checker, raws, positions, width, identity)
                end, dropped = len(lines), set()
                for i in sorted(batch.flagged):
                    if i in batch.short:
                        issues.append(Issue(lines[i], "", "", True,
                                            f"{len(raws[i])} colonnes au lieu de {width}."))  # fmt: skip
                        dropped.add(i)
                    elif (out := checker.check_row(lines[i], batch.values(i), issues)) is None:
                        dropped.add(i)
                    else:
                        batch.put(i, out)
                    if limits is not None and issues.hopeless and i + 1 < len(lines):
                        end = i + 1
                        report.stopped_at = lines[end]
                        break
                before = report.rows
                report.rows += end
                if (
                    progress is not None
                    and before // PROGRESS_EVERY != report.rows // PROGRESS_EVERY
                ):
                    progress(source.bytes_read, source.size)
                kept = fast = None
                if dropped or end < len(lines):
                    kept = [i < end and i not in dropped for i in range(len(lines))]
                if batch.flagged or end < len(lines):
                    fast = [i < end and i not in batch.flagged for i in range(len(lines))]
                fastpath.store(checker, batch, lines, kept, fast, sink, copy)
                if report.stopped_at is not None:
                    break
                if rejected is not None:
                    raise rejected
            if report.stopped_at is not None:
                issues.announce(stop_notice(report.stopped_at, limits))  # type: ignore[arg-type]
            if progress is not None:
                progress(source.size, source.size)
    except FileRejected as exc:
        issues.append(exc.issue)
        return report, checker
    if report.rows == 0:
        issues.append(Issue(1, "", "", True, "Le fichier ne contient aucun électeur : seulement "
                            "la ligne d'en-tête. Une liste électorale ne peut pas être vide."))  # fmt: skip
    issues.extend(checker.iter_duplicate_issues())
    issues.sort(key=lambda i: i.line)
    return report, checker
