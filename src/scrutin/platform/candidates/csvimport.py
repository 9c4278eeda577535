"""Reading a candidatures CSV file (docs/fr/candidatures.md): one line per candidate.

Framework-free: :func:`parse_rows` checks the lines against a description of the CCI's urns
(:class:`UrnInfo`, built from the database by ``services``) and returns the candidates and a
per-line report. The file is all or nothing: one blocking error and nothing is imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from ..electoral.annex7.csvfile import normalise_name
from ..electoral.annex7.issues import Findings, Issue, Limits, Report, stop_notice

COLUMNS = (
    "SCRUTIN", "CANDIDATURE", "GROUPEMENT", "CIVILITE", "NOM", "PRENOM", "DATE DE NAISSANCE",
    "ACTIVITE", "COMMUNE", "DELEGATION", "CIVILITE SUPPLEANT", "NOM SUPPLEANT",
    "PRENOM SUPPLEANT", "DATE DE NAISSANCE SUPPLEANT",
)  # fmt: skip
MAX_LENGTHS = {"GROUPEMENT": 150, "NOM": 60, "PRENOM": 60, "ACTIVITE": 100, "COMMUNE": 60,
               "DELEGATION": 60, "NOM SUPPLEANT": 60, "PRENOM SUPPLEANT": 60}  # fmt: skip
CCIR, CCIT = "CCIR", "CCIT"
# A CCI has a few hundred candidates at most: a longer file is refused, and what a check holds
# stays bounded whatever the file (issue 19).
MAX_ROWS = 5_000
_CANDIDACY = {"CCIRCCIT": CCIR, "CCIRETCCIT": CCIR, "CCIR": CCIR, "CCIT": CCIT,
              "CCITSEULEMENT": CCIT, "CCITSEULE": CCIT}  # fmt: skip
_CIVILITY = {"M": "M.", "MONSIEUR": "M.", "MME": "Mme", "MADAME": "Mme"}
_DATE = re.compile(r"^(?:(\d{2})/(\d{2})/(\d{4})|(\d{2})(\d{2})(\d{4})|(\d{4})-(\d{2})-(\d{2}))$")


def parse_civility(raw: str) -> str | None:
    return _CIVILITY.get(normalise_name(raw))


def parse_candidacy(raw: str) -> str | None:
    return _CANDIDACY.get(normalise_name(raw))


def parse_date(raw: str, today: date) -> date | None:
    """JJ/MM/AAAA, JJMMAAAA or AAAA-MM-JJ; a real past date after 1900, else ``None``."""
    m = _DATE.match(raw.strip())
    if not m:
        return None
    g = m.groups()
    day, month, year = (
        (g[0], g[1], g[2]) if g[0] else (g[3], g[4], g[5]) if g[3] else (g[8], g[7], g[6])
    )
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if date(1900, 1, 1) <= value < today else None


def groupement_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def person_key(last: str, first: str, birth: date) -> tuple[str, str, date]:
    return (groupement_key(last), groupement_key(first), birth)


@dataclass
class UrnInfo:
    """What the checks need to know of an urn: its ballots' seats (0 = no such ballot), whether
    its candidatures are sealed, whether its CCI has territorial delegations, the sizes of its groupements and the people already entered."""

    code: str
    cci: str
    seats: dict[str, int]
    sealed: bool = False
    delegations: bool = True
    groupement_sizes: dict[tuple[str, str], int] = field(default_factory=dict)
    people: set[tuple[str, tuple[str, str, date]]] = field(default_factory=set)


@dataclass(frozen=True)
class CandidateLine:
    line: int
    urn: str
    kind: str
    groupement: str
    civility: str
    last_name: str
    first_name: str
    birth_date: date
    activity: str
    town: str
    delegation: str
    substitute_civility: str = ""
    substitute_last_name: str = ""
    substitute_first_name: str = ""
    substitute_birth_date: date | None = None


class _Line:
    def __init__(self, number: int, values: dict[str, str], issues: list[Issue]) -> None:
        self.number, self.values, self.issues, self.ok = number, values, issues, True

    def block(self, column: str, message: str) -> None:
        self.issues.append(Issue(self.number, column, self.values.get(column, ""), True, message))
        self.ok = False

    def warn(self, column: str, message: str) -> None:
        self.issues.append(Issue(self.number, column, self.values.get(column, ""), False, message))


def _check_line(line: _Line, urns: Mapping[str, UrnInfo], cci: str | None,
                today: date) -> CandidateLine | None:  # fmt: skip
    v = line.values
    for column, limit in MAX_LENGTHS.items():
        if len(v[column]) > limit:
            line.block(column, f"Trop long : {len(v[column])} caractères pour {limit} au maximum.")
    urn = urns.get(v["SCRUTIN"].upper())
    if urn is None:
        line.block("SCRUTIN", "Scrutin inconnu : indiquez le code du scrutin (exemple : 011-C).")
    elif cci is not None and urn.cci != cci:
        line.block(
            "SCRUTIN", f"Ce scrutin n'est pas de la CCI {cci} : un fichier ne concerne qu'une CCI."
        )
    elif urn.sealed:
        line.block(
            "SCRUTIN",
            "Les candidatures de ce scrutin sont scellées : aucune modification possible.",
        )
    kind = parse_candidacy(v["CANDIDATURE"])
    if kind is None:
        line.block("CANDIDATURE", "Valeur attendue : « CCIR+CCIT » ou « CCIT ».")
    elif urn is not None and urn.seats.get(kind, 0) == 0:
        line.block(
            "CANDIDATURE", f"Ce scrutin n'a pas de sièges {kind} : candidature {kind} impossible."
        )
    civility = parse_civility(v["CIVILITE"])
    if civility is None:
        line.block("CIVILITE", "Valeur attendue : « M. » ou « Mme ».")
    for column in ("NOM", "PRENOM"):
        if not v[column]:
            line.block(column, "Obligatoire.")
    birth = parse_date(v["DATE DE NAISSANCE"], today)
    if birth is None:
        line.block(
            "DATE DE NAISSANCE", "Date attendue au format JJ/MM/AAAA (date passée, après 1900)."
        )
    sub_civility, sub_birth = "", None
    substitute_given = any(v[c] for c in COLUMNS[10:])
    if kind == CCIR:
        if not (v["NOM SUPPLEANT"] and v["PRENOM SUPPLEANT"]):
            line.warn(
                "NOM SUPPLEANT", "Candidature CCIR+CCIT sans suppléant (CCTP 3.2.2.2) : à vérifier."
            )
        if v["CIVILITE SUPPLEANT"]:
            sub_civility = parse_civility(v["CIVILITE SUPPLEANT"]) or ""
            if not sub_civility:
                line.block("CIVILITE SUPPLEANT", "Valeur attendue : « M. » ou « Mme ».")
            elif sub_civility == civility:
                line.warn("CIVILITE SUPPLEANT", "Le suppléant doit être de sexe différent du candidat "
                          "(CCTP 3.2.2.2) : à vérifier, non bloquant.")  # fmt: skip
        if v["DATE DE NAISSANCE SUPPLEANT"]:
            sub_birth = parse_date(v["DATE DE NAISSANCE SUPPLEANT"], today)
            if sub_birth is None:
                line.block("DATE DE NAISSANCE SUPPLEANT", "Date attendue au format JJ/MM/AAAA.")
    elif kind == CCIT and substitute_given:
        line.warn("NOM SUPPLEANT", "Candidature CCIT seulement : le suppléant est ignoré.")
    delegation = v["DELEGATION"]
    if delegation and urn is not None and not urn.delegations:
        line.warn("DELEGATION", "Cette CCI n'a pas de délégation territoriale : valeur ignorée.")
        delegation = ""
    if not line.ok or urn is None or kind is None or civility is None or birth is None:
        return None
    keep = kind == CCIR
    return CandidateLine(
        line.number, urn.code, kind, " ".join(v["GROUPEMENT"].split()), civility, v["NOM"],
        v["PRENOM"], birth, v["ACTIVITE"], v["COMMUNE"], delegation,
        sub_civility if keep else "", v["NOM SUPPLEANT"] if keep else "",
        v["PRENOM SUPPLEANT"] if keep else "", sub_birth if keep else None,
    )  # fmt: skip


def parse_rows(rows: Iterable[tuple[int, list[str]]], positions: tuple[int, ...],
               urns: Mapping[str, UrnInfo], *, cci: str | None = None,
               today: date | None = None, limits: Limits | None = None,
               first_issues: Iterable[Issue] = ()) -> tuple[list[CandidateLine], Report]:  # fmt: skip
    """Check every data row (``positions`` maps :data:`COLUMNS` to the file's columns).

    With ``cci`` ``None``, the first known scrutin fixes the CCI of the file. ``first_issues``
    (the header's) open the report. With ``limits`` the report keeps the first findings of each
    kind and reading stops on a hopeless file; a file over :data:`MAX_ROWS` lines is refused.
    """
    today = today or date.today()
    report = Report.capped(limits)
    findings = report.issues
    assert isinstance(findings, Findings)
    findings.extend(first_issues)
    lines: list[CandidateLine] = []
    sizes: dict[tuple[str, str, str], int] = {}
    people: set[tuple[str, str, tuple[str, str, date]]] = set()
    width = max(positions) + 1
    for number, fields in rows:
        if limits is not None and findings.hopeless:
            report.stopped_at = number
            findings.announce(stop_notice(number, limits))
            break
        if report.rows >= MAX_ROWS:
            report.stopped_at = number
            most = f"{MAX_ROWS:,}".replace(",", "\u202f")
            findings.append(Issue(number, "", "", True,
                                  f"Le fichier compte plus de {most} candidatures : une CCI en a "
                                  "quelques centaines au plus. Lecture arrêtée à cette ligne ; "
                                  "vérifiez qu'il s'agit du bon fichier."), keep=True)  # fmt: skip
            break
        report.rows += 1
        if len(fields) < width:
            report.issues.append(Issue(number, "", "", True,
                                       f"Ligne incomplète : {len(fields)} colonnes pour {width} attendues."))  # fmt: skip
            continue
        values = {name: fields[pos].strip() for name, pos in zip(COLUMNS, positions, strict=True)}
        line = _Line(number, values, report.issues)
        if cci is None and values["SCRUTIN"].upper() in urns:
            cci = urns[values["SCRUTIN"].upper()].cci
        parsed = _check_line(line, urns, cci, today)
        if parsed is None:
            continue
        urn = urns[parsed.urn]
        person = (parsed.kind, person_key(parsed.last_name, parsed.first_name, parsed.birth_date))
        if person in urn.people or (parsed.urn, *person) in people:
            line.block("NOM", "Ce candidat est déjà inscrit sur ce bulletin.")
            continue
        people.add((parsed.urn, *person))
        if parsed.groupement:
            key = (parsed.urn, parsed.kind, groupement_key(parsed.groupement))
            size = sizes.get(key, urn.groupement_sizes.get(key[1:], 0)) + 1
            sizes[key] = size
            if size > urn.seats[parsed.kind]:
                line.block("GROUPEMENT", f"Le groupement dépasserait {urn.seats[parsed.kind]} "
                           f"candidats, le nombre de sièges du bulletin {parsed.kind} (CCTP 4.1.3).")  # fmt: skip
                continue
        lines.append(parsed)
    return lines, report
