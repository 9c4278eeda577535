"""The installable release of the voting machine (RT 4, 72, 100–101): a directory holding the
wheel of the ``scrutin`` package, the locked dependencies, an installer and the publisher's
signed manifest of every file the wheel installs.

``build_bundle`` builds the wheel from a source tree (``uv build``, else ``pip wheel``), reads the
files it installs under ``scrutin/`` straight from the wheel (a zip) and signs their SHA-256 with
the publisher's Ed25519 key, together with the SHA-256 of the wheel, of ``requirements.lock`` and
of the installer (``bundle`` field of the manifest). On the machine, the self-test recomputes the
installed files' digests against that manifest and names any changed, added or missing file; the
opening is refused until it passes (``Machine.open``). ``check_bundle`` checks a bundle before it
is installed. Bytecode is never written on the machine (``PYTHONDONTWRITEBYTECODE=1`` in the
launcher, ``--no-compile`` at installation): a ``.pyc`` that appears is an added file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

from scrutin.crypto.encoding import canonical_json
from scrutin.machine.core.selftest import RELEASE_FORMAT, release_manifest
from scrutin.record.writer import file_digest
from scrutin.release.wheel import MAX_MEMBER_BYTES, ReleaseError, build_wheel, wheel_files
from scrutin.verify.seals import differences, files_digest

MANIFEST = "manifeste.json"
INSTALLER = "installer.sh"
LOCK = "requirements.lock"

INSTALL_SCRIPT = """#!/bin/sh
# Installe la version agréée de la machine à voter dans DOSSIER (par défaut /opt/scrutin).
# Usage : sh installer.sh [DOSSIER]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target=${1:-/opt/scrutin}
python3 -m venv "$target"
if [ -d "$here/paquets" ]; then
  "$target/bin/pip" install --no-index --find-links "$here/paquets" --no-compile -r "$here/requirements.lock"
else
  "$target/bin/pip" install --no-compile --require-hashes -r "$here/requirements.lock"
fi
"$target/bin/pip" install --no-deps --no-compile "$here"/scrutin-*.whl
cp "$here/manifeste.json" "$target/manifeste.json"
cat > "$target/bin/scrutin-machine" <<LANCEUR
#!/bin/sh
export PYTHONDONTWRITEBYTECODE=1
exec "$target/bin/python" -m scrutin.cli.main machine "\\$@"
LANCEUR
chmod 755 "$target/bin/scrutin-machine"
echo "Installé dans $target. Lancez : $target/bin/scrutin-machine control --manifeste $target/manifeste.json ..."
"""


def build_bundle(
    source: Path, out: Path, key: nacl.signing.SigningKey, version: str
) -> dict[str, Any]:
    """Build the bundle into ``out`` (created, must be empty) and return its signed manifest."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise ReleaseError(f"{out} n'est pas vide : choisissez un dossier neuf.")
    wheel = build_wheel(source, out)
    lock = source / LOCK
    if not lock.is_file():
        raise ReleaseError(f"{lock} introuvable : les dépendances ne sont pas figées.")
    shutil.copyfile(lock, out / LOCK)
    (out / INSTALLER).write_text(INSTALL_SCRIPT, encoding="utf-8")
    bundle = {
        "wheel": wheel.name,
        "wheel_sha256": file_digest(wheel),
        "requirements_sha256": file_digest(out / LOCK),
        "installer_sha256": file_digest(out / INSTALLER),
    }
    doc = release_manifest(key, version, files=wheel_files(wheel), bundle=bundle)
    (out / MANIFEST).write_bytes(canonical_json(doc))
    return doc


def check_bundle(folder: Path, publisher_key: str) -> list[str]:
    """Problems found in a bundle, in French (empty: it is the publisher's, untouched)."""
    try:
        doc = json.loads((folder / MANIFEST).read_bytes()[:MAX_MEMBER_BYTES])
        body = {k: v for k, v in doc.items() if k != "signature"}
        if doc.get("format") != RELEASE_FORMAT or "bundle" not in doc:
            return [f"{MANIFEST} : ce n'est pas le manifeste d'une version installable."]
        if doc["publisher_key"] != publisher_key:
            return [f"{MANIFEST} : signé par une autre clé que celle de l'éditeur attendu."]
        nacl.signing.VerifyKey(bytes.fromhex(publisher_key)).verify(
            canonical_json(body), bytes.fromhex(doc["signature"])
        )
    except (OSError, ValueError, KeyError, TypeError, nacl.exceptions.BadSignatureError):
        return [f"{MANIFEST} absent, illisible ou signature invalide."]
    problems = []
    bundle = doc["bundle"]
    expected = {
        bundle["wheel"]: bundle["wheel_sha256"],
        LOCK: bundle["requirements_sha256"],
        INSTALLER: bundle["installer_sha256"],
    }
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} absent.")
        elif file_digest(path) != digest:
            problems.append(f"{name} modifié (empreinte différente de celle signée).")
    wheel = folder / bundle["wheel"]
    if wheel.is_file() and not problems:
        files = wheel_files(wheel)
        if files_digest(files) != doc["sha256"]:
            problems += [f"{p} (dans le paquet)" for p in differences(doc["files"], files)]
    return problems
