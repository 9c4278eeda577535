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
from scrutin.machine.core import audio, files
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
