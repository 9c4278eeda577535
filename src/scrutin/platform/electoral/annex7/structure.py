"""The electoral structure file (CCTP annex 7.1.2): one row per scrutin, columns A to V.

A scrutin is one urn: CCI code × category × optional sub-category. Its questions are the CCIR
ballot (``NB SIEGES CCIR`` > 0) and the CCIT ballot (``NB SIEGES CCIT`` > 0). The structure is the
master data of the whole election, so every finding here is blocking: nothing is truncated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .csvfile import CsvSource
from .emails import email_problem
from .issues import FileRejected, Issue, Limits, Report, stop_notice

COLUMNS: tuple[str, ...] = (
    "CODE CCI",  # A
    "LIBELLE CCI",  # B
    "CODE CATEGORIE",  # C
    "LIBELLE CATEGORIE",  # D
    "CODE SOUS CATEGORIE",  # E
    "LIBELLE SOUS CATEGORIE",  # F
    "NB SIEGES CCIR",  # G
    "NB SIEGES CCIT",  # H
    "TITRE SITE DE VOTE",  # I
    "BULLETIN DE VOTE LIBELLE CCIR",  # J
    "BULLETIN DE VOTE LIBELLE CCIT",  # K
    "BULLETIN DE VOTE LIBELLE TYPE CATEGORIE",  # L
    "BULLETIN DE VOTE LIBELLE SIEGE 1",  # M
    "BULLETIN DE VOTE LIBELLE SIEGE 2",  # N
    "BULLETIN DE VOTE LIBELLE SIEGE 3",  # O
    "BULLETIN DE VOTE TITRE BULLETIN 1",  # P
    "BULLETIN DE VOTE TITRE BULLETIN 2",  # Q
    "MESSAGE ASSISTANCE",  # R
    "TELEPHONE CCI",  # S
    "EMAIL CCI",  # T
    "URL SITE CCI PF",  # U
    "R731-8",  # V
)


class Spec(NamedTuple):
    length: int
    mandatory: bool


# Annex 7.1.2: maximum length and whether the column is mandatory, in column order A..V.
SPECS: tuple[Spec, ...] = (
    Spec(3, True), Spec(100, True), Spec(1, True), Spec(45, True), Spec(2, False),
    Spec(45, False), Spec(2, True), Spec(2, True), Spec(100, True), Spec(100, False),
    Spec(100, False), Spec(15, True), Spec(100, False), Spec(100, True), Spec(100, True),
    Spec(100, False), Spec(100, True), Spec(256, False), Spec(100, False), Spec(100, False),
    Spec(100, True), Spec(10, True),
)  # fmt: skip

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_ALNUM = re.compile(r"[A-Za-z0-9]+", re.ASCII)


@dataclass(frozen=True)
class BallotSpec:
    """One question of an urn: ``kind`` is ``"CCIR"`` or ``"CCIT"``."""

    kind: str
    seats: int
    title: str
    label: str
    seat_label: str


@dataclass(frozen=True)
class UrnSpec:
    """One row of the structure file, validated."""

    line: int
    cci_code: str
    cci_label: str
    category_code: str
    category_label: str
    subcategory_code: str
    subcategory_label: str
    seats_ccir: int
    seats_ccit: int
    site_title: str
    label_ccir: str
    label_ccit: str
    category_type_label: str
    seat_label_1: str
    seat_label_2: str
    seat_label_3: str
    ballot_title_1: str
    ballot_title_2: str
    assistance_message: str
    cci_phone: str
    cci_email: str
    cci_url: str
    r731_8: bool

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.cci_code, self.category_code, self.subcategory_code)

    @property
    def code(self) -> str:
        """Readable urn code: ``011-C`` or ``011-C-C1``."""
        return "-".join(p for p in self.key if p)

    def ballots(self) -> list[BallotSpec]:
        """The CCIR ballot (only when it has seats), then the CCIT ballot (idem)."""
        out = []
        if self.seats_ccir:
            out.append(
                BallotSpec(
                    "CCIR", self.seats_ccir, self.ballot_title_1, self.label_ccir, self.seat_label_1
                )
            )
        if self.seats_ccit:
            out.append(
                BallotSpec(
                    "CCIT", self.seats_ccit, self.ballot_title_2, self.label_ccit, self.seat_label_2
                )
            )
        return out


def _check_row(line: int, values: list[str], issues: list[Issue]) -> UrnSpec | None:
    start = len(issues)

    def bad(col: int, message: str) -> None:
        issues.append(Issue(line, COLUMNS[col], values[col], True, message))

    for col, (spec, value) in enumerate(zip(SPECS, values, strict=True)):
        if not value:
            if spec.mandatory:
                bad(col, "Donnée obligatoire non renseignée.")
        elif len(value) > spec.length:
            bad(col, f"{len(value)} caractères pour {spec.length} au maximum.")
    cci, category, subcat = values[0], values[2], values[4]
    if cci and not (len(cci) == 3 and _DIGITS.fullmatch(cci)):
        bad(0, "Le code CCI doit compter exactement 3 chiffres (norme Telefirm, ex. 011).")
    if category and not _ALNUM.fullmatch(category):
        bad(2, "Le code catégorie doit être une lettre ou un chiffre.")
    if subcat and not _ALNUM.fullmatch(subcat):
        bad(4, "Le code sous-catégorie ne doit contenir que des lettres et des chiffres.")
    if subcat and not values[5]:
        bad(5, "Libellé obligatoire lorsque le code sous-catégorie est renseigné.")
    seats = []
    for col in (6, 7):
        value = values[col]
        if value and not _DIGITS.fullmatch(value):
            bad(col, "Nombre de sièges : un nombre entier de 0 à 99 est attendu.")
            seats.append(0)
        else:
            seats.append(int(value) if value else 0)
    if values[6] and values[7] and _DIGITS.fullmatch(values[6]) and _DIGITS.fullmatch(values[7]):
        if seats == [0, 0]:
            bad(
                7,
                "Aucun siège à pourvoir : au moins un des scrutins CCIR ou CCIT doit avoir un siège.",
            )
        if seats[0] and not values[15]:
            bad(15, "Le titre du bulletin 1 est obligatoire lorsque le scrutin CCIR a des sièges.")
    if values[19] and (problem := email_problem(values[19])):
        bad(19, problem)
    flag = values[21].lower()
    if values[21] and flag not in ("true", "false"):
        bad(21, "Valeur « true » ou « false » attendue.")
    if len(issues) > start:
        return None
    a, b, c, d, e, f = values[:6]
    i, j, k, l_, m, n, o, p, q, r, s_, t, u = values[8:21]
    return UrnSpec(line, a, b, c, d, e, f, seats[0], seats[1], i, j, k, l_, m, n, o, p, q, r, s_, t, u,
                   flag == "true")  # fmt: skip


def _check_consistency(urns: list[UrnSpec], issues: list[Issue]) -> None:
    """One label per CCI and per category; a category has sub-categories on all rows or none."""
    seen: dict[tuple[str, str, str], UrnSpec] = {}
    cci_label: dict[str, UrnSpec] = {}
    cat_label: dict[tuple[str, str], UrnSpec] = {}
    with_sub: dict[tuple[str, str], UrnSpec] = {}
    without_sub: dict[tuple[str, str], UrnSpec] = {}
    for urn in urns:
        if urn.key in seen:
            issues.append(
                Issue(
                    urn.line,
                    "CODE SOUS CATEGORIE" if urn.subcategory_code else "CODE CATEGORIE",
                    urn.code,
                    True,
                    f"Scrutin en double : déjà décrit ligne {seen[urn.key].line}.",
                )
            )
            continue
        seen[urn.key] = urn
        first = cci_label.setdefault(urn.cci_code, urn)
        if first.cci_label != urn.cci_label:
            issues.append(
                Issue(
                    urn.line,
                    "LIBELLE CCI",
                    urn.cci_label,
                    True,
                    f"Libellé différent de celui de la ligne {first.line} pour la même CCI.",
                )
            )
        cat = (urn.cci_code, urn.category_code)
        first = cat_label.setdefault(cat, urn)
        if first.category_label != urn.category_label:
            issues.append(
                Issue(
                    urn.line,
                    "LIBELLE CATEGORIE",
                    urn.category_label,
                    True,
                    f"Libellé différent de celui de la ligne {first.line} pour la même catégorie.",
                )
            )
        (with_sub if urn.subcategory_code else without_sub).setdefault(cat, urn)
    for cat, urn in with_sub.items():
        if cat in without_sub:
            other = without_sub[cat]
            issues.append(Issue(other.line, "CODE SOUS CATEGORIE", "", True,
                                f"La catégorie {cat[1]} de la CCI {cat[0]} a des sous-catégories "
                                f"(ligne {urn.line}) : chaque ligne doit en indiquer une."))  # fmt: skip


def _starts_with_code(row: list[str]) -> bool:
    """A first row whose first field is a number is data, not a header."""
    return bool(row) and bool(_DIGITS.fullmatch(row[0].strip()))


def read_structure(path: Path, limits: Limits | None = None) -> tuple[list[UrnSpec], Report]:
    """Check the whole file and return its urns with a report listing every error (with
    ``limits``, the first of each kind and the exact counts; reading stops on a hopeless file)."""
    report = Report.capped(limits)
    urns: list[UrnSpec] = []
    try:
        with CsvSource(path) as source:
            layout, rows = source.layout_rows(COLUMNS, _starts_with_code)
            report.issues.extend(layout.header_issues)
            for line, row in rows:
                if limits is not None and report.issues.hopeless:  # type: ignore[attr-defined]
                    report.stopped_at = line
                    report.issues.announce(stop_notice(line, limits))  # type: ignore[attr-defined]
                    break
                report.rows += 1
                if len(row) < layout.width:
                    report.issues.append(Issue(line, "", "", True,
                                               f"{len(row)} colonnes au lieu de {layout.width}."))  # fmt: skip
                    continue
                values = [row[p].strip() for p in layout.positions]
                urn = _check_row(line, values, report.issues)
                if urn is not None:
                    urns.append(urn)
    except FileRejected as exc:
        report.issues.append(exc.issue)
        return [], report
    if report.rows == 0:
        report.issues.append(Issue(1, "", "", True, "Le fichier ne contient aucun scrutin : "
                                   "seulement la ligne d'en-tête."))  # fmt: skip
    _check_consistency(urns, report.issues)
    if not report.accepted:
        return [], report
    return urns, report
