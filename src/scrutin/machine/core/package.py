"""The election package of a polling station (RT 1–3, 29–31, 37): what the town hall loads.

A package is one canonical JSON document, ``scrutin-machine-package/v1`` (docs/machine.md):
commune, bureau, date and hours, the bureau's members, the font size of the terminal (RT 37),
the number of voter terminals and 1 to 3 simultaneous scrutins (RT 30), each with its counting
preset from :mod:`scrutin.core.counting.presets` and its candidates, lists or referendum
questions. :func:`parse_package` checks every field and raises :class:`PackageError` with a
French message that names the field, for a town hall agent to correct it.

The package's fingerprint (SHA-256 of its canonical JSON) is shown on every screen and printout
after preparation, so the bureau can compare it with the one the town hall printed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any, NewType

from scrutin.core.counting.presets import PRESETS
from scrutin.core.counting.rules import Kind
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.group import GROUP_NAMES

PACKAGE_FORMAT = "scrutin-machine-package/v1"

ScrutinId = NewType("ScrutinId", str)
ChoiceId = NewType("ChoiceId", str)

# Capacities: at least what RT 30 asks, with a margin, and a bound on what a package may hold.
MAX_SCRUTINS = 3
MAX_CANDIDATES = 100  # RT 30: at least 50 per uninominal scrutin
MAX_LISTS = 100  # RT 30: at least 50 lists
MAX_LIST_MEMBERS = 400  # RT 30: at least 300 candidates per list
MAX_QUESTIONS = 20  # RT 30: at least 10 referendum questions
MAX_TERMINALS = 8
MAX_NAME = 200
FONT_SIZES = range(16, 65)  # pixels of a candidate's name on the terminal (RT 37)
MAX_REGISTERED = 100_000  # RT 31 asks 5,000 ballots per scrutin; a bureau never has this many

ROLES = {
    "president": "président",
    "secretary": "secrétaire",
    "assessor": "assesseur",
    "substitute": "suppléant",
}
KINDS = {Kind.MAJORITY: "candidates", Kind.LIST: "lists", Kind.REFERENDUM: "questions"}
MACHINE_PRESETS = tuple(
    name for name, p in PRESETS.items() if p.rules.kind in KINDS and name != "mayor"
)
"""Every preset of RT 29 a polling station votes on (the mayor is elected by the council)."""

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_INSEE = re.compile(r"(?:\d{2}|2[AB])\d{3}")
_HOUR = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PackageError(ValueError):
    """A package that cannot be loaded; the message is French and names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"Champ « {field} » : {message}")
        self.field = field


@dataclass(frozen=True)
class Member:
    role: str
    name: str
    key_holder: bool


@dataclass(frozen=True)
class Choice:
    """A candidate (or binôme), a list, or a referendum answer."""

    id: ChoiceId
    name: str
    detail: str = ""
    """What tells two choices apart: a nuance or party, a list's head."""
    members: tuple[str, ...] = ()
    """A list's candidates in order (RT 30: 300 names one touch away)."""


@dataclass(frozen=True)
class Ballot:
    """One question of a scrutin as the voter sees it: pick up to ``max`` choices, or blank."""

    id: str
    text: str
    choices: tuple[Choice, ...]
    max: int


@dataclass(frozen=True)
class Scrutin:
    id: ScrutinId
    preset: str
    title: str
    constituency: str
    round: int
    seats: int
    registered: int
    ballots: tuple[Ballot, ...]

    @property
    def kind(self) -> Kind:
        return PRESETS[self.preset].rules.kind


@dataclass(frozen=True)
class Package:
    commune: str
    insee: str
    bureau_number: str
    bureau_name: str
    election_date: date
    opening: time
    closing: time
    font_size: int
    terminals: int
    group: str
    release_key: str | None
    """Ed25519 public key (hex) of the publisher of the approved release (self-test, RT 4)."""
    members: tuple[Member, ...]
    scrutins: tuple[Scrutin, ...]
    document: Mapping[str, Any]

    @property
    def fingerprint(self) -> str:
        return fingerprint(dict(self.document))

    @property
    def president(self) -> Member:
        return next(m for m in self.members if m.role == "president")

    @property
    def key_assessors(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.role == "assessor" and m.key_holder)

    def scrutin(self, scrutin_id: str) -> Scrutin:
        for s in self.scrutins:
            if s.id == scrutin_id:
                return s
        raise KeyError(scrutin_id)


def _obj(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PackageError(field, "un objet est attendu.")
    return value


def _keys(obj: Mapping[str, Any], field: str, required: set[str], optional: set[str]) -> None:
    missing = sorted(required - set(obj))
    if missing:
        raise PackageError(f"{field}.{missing[0]}" if field else missing[0], "champ obligatoire.")
    extra = sorted(set(obj) - required - optional)
    if extra:
        name = f"{field}.{extra[0]}" if field else extra[0]
        raise PackageError(name, "champ inconnu (faute de frappe ?).")


def _text(obj: Mapping[str, Any], key: str, field: str, *, optional: bool = False) -> str:
    value = obj.get(key, "" if optional else None)
    where = f"{field}.{key}" if field else key
    if not isinstance(value, str):
        raise PackageError(where, "un texte est attendu.")
    value = value.strip()
    if not value and not optional:
        raise PackageError(where, "ne doit pas être vide.")
    if len(value) > MAX_NAME:
        raise PackageError(where, f"au plus {MAX_NAME} caractères ({len(value)} reçus).")
    if _CONTROL.search(value):
        raise PackageError(where, "contient un caractère de contrôle.")
    return value


def _int(obj: Mapping[str, Any], key: str, field: str, allowed: range) -> int:
    value = obj.get(key)
    where = f"{field}.{key}" if field else key
    if isinstance(value, bool) or not isinstance(value, int):
        raise PackageError(where, "un nombre entier est attendu.")
    if value not in allowed:
        raise PackageError(where, f"doit être compris entre {allowed.start} et {allowed.stop - 1}.")
    return value


def _list(obj: Mapping[str, Any], key: str, field: str, most: int, what: str) -> list[Any]:
    value = obj.get(key)
    where = f"{field}.{key}" if field else key
    if not isinstance(value, list):
        raise PackageError(where, "une liste est attendue.")
    if not value:
        raise PackageError(where, f"au moins un élément ({what}).")
    if len(value) > most:
        raise PackageError(where, f"au plus {most} {what} ({len(value)} reçus).")
    return value


def _id(obj: Mapping[str, Any], field: str, seen: set[str]) -> str:
    value = obj.get("id")
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise PackageError(
            f"{field}.id", "identifiant de 1 à 32 caractères : minuscules, chiffres et tirets."
        )
    if value in seen:
        raise PackageError(f"{field}.id", f"l'identifiant « {value} » est déjà utilisé.")
    seen.add(value)
    return value


def _hour(obj: Mapping[str, Any], key: str) -> time:
    value = obj.get(key)
    match = _HOUR.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise PackageError(key, "une heure au format HH:MM est attendue (par exemple 08:00).")
    return time(int(match[1]), int(match[2]))


def _choices(raw: list[Any], field: str, *, lists: bool) -> tuple[Choice, ...]:
    seen: set[str] = set()
    choices = []
    for i, item in enumerate(raw):
        where = f"{field}[{i + 1}]"
        obj = _obj(item, where)
        if lists:
            _keys(obj, where, {"id", "name", "members"}, {"detail"})
            members = _list(obj, "members", where, MAX_LIST_MEMBERS, "candidats")
            names = tuple(
                _text({"name": m}, "name", f"{where}.members[{j + 1}]")
                for j, m in enumerate(members)
            )
        else:
            _keys(obj, where, {"id", "name"}, {"detail"})
            names = ()
        choices.append(
            Choice(
                ChoiceId(_id(obj, where, seen)),
                _text(obj, "name", where),
                _text(obj, "detail", where, optional=True),
                names,
            )
        )
    return tuple(choices)


def _scrutin(raw: object, field: str, seen: set[str]) -> Scrutin:
    obj = _obj(raw, field)
    common = {"id", "preset", "title", "seats", "registered"}
    _keys(obj, field, common, {"constituency", "round", "candidates", "lists", "questions"})
    sid = ScrutinId(_id(obj, field, seen))
    preset = obj.get("preset")
    if not isinstance(preset, str) or preset not in MACHINE_PRESETS:
        raise PackageError(
            f"{field}.preset",
            f"mode de scrutin inconnu ; valeurs possibles : {', '.join(MACHINE_PRESETS)}.",
        )
    kind = PRESETS[preset].rules.kind
    wanted = KINDS[kind]
    for other in set(KINDS.values()) - {wanted}:
        if other in obj:
            raise PackageError(f"{field}.{other}", f"ce mode de scrutin se vote avec « {wanted} ».")
    if wanted not in obj:
        raise PackageError(f"{field}.{wanted}", "champ obligatoire pour ce mode de scrutin.")
    title = _text(obj, "title", field)
    seats = _int(obj, "seats", field, range(1, 1000))
    registered = _int(obj, "registered", field, range(MAX_REGISTERED + 1))
    round_ = _int(obj, "round", field, range(1, 3)) if "round" in obj else 1
    if wanted == "questions":
        raw_questions = _list(obj, "questions", field, MAX_QUESTIONS, "questions")
        qseen: set[str] = set()
        ballots = []
        for i, q in enumerate(raw_questions):
            where = f"{field}.questions[{i + 1}]"
            qobj = _obj(q, where)
            _keys(qobj, where, {"id", "text"}, set())
            qid = _id(qobj, where, qseen)
            yes_no = (Choice(ChoiceId("oui"), "Oui"), Choice(ChoiceId("non"), "Non"))
            ballots.append(Ballot(qid, _text(qobj, "text", where), yes_no, 1))
    else:
        most, what = (MAX_LISTS, "listes") if wanted == "lists" else (MAX_CANDIDATES, "candidats")
        raw_choices = _list(obj, wanted, field, most, what)
        choices = _choices(raw_choices, f"{field}.{wanted}", lists=wanted == "lists")
        # A plurinominal majority vote (senatorial, small communes) elects `seats` names at once.
        most_chosen = min(seats, len(choices)) if kind is Kind.MAJORITY else 1
        ballots = [Ballot(sid, title, choices, most_chosen)]
    return Scrutin(
        sid,
        preset,
        title,
        _text(obj, "constituency", field, optional=True),
        round_,
        seats,
        registered,
        tuple(ballots),
    )


def _members(raw: list[Any]) -> tuple[Member, ...]:
    members = []
    for i, item in enumerate(raw):
        where = f"members[{i + 1}]"
        obj = _obj(item, where)
        _keys(obj, where, {"role", "name"}, {"key_holder"})
        role = obj.get("role")
        if not isinstance(role, str) or role not in ROLES:
            raise PackageError(f"{where}.role", f"valeurs possibles : {', '.join(ROLES)}.")
        holder = obj.get("key_holder", role == "president")
        if not isinstance(holder, bool):
            raise PackageError(f"{where}.key_holder", "vrai ou faux (true/false) est attendu.")
        if holder and role not in {"president", "assessor"}:
            raise PackageError(
                f"{where}.key_holder",
                "seuls le président et les assesseurs détiennent une clé.",
            )
        members.append(Member(role, _text(obj, "name", where), holder))
    presidents = [m for m in members if m.role == "president"]
    if len(presidents) != 1:
        raise PackageError("members", "le bureau a un président et un seul.")
    if not presidents[0].key_holder:
        raise PackageError("members", "le président détient la première clé.")
    holders = [m for m in members if m.role == "assessor" and m.key_holder]
    if not 1 <= len(holders) <= 2:
        raise PackageError(
            "members",
            "un assesseur détient la seconde clé, et un autre assesseur peut en détenir le double "
            f": 1 ou 2 assesseurs détenteurs de clé attendus ({len(holders)} reçus).",
        )
    return tuple(members)


def parse_package(doc: object) -> Package:
    """Check every field of a package document (RT 1, 29–31, 37); raise :class:`PackageError`."""
    obj = _obj(doc, "paquet")
    required = {"format", "commune", "bureau", "date", "opening", "closing", "members", "scrutins"}
    _keys(obj, "", required, {"font_size", "terminals", "group", "release_key"})
    if obj["format"] != PACKAGE_FORMAT:
        raise PackageError("format", f"« {PACKAGE_FORMAT} » est attendu.")
    commune = _obj(obj["commune"], "commune")
    _keys(commune, "commune", {"name", "insee"}, set())
    insee = commune.get("insee")
    if not isinstance(insee, str) or not _INSEE.fullmatch(insee):
        raise PackageError(
            "commune.insee", "code INSEE de 5 caractères attendu (par exemple 94078)."
        )
    bureau = _obj(obj["bureau"], "bureau")
    _keys(bureau, "bureau", {"number"}, {"name"})
    number = bureau.get("number")
    if not isinstance(number, str) or not re.fullmatch(r"[0-9]{1,4}", number):
        raise PackageError("bureau.number", "numéro de bureau de 1 à 4 chiffres attendu.")
    try:
        day = date.fromisoformat(obj["date"]) if isinstance(obj["date"], str) else None
    except ValueError:
        day = None
    if day is None:
        raise PackageError("date", "date au format AAAA-MM-JJ attendue.")
    opening, closing = _hour(obj, "opening"), _hour(obj, "closing")
    if closing <= opening:
        raise PackageError("closing", "l'heure de clôture doit suivre l'heure d'ouverture.")
    group = obj.get("group", "ristretto255")
    if not isinstance(group, str) or group not in GROUP_NAMES:
        raise PackageError("group", f"valeurs possibles : {', '.join(GROUP_NAMES)}.")
    release_key = obj.get("release_key")
    if release_key is not None and (
        not isinstance(release_key, str) or not re.fullmatch(r"[0-9a-f]{64}", release_key)
    ):
        raise PackageError(
            "release_key", "clé publique Ed25519 de 64 caractères hexadécimaux attendue."
        )
    seen: set[str] = set()
    raw_scrutins = _list(obj, "scrutins", "", MAX_SCRUTINS, "scrutins")
    scrutins = tuple(_scrutin(s, f"scrutins[{i + 1}]", seen) for i, s in enumerate(raw_scrutins))
    return Package(
        commune=_text(commune, "name", "commune"),
        insee=insee,
        bureau_number=number,
        bureau_name=_text(bureau, "name", "bureau", optional=True),
        election_date=day,
        opening=opening,
        closing=closing,
        font_size=_int(obj, "font_size", "", FONT_SIZES) if "font_size" in obj else 24,
        terminals=_int(obj, "terminals", "", range(1, MAX_TERMINALS + 1))
        if "terminals" in obj
        else 1,
        group=str(group),
        release_key=release_key,
        members=_members(_list(obj, "members", "", 50, "membres du bureau")),
        scrutins=scrutins,
        document=obj,
    )
