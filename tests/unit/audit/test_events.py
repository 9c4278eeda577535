"""The events catalogue (audit/events.json) and the documentation generated from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scrutin.platform.audit import events

DOC = Path(__file__).parents[3] / "docs" / "journal.md"


def test_documentation_table_is_generated_from_the_catalogue() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert events.render_doc(doc) == doc, (
        "docs/journal.md is stale: python -m scrutin.platform.audit.events docs/journal.md"
    )


def test_catalogue_declares_the_required_events() -> None:
    ids = set(events.catalogue())
    assert {"electors:file:import-init", "electors:file:import-complete", "urn:seal:create",
            "credentials:cci:generate-init", "accounts:user:login-failed",
            "operator:platform:access"} <= ids  # fmt: skip
    assert {e.type for e in events.catalogue().values()} == set(events.TYPES)
    assert all(events.ID_PATTERN.match(i) for i in ids)


def _catalogue(*items: dict[str, str]) -> str:
    return json.dumps({"format": "scrutin/journal-events/v1",
                       "types": {"administrative": "", "voting-phase": ""}, "events": list(items)})  # fmt: skip


def _event(event_id: str, kind: str = "administrative") -> dict[str, str]:
    return {"id": event_id, "label": "l", "type": kind, "description": "d", "emitter": "e"}


@pytest.mark.parametrize(
    ("items", "reason"),
    [
        ([_event("Electors:file:import")], "source:subject:action"),
        ([_event("a:b:c"), _event("a:b:c")], "twice"),
        ([_event("a:b:c", "vote")], "unknown type"),
        ([_event("a:b:run-init")], "pair"),
        ([_event("a:b:run-complete")], "pair"),
        ([{k: v for k, v in _event("a:b:c").items() if k != "label"}], "label"),
    ],
)
def test_catalogue_rules_are_enforced(items: list[dict[str, str]], reason: str) -> None:
    with pytest.raises(events.CatalogueError, match=reason):
        events.parse_catalogue(_catalogue(*items))


def test_unknown_event_is_refused() -> None:
    with pytest.raises(KeyError, match="not declared"):
        events.get("urn:seal:forge")


def test_review_12_every_event_has_a_short_french_label() -> None:
    """Issue 12: the journal pages show each event by a French label, not its raw code."""
    for event in events.catalogue().values():
        assert event.label and event.label != event.id and ":" not in event.label, event.id
        assert len(event.label) <= 70, event.id
    labels = [e.label for e in events.catalogue().values()]
    assert len(labels) == len(set(labels))
    assert (
        events.label_of("accounts:user:login") == "Connexion d'un gestionnaire au site de gestion"
    )
