"""French postal address block for a window envelope (NF Z 10-011, La Poste's addressing rules).

The standard's block (docs/material.md, "Address block"):

====  ==========================================================================
line  content
====  ==========================================================================
1     recipient (raison sociale or civility, first name, name)
2     delivery point complement (appartement, étage, service, « chez »…)
3     building complement (bâtiment, résidence, entrée…)
4     number and street
5     lieu-dit or special distribution (BP, TSA…)
6     postal code and locality (``CEDEX`` included)
====  ==========================================================================

Six lines at most, 38 characters at most per line, no empty line inside the block (absent lines
are left out and the others move up), the postal code line last; lines 4 to 6 (and the country)
in capitals without accents or punctuation, as La Poste's sorting machines read them best. For an address abroad the
country comes last; the standard allows it as a seventh line, but we keep the six-line total (the
text must stay inside the 45 mm window), so the country line takes the place of an absent line,
and when every line is used the two complements are merged (and a note says so).

Nothing is dropped silently: :func:`address_block` returns notes in French (each naming the field)
whenever a value had to be shortened, merged or was missing; ``scrutin material letters`` prints
them and writes them into the manifest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

MAX_LINES = 6
MAX_CHARS = 38
FRANCE = frozenset({"", "FRANCE", "FR", "FRA", "FRANCE METROPOLITAINE"})
_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w ]|_")
_LIGATURES = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "ẞ": "SS"})
CIVILITIES = {"MONSIEUR": "M.", "M": "M.", "M.": "M.", "MR": "M.", "MADAME": "Mme",
              "MME": "Mme", "MLLE": "Mme", "MADEMOISELLE": "Mme"}  # fmt: skip

FIELD_LABELS = {
    "recipient": "destinataire", "complement1": "complément 1", "complement2": "complément 2",
    "street": "voie", "place": "lieu-dit", "postal_code": "code postal", "city": "localité",
    "country": "pays",
}  # fmt: skip


@dataclass(frozen=True)
class PostalAddress:
    """The postal fields of an elector line (annex 7.1.3 ``ADRACH_*``), as read."""

    recipient: str = ""
    complement1: str = ""
    complement2: str = ""
    street: str = ""
    place: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""


@dataclass(frozen=True)
class AddressBlock:
    lines: tuple[str, ...]
    notes: tuple[str, ...]  # French, one per change a person should check
    abroad: bool


def clean(text: str) -> str:
    """Control characters removed, runs of white space made one space, ends trimmed."""
    if text.isprintable():  # the usual case: no control character, no exotic space
        return " ".join(text.split())
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=1 << 16)  # localities, streets and names repeat a lot in 2 million lines
def unaccented_upper(text: str) -> str:
    """« Saint-Étienne Cédex » → « SAINT-ETIENNE CEDEX » (NF Z 10-011, last line)."""
    if text.isascii():
        return clean(text).upper()
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return clean(plain).upper()


@lru_cache(maxsize=1 << 16)
def sorting_line(text: str) -> str:
    """Lines 4 to 6 (NF Z 10-011): capitals, no accent, no punctuation — only letters, digits and
    spaces, what the sorting machines read best (« 12, rue de l'Église » → « 12 RUE DE L EGLISE »)."""
    return " ".join(_PUNCTUATION.sub(" ", unaccented_upper(text)).split())


def short_civility(civility: str) -> str:
    return CIVILITIES.get(clean(civility).upper().rstrip(".") or "", clean(civility))


def person_line(civility: str, first_name: str, name: str) -> str:
    """« M. Jean DUPONT » shortened to fit 38 characters (initial, then without civility)."""
    civ, first, last = short_civility(civility), clean(first_name), clean(name).upper()
    candidates = [
        " ".join(p for p in (civ, first, last) if p),
        " ".join(p for p in (civ, f"{first[:1]}." if first else "", last) if p),
        " ".join(p for p in (f"{first[:1]}." if first else "", last) if p),
        last,
    ]
    for candidate in candidates:
        if len(candidate) <= MAX_CHARS:
            return candidate
    return last[:MAX_CHARS]


def _fit(value: str, field: str, notes: list[str]) -> str:
    if len(value) <= MAX_CHARS:
        return value
    notes.append(f"{FIELD_LABELS[field]} raccourci à {MAX_CHARS} caractères : « {value} »")
    return value[:MAX_CHARS].rstrip()


def address_block(address: PostalAddress) -> AddressBlock:
    """The six-line block for ``address`` (see the module docstring), with the notes."""
    notes: list[str] = []
    country = sorting_line(address.country)
    abroad = country not in FRANCE
    code = sorting_line(address.postal_code)
    city = sorting_line(address.city)
    if not code and not city:
        notes.append("code postal et localité absents : adresse incomplète")
    elif not abroad and not re.fullmatch(r"\d{5}", code):
        notes.append(f"code postal inhabituel pour la France : « {code} »")
    last = " ".join(p for p in (code, city) if p)
    if len(last) > MAX_CHARS:
        cut = max(0, MAX_CHARS - len(code) - 1) if code else MAX_CHARS
        notes.append(f"localité raccourcie à {MAX_CHARS} caractères : « {last} »")
        last = " ".join(p for p in (code, city[:cut].rstrip()) if p)[:MAX_CHARS].rstrip()
    body = {f: _fit(clean(getattr(address, f)), f, notes)
            for f in ("recipient", "complement1", "complement2")}  # fmt: skip
    body |= {f: _fit(sorting_line(getattr(address, f)), f, notes) for f in ("street", "place")}
    if not body["recipient"]:
        notes.append("destinataire absent")
    if not body["street"] and not body["place"]:
        notes.append("ni voie ni lieu-dit : adresse à vérifier")
    tail = [last] if last else []
    if abroad:
        tail.append(_fit(country, "country", notes))
    lines = [v for v in body.values() if v]
    if len(lines) + len(tail) > MAX_LINES and body["complement1"] and body["complement2"]:
        merged = f"{body['complement1']} {body['complement2']}"
        if len(merged) <= MAX_CHARS:
            notes.append(f"complément 1 et complément 2 réunis sur une ligne : « {merged} »")
        else:
            merged = merged[:MAX_CHARS].rstrip()
            notes.append(
                f"complément 1 et complément 2 réunis et raccourcis (pays sur la dernière ligne) : "
                f"« {body['complement1']} » + « {body['complement2']} »"
            )
        body["complement1"], body["complement2"] = merged, ""
        lines = [v for v in body.values() if v]
    return AddressBlock(lines=tuple(lines + tail), notes=tuple(notes), abroad=abroad)
