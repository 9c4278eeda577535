"""The managers file of CCTP annex 7.1.4: one line per person allowed on the management site.

Columns: GROUPE (role code, 10), NOM (50), PRENOM (50), EMAIL (100), PERIMETRE (CCI codes
separated by commas, e.g. ``973,175``, or ``NATIONAL``). Read with the same CSV reader and the
same per-line report as the other annex-7 files; any blocking error and nothing is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..electoral.annex7.csvfile import CsvSource
from ..electoral.annex7.emails import email_problem
from ..electoral.annex7.issues import FileRejected, Issue, Report
from .roles import ROLES, Role, role_for

COLUMNS = ("GROUPE", "NOM", "PRENOM", "EMAIL", "PERIMETRE")
LENGTHS = {"GROUPE": 10, "NOM": 50, "PRENOM": 50, "EMAIL": 100, "PERIMETRE": 50}
NATIONAL = "NATIONAL"


@dataclass(frozen=True)
class ManagerLine:
    line: int
    role: Role
    last_name: str
    first_name: str
    email: str  # lower-cased: it is also the login
    national: bool
    cci_codes: tuple[str, ...]


def parse_perimeter(value: str) -> tuple[bool, tuple[str, ...]] | str:
    """``(national, codes)`` or the reason the value is wrong, in French."""
    text = value.strip()
    if text.upper() == NATIONAL:
        return True, ()
    codes = [c.strip() for c in text.split(",")]
    if not text or any(not c for c in codes):
        return "Périmètre vide ou mal formé : codes CCI séparés par des virgules, ou NATIONAL."
    wrong = [c for c in codes if not (c.isascii() and c.isalnum() and len(c) <= 3)]
    if wrong:
        return f"Code CCI invalide : {', '.join(wrong)} (3 caractères au plus), ou NATIONAL."
    return False, tuple(dict.fromkeys(c.zfill(3) if c.isdigit() else c.upper() for c in codes))


def _looks_like_data(row: list[str]) -> bool:
    return len(row) >= 4 and "@" in row[3]


def read_managers(path: Path, known_ccis: set[str]) -> tuple[Report, list[ManagerLine]]:
    """Check every line; the lines are usable only when ``report.accepted``."""
    report = Report()
    lines: list[ManagerLine] = []
    try:
        with CsvSource(path) as source:
            layout, body = source.layout_rows(COLUMNS, _looks_like_data)
            report.issues.extend(layout.header_issues)
            seen: dict[str, int] = {}
            for number, row in body:
                report.rows += 1
                values = {
                    name: (row[pos].strip() if pos < len(row) else "")
                    for name, pos in zip(COLUMNS, layout.positions, strict=True)
                }
                line = _check_line(number, values, known_ccis, seen, report)
                if line is not None:
                    lines.append(line)
    except FileRejected as exc:
        report.issues.append(exc.issue)
    if report.rows == 0 and report.accepted:
        report.issues.append(Issue(0, "", "", True, "Le fichier ne contient aucun gestionnaire."))
    return report, lines


def _check_line(
    number: int, values: dict[str, str], known: set[str], seen: dict[str, int], report: Report
) -> ManagerLine | None:
    before = report.blocking

    def block(column: str, message: str) -> None:
        report.issues.append(Issue(number, column, values.get(column, ""), True, message))

    for column in COLUMNS:
        if not values[column]:
            block(column, f"Champ obligatoire : {column} est vide.")
        elif len(values[column]) > LENGTHS[column]:
            block(column, f"{column} dépasse {LENGTHS[column]} caractères.")
    role = role_for(values["GROUPE"]) if values["GROUPE"] else None
    if values["GROUPE"] and role is None:
        codes = ", ".join(r.code for r in ROLES)
        block("GROUPE", f"Groupe d'habilitation inconnu. Groupes possibles : {codes}.")
    email = values["EMAIL"].lower()
    if email and (problem := email_problem(email)) is not None:
        block("EMAIL", problem)
    elif email in seen:
        block("EMAIL", f"Adresse déjà présente à la ligne {seen[email]} : une ligne par personne.")
    elif email:
        seen[email] = number
    perimeter = parse_perimeter(values["PERIMETRE"]) if values["PERIMETRE"] else None
    if isinstance(perimeter, str):
        block("PERIMETRE", perimeter)
        perimeter = None
    elif perimeter is not None:
        unknown = [c for c in perimeter[1] if c not in known]
        if unknown:
            block("PERIMETRE", f"CCI absente de la structure électorale : {', '.join(unknown)}.")
        if role is not None and role.code == "ADMIN" and not perimeter[0]:
            block("PERIMETRE", "Le groupe ADMIN (CCI France) exige le périmètre NATIONAL.")
    if report.blocking > before or role is None or perimeter is None:
        return None
    return ManagerLine(number, role, values["NOM"], values["PRENOM"], email, *perimeter)
