"""A whole polling day on the machine's core: prepare, open with two keys, vote, close, tally,
verify (RT 1–21, 24–27)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.machine.core import keys
from scrutin.machine.core.machine import CLOSED, TALLIED, Machine, MachineError
from scrutin.machine.core.tally import read_results, record_dir, tally_scrutin
from scrutin.verify.record import verify_record

from .conftest import CODES


def vote(m: Machine, terminal: int, scrutin: str, choice: int | None) -> str:
    params = m.ballot_params(terminal, scrutin)
    q = params.questions[0]
    sel = [0] * q.size
    if choice is not None:
        sel[choice] = 1
    return m.cast(terminal, scrutin, ballot_to_json(params.group, encrypt_ballot(params, [sel])))


def held(m: Machine, key_files: dict[str, Path]) -> tuple[keys.HeldKey, keys.HeldKey]:
    return (
        keys.open_key(m.trustees, key_files["president"], CODES["president"]),
        keys.open_key(m.trustees, key_files["assesseur-1"], CODES["assesseur-1"]),
    )


def test_rt_1_to_21_a_whole_day(
    prepared: Callable[..., Machine], key_files: dict[str, Path]
) -> None:
    m = prepared()
    with pytest.raises(MachineError, match=r"n'est pas ouvert|impossible"):
        m.activate(1, ["municipales"])
    m.open("Claire Martin", "Paul Durand")
    choices = {"municipales": [0, 0, 1, None, 2], "departementales": [1, 1, 0, None]}
    for i in range(5):
        entitled = ["municipales", "departementales"] if i < 4 else ["municipales"]
        m.activate(1, entitled)
        for s in entitled:
            vote(m, 1, s, choices[s][i])
        assert not m.state.terminals[1].active  # RT 9
    assert m.counters() == {"municipales": 5, "departementales": 4}
    m.block_all()
    assert m.state.phase == CLOSED
    p, a = held(m, key_files)
    doc = tally_scrutin(m, "municipales", p, a)
    assert doc["answers"] == [{"counts": [2, 1, 1], "blank": 1}]
    assert doc["voters"] == 5 and doc["blank"] == 1 and doc["cast"] == 4
    report = verify_record(record_dir(m.roots["interne"], "municipales"), workers=1)
    assert report.valid, report.render()
    tally_scrutin(m, "departementales", p, a)
    assert m.state.phase == TALLIED
    first = read_results(m, "municipales")
    assert read_results(m, "municipales") == first  # RT 20
    again = Machine(*m.roots.values())
    assert again.state.phase == TALLIED and read_results(again, "municipales") == first


def test_rt_14_24_one_vote_per_scrutin_and_only_the_entitled_ones(
    prepared: Callable[..., Machine],
) -> None:
    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    m.activate(1, ["municipales"])
    with pytest.raises(MachineError, match="pas autorisé"):
        vote(m, 1, "departementales", 0)
    params = m.ballot_params(1, "municipales")
    ballot = ballot_to_json(params.group, encrypt_ballot(params, [[1, 0, 0]]))
    m.activate(2, ["municipales", "departementales"])
    vote(m, 2, "municipales", 1)
    with pytest.raises(MachineError, match="déjà enregistré"):
        vote(m, 2, "municipales", 1)
    m.cast(1, "municipales", ballot)
    with pytest.raises(MachineError, match="n'est pas activé"):
        m.cast(1, "municipales", ballot)  # RT 9: deactivated once stored
    assert m.counters() == {"municipales": 2, "departementales": 0}


def test_rt_9_12_deactivation_by_the_president_after_a_timeout(
    prepared: Callable[..., Machine],
) -> None:
    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    m.activate(1, ["municipales", "departementales"])
    vote(m, 1, "municipales", 0)
    assert m.deactivate(1) == ["departementales"]
    assert not m.state.terminals[1].active
    with pytest.raises(MachineError, match="n'est pas activé"):
        vote(m, 1, "departementales", 0)
    texts = [e.text for e in m.journal.entries]
    assert "sans vote enregistré pour « Élection des conseillers départementaux »" in texts[-2]
    assert texts[-1] == "Le terminal 1 n'est pas activé."  # RT 48: the handling error is kept


def test_rt_16_17_an_elector_in_the_booth_finishes_before_the_block(
    prepared: Callable[..., Machine],
) -> None:
    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    m.activate(2, ["municipales"])
    assert m.block(1) is True
    assert m.block(2) is False  # requested: the elector is voting
    assert m.state.phase != CLOSED
    with pytest.raises(MachineError, match="bloqué"):
        m.activate(1, ["municipales"])
    vote(m, 2, "municipales", 2)
    assert m.state.phase == CLOSED  # RT 17: the last block closes the vote
    with pytest.raises(MachineError):
        m.activate(2, ["municipales"])
    with pytest.raises(MachineError):
        m.block(1)


def test_rt_18_21_tally_needs_both_keys_the_closing_and_locks_the_machine(
    prepared: Callable[..., Machine], key_files: dict[str, Path]
) -> None:
    m = prepared()
    p, a = held(m, key_files)
    with pytest.raises(keys.MachineKeyError, match="président"):
        tally_scrutin(m, "municipales", a, p)
    with pytest.raises(MachineError, match="clos"):
        tally_scrutin(m, "municipales", p, a)  # RT 47: nothing can be read before the closing
    m.open("Claire Martin", "Paul Durand")
    m.activate(1, ["municipales"])
    vote(m, 1, "municipales", 0)
    with pytest.raises(MachineError, match="clos"):
        tally_scrutin(m, "municipales", p, a)
    m.block_all()
    tally_scrutin(m, "municipales", p, a)
    with pytest.raises(MachineError, match="déjà dépouillé"):
        tally_scrutin(m, "municipales", p, a)
    with pytest.raises(MachineError, match="pas encore dépouillé"):
        read_results(m, "departementales")
    tally_scrutin(m, "departementales", p, a)
    with pytest.raises(MachineError, match=r"verrouillée|résultats édités"):
        m.activate(1, ["municipales"])  # RT 21


def test_rt_7_keys_are_checked_against_the_preparation(
    prepared: Callable[..., Machine], key_files: dict[str, Path], tmp_path: Path
) -> None:
    m = prepared()
    with pytest.raises(keys.MachineKeyError, match="code secret erroné"):
        keys.open_key(m.trustees, key_files["president"], "mauvais-code-secret")
    other = tmp_path / "autre"
    other.mkdir()
    from scrutin.machine.core import files

    from .conftest import package_doc

    others = {h: other / f"{h}.cle" for h in CODES}
    files.prepare(package_doc(), other / "i", other / "a", CODES, others)
    with pytest.raises(keys.MachineKeyError, match=r"autre bureau|ne correspond pas"):
        keys.open_key(m.trustees, others["president"], CODES["president"])


def test_rt_19_results_carry_the_hours_the_counts_and_the_seats(
    prepared: Callable[..., Machine], key_files: dict[str, Path]
) -> None:
    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    for choice in (0, 0, 0, 1, 2, None):
        m.activate(1, ["municipales"])
        vote(m, 1, "municipales", choice)
    m.block_all()
    doc = tally_scrutin(m, "municipales", *held(m, key_files))
    assert doc["opened_at"] and doc["closed_at"] and doc["opened_at"] <= doc["closed_at"]
    assert (doc["registered"], doc["voters"], doc["blank"], doc["null"], doc["cast"]) == (
        900, 6, 1, 0, 5,
    )  # fmt: skip
    seats = {c["name"]: c["seats"] for c in doc["counting"]["lists"]}
    undecided = sum(u["seats"] for u in doc["counting"].get("undecided", []))
    assert sum(seats.values()) + undecided == 29  # a tie the law cannot settle is reported
    assert seats["Liste Avenir"] > seats["Liste Ensemble"]
    assert doc["decrypted_by"] == ["président", "assesseur"]


def test_rt_17_the_closing_seals_the_ballots_and_the_tally_refuses_a_changed_file(
    prepared: Callable[..., Machine], key_files: dict[str, Path]
) -> None:
    from scrutin.machine.core.closing import seal_path, sealed_ballots

    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    for choice in (0, 1):
        m.activate(1, ["municipales"])
        vote(m, 1, "municipales", choice)
    m.block_all()
    internal = m.roots["interne"]
    seal = seal_path(internal, "municipales").read_bytes()
    assert (
        b'"count":2' in seal and seal == seal_path(m.roots["amovible"], "municipales").read_bytes()
    )
    # A power cut right after the closing: the seals missing on restart are written again.
    seal_path(m.roots["amovible"], "departementales").unlink()
    again = Machine(*m.roots.values())
    assert seal_path(m.roots["amovible"], "departementales").exists()
    path = sealed_ballots(internal, "municipales")
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0])
    with pytest.raises(MachineError, match="modifié"):
        tally_scrutin(again, "municipales", *held(again, key_files))


def test_rt_6_46_the_bureau_sets_the_clock_before_the_opening_only(
    prepared: Callable[..., Machine],
) -> None:
    from datetime import UTC, datetime, timedelta

    real = datetime(2027, 3, 14, 6, 50, tzinfo=UTC)
    m = prepared(now=lambda: real)
    wanted = datetime(2027, 3, 14, 7, 58, 30, tzinfo=UTC)
    m.set_clock(wanted, "président")
    assert m.now() == wanted  # the journal and every document now use the bureau's time
    assert Machine(*m.roots.values(), now=lambda: real).now() == wanted  # kept after a restart
    with pytest.raises(MachineError, match="fuseau"):
        m.set_clock(datetime(2027, 3, 14, 8, 0), "président")
    with pytest.raises(MachineError, match="plus d'un an"):
        m.set_clock(wanted + timedelta(days=500), "président")
    m.open("Claire Martin", "Paul Durand")
    with pytest.raises(MachineError, match="horloge"):
        m.set_clock(wanted, "président")
