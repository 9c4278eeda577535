"""Centralisation with signed acknowledgements (RT 22, 23, 28) on three real bureaux of one
commune (tests/unit/machine/centralday.py): checks, refusals in French, acknowledgements at the
commune and the prefecture."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from scrutin.crypto.encoding import canonical_json
from scrutin.machine.core import centraldocs, files, transmit
from scrutin.machine.core.central import Centre
from scrutin.machine.core.centraldocs import CentralError
from scrutin.machine.core.centralsetup import setup_commune, setup_prefecture
from scrutin.machine.core.machine import Machine, MachineError

from .centralday import commune_day


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("commune")
    machines = commune_day(tmp)
    sent = {
        (n, sid): transmit.export_results(m, sid, tmp / "cle")
        for n, m in machines.items()
        for sid in ("municipales", "departementales")
    }
    return {"machines": machines, "sent": sent, "tmp": tmp}


def centre(
    day: dict[str, Any], tmp_path: Path, bureaux: tuple[str, ...] = ("1", "2", "3")
) -> Centre:
    return setup_commune(
        tmp_path / "mairie", [day["machines"][n].roots["amovible"] for n in bureaux]
    )


def record_of(path: Path) -> Path:
    return path.with_name(f"{path.stem}-registre")


def forged(day: dict[str, Any], tmp_path: Path, n: str, sid: str, change: Any) -> Path:
    """The bureau's file changed by ``change`` and signed again *with the machine's own key*:
    what only a machine of another election, or a faulty one, could produce."""
    doc = json.loads(day["sent"][(n, sid)].read_bytes())
    doc = copy.deepcopy(doc)
    change(doc)
    key = files.read_signing_key(day["machines"][n].roots["interne"])
    out = tmp_path / f"forged-{n}-{sid}.json"
    out.write_bytes(canonical_json(centraldocs.sign(key, doc)))
    return out


def test_rt_22_23_accepted_file_acknowledged_imported_and_journaled_by_the_bureau(
    day: dict[str, Any], tmp_path: Path
) -> None:
    c = centre(day, tmp_path)
    path = day["sent"][("2", "municipales")]
    ack = c.receive(path, record_of(path))
    assert ack["number"] == 1 and ack["sender"] == "2" and ack["scrutin"] == "municipales"
    assert ack["figures"]["answers"] == [{"blank": 0, "cast": 8, "votes": [4, 2, 2]}]
    assert centraldocs.signature_holds(ack, c.config["signing_key"])
    m: Machine = day["machines"]["2"]
    (tmp_path / "ack.json").write_bytes(canonical_json(ack))
    transmit.import_ack(m, tmp_path / "ack.json")
    assert m.journal.entries[-1].event == "central:ack"
    assert "Accusé de réception n° 1" in m.journal.entries[-1].text
    again = Machine(*m.roots.values())  # kept on both supports, survives a restart
    assert json.loads(transmit.ack_path(again.roots["amovible"], "municipales").read_bytes()) == ack
    # An acknowledgement signed by another centralising bureau is refused (key pinned).
    other = setup_commune(tmp_path / "autre", [m.roots["amovible"]])
    (tmp_path / "other.json").write_bytes(canonical_json(other.receive(path)))
    with pytest.raises(MachineError, match="n'est pas signé par le bureau centralisateur"):
        transmit.import_ack(m, tmp_path / "other.json")
    # An acknowledgement of another bureau's file is refused.
    ack3 = c.receive(day["sent"][("3", "municipales")])
    ack3 |= {"scrutin": "municipales"}
    (tmp_path / "ack3.json").write_bytes(canonical_json(ack3))
    with pytest.raises(MachineError, match="ne porte pas sur le fichier de résultats envoyé"):
        transmit.import_ack(m, tmp_path / "ack3.json")


def test_rt_22_export_twice_writes_the_same_file(day: dict[str, Any], tmp_path: Path) -> None:
    m = day["machines"]["1"]
    again = transmit.export_results(m, "municipales", tmp_path / "autre-cle")
    assert again.read_bytes() == day["sent"][("1", "municipales")].read_bytes()


def test_rt_22_one_voice_changed_breaks_the_signature(day: dict[str, Any], tmp_path: Path) -> None:
    c = centre(day, tmp_path)
    doc = json.loads(day["sent"][("1", "municipales")].read_bytes())
    doc["figures"]["answers"][0]["votes"][1] += 1
    doc["figures"]["answers"][0]["votes"][0] -= 1
    bad = tmp_path / "94078-1-municipales.json"
    bad.write_bytes(canonical_json(doc))
    with pytest.raises(CentralError, match=r"signature invalide : le fichier a été modifié"):
        c.receive(bad)
    assert c.journal.entries[-1].event == "central:refuse"
    assert c.accepted() == {}


def test_rt_28_arithmetic_checked_even_under_a_valid_signature(
    day: dict[str, Any], tmp_path: Path
) -> None:
    c = centre(day, tmp_path)

    def one_more(doc: dict[str, Any]) -> None:
        doc["figures"]["answers"][0]["votes"][0] += 1

    with pytest.raises(CentralError, match=r"la somme des voix \(10\) diffère des exprimés \(9\)"):
        c.receive(forged(day, tmp_path, "1", "municipales", one_more))

    def inflate(doc: dict[str, Any]) -> None:
        doc["figures"]["registered"] = 40

    with pytest.raises(CentralError, match=r"inscrits \(40\) différents de ceux de la préparation"):
        c.receive(forged(day, tmp_path, "1", "municipales", inflate))


def test_rt_22_the_record_is_reverified_and_must_hold_the_files_voices(
    day: dict[str, Any], tmp_path: Path
) -> None:
    c = centre(day, tmp_path)
    path = day["sent"][("1", "municipales")]

    def move(doc: dict[str, Any]) -> None:  # still consistent arithmetic
        doc["figures"]["answers"][0]["votes"][:2] = [4, 4]

    with pytest.raises(CentralError, match="ne sont pas celles du registre déchiffré"):
        c.receive(forged(day, tmp_path, "1", "municipales", move), record_of(path))
    record = tmp_path / "registre"
    shutil.copytree(record_of(path), record)
    result = json.loads((record / "result.json").read_bytes())
    result["answers"][0]["counts"] = [4, 4, 1]
    (record / "result.json").write_bytes(canonical_json(result))
    with pytest.raises(CentralError, match="registre du scrutin non valide selon scrutin verify"):
        c.receive(path, record)
    with pytest.raises(CentralError, match="n'est pas celui que le fichier de résultats désigne"):
        c.receive(path, record_of(day["sent"][("2", "municipales")]))


def test_rt_22_replay_and_duplicate_refused_replacement_explicit_and_journaled(
    day: dict[str, Any], tmp_path: Path
) -> None:
    c = centre(day, tmp_path)
    path = day["sent"][("1", "departementales")]
    first = c.receive(path)
    with pytest.raises(
        CentralError, match=r"fichier déjà reçu \(rejeu\) : accusé de réception n° 1"
    ):
        c.receive(path)

    def later(doc: dict[str, Any]) -> None:
        doc["exported_at"] = "2027-03-14T21:00:00+01:00"

    second = forged(day, tmp_path, "1", "departementales", later)
    with pytest.raises(CentralError, match=r"a déjà transmis des résultats .* Un remplacement"):
        c.receive(second)
    ack = c.receive(second, replace="clé USB illisible, nouvel export")
    assert ack["number"] == 2 and ack["replaces"] == first["transmission"]
    assert [e.event for e in c.journal.entries[-3:]] == [
        "central:replace",
        "central:receive",
        "central:ack",
    ]
    assert "clé USB illisible" in c.journal.entries[-3].text
    with pytest.raises(CentralError, match=r"rejeu.*remplacé depuis"):
        c.receive(path)
    assert c.accepted()[("1", "departementales")]["number"] == 2


def test_rt_22_files_of_another_election_refused(day: dict[str, Any], tmp_path: Path) -> None:
    c = centre(day, tmp_path, ("1", "2"))
    with pytest.raises(CentralError, match="bureau n° 3 inconnu de cette centralisation"):
        c.receive(day["sent"][("3", "municipales")])

    def other_date(doc: dict[str, Any]) -> None:
        doc["election"]["date"] = "2027-03-21"

    with pytest.raises(CentralError, match=r"fichier d'une autre élection .* du 2027-03-21"):
        c.receive(forged(day, tmp_path, "1", "municipales", other_date))

    def other_lists(doc: dict[str, Any]) -> None:
        doc["scrutin"]["choices"][2]["name"] = "Liste Autre"

    with pytest.raises(CentralError, match="candidatures différentes"):
        c.receive(forged(day, tmp_path, "1", "municipales", other_lists))
    not_results = tmp_path / "x.json"
    not_results.write_text('{"format": "scrutin-machine-results/v1"}')
    with pytest.raises(CentralError, match="ce n'est pas un fichier de résultats d'un bureau"):
        c.receive(not_results)
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (centraldocs.MAX_FILE + 1))
    with pytest.raises(CentralError, match="ce n'est pas un fichier valide"):
        c.receive(huge)


def test_setup_refuses_bureaux_of_another_commune(day: dict[str, Any], tmp_path: Path) -> None:
    m = day["machines"]["1"]
    with pytest.raises(CentralError, match="figure deux fois"):
        setup_commune(tmp_path / "c", [m.roots["interne"], m.roots["amovible"]])
    copy_root = tmp_path / "copie"
    shutil.copytree(m.roots["amovible"], copy_root)
    doc = json.loads((copy_root / files.PACKAGE).read_bytes())
    doc["commune"]["insee"] = "94079"
    (copy_root / files.PACKAGE).write_bytes(canonical_json(doc))
    with pytest.raises(CentralError, match=r"Bureau n° 1 \(.*\) : autre commune ou autre date"):
        setup_commune(tmp_path / "d", [day["machines"]["2"].roots["amovible"], copy_root])


def test_rt_22_23_commune_to_prefecture_acknowledged_and_checked(
    day: dict[str, Any], tmp_path: Path
) -> None:
    c = centre(day, tmp_path)
    for n in ("1", "2"):
        c.receive(day["sent"][(n, "municipales")])
    with pytest.raises(CentralError, match=r"il manque le ou les bureaux n° 3"):
        c.export_commune("municipales", tmp_path / "pref")
    c.receive(day["sent"][("3", "municipales")])
    agg = c.aggregate("municipales")
    assert agg["counting"]["seats"] == {
        "Liste Avenir": 23,
        "Liste Ensemble": 4,
        "Liste Renouveau": 2,
    }
    path = c.export_commune("municipales", tmp_path / "pref")
    p = setup_prefecture(tmp_path / "prefecture", "94", "Préfecture du Val-de-Marne",
                         "2027-03-14", [c.root])  # fmt: skip
    ack = p.receive(path)
    assert ack["level"] == "prefecture" and ack["sender"] == "94078"
    (tmp_path / "ack.json").write_bytes(canonical_json(ack))
    assert c.import_ack(tmp_path / "ack.json")["number"] == 1
    assert c.journal.entries[-1].event == "central:ack-import"
    with pytest.raises(CentralError, match="rejeu"):
        p.receive(path)
    # A commune file whose total is not the sum of its bureaux, even signed by the commune.
    doc = json.loads(path.read_bytes())
    doc["figures"]["answers"][0]["votes"][0] += 1
    doc["figures"]["answers"][0]["cast"] += 1
    doc["figures"]["voters"] += 1
    bad = tmp_path / "bad.json"
    bad.write_bytes(canonical_json(centraldocs.sign(c.key, doc)))
    with pytest.raises(CentralError, match="n'est pas la somme des lignes des bureaux"):
        p.receive(bad)
    doc = json.loads(path.read_bytes())
    doc["counting"]["seats"] = {"Liste Avenir": 22, "Liste Ensemble": 5, "Liste Renouveau": 2}
    bad.write_bytes(canonical_json(centraldocs.sign(c.key, doc)))
    with pytest.raises(CentralError, match="ne sont pas ceux que donne le mode de scrutin"):
        p.receive(bad)
    doc = json.loads(path.read_bytes())
    doc["scrutin"]["id"] = "../../elsewhere"
    bad.write_bytes(canonical_json(centraldocs.sign(c.key, doc)))
    with pytest.raises(CentralError, match="description du scrutin illisible"):
        p.receive(bad)
    assert not (p.root.parent / "elsewhere.json").exists()
