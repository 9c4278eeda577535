"""The machine's journal is verifiable and exportable from its supports (RT 46, 48)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from scrutin.cli import main as cli_main
from scrutin.machine.core.journalcheck import check
from scrutin.machine.core.machine import Machine
from scrutin.machine.core.tally import tally_scrutin

from .test_day import held, vote


def cli(*args: str):  # type: ignore[no-untyped-def]
    if not cli_main.app.registered_groups:
        cli_main._register()
    return CliRunner().invoke(cli_main.app, list(args))


def _day(prepared: Callable[..., Machine], key_files: dict[str, Path]) -> Machine:
    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    for choice in (0, 1, None):
        m.activate(1, ["municipales"])
        vote(m, 1, "municipales", choice)
    m.block_all()
    tally_scrutin(m, "municipales", *held(m, key_files))
    return m


def test_rt_46_48_journal_verified_with_the_results_it_certifies(
    prepared: Callable[..., Machine], key_files: dict[str, Path], tmp_path: Path
) -> None:
    m = _day(prepared, key_files)
    report = check(m.roots)
    assert report.ok, report.problems
    assert report.copies["interne"] == report.copies["amovible"] == len(m.journal.entries)
    assert any(name.endswith("municipales.json") for name in report.results)
    done = cli("machine", "journal", "verify", "--interne", str(m.roots["interne"]),
               "--amovible", str(m.roots["amovible"]))  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Journal vérifié" in done.output
    out = tmp_path / "journal.csv"
    done = cli("machine", "journal", "export", str(out), "--interne", str(m.roots["interne"]))
    assert done.exit_code == 0, done.output
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0] == ["numero", "date_heure", "role", "evenement", "texte", "empreinte"]
    assert len(rows) == len(m.journal.entries) + 1
    assert any("ouvert" in r[4] for r in rows[1:])


def test_rt_46_a_changed_line_or_a_foreign_results_file_is_named(
    prepared: Callable[..., Machine], key_files: dict[str, Path]
) -> None:
    m = _day(prepared, key_files)
    journal = m.roots["amovible"] / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    doc = json.loads(lines[3])
    doc["text"] = doc["text"] + " (modifié)"
    lines[3] = json.dumps(doc, ensure_ascii=False).encode() + b"\n"
    journal.write_bytes(b"".join(lines))
    results = m.roots["interne"] / "results" / "municipales.json"
    data = json.loads(results.read_bytes())
    data["journal"] = "ab" * 32
    results.write_text(json.dumps(data))
    report = check(m.roots)
    assert not report.ok
    text = " ".join(report.problems)
    assert "amovible" in text and "ligne 4" in text
    assert "n'est pas celui des supports" in text
    done = cli("machine", "journal", "verify", "--interne", str(m.roots["interne"]),
               "--amovible", str(m.roots["amovible"]))  # fmt: skip
    assert done.exit_code == 1 and "NON vérifié" in done.output
