"""The election package from the town hall's form (RT 1, 54): plain fields and text areas, one
line per candidate, list member or question, turned into a ``scrutin-machine-package/v1``
document that :func:`scrutin.machine.core.package.parse_package` then checks field by field.

Text areas, as a town hall agent types them:

* candidates (uninominal, binômes): one per line, ``Nom`` or ``Nom ; précision`` (nuance, party);
* lists: one block per list, blocks separated by an empty line; the block's first line is
  ``Nom de la liste`` or ``Nom de la liste ; précision`` (head of list), each next line one
  candidate of the list, in order;
* referendum: one question per line.

Identifiers are made here (``c1``, ``l1``, ``q1``…); the agent never types one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrutin.core.counting.presets import PRESETS
from scrutin.core.counting.rules import Kind
from scrutin.machine.core.package import KINDS, MACHINE_PRESETS, PACKAGE_FORMAT, PackageError

SCRUTIN_SLOTS = 3
MAX_TEXT = 2_000_000


def preset_choices() -> list[tuple[str, str]]:
    """``(preset, French title)`` for the form's select."""
    return [(name, PRESETS[name].title) for name in MACHINE_PRESETS]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n")]


def _named(line: str) -> dict[str, str]:
    name, _, detail = line.partition(";")
    out = {"name": name.strip()}
    if detail.strip():
        out["detail"] = detail.strip()
    return out


def _choices(kind: str, text: str, where: str) -> list[dict[str, Any]]:
    if len(text) > MAX_TEXT:
        raise PackageError(where, "texte trop long.")
    lines = _lines(text)
    if kind == "questions":
        return [{"id": f"q{i}", "text": t} for i, t in enumerate((t for t in lines if t), 1)]
    if kind == "candidates":
        return [{"id": f"c{i}"} | _named(t) for i, t in enumerate((t for t in lines if t), 1)]
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    lists = []
    for i, block in enumerate((b for b in blocks if b), 1):
        lists.append({"id": f"l{i}"} | _named(block[0]) | {"members": block[1:]})
    return lists


def _int(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise PackageError(field, "un nombre entier est attendu.") from None


def package_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The package document of the form's fields (``form.get(name, "")``); raise
    :class:`PackageError` naming the form field for what cannot even be read."""
    members: list[dict[str, Any]] = [{"role": "president", "name": form.get("president", "")}]
    for field, holder in (("assesseur_cle", True), ("assesseur_double", True)):
        if form.get(field, "").strip():
            members.append({"role": "assessor", "name": form[field], "key_holder": holder})
    if form.get("secretaire", "").strip():
        members.append({"role": "secretary", "name": form["secretaire"]})
    for line in _lines(form.get("autres_membres", "")):
        if line:
            members.append({"role": "assessor", "name": line, "key_holder": False})
    scrutins = []
    for n in range(1, SCRUTIN_SLOTS + 1):
        preset = form.get(f"s{n}_type", "").strip()
        if not preset:
            continue
        if preset not in PRESETS:
            raise PackageError(f"scrutins[{n}].preset", "type de scrutin inconnu.")
        kind = KINDS.get(PRESETS[preset].rules.kind, "candidates")
        doc: dict[str, Any] = {
            "id": form.get(f"s{n}_id", "").strip() or f"scrutin-{n}",
            "preset": preset,
            "title": form.get(f"s{n}_titre", ""),
            "seats": _int(form.get(f"s{n}_sieges", "1") or "1", f"scrutins[{n}].seats"),
            "registered": _int(form.get(f"s{n}_inscrits", ""), f"scrutins[{n}].registered"),
            kind: _choices(kind, form.get(f"s{n}_choix", ""), f"scrutins[{n}].{kind}"),
        }
        if form.get(f"s{n}_circonscription", "").strip():
            doc["constituency"] = form[f"s{n}_circonscription"]
        if PRESETS[preset].rules.kind is not Kind.REFERENDUM and form.get(f"s{n}_tour", "1") == "2":
            doc["round"] = 2
        scrutins.append(doc)
    package: dict[str, Any] = {
        "format": PACKAGE_FORMAT,
        "commune": {
            "name": form.get("commune", ""),
            "insee": form.get("insee", "").strip().upper(),
        },
        "bureau": {"number": form.get("bureau", "").strip(), "name": form.get("bureau_nom", "")},
        "date": form.get("date", ""),
        "opening": form.get("ouverture", ""),
        "closing": form.get("cloture", ""),
        "font_size": _int(form.get("taille", "24") or "24", "font_size"),
        "terminals": _int(form.get("terminaux", "1") or "1", "terminals"),
        "members": members,
        "scrutins": scrutins,
    }
    if form.get("cle_editeur", "").strip():
        package["release_key"] = form["cle_editeur"].strip().lower()
    return package


FIELD_LABELS = {
    "commune": "Commune", "insee": "Code INSEE", "bureau": "Numéro du bureau",
    "date": "Date du scrutin", "opening": "Heure d'ouverture", "closing": "Heure de clôture",
    "font_size": "Taille des caractères", "terminals": "Nombre de terminaux",
    "members": "Membres du bureau", "scrutins": "Scrutins", "release_key": "Clé de l'éditeur",
}  # fmt: skip


def field_label(field: str) -> str:
    """The form's words for a package field path (``scrutins[2].lists[3].name`` → « Scrutin 2,
    liste 3, nom »)."""
    parts = field.replace("]", "").split(".")
    words: list[str] = []
    names = {"lists": "liste", "candidates": "candidat", "questions": "question", "members":
             "candidat de la liste", "name": "nom", "title": "intitulé", "seats": "sièges",
             "registered": "inscrits", "preset": "type", "id": "identifiant",
             "constituency": "circonscription", "insee": "code INSEE", "number": "numéro",
             "role": "rôle", "key_holder": "clé", "detail": "précision", "text": "texte"}  # fmt: skip
    for part in parts:
        name, _, index = part.partition("[")
        if not words and name in FIELD_LABELS and not index:
            words.append(FIELD_LABELS[name])
            continue
        label = {"scrutins": "Scrutin", "members": "membre"}.get(name) if not words else None
        label = label or names.get(name, name)
        words.append(f"{label} {index}" if index else label)
    return ", ".join(words)
