"""The framework-free journal verifier (scrutin.verify.journal): what it reports and where."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scrutin.verify.journal import (
    GENESIS_HASH,
    MalformedExport,
    dump_line,
    entry_hash,
    parse_export,
    verify_export,
    verify_journal,
)

from .builder import make_journal

SOURCE = Path(__file__).parents[3] / "src" / "scrutin" / "verify" / "journal.py"


def test_cctp_4_2_2_2_journal_verifier_imports_neither_django_nor_the_platform() -> None:
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    scrutin = {m for m in imported if m.startswith("scrutin")}
    assert scrutin == {"scrutin.crypto.encoding"}
    assert not any(m.startswith("django") for m in imported)


def test_hash_equation_is_sha256_of_the_canonical_entry_without_hash() -> None:
    import hashlib

    import rfc8785

    entry = make_journal(1).entries[0]
    body = {k: v for k, v in entry.items() if k not in {"hash", "kind"}}
    assert entry["previous_hash"] == GENESIS_HASH
    assert entry["hash"] == hashlib.sha256(rfc8785.dumps(body)).hexdigest() == entry_hash(entry)


def test_export_round_trip_through_json_lines() -> None:
    journal = make_journal(9, every=3)
    export = journal.export()
    lines = [dump_line(export.header), *map(dump_line, export.entries),
             *map(dump_line, export.checkpoints)]  # fmt: skip
    parsed = parse_export(lines)
    report = verify_export(parsed)
    assert report.valid, report.render()
    assert (report.entries, report.checkpoints, report.last_checkpoint) == (9, 3, 9)
    assert "RÉSULTAT : journal intègre" in report.render()


def test_deleted_entry_message_names_the_missing_sequence() -> None:
    export = make_journal(6, every=10).export()
    del export.entries[2]
    report = verify_export(export)
    messages = [p.render() for p in report.problems]
    assert "entrée 3 : entrée(s) 3 absente(s)" in messages[0]
    assert "NON intègre" in report.render()


def test_wrong_public_key_is_refused() -> None:
    export = make_journal(3).export()
    other = make_journal(3, seed=9)
    report = verify_export(export, expected_public_key=other.public_key)
    assert not report.valid and None in report.locations()


def test_key_swapped_in_header_makes_every_signature_fail() -> None:
    export = make_journal(4, every=2).export()
    export.header["public_key"] = make_journal(1, seed=3).public_key
    report = verify_export(export)
    assert report.locations() == {2, 4, None}  # None: no valid checkpoint covers the head


def test_export_without_checkpoint_covering_the_head_fails() -> None:
    journal = make_journal(5, every=2)
    export = journal.export()
    export.checkpoints = [c for c in export.checkpoints if c["sequence"] != 5]
    report = verify_export(export)
    assert not report.valid and 5 in report.locations()
    # the database view only notes it: later entries wait for the next checkpoint
    lenient = verify_journal(export.entries, export.checkpoints, journal.public_key)
    assert lenient.valid and lenient.notes


def test_checkpoints_kept_apart_catch_a_rewritten_export() -> None:
    """A COE kept the checkpoints of an earlier export; the provider later rewrites entry 2,
    re-chains, and ships a fresh self-consistent export signed with another key."""
    original = make_journal(6, every=3)
    kept = original.export().checkpoints
    forger = make_journal(6, every=3, seed=11)
    export = forger.export()
    report = verify_export(export, extra_checkpoints=kept, expected_public_key=original.public_key)
    assert not report.valid


@pytest.mark.parametrize(
    ("lines", "reason"),
    [([], "vide"), ([b"{"], "JSON invalide"), ([b"[]"], "objet JSON"),
     ([b'{"kind":"entry"}'], "en-tête"), ([b"NaN"], "non standard")],
)  # fmt: skip
def test_malformed_files_are_refused_with_a_reason(lines: list[bytes], reason: str) -> None:
    with pytest.raises(MalformedExport, match=reason):
        parse_export(lines)


def test_extra_field_in_an_entry_is_located() -> None:
    export = make_journal(3).export()
    export.entries[1]["note"] = "ajout"
    report = verify_export(export)
    assert 2 in report.locations()
