"""``scrutin release seal`` / ``release check`` (CCTP 4.2.2.4, issue 17): a release sealed from
a clean clone of this repository is rebuilt from its own source archive, byte for byte, and
compared with a platform seal made by the platform's own sealing code for the installed tree.

Heavy part (two wheel builds and the browser bundles when sealing, one more build per rebuild):
done once, in module-scoped fixtures shared by every test here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from typer.testing import CliRunner

from scrutin.crypto.signing import public_key_hex
from scrutin.platform.sealing import documents as docs
from scrutin.release.archive import source_tree, write_archive
from scrutin.release.seal import MANIFEST, build_release, check_release
from scrutin.release.wheel import ReleaseError

ROOT = Path(__file__).resolve().parents[3]
NODE_MODULES = ROOT / "node_modules"
Release = tuple[Path, str, dict[str, Any], Path]
KEY_SEED = "5e" * 32  # the publisher's seed of these tests (Ed25519 signatures are deterministic)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    assert shutil.which("node") and (NODE_MODULES / "esbuild").is_dir(), "run `make install`"
    base = tmp_path_factory.mktemp("version")
    clone = base / "clone"
    _git(base, "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone))
    key = nacl.signing.SigningKey(bytes.fromhex(KEY_SEED))
    out = base / "scellee"
    doc = build_release(clone, out, key, node_modules=NODE_MODULES)
    return out, public_key_hex(key), doc, clone


@pytest.fixture(scope="module")
def installed(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release's wheel installed as the platform installs it (no bytecode)."""
    out, _, doc, _ = release
    target = tmp_path_factory.mktemp("installe")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile",
         "--target", str(target), str(out / doc["wheel"]["file"])],
        check=True, capture_output=True,
    )  # fmt: skip
    return target / "scrutin"


def platform_seal(code_root: Path, target: Path) -> Path:
    """A platform seal of the code under ``code_root``, made by the platform's sealing code."""
    document, _ = docs.signed({
        "format": docs.PLATFORM_SEAL, "sequence": 1, "previous": None,
        "code": docs.code_block(code_root), "assets": docs.assets_block(), "urns": {},
        "sealed_at": docs.iso(datetime.now(UTC)),
    })  # fmt: skip
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


def test_cctp_4_2_2_4_the_sealed_release_is_signed_and_reproducible(release: Release) -> None:
    out, _, doc, clone = release
    assert doc["commit"] == source_tree(clone).commit and doc["dirty"] is False
    assert doc["wheel"]["reproducible"] is True, "two builds of the wheel gave different bytes"
    assert all(entry["rebuilt"] for entry in doc["browser"].values())
    ballot = doc["code"]["files"]["platform/voting/static/voting/scrutin-ballot.js"]
    assert ballot == doc["browser"]["scrutin-ballot.js"]["sha256"]
    assert json.loads((out / MANIFEST).read_bytes()) == doc


def test_cctp_4_2_2_4_sealing_the_same_commit_again_gives_the_same_bytes(
    release: Release, tmp_path: Path
) -> None:
    out, _, doc, clone = release
    tree = source_tree(clone)
    write_archive(clone, tree.files, tmp_path / "encore.tar.gz", tree.epoch)
    assert (tmp_path / "encore.tar.gz").read_bytes() == (out / doc["sources"]["file"]).read_bytes()
    # the whole release, manifest included (no timestamp in it), sealed again with the same key
    key = nacl.signing.SigningKey(bytes.fromhex(KEY_SEED))
    again = tmp_path / "encore"
    build_release(clone, again, key, node_modules=NODE_MODULES)
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    for name in names:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_cctp_4_2_2_4_rebuilt_release_matches_the_platform_seal_of_the_installed_tree(
    release: Release, installed: Path, tmp_path: Path
) -> None:
    out, key, doc, _ = release
    seal = platform_seal(installed, tmp_path / "scellement.json")
    outcome = check_release(out, key, platform_seal=str(seal), node_modules=NODE_MODULES)
    report = outcome.render()
    assert outcome.exit_code == 0, report
    assert f"{doc['wheel']['file']} identique octet pour octet" in report
    assert "2 modules identiques octet pour octet" in report
    assert f"{len(doc['code']['files'])} fichiers identiques" in report


def test_cctp_4_2_2_4_a_file_changed_on_the_sealed_platform_is_named(
    release: Release, installed: Path, tmp_path: Path
) -> None:
    out, key, _, _ = release
    changed = tmp_path / "scrutin"
    shutil.copytree(installed, changed)
    cast = changed / "platform" / "voting" / "cast.py"
    cast.write_text(cast.read_text() + "\n# changé après la version\n")
    (changed / "platform" / "implant.py").write_text("x = 1\n")
    (changed / "platform" / "voting" / "__pycache__").mkdir()
    (changed / "platform" / "voting" / "__pycache__" / "cast.cpython-311.pyc").write_bytes(b"x")
    seal = platform_seal(changed, tmp_path / "scellement.json")
    outcome = check_release(out, key, platform_seal=str(seal))
    report = outcome.render()
    assert outcome.exit_code == 1, report
    failed = [f for f in outcome.findings if not f.ok]
    assert len(failed) == 1 and failed[0].label.startswith("Code de la version"), report
    assert "platform/voting/cast.py : différent entre la version et le scellement" in report
    assert "platform/implant.py : scellé mais absent de la version" in report
    assert "1 fichier(s) compilé(s) .pyc scellé(s) mais absent(s) de la version" in report
    assert "NON conforme" in report


def test_cctp_4_2_2_4_a_tampered_or_foreign_release_is_refused(
    release: Release, tmp_path: Path
) -> None:
    out, key, _, _ = release
    other = public_key_hex(nacl.signing.SigningKey.generate())
    assert check_release(out, other).exit_code == 1
    copy = tmp_path / "copie"
    shutil.copytree(out, copy)
    bundle = copy / "navigateur" / "scrutin-ballot.js"
    bundle.write_bytes(bundle.read_bytes() + b"\n;fetch('//exemple.invalid')\n")
    outcome = check_release(copy, key)
    assert outcome.exit_code == 1
    assert "navigateur/scrutin-ballot.js modifié" in outcome.render()
    manifest = json.loads((copy / MANIFEST).read_bytes())
    manifest["commit"] = "0" * 40
    (copy / MANIFEST).write_text(json.dumps(manifest))
    assert "signature invalide" in check_release(copy, key).render()
    (copy / MANIFEST).write_text("{")
    assert check_release(copy, key).exit_code == 2


def test_cctp_4_2_2_4_the_command_line_checks_and_names_the_artefacts(
    release: Release, tmp_path: Path
) -> None:
    from scrutin.cli.main import _register, app

    _register()
    out, key, doc, _ = release
    done = CliRunner().invoke(app, ["release", "check", str(out), "--public-key", key])
    assert done.exit_code == 0, done.output
    assert (
        doc["commit"] in done.output and "VERDICT : la version scellée est conforme" in done.output
    )
    seal = tmp_path / "absent.json"
    done = CliRunner().invoke(
        app, ["release", "check", str(out), "--public-key", key, "--platform-seal", str(seal)]
    )
    assert done.exit_code == 2, done.output


def test_cctp_4_2_2_4_a_tree_with_uncommitted_changes_is_refused(tmp_path: Path) -> None:
    tree = tmp_path / "depot"
    tree.mkdir()
    (tree / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    _git(tree, "init", "--quiet")
    _git(tree, "add", "pyproject.toml")
    _git(tree, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "x")
    (tree / "pyproject.toml").write_text("[project]\nname = 'y'\n")
    key = nacl.signing.SigningKey.generate()
    with pytest.raises(ReleaseError, match="modifications non enregistrées"):
        build_release(tree, tmp_path / "sortie", key)
    assert not (tmp_path / "sortie").exists()
