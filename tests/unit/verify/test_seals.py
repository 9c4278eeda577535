"""The framework-free seals verifier (``scrutin verify --seals``; CCTP 4.1.4.6, 4.1.4.8,
4.2.2.2; docs/protocol.md §14): documents built here from the specification with their own key,
without the platform's code, then altered one way at a time."""

from __future__ import annotations

import copy
import functools
import hashlib
import http.server
import importlib.util
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.crypto.encoding import canonical_json, fingerprint
from scrutin.verify.seals import code_files, package_dir, verify_seals
from tests.tampering import plant_pyc

KEY = nacl.signing.SigningKey(bytes(range(32)))
PUBLIC = bytes(KEY.verify_key).hex()
H = "ab" * 32


def signed(document: dict[str, Any], key: nacl.signing.SigningKey = KEY) -> dict[str, Any]:
    body = {k: v for k, v in document.items() if k != "signature"}
    body["platform_key"] = bytes(key.verify_key).hex()
    body["signature"] = key.sign(canonical_json(body)).signature.hex()
    return body


def digest_of(files: dict[str, str]) -> str:
    return hashlib.sha256(canonical_json(files)).hexdigest()


def election(code: str) -> dict[str, Any]:
    return {"format": "scrutin-election/v1", "election_id": f"cci-2026-{code}", "title": code,
            "group": "ristretto255", "public_key": H, "trustees": "cd" * 32, "platform_key": PUBLIC,
            "questions": []}  # fmt: skip


def urn_seal(code: str, minute: int) -> dict[str, Any]:
    return signed({
        "format": "scrutin-urn-seal/v1", "urn": code, "cci": code[:3],
        "election": fingerprint(election(code)), "trustees": "cd" * 32,
        "opens_at": "2026-10-01T07:00:00.000000+00:00", "closes_at": "2026-10-15T16:00:00.000000+00:00",
        "electors": {"count": 12, "sha256": H}, "candidatures": "ef" * 32,
        "sealed_at": f"2026-09-30T10:{minute:02d}:00.000000+00:00",
    })  # fmt: skip


def platform_seal(sequence: int, previous: str | None, urns: list[dict[str, Any]], code: dict[str, str],
                  assets: dict[str, str], hour: int) -> dict[str, Any]:  # fmt: skip
    return signed({
        "format": "scrutin-platform-seal/v1", "sequence": sequence, "previous": previous,
        "code": {"package": "scrutin", "version": "0.1.0", "files": code, "sha256": digest_of(code)},
        "assets": {"base_url": "/static/", "files": assets, "sha256": digest_of(assets)},
        "urns": {u["urn"]: fingerprint(u) for u in urns}, "sealed_at": f"2026-09-30T{hour:02d}:00:00.000000+00:00",
    })  # fmt: skip


def closing(
    seal: dict[str, Any], platform: dict[str, Any], ballots: int = 3, emargements: int = 3
) -> dict[str, Any]:
    return signed({
        "format": "scrutin-urn-closing/v1", "urn": seal["urn"], "election": seal["election"],
        "urn_seal": fingerprint(seal), "platform_seal": fingerprint(platform),
        "closes_at": seal["closes_at"], "closed_at": "2026-10-15T16:00:00.000000+00:00",
        "trigger": "schedule", "reason": "",
        "ballots": {"count": ballots, "sha256": H}, "emargements": {"count": emargements, "sha256": H},
        "sealed_at": "2026-10-15T16:01:00.000000+00:00",
    })  # fmt: skip


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A small package tree standing for the sealed code (with a bytecode cache, sealed too)."""
    root = tmp_path / "checkout" / "src" / "scrutin"
    (root / "platform" / "__pycache__").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "platform" / "cast.py").write_text("def cast():\n    return 1\n")
    (root / "platform" / "__pycache__" / "cast.cpython-311.pyc").write_bytes(b"\x00bytecode")
    return root


ASSETS = {"voting/vote.js": b"console.log('vote');\n", "voting/vote.css": b"body{}\n"}


def bundle(package: Path) -> dict[str, Any]:
    urns = [urn_seal("011-C", 1), urn_seal("011-I", 2)]
    assets = {name: hashlib.sha256(data).hexdigest() for name, data in ASSETS.items()}
    first = platform_seal(1, None, urns, code_files(package), assets, 11)
    return {"format": "scrutin-seals/v1", "platform": [first], "unseals": [], "urns": urns,
            "closings": [closing(urns[0], first)], "elections": {u["urn"]: election(u["urn"]) for u in urns}}  # fmt: skip


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    folder = tmp_path / "seals"
    folder.mkdir(exist_ok=True)
    (folder / "scellements.json").write_text(json.dumps(document, ensure_ascii=False))
    return folder


def failures(source: Path | str, **options: Any) -> dict[str, str]:
    report = verify_seals(str(source), **options)
    return {c.name: c.detail for c in report.failures()}


def test_cctp_4_2_2_2_valid_seals_verify(tmp_path: Path, package: Path) -> None:
    report = verify_seals(
        str(write(tmp_path, bundle(package))), code=package.parents[1], platform_key=PUBLIC
    )
    assert report.valid, report.render()
    assert "VERDICT : les scellements sont valides" in report.render()
    assert "scellement n° 1 en vigueur" in report.render()


def test_single_documents_saved_next_to_the_bundle_count_once(
    tmp_path: Path, package: Path
) -> None:
    doc = bundle(package)
    folder = write(tmp_path, doc)
    (folder / "urne-011-C.json").write_text(json.dumps(doc["urns"][0]))
    (folder / "cloture-011-C.json").write_text(json.dumps(doc["closings"][0]))
    report = verify_seals(str(folder))
    assert report.valid, report.render()
    (folder / "urne-011-C.json").write_text(json.dumps(urn_seal("011-C", 5)))  # another seal
    assert (
        "urne scellée deux fois"
        in failures(folder)["Scellements des urnes, élections et plate-forme"]
    )


def test_issue_19_16_the_code_list_includes_bytecode_and_finds_the_package(
    package: Path,
) -> None:
    assert sorted(code_files(package)) == [
        "__init__.py", "platform/__pycache__/cast.cpython-311.pyc", "platform/cast.py"
    ]  # fmt: skip
    assert package_dir(package.parents[1]) == package  # a checkout: src/scrutin
    assert package_dir(package.parent) == package  # site-packages: scrutin/
    assert package_dir(package) == package


def test_an_altered_seal_fails_its_signature(tmp_path: Path, package: Path) -> None:
    doc = bundle(package)
    doc["urns"][1]["electors"]["count"] = 13
    assert (
        failures(write(tmp_path, doc))["Scellements des urnes"]
        == "scellement de l'urne 011-I : signature invalide"
    )


def test_a_seal_signed_by_another_key_is_reported(tmp_path: Path, package: Path) -> None:
    doc = bundle(package)
    doc["closings"][0] = signed(doc["closings"][0], nacl.signing.SigningKey(bytes(32)))
    assert (
        "2 clés différentes" in failures(write(tmp_path, doc))["Clé de signature de la plate-forme"]
    )
    assert (
        "n'est pas celle"
        in failures(write(tmp_path, bundle(package)), platform_key="00" * 32)[
            "Clé de signature de la plate-forme"
        ]
    )


def test_the_published_election_must_be_the_sealed_one(tmp_path: Path, package: Path) -> None:
    doc = bundle(package)
    doc["elections"]["011-C"]["title"] = "autre"
    assert (
        "l'élection publiée n'a pas l'empreinte scellée"
        in failures(write(tmp_path, doc))["Scellements des urnes, élections et plate-forme"]
    )


def test_an_unknown_field_is_a_shape_error(tmp_path: Path, package: Path) -> None:
    doc = bundle(package)
    doc["urns"][0] = signed({**doc["urns"][0], "note": "ajout"})
    assert "champ(s) inconnu(s) ['note']" in failures(write(tmp_path, doc))["Scellements des urnes"]


def test_cctp_4_1_4_7_an_urn_sealed_before_the_platform_must_be_listed(
    tmp_path: Path, package: Path
) -> None:
    doc = bundle(package)
    first = doc["platform"][0]
    del first["urns"]["011-I"]
    doc["platform"][0] = first = signed(first)
    doc["closings"] = [closing(doc["urns"][0], first)]
    assert (
        "l'urne 011-I scellée avant n'y figure pas"
        in failures(write(tmp_path, doc))["Scellements des urnes, élections et plate-forme"]
    )


def test_cctp_4_1_4_6_a_new_platform_seal_needs_a_recorded_unseal(
    tmp_path: Path, package: Path
) -> None:
    doc = bundle(package)
    first = doc["platform"][0]
    second = platform_seal(
        2, fingerprint(first), doc["urns"], first["code"]["files"], first["assets"]["files"], 14
    )
    doc["platform"].append(second)
    assert (
        "remplacé sans descellement"
        in failures(write(tmp_path, doc))["Chaîne des scellements de la plate-forme"]
    )
    doc["unseals"] = [signed({"format": "scrutin-platform-unseal/v1", "seal": fingerprint(first), "sequence": 1,
                              "reference": "Décision 2026-7", "reason": "correctif",
                              "unsealed_at": "2026-09-30T12:00:00.000000+00:00"})]  # fmt: skip
    report = verify_seals(str(write(tmp_path, doc)))
    assert report.valid, report.render()
    doc["platform"][1] = platform_seal(
        2, None, doc["urns"], first["code"]["files"], first["assets"]["files"], 14
    )
    assert (
        "'previous'" in failures(write(tmp_path, doc))["Chaîne des scellements de la plate-forme"]
    )


def test_r713_24_closing_with_more_ballots_than_emargements(tmp_path: Path, package: Path) -> None:
    doc = bundle(package)
    doc["closings"] = [closing(doc["urns"][0], doc["platform"][0], ballots=4, emargements=3)]
    assert (
        "4 bulletin(s) pour 3 émargement(s) (R713-24)"
        in failures(write(tmp_path, doc))["Scellements de clôture"]
    )


def test_a_closing_must_designate_its_urn_seal(tmp_path: Path, package: Path) -> None:
    doc = bundle(package)
    wrong = closing(doc["urns"][0], doc["platform"][0])
    wrong["urn_seal"] = fingerprint(doc["urns"][1])
    doc["closings"] = [signed(wrong)]
    assert (
        "ne désigne pas le scellement de l'urne"
        in failures(write(tmp_path, doc))["Scellements de clôture"]
    )


def test_cctp_4_2_2_2_modified_code_is_reported_file_by_file(tmp_path: Path, package: Path) -> None:
    folder = write(tmp_path, bundle(package))
    (package / "platform" / "cast.py").write_text("def cast():\n    return 2\n")
    (package / "platform" / "extra.py").write_text("")
    (package / "__init__.py").unlink()
    detail = failures(folder, code=package)["Code de la plate-forme"]
    assert detail == "platform/cast.py modifié; platform/extra.py ajouté; __init__.py absent"


def test_unreadable_input_is_reported_not_raised(tmp_path: Path) -> None:
    folder = tmp_path / "seals"
    folder.mkdir()
    (folder / "x.json").write_text("{ pas du json")
    assert "JSON invalide" in failures(folder)["Lecture des scellements"]
    (tmp_path / "vide").mkdir()
    assert "aucun fichier JSON" in failures(tmp_path / "vide")["Lecture des scellements"]
    assert "fichier absent" in failures(tmp_path / "nulle-part")["Lecture des scellements"]


@pytest.fixture
def site(tmp_path: Path, package: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server serving the bundle at /scellements/scellements.json and the assets."""
    root = tmp_path / "www"
    (root / "scellements").mkdir(parents=True)
    (root / "scellements" / "scellements.json").write_text(json.dumps(bundle(package)))
    for name, data in ASSETS.items():
        (root / "static" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "static" / name).write_bytes(data)
    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_cctp_4_2_2_2_seals_and_served_assets_from_a_site(site: tuple[str, Path]) -> None:
    url, root = site
    report = verify_seals(url, site=url)
    assert report.valid, report.render()
    assert "2 ressources servies" in report.render()
    (root / "static" / "voting" / "vote.js").write_bytes(b"console.log('trap');\n")
    assert (
        failures(url + "/scellements/", site=url)["Ressources servies par le site"]
        == "voting/vote.js modifié"
    )
    assert (
        "téléchargement impossible" in failures(url + "/ailleurs.json")["Lecture des scellements"]
    )


def test_cli_verify_seals_exit_codes(tmp_path: Path, package: Path) -> None:
    _register()
    runner = CliRunner()
    folder = write(tmp_path, bundle(package))
    result = runner.invoke(app, ["verify", "--seals", str(folder), "--code", str(package)])
    assert result.exit_code == 0, result.output
    doc = copy.deepcopy(bundle(package))
    doc["urns"][0]["signature"] = "00" * 64
    result = runner.invoke(app, ["verify", "--seals", str(write(tmp_path, doc))])
    assert result.exit_code == 1 and "signature invalide" in result.output
    result = runner.invoke(app, ["verify", "--code", str(package)])
    assert result.exit_code == 2


def test_issue_19_16_a_planted_pyc_runs_and_the_code_seal_names_it(tmp_path: Path) -> None:
    """The attack: a ``.pyc`` with the source's timestamp and size runs instead of the source.
    The verifier's code list must see it (it used to skip ``__pycache__``)."""
    package = tmp_path / "site" / "scrutin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "cast.py").write_text("ACCEPTED = 'urne'  # the sealed source\n")
    before = code_files(package)
    pyc = plant_pyc(package / "cast.py", "ACCEPTED = 'ail'")
    spec = importlib.util.spec_from_file_location("planted_cast", package / "cast.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.ACCEPTED == "ail"  # the source is unchanged, the planted bytecode ran
    assert "'urne'" in (package / "cast.py").read_text()
    name = pyc.relative_to(package).as_posix()
    assert code_files(package).keys() - before.keys() == {name}
    urns = [urn_seal("011-C", 1)]
    seal = platform_seal(1, None, urns, before, {"a.js": H}, 11)
    folder = tmp_path / "seals"
    folder.mkdir()
    (folder / "scellements.json").write_text(json.dumps({
        "format": "scrutin-seals/v1", "platform": [seal], "unseals": [], "urns": urns,
        "closings": [], "elections": {"011-C": election("011-C")}}))  # fmt: skip
    _register()
    result = CliRunner().invoke(app, ["verify", "--seals", str(folder), "--code", str(package)])
    assert result.exit_code == 1, result.output
    assert f"{name} ajouté" in result.output
