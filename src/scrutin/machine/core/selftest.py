"""The self-test before the opening (RT 4, 5): approved software, working storage, clock,
terminals, and the state the initialisation procès-verbal certifies.

The installed code is compared with the **release manifest** (``scrutin-machine-release/v1``):
``{"format", "version", "files": {path: SHA-256}, "sha256": digest of files, "publisher_key",
"signature"}``, signed with Ed25519 by the publisher of the approved release, whose public key
the election package names (``release_key``). Any file changed, added (a planted ``.pyc`` too)
or missing is named and the check fails; so does a manifest that is absent, unsigned or signed by
another key. ``scrutin machine release-manifest`` writes one for an installed package.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

import scrutin
from scrutin.crypto.encoding import canonical_json
from scrutin.crypto.signing import public_key_hex, sign_document
from scrutin.machine.core.closing import seal_path
from scrutin.machine.core.journal import read_entries
from scrutin.machine.core.machine import Machine
from scrutin.verify.seals import code_files, differences, files_digest

RELEASE_FORMAT = "scrutin-machine-release/v1"
MAX_MANIFEST = 5_000_000


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    detail: str


def package_root() -> Path:
    return Path(scrutin.__file__).resolve().parent


def release_manifest(
    key: nacl.signing.SigningKey,
    version: str,
    files: dict[str, str] | None = None,
    bundle: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The signed manifest of ``files`` (default: the installed package); ``bundle`` names the
    installable files it came with (:mod:`scrutin.machine.release`)."""
    files = code_files(package_root()) if files is None else files
    doc: dict[str, Any] = {
        "format": RELEASE_FORMAT,
        "version": version,
        "files": files,
        "sha256": files_digest(files),
        "publisher_key": public_key_hex(key),
    }
    if bundle is not None:
        doc["bundle"] = bundle
    doc["signature"] = sign_document(key, doc)
    return doc


def check_code(manifest_path: Path | None, release_key: str | None) -> Check:
    label = "Logiciel agréé (empreintes de chaque fichier installé)"
    if manifest_path is None or not manifest_path.is_file():
        return Check(label, False, "manifeste de version absent : logiciel non vérifiable")
    try:
        with manifest_path.open("rb") as f:
            doc = json.loads(f.read(MAX_MANIFEST))
        body = {k: v for k, v in doc.items() if k != "signature"}
        if doc.get("format") != RELEASE_FORMAT:
            raise ValueError("format")
        if release_key is None or doc["publisher_key"] != release_key:
            return Check(label, False, "manifeste signé par une autre clé que celle du paquet")
        nacl.signing.VerifyKey(bytes.fromhex(release_key)).verify(
            canonical_json(body), bytes.fromhex(doc["signature"])
        )
    except (OSError, ValueError, KeyError, TypeError, nacl.exceptions.BadSignatureError):
        return Check(label, False, "manifeste de version illisible ou signature invalide")
    found = code_files(package_root())
    problems = differences(doc["files"], found)
    if problems:
        shown = ", ".join(problems[:5]) + (" …" if len(problems) > 5 else "")
        return Check(label, False, f"{len(problems)} différence(s) : {shown}")
    return Check(label, True, f"{len(found)} fichiers identiques à la version {doc['version']}")


def check_storage(machine: Machine) -> list[Check]:
    checks = []
    for name, root in machine.roots.items():
        probe = root / ".autotest"
        try:
            with probe.open("wb") as f:
                f.write(b"autotest")
                f.flush()
                os.fsync(f.fileno())
            ok = probe.read_bytes() == b"autotest"
            probe.unlink()
            free = os.statvfs(root)
            detail = f"{free.f_bavail * free.f_frsize // 1_000_000} Mo libres"
        except OSError as exc:
            ok, detail = False, f"écriture impossible ({exc.strerror})"
        checks.append(Check(f"Mémoire {name} accessible en écriture", ok, detail))
    entries = {name: read_entries(r / "journal.jsonl")[0] for name, r in machine.roots.items()}
    same = len({tuple(e.hash for e in v) for v in entries.values()}) == 1
    checks.append(
        Check(
            "Journal identique sur les deux supports",
            same,
            f"{len(machine.journal.entries)} événements",
        )
    )
    return checks


def initial_state(machine: Machine) -> list[Check]:
    """RT 5: no ballot stored, every counter at zero, candidates identical to the package."""
    stored = {sid: s.used for sid, s in machine.stores.items()}
    sealed = any(
        seal_path(r, s.id).exists()
        for r in machine.roots.values()
        for s in machine.package.scrutins
    )
    return [
        Check(
            "Aucun bulletin dans la machine",
            not any(stored.values()) and not sealed,
            ", ".join(f"{machine.package.scrutin(k).title} : {v}" for k, v in stored.items()),
        ),
        Check(
            "Compteurs de votes à zéro",
            not any(machine.counters().values()) and machine.state.activations == 0,
            f"{machine.state.activations} activation(s)",
        ),
        Check(
            "Candidatures identiques au paquet préparé",
            all(
                [c.name for c in q.candidates] == [c.name for c in b.choices]
                for s in machine.package.scrutins
                for q, b in zip(machine.params[s.id].questions, s.ballots, strict=True)
            ),
            f"empreinte du paquet {machine.package.fingerprint}",
        ),
    ]


def check_terminals(machine: Machine, last_contact: dict[int, float]) -> list[Check]:
    now = time.monotonic()
    checks = []
    for n in machine.state.terminals:
        seen = last_contact.get(n)
        ok = seen is not None and now - seen < 30
        detail = "répond" if ok else ("jamais connecté" if seen is None else "ne répond plus")
        checks.append(Check(f"Terminal de vote {n}", ok, detail))
    return checks


def run(machine: Machine, last_contact: dict[int, float], manifest: Path | None) -> list[Check]:
    """Every check, in the order the bureau reads them; journaled with its outcome."""
    checks = [
        check_code(manifest, machine.package.release_key),
        *check_storage(machine),
        Check("Horloge de la machine", True, machine.now().strftime("%d/%m/%Y %H:%M:%S")),
        *check_terminals(machine, last_contact),
        *(initial_state(machine) if machine.state.phase == "prepared" else []),
    ]
    failed = [c.label for c in checks if not c.ok]
    machine.log(
        "machine:selftest", "président",
        "Autotest réussi." if not failed else f"Autotest en échec : {', '.join(failed)}.",
        ok=not failed, checks=[{"label": c.label, "ok": c.ok, "detail": c.detail} for c in checks],
    )  # fmt: skip
    return checks
