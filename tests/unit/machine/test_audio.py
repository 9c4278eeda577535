"""The voter terminal's spoken prompts (RT 61–64): synthesised by espeak-ng at preparation, one per
screen, candidate, list, referendum answer, recap phrase and error; their SHA-256 certified by the
preparation and checked at every load."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scrutin.crypto.encoding import fingerprint
from scrutin.machine.core import audio, files, link
from scrutin.machine.core.machine import Machine, MachineError
from scrutin.machine.core.package import parse_package

from .conftest import CODES, package_doc


def fifty_lists() -> dict[str, Any]:
    lists = [
        {"id": f"l{i}", "name": f"Liste numéro {i}", "detail": f"Tête de liste Nom{i}",
         "members": [f"Candidat {i}-{j}" for j in range(1, 4)]}
        for i in range(1, 51)
    ]  # fmt: skip
    doc = package_doc()
    doc["scrutins"] = [doc["scrutins"][0] | {"lists": lists}]
    return doc


def test_rt_61_63_every_list_of_a_50_list_package_has_its_own_prompt(
    tmp_path: Path, key_files: dict[str, Path]
) -> None:
    doc = fifty_lists()
    files.prepare(doc, tmp_path / "interne", tmp_path / "amovible", CODES, key_files)
    for root in (tmp_path / "interne", tmp_path / "amovible"):
        table = json.loads((root / audio.MANIFEST).read_text())
        certified = json.loads((root / files.MACHINE).read_text())["audio"]
        assert fingerprint(table) == certified
        prompts = table["prompts"]
        for i in range(1, 51):
            entry = prompts[f"choix.municipales.municipales.l{i}"]
            assert entry["text"] == f"Liste numéro {i}, Tête de liste Nom{i}."
            wav = (root / "audio" / f"{entry['sha256']}.wav").read_bytes()
            assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
            assert hashlib.sha256(wav).hexdigest() == entry["sha256"]
            assert len(wav) == entry["bytes"] > 10_000  # real speech, not an empty file
        # Two different lists never share a file: each name is spoken.
        shas = {prompts[f"choix.municipales.municipales.l{i}"]["sha256"] for i in range(1, 51)}
        assert len(shas) == 50
        assert prompts["blanc"]["text"] == "Vote blanc."
        assert prompts["enregistre"]["text"] == "Votre vote est enregistré."
        assert "Touche 5 : répéter" in prompts["aide"]["text"]
        assert prompts["scrutin.municipales"]["text"] == "Élection des conseillers municipaux."
        # RT 30: each list's candidates are spoken too, certified with the rest.
        for i in (1, 50):
            entry = prompts[f"membres.municipales.municipales.l{i}.1"]
            assert entry["text"] == (
                f"Liste numéro {i} : 3 candidats. "
                f"Candidats 1 à 3 : Candidat {i}-1, Candidat {i}-2, Candidat {i}-3."
            )
            wav = (root / "audio" / f"{entry['sha256']}.wav").read_bytes()
            assert hashlib.sha256(wav).hexdigest() == entry["sha256"]
        assert "membres.municipales.municipales.l1.2" not in prompts


def test_rt_62_every_screen_of_every_scrutin_kind_is_spoken() -> None:
    doc = package_doc()
    doc["scrutins"].append(
        {"id": "referendum", "preset": "referendum-local", "title": "Consultation locale",
         "seats": 1, "registered": 900,
         "questions": [{"id": "q1", "text": "Approuvez-vous le projet de parc ?"}]}
    )  # fmt: skip
    package = parse_package(doc)
    texts = {p.key: p.text for p in audio.prompts(package)}
    assert texts["scrutin.departementales"] == (
        "Élection des conseillers départementaux. Canton de Villeneuve."
    )
    assert texts["consigne.departementales.departementales"] == "Choisissez un nom, ou votez blanc."
    assert texts["consigne.municipales.municipales"] == "Choisissez une liste, ou votez blanc."
    assert texts["consigne.referendum.q1"].startswith("Approuvez-vous le projet de parc ?")
    assert texts["choix.referendum.q1.oui"] == "Oui."
    assert texts["choix.departementales.departementales.b2"] == "Mme Lefèvre et M. Garnier."
    assert "Touche 3" in texts["aide"] and "touche 3" in texts["parcourir"]
    assert texts["membres-touche"] == "Touche 3 : entendre ses candidats."
    assert not any(k.startswith("membres.departementales") for k in texts)  # no list, no members
    for key in ("recap", "recap-consigne", "confirmer", "modifier", "fini", "erreur-choix"):
        assert key in texts


def test_rt_61_synthesis_is_deterministic() -> None:
    text = "Liste Union pour Villeneuve, conduite par Marie Dupont."
    synthesise = audio.synthesise_one.__wrapped__  # two real espeak-ng runs, not the cache
    assert synthesise(text) == synthesise(text)
    assert synthesise(text) != synthesise("Vote blanc.")


def test_rt_61_a_text_starting_with_a_dash_is_spoken_not_read_as_an_option(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "ailleurs.wav"
    wav = audio.synthesise_one(f"-w {elsewhere} --version")
    assert wav[:4] == b"RIFF" and len(wav) > 10_000 and not elsewhere.exists()


def test_rt_61_a_tampered_prompt_is_refused_at_load(
    prepared: Callable[..., Machine], tmp_path: Path
) -> None:
    m = prepared(tested=False)
    assert m.audio is not None
    sha = m.audio["prompts"]["choix.municipales.municipales.l2"]["sha256"]
    path = tmp_path / "amovible" / "audio" / f"{sha}.wav"
    data = bytearray(path.read_bytes())
    data[2000] ^= 0x55  # one sample changed: a name could be spoken wrong
    path.write_bytes(bytes(data))
    with pytest.raises(MachineError) as refused:
        Machine(tmp_path / "interne", tmp_path / "amovible")
    assert "Support amovible" in str(refused.value)
    assert "choix.municipales.municipales.l2" in str(refused.value)
    path.unlink()  # a missing file is refused the same way
    with pytest.raises(MachineError, match="modifié ou est absent"):
        Machine(tmp_path / "interne", tmp_path / "amovible")


def test_rt_61_a_prompt_table_changed_after_preparation_is_refused(
    prepared: Callable[..., Machine], tmp_path: Path
) -> None:
    prepared(tested=False)
    path = tmp_path / "interne" / audio.MANIFEST
    table = json.loads(path.read_text())
    # Re-point a list's prompt to another list's file: a voter would hear the wrong name.
    prompts = table["prompts"]
    prompts["choix.municipales.municipales.l1"] = prompts["choix.municipales.municipales.l3"]
    path.write_text(json.dumps(table))
    with pytest.raises(MachineError, match="Support interne : la table des messages sonores"):
        Machine(tmp_path / "interne", tmp_path / "amovible")


def test_rt_61_preparation_without_espeak_is_refused_in_french_and_writes_nothing(
    tmp_path: Path, key_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audio, "ESPEAK", "espeak-ng-absent")
    with pytest.raises(files.PreparationError, match="espeak-ng n'est pas installé"):
        files.prepare(package_doc(), tmp_path / "interne", tmp_path / "amovible", CODES, key_files)
    assert not (tmp_path / "interne" / files.PACKAGE).exists()
    assert not (tmp_path / "amovible" / files.PACKAGE).exists()


def test_rt_61_the_number_of_prompts_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    package = parse_package(fifty_lists())
    assert len(audio.prompts(package)) < audio.MAX_PROMPTS  # 3 scrutins of 100 fit with margin
    monkeypatch.setattr(audio, "MAX_PROMPTS", 40)
    with pytest.raises(audio.AudioError, match="Trop de messages sonores"):
        audio.prompts(package)


def test_rt_63_a_prompt_crosses_the_local_link_in_bounded_pieces(
    prepared: Callable[..., Machine], tmp_path: Path
) -> None:
    m = prepared(tested=False)
    key = "aide"  # the longest fixed prompt: several pieces
    entry = m.audio["prompts"][key] if m.audio else {}
    pieces, offset = [], 0
    while offset < entry["bytes"]:
        piece = audio.chunk(tmp_path / "interne", m.audio, key, offset)
        assert 0 < len(piece) <= audio.CHUNK
        pieces.append(piece)
        offset += len(piece)
    assert len(pieces) > 1
    assert hashlib.sha256(b"".join(pieces)).hexdigest() == entry["sha256"]
    with pytest.raises(audio.AudioError, match="inconnu"):
        audio.chunk(tmp_path / "interne", m.audio, "../package", 0)
    assert audio.index(m.audio)[key] == {"sha256": entry["sha256"], "bytes": entry["bytes"]}


def paris_sized(lists: int = 20, names: int = 300) -> dict[str, Any]:
    """Three list scrutins of ``lists`` lists of ``names`` candidates with realistic names (the
    bound the audio prompts are sized for: « Paris-sized » lists, RT 30)."""
    doc = package_doc()
    doc["scrutins"] = [
        {"id": f"s{k}", "preset": "municipal", "title": f"Scrutin {k}", "seats": 29,
         "registered": 900,
         "lists": [{"id": f"l{i}", "name": f"Liste numéro {i}", "detail": f"Tête de liste {i}",
                    "members": [f"Mme Anne Durand {k}-{i}-{j}" for j in range(1, names + 1)]}
                   for i in range(1, lists + 1)]}
        for k in (1, 2, 3)
    ]  # fmt: skip
    return doc


def test_rt_30_61_a_300_name_list_is_spoken_ten_names_at_a_time_in_order() -> None:
    package = parse_package(paris_sized(lists=2))
    texts = {p.key: p.text for p in audio.prompts(package)}
    keys = audio.member_keys("s1", "s1", "l2", package.scrutins[0].ballots[0].choices[1].members)
    assert keys == [f"membres.s1.s1.l2.{n}" for n in range(1, 31)]
    assert texts[keys[0]].startswith(
        "Liste numéro 2 : 300 candidats. Candidats 1 à 10 : Mme Anne Durand 1-2-1, "
    )
    assert texts[keys[1]].startswith("Candidats 11 à 20 : Mme Anne Durand 1-2-11, ")
    assert texts[keys[-1]].endswith("Mme Anne Durand 1-2-300.")
    # Every name once, in the list's order.
    spoken = [n for k in keys for n in texts[k].split(" : ")[-1].rstrip(".").split(", ")]
    assert spoken == [f"Mme Anne Durand 1-2-{j}" for j in range(1, 301)]


def test_rt_30_61_long_names_make_shorter_prompts_never_a_cut_name() -> None:
    names = [f"{j:03d} " + "Dupont-de-la-Villardière " * 8 for j in range(1, 8)]
    names = [n[:200] for n in names]
    chunks = audio.member_chunks(names)
    assert [first for first, _ in chunks] == [1, 3, 5, 7]
    assert [n for _, part in chunks for n in part] == names
    doc = package_doc()
    doc["scrutins"][0]["lists"][0] |= {"name": "L" * 200, "members": names}
    for p in audio.prompts(parse_package(doc)):
        assert len(p.text) <= audio.MAX_TEXT
    first = next(p for p in audio.prompts(parse_package(doc)) if p.key.endswith(".l1.1"))
    assert len(audio.synthesise_one.__wrapped__(first.text)) <= audio.MAX_PROMPT_BYTES


def test_rt_30_61_the_candidates_prompts_are_bounded() -> None:
    """3 scrutins of 20 lists of 300 names fit; far more is refused in French before any
    synthesis; the largest index a terminal may fetch fits in one message of the local link."""
    package = parse_package(paris_sized())
    found = audio.prompts(package)
    members = [p for p in found if p.key.startswith("membres.")]
    assert len(members) == 3 * 20 * 30 <= audio.MAX_MEMBER_PROMPTS
    assert len(found) <= audio.MAX_PROMPTS
    with pytest.raises(audio.AudioError, match="Trop de candidats de listes"):
        audio.prompts(parse_package(paris_sized(lists=40)))
    worst = {
        audio.member_key("s" * 32, "b" * 32, "c" * 32, n): {"sha256": "0" * 64,
                                                            "bytes": audio.MAX_PROMPT_BYTES}
        for n in range(audio.MAX_PROMPTS)
    }  # fmt: skip
    key = b"k" * 32
    request = {"from": "terminal", "nonce": "n" * 32}
    body = link.seal(key, link.answer(request, audio=worst))
    assert len(body) < link.MAX_MESSAGE
    assert link.open_message(key, body, sender="control", nonce="n" * 32)["audio"] == worst
