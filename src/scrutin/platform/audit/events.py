"""The journal's events, declared as data in ``events.json`` (VxSuite habit; docs/journal.md).

The code validates every :func:`~scrutin.platform.audit.journal.record_event` call against this
catalogue, and the documentation table of docs/journal.md is generated from it
(``python -m scrutin.platform.audit.events docs/journal.md``; a test checks it is up to date).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NewType

EventId = NewType("EventId", str)

CATALOGUE = Path(__file__).with_name("events.json")
ID_PATTERN = re.compile(r"^[a-z]+:[a-z]+:[a-z]+(-[a-z]+)*$")
TYPES = ("administrative", "voting-phase")
BEGIN, END = "<!-- events:begin -->", "<!-- events:end -->"
#: Keys that would carry a voter's choices: refused in any event's data (CCTP 4.2.2.1).
FORBIDDEN_DATA_KEYS = frozenset({"choice", "choices", "vote", "votes", "ballot", "selection",
                                 "selections", "password", "secret"})  # fmt: skip


class CatalogueError(ValueError):
    """events.json does not follow its rules."""


@dataclass(frozen=True)
class Event:
    id: EventId
    type: str
    description: str
    emitter: str
    label: str  # short French label shown on the journal pages (never the raw id)

    @property
    def source(self) -> str:
        return self.id.split(":", 1)[0]

    @property
    def is_complete(self) -> bool:
        return self.id.endswith("-complete")


def parse_catalogue(text: str) -> dict[EventId, Event]:
    """Validate the catalogue: id syntax, unique ids, known types, paired init/complete."""
    raw = json.loads(text)
    if raw.get("format") != "scrutin/journal-events/v1" or set(raw.get("types", {})) != set(TYPES):
        raise CatalogueError("format or types of events.json")
    events: dict[EventId, Event] = {}
    for item in raw["events"]:
        event_id = item["id"]
        if not ID_PATTERN.match(event_id):
            raise CatalogueError(f"{event_id}: not source:subject:action")
        if event_id in events:
            raise CatalogueError(f"{event_id}: declared twice")
        if item["type"] not in TYPES:
            raise CatalogueError(f"{event_id}: unknown type {item['type']}")
        if not item.get("description") or not item.get("emitter") or not item.get("label"):
            raise CatalogueError(f"{event_id}: label, description and emitter are required")
        events[EventId(event_id)] = Event(EventId(event_id), item["type"], item["description"],
                                          item["emitter"], item["label"])  # fmt: skip
    for event_id in events:
        for mine, other in (("-init", "-complete"), ("-complete", "-init")):
            if event_id.endswith(mine) and event_id[: -len(mine)] + other not in events:
                raise CatalogueError(f"{event_id}: its pair {other} is not declared")
    return events


@lru_cache(maxsize=1)
def catalogue() -> dict[EventId, Event]:
    return parse_catalogue(CATALOGUE.read_text(encoding="utf-8"))


def get(event_id: str) -> Event:
    try:
        return catalogue()[EventId(event_id)]
    except KeyError:
        raise KeyError(f"journal event {event_id!r} is not declared in audit/events.json") from None


def label_of(event_id: str) -> str:
    """The French label of an event (the id itself for an event no longer declared)."""
    event = catalogue().get(EventId(event_id))
    return event.label if event else event_id


# The journal pages name each key of an entry's data in French; the value is shown as recorded
# (it is part of the hashed, signed entry: fingerprints, codes, counts). Unknown keys appear as
# they are, marked as technical.
DATA_LABELS = {
    "accepted": "acceptées", "anomaly": "anomalie", "assets_sha256": "empreinte des ressources",
    "attempt": "essai", "authority": "autorité", "ballot_count": "bulletins",
    "blocking": "bloquantes", "bytes": "octets", "candidatures": "candidatures", "cci": "CCI",
    "ceremony": "cérémonie", "ceremony_id": "identifiant de la cérémonie", "change": "modification",
    "checkpoints_only": "points de contrôle seulement", "closed_at": "clos le",
    "closes_at": "clôture prévue", "closing_seal": "scellement de clôture",
    "code_sha256": "empreinte du code", "complaints": "réclamations", "count": "nombre",
    "created": "créés", "election": "élection", "electors": "électeurs",
    "electors_sha256": "empreinte de la liste électorale", "error": "erreur",
    "export_sha256": "empreinte de l'export", "file": "fichier", "fingerprint": "empreinte",
    "format": "format", "group": "groupe", "holders": "détenteurs de clés", "ip": "adresse IP",
    "journal_sequence": "entrée du journal", "key": "clé", "kind": "nature", "message": "message",
    "method": "méthode", "name": "nom", "number": "numéro", "opens_at": "ouverture",
    "outcome": "issue", "partial": "déchiffrement partiel", "previous": "précédent",
    "public_key": "clé publique", "question_kind": "scrutin", "reason": "motif",
    "recipients": "destinataires", "reference": "référence", "result": "résultat",
    "rows": "lignes", "run": "import", "seal": "scellement", "sequence": "numéro",
    "sha256": "empreinte SHA-256", "threshold": "seuil", "trigger": "déclencheur",
    "trustee": "détenteur de clé", "trustees": "détenteurs de clés", "unseal": "levée",
    "updated": "mis à jour", "urns": "urnes", "voters": "votants", "warnings": "avertissements",
    "origin": "origine", "documents": "pièces", "references": "références",
    "ends_on": "fin du délai de recours",
}  # fmt: skip
# the postal material's entries (material app, CCTP 5.2.2)
DATA_LABELS |= {
    "changes": "modifications", "first": "premier choix",
    "content_sha256": "empreinte du contenu du courrier", "coe_by": "BAT validé par la COE",
    "electronic": "électeurs servis par courriel", "mode": "mode d'expédition",
    "recipient_fingerprint": "empreinte de la clé de l'opérateur d'expédition",
}  # fmt: skip


def data_items(data: dict[str, object]) -> list[tuple[str, bool, object]]:
    """(label, is it a French label, value) for each key of an entry's data."""
    return [(DATA_LABELS.get(k, k), k in DATA_LABELS, v) for k, v in data.items()]


def markdown_table() -> str:
    """The table of docs/journal.md."""
    rows = [
        "| event | type | label (fr) | description (fr) | emitted by |",
        "|---|---|---|---|---|",
    ]
    for event in catalogue().values():
        rows.append(
            f"| `{event.id}` | {event.type} | {event.label} | {event.description} | {event.emitter} |"
        )
    return "\n".join(rows)


def render_doc(doc: str) -> str:
    """``doc`` with the text between the markers replaced by the generated table."""
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    return f"{doc[:start]}\n{markdown_table()}\n{doc[end:]}"


if __name__ == "__main__":  # pragma: no cover - developer helper
    target = Path(sys.argv[1])
    target.write_text(render_doc(target.read_text(encoding="utf-8")), encoding="utf-8")
