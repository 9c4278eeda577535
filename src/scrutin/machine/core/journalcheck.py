"""Checking and exporting the machine's journal from outside the running program (RT 46, 48).

``scrutin machine journal verify`` reads each copy (internal memory, removable medium) line by
line: every line must be the canonical JSON of its entry, follow the previous one (``seq`` and
``prev``) and carry the SHA-256 of its content (docs/machine.md, "Journal"); the copies must agree
(one may lack a torn last write, nothing else); and every signed results file
(``results/<id>.json``) must name, in its ``journal`` field, a head the chain went through — the
journal a procès-verbal certifies is the one on the supports. It reads only: it never repairs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from scrutin.machine.core.journal import Entry, JournalError, read_entries

RESULTS = "results"
MAX_RESULTS = 10
MAX_RESULT_BYTES = 5_000_000


@dataclass
class JournalCheck:
    """What :func:`check` found; ``problems`` are French sentences naming copy and line."""

    entries: list[Entry] = field(default_factory=list)
    copies: dict[str, int] = field(default_factory=dict)
    results: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(roots: dict[str, Path]) -> JournalCheck:
    report = JournalCheck()
    chains: dict[str, list[Entry]] = {}
    for name, root in roots.items():
        path = root / "journal.jsonl"
        if not path.is_file():
            report.problems.append(f"Copie « {name} » : journal absent ({path}).")
            continue
        try:
            entries, valid = read_entries(path)
        except JournalError as exc:
            report.problems.append(f"Copie « {name} » : {exc}")
            continue
        chains[name] = entries
        report.copies[name] = len(entries)
        if path.stat().st_size != valid:
            report.problems.append(
                f"Copie « {name} » : dernière écriture interrompue "
                f"({path.stat().st_size - valid} octets après la ligne {len(entries)})."
            )
    if not chains:
        return report
    longest = max(chains.values(), key=len)
    report.entries = longest
    for name, entries in chains.items():
        if entries != longest[: len(entries)]:
            report.problems.append(f"Copie « {name} » : diffère de l'autre copie.")
        elif len(entries) < len(longest):
            report.problems.append(
                f"Copie « {name} » : {len(longest) - len(entries)} événement(s) de moins que "
                "l'autre copie."
            )
    heads = {e.hash: e.seq for e in longest}
    for root in roots.values():
        folder = root / RESULTS
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json"))[:MAX_RESULTS]:
            try:
                with path.open("rb") as f:
                    doc = json.loads(f.read(MAX_RESULT_BYTES))
                head = doc["journal"]
            except (OSError, ValueError, KeyError, TypeError):
                report.problems.append(f"Résultats {path} illisibles.")
                continue
            if head not in heads:
                report.problems.append(
                    f"Résultats {path} : le journal qu'ils certifient n'est pas celui des supports."
                )
            else:
                report.results[f"{root.name}/{path.name}"] = heads[head]
    return report


EXPORT_HEADER = ("numero", "date_heure", "role", "evenement", "texte", "empreinte")


def export_rows(entries: list[Entry]) -> list[list[str]]:
    """One row per event, in the journal's order, for a spreadsheet (the dates stay as the
    machine wrote them: Paris time with its offset)."""
    return [[str(e.seq + 1), e.at, e.role, e.event, e.text, e.hash] for e in entries]
