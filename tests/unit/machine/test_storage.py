"""The ballot store and the journal survive interruptions and hide the order of votes (RT 45, 47,
65, 66, 68, 69)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.machine.core import files
from scrutin.machine.core.journal import Journal, JournalError
from scrutin.machine.core.machine import Machine, MachineError
from scrutin.machine.core.store import HEADER, SlotStore, StoreError, _decode_slot

LABEL = bytes(32)


def store(tmp_path: Path, slots: int = 200) -> SlotStore:
    return SlotStore.create(
        {"interne": tmp_path / "i.slots", "amovible": tmp_path / "a.slots"}, 512, slots, LABEL
    )


def paths(tmp_path: Path) -> dict[str, Path]:
    return {"interne": tmp_path / "i.slots", "amovible": tmp_path / "a.slots"}


def raw_positions(path: Path, slot_size: int, payloads: list[bytes]) -> list[int]:
    """Where each payload sits in the raw file, read as an attacker with the medium would."""
    data = path.read_bytes()
    return [(data.index(p) - HEADER) // slot_size for p in payloads]


def test_rt_66_ballots_stored_in_random_order(tmp_path: Path) -> None:
    s = store(tmp_path, slots=5000)
    payloads = [f'{{"ballot":{i:05d}}}'.encode() for i in range(60)]
    for p in payloads:
        s.put(p)
    positions = raw_positions(tmp_path / "i.slots", 512, payloads)
    assert positions == raw_positions(tmp_path / "a.slots", 512, payloads)
    # Arrival order is not the file order: ascending runs are as short as for a random draw.
    ascending = sum(1 for a, b in itertools.pairwise(positions) if b > a)
    assert 10 < ascending < 50
    assert sorted(s.ballots()) == sorted(payloads)
    # The file did not grow: every block was written at preparation.
    assert (tmp_path / "i.slots").stat().st_size == HEADER + 5000 * 512


def test_rt_69_a_torn_write_is_cleared_and_a_missed_copy_repaired(tmp_path: Path) -> None:
    s = store(tmp_path)
    for i in range(10):
        s.put(f"bulletin-{i}".encode())
    s.close()
    internal, removable = paths(tmp_path).values()
    # Power cut: a slot written whole internally never reached the removable copy.
    data = bytearray(internal.read_bytes())
    r = bytearray(removable.read_bytes())
    used = [
        i
        for i in range(200)
        if _decode_slot(bytes(data[HEADER + i * 512 : HEADER + (i + 1) * 512]))[0] == "used"
    ]
    victim = used[0]
    r[HEADER + victim * 512 : HEADER + (victim + 1) * 512] = bytes(512)
    # And a torn slot (half written) in a free place of the internal copy.
    free = next(i for i in range(200) if i not in used)
    data[HEADER + free * 512 : HEADER + free * 512 + 20] = b"\x01" + bytes(range(1, 20))
    internal.write_bytes(bytes(data))
    removable.write_bytes(bytes(r))
    again, report = SlotStore.open(paths(tmp_path), LABEL)
    assert (report.repaired, report.cleared, report.damaged_copies) == (1, 1, {"interne"})
    assert again.used == 10 and len(again.free) == 190
    assert internal.read_bytes() == removable.read_bytes()


def test_rt_69_copies_changed_outside_the_machine_are_refused(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.put(b"bulletin-a")
    s.close()
    removable = paths(tmp_path)["amovible"]
    data = bytearray(removable.read_bytes())
    slot = next(i for i in range(200) if any(data[HEADER + i * 512 : HEADER + (i + 1) * 512]))
    other = SlotStore.create({"x": tmp_path / "x.slots"}, 512, 200, LABEL)
    other.free = [slot]
    other.put(b"bulletin-b")
    other.close()
    removable.write_bytes((tmp_path / "x.slots").read_bytes())
    with pytest.raises(StoreError, match="divergent"):
        SlotStore.open(paths(tmp_path), LABEL)
    with pytest.raises(StoreError, match="autre élection"):
        SlotStore.open(paths(tmp_path), b"\x01" * 32)


def test_rt_46_journal_torn_tail_dropped_tampering_named(tmp_path: Path) -> None:
    p = {"interne": tmp_path / "i.jsonl", "amovible": tmp_path / "a.jsonl"}
    j = Journal(p)
    for i in range(3):
        j.append("2027-03-14T08:00:00+01:00", "test:event", "président", f"Événement {i}")
    with p["amovible"].open("ab") as f:
        f.write(b'{"seq":3,"at":"2027')  # torn: power cut during the write
    again = Journal(p)
    assert len(again.entries) == 3 and again.repaired == ["amovible"]
    assert p["interne"].read_bytes() == p["amovible"].read_bytes()
    lines = p["interne"].read_bytes().splitlines(keepends=True)
    doc = json.loads(lines[1])
    doc["text"] = "Événement modifié"
    lines[1] = json.dumps(doc).encode() + b"\n"
    p["interne"].write_bytes(b"".join(lines))
    with pytest.raises(JournalError, match="ligne 2"):
        Journal(p)


def _cast(m: Machine, terminal: int, scrutin: str) -> bytes:
    params = m.ballot_params(terminal, scrutin)
    sel = [[1] + [0] * (params.questions[0].size - 1)]
    return json.dumps(ballot_to_json(params.group, encrypt_ballot(params, sel))).encode()


@pytest.mark.parametrize("stored", [True, False])
def test_rt_68_after_a_crash_the_bureau_knows_whether_the_vote_was_stored(
    prepared: Callable[..., Machine], stored: bool
) -> None:
    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    m.activate(1, ["municipales", "departementales"])
    ballot = json.loads(_cast(m, 1, "municipales"))
    # The crash: the intent is journaled, the slot written (or not), then the power goes.
    m.log("vote:pending", "électeur", "…", terminal=1, activation=1, scrutin="municipales")
    if stored:
        from scrutin.record.writer import ballot_line

        m.stores["municipales"].put(ballot_line(ballot))
    for s in m.stores.values():
        s.close()
    again = Machine(*m.roots.values())
    last = again.journal.entries[-1]
    assert last.event == ("vote:stored" if stored else "vote:lost")
    assert "avait été enregistré" in last.text if stored else "n'avait pas été" in last.text
    assert again.notices == [last.text]  # shown to the bureau on the control page
    assert again.counters()["municipales"] == int(stored)
    act = again.state.terminals[1].activation
    assert act is not None and ("municipales" in act.voted) is stored
    # RT 65: nothing about the choice anywhere in the journal.
    assert all("Liste" not in e.text for e in again.journal.entries)


def test_rt_69_counters_that_disagree_with_the_ballots_are_an_anomaly(
    prepared: Callable[..., Machine],
) -> None:
    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    m.activate(1, ["municipales"])
    from scrutin.record.writer import ballot_line

    m.stores["municipales"].put(ballot_line(json.loads(_cast(m, 1, "municipales"))))
    for s in m.stores.values():
        s.close()
    with pytest.raises(MachineError, match="Anomalie"):
        Machine(*m.roots.values())


def test_a_preparation_is_never_overwritten(
    prepared: Callable[..., Machine], tmp_path: Path
) -> None:
    m = prepared()
    from .conftest import CODES, package_doc

    keys_dir = tmp_path / "k"
    keys_dir.mkdir()
    with pytest.raises(files.PreparationError, match="déjà une préparation"):
        files.prepare(package_doc(), *m.roots.values(), CODES, {h: keys_dir / h for h in CODES})


def test_rt_66_first_ballot_lands_anywhere(tmp_path: Path) -> None:
    """Over many preparations, the first ballot lands in each of the 8 slots (no bias to the
    start of the file, which would betray the first voter)."""
    landed = []
    for k in range(200):
        s = SlotStore.create({"c": tmp_path / f"s{k}.slots"}, 64, 8, LABEL)
        s.put(b"x")
        landed.extend(i for i in range(8) if i not in s.free)
        s.close()
        (tmp_path / f"s{k}.slots").unlink()
    counts = [landed.count(i) for i in range(8)]
    assert min(counts) > 5, counts


def test_rt_9_68_a_vote_stored_just_before_the_cut_releases_the_terminal_at_restart(
    prepared: Callable[..., Machine],
) -> None:
    from scrutin.record.writer import ballot_line

    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    m.activate(1, ["municipales"])
    ballot = json.loads(_cast(m, 1, "municipales"))
    ids = {"terminal": 1, "activation": 1, "scrutin": "municipales"}
    m.log("vote:pending", "électeur", "…", **ids)
    m.stores["municipales"].put(ballot_line(ballot))
    m.log("vote:stored", "électeur", "…", **ids)  # the power goes before the deactivation
    for s in m.stores.values():
        s.close()
    again = Machine(*m.roots.values())
    assert not again.state.terminals[1].active and again.counters()["municipales"] == 1
    assert "reprise" in again.journal.entries[-1].text
