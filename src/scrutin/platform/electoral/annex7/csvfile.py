"""Reading real-world CSV files: encoding, separator, header, blank lines (CCTP annex 7).

Accepted: UTF-8 with or without BOM, Windows-1252; ``;``, ``,`` or tab separators; quoted
fields (with embedded separators or line breaks); CRLF or LF; blank trailing lines. Anything
else gets one clear :class:`FileRejected` error instead of a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .issues import FileRejected, Issue

_CHUNK = 1 << 20
# A physical line longer than this is refused before it is split into fields: no annex file
# comes close (an electors row is under 2,000 characters), and a row's memory stays bounded.
MAX_LINE = 1 << 16
# A header wider than this is refused (the annex files have at most 37 columns).
MAX_COLUMNS = 200
# Bytes that Windows-1252 leaves undefined: a file containing them is in neither accepted encoding.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
csv.field_size_limit(1 << 20)


def normalise_name(name: str) -> str:
    """Header names compared without accents, case, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if c.isalnum()).upper()


def detect_encoding(path: Path, digest: Any = None) -> str:
    """``utf-8-sig`` (with or without BOM) or ``cp1252``; :class:`FileRejected` otherwise.

    ``digest`` (a hashlib object), when given, is fed the file's bytes in the same pass.
    """
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise FileRejected(
                "Le fichier est en UTF-16 : enregistrez-le en CSV UTF-8 ou Windows-1252 (ANSI)."
            )
        if head.startswith(b"PK\x03\x04"):
            raise FileRejected(
                "Le fichier est un classeur Excel ou une archive ZIP, pas un fichier CSV : "
                "enregistrez-le au format « CSV (séparateur : point-virgule) »."
            )
        if head.startswith(b"%PDF"):
            raise FileRejected("Le fichier est un PDF, pas un fichier CSV.")
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8 = True
        seen_high: set[int] = set()
        while chunk := fh.read(_CHUNK):
            if digest is not None:
                digest.update(chunk)
            if b"\x00" in chunk:
                raise FileRejected(
                    "Le fichier contient des octets nuls : ce n'est pas un fichier texte CSV "
                    "(encodage inconnu ou fichier binaire)."
                )
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if not utf8:
                seen_high.update(b for b in set(chunk) if b >= 0x80)
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
                fh.seek(0)
                while chunk := fh.read(_CHUNK):
                    seen_high.update(b for b in set(chunk) if b >= 0x80)
    if utf8:
        return "utf-8-sig"
    if seen_high & _CP1252_UNDEFINED:
        raise FileRejected(
            "Encodage du fichier inconnu : il n'est ni en UTF-8 ni en Windows-1252 (ANSI). "
            "Enregistrez-le en CSV UTF-8."
        )
    return "cp1252"


def _french_number(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _too_long(line: int) -> FileRejected:
    return FileRejected(
        f"La ligne {line} dépasse {_french_number(MAX_LINE)} caractères : ce n'est pas une ligne "
        "du fichier attendu (séparateur ou fin de ligne manquants ?).",
        line=line,
    )


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    delimiter, count = max(counts.items(), key=lambda kv: kv[1])
    if count == 0:
        raise FileRejected(
            "Séparateur introuvable sur la première ligne : ce n'est pas un fichier CSV "
            "(séparateurs acceptés : point-virgule, virgule ou tabulation).",
            line=1,
        )
    return delimiter


@dataclass(frozen=True)
class Layout:
    """Where each expected column sits in the file, and the findings about the header."""

    positions: tuple[int, ...]
    width: int
    has_header: bool
    header_issues: tuple[Issue, ...]


def match_header(first_row: Sequence[str], columns: Sequence[str], looks_like_data: bool) -> Layout:
    """Map the file's columns to the annex's, by name; a headerless file is read by position."""
    if len(first_row) > MAX_COLUMNS:
        raise FileRejected(
            f"La première ligne compte {_french_number(len(first_row))} colonnes ; le fichier attendu en a "
            f"{len(columns)} (au plus {MAX_COLUMNS} acceptées, colonnes inconnues comprises). "
            "Vérifiez qu'il s'agit du bon fichier et de son séparateur.",
            line=1,
        )
    wanted = {normalise_name(c): i for i, c in enumerate(columns)}
    found: dict[int, int] = {}
    unknown: list[str] = []
    for pos, raw in enumerate(first_row):
        key = normalise_name(raw)
        if not key:
            continue
        if key in wanted and wanted[key] not in found:
            found[wanted[key]] = pos
        else:
            unknown.append(raw.strip())
    if not found and looks_like_data and len(first_row) == len(columns):
        note = Issue(
            1,
            "",
            "",
            False,
            "Pas de ligne d'en-tête : les colonnes ont été lues dans l'ordre de l'annexe.",
        )
        return Layout(tuple(range(len(columns))), len(first_row), False, (note,))
    missing = [c for i, c in enumerate(columns) if i not in found]
    if missing:
        names = ", ".join(f"« {m} »" for m in missing)
        plural = "Colonnes manquantes" if len(missing) > 1 else "Colonne manquante"
        raise FileRejected(
            f"{plural} dans l'en-tête : {names}. Le fichier doit comporter les "
            f"{len(columns)} colonnes de l'annexe, avec leur nom sur la première ligne.",
            line=1,
        )
    notes = tuple(
        Issue(1, name, name, False, "Colonne inconnue de l'annexe : ignorée.") for name in unknown
    )
    return Layout(tuple(found[i] for i in range(len(columns))), len(first_row), True, notes)


class CsvSource:
    """A CSV file opened for streaming, with its detected encoding and separator."""

    def __init__(self, path: Path, digest: Any = None) -> None:
        self.path = path
        self.size = path.stat().st_size
        if self.size == 0:
            raise FileRejected("Le fichier est vide.")
        self.encoding = detect_encoding(path, digest)
        self._raw = path.open("rb")
        self._fh = io.TextIOWrapper(self._raw, encoding=self.encoding, newline="")
        try:
            self.delimiter = _sniff_delimiter(self._first_line())
            self._fh.seek(0)
        except BaseException:
            self._fh.close()
            raise

    def _first_line(self) -> str:
        """The first non-blank line, read in bounded pieces."""
        for number, text in enumerate(self._lines(), start=1):
            if text.strip():
                return text
            if number >= MAX_LINE:
                raise FileRejected(
                    f"Le fichier commence par plus de {_french_number(MAX_LINE)} lignes vides : "
                    "ce n'est pas un fichier CSV attendu."
                )
        raise FileRejected("Le fichier ne contient que des lignes vides : aucune donnée à lire.")

    def _lines(self) -> Iterator[str]:
        """The physical lines, each at most :data:`MAX_LINE` characters (else refused)."""
        readline = self._fh.readline
        number = 0
        while text := readline(MAX_LINE + 1):
            number += 1
            if len(text) > MAX_LINE:
                raise _too_long(number)
            yield text

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def bytes_read(self) -> int:
        """Approximate progress through the file, for progress bars."""
        try:
            return min(self.size, self._raw.tell())
        except (OSError, ValueError):
            return self.size

    def layout_rows(
        self, columns: Sequence[str], looks_like_data: Callable[[list[str]], bool]
    ) -> tuple[Layout, Iterator[tuple[int, list[str]]]]:
        """Match the first row against ``columns``; return the layout and the data rows (the first
        row among them when the file has no header). A file with no row is refused."""
        rows = self.rows()
        first = next(rows, None)
        if first is None:
            raise FileRejected("Le fichier ne contient aucune ligne.")
        layout = match_header(first[1], columns, looks_like_data(first[1]))
        return layout, rows if layout.has_header else itertools.chain([first], rows)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield ``(line, fields)`` for every non-blank row; ``line`` is where the row starts."""
        reader = csv.reader(self._lines(), delimiter=self.delimiter, quotechar='"', strict=False)
        previous_end = 0
        try:
            for row in reader:
                start = previous_end + 1
                previous_end = reader.line_num
                if not row or (not row[0].strip() and not any(f.strip() for f in row)):
                    continue
                yield start, row
        except csv.Error as exc:
            raise FileRejected(
                f"Fichier CSV illisible à la ligne {reader.line_num} : {exc}.", line=reader.line_num
            ) from exc
