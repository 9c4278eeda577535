"""``scrutin release seal`` and ``release check``: the sealed platform can be rebuilt byte for
byte and compared with an election's platform seal (CCTP 4.2.2.4, issue 17).

A release folder holds:

* ``scrutin-sources-<commit>.tar.gz``: the git-tracked files of the source tree, as a
  deterministic archive (:mod:`scrutin.release.archive`);
* the wheel built from that archive with ``SOURCE_DATE_EPOCH`` set to the commit's date (built
  twice when sealing: ``wheel_reproducible`` says whether both builds gave the same bytes);
* ``navigateur/``: the browser bundles the package serves (ballot encryption, key holders),
  rebuilt from ``js/`` with ``js/build.mjs`` and compared byte for byte with the committed ones
  when Node and the locked ``node_modules`` are at hand;
* ``release.json``: the SHA-256 of every artefact, of every file the wheel installs and their
  overall digest (the ``code`` block of a platform seal: ``verify.seals.files_digest``), the git
  commit, signed with the publisher's Ed25519 key (the machine release's scheme).

The check verifies the signature and the digests; with ``rebuild`` it unpacks the source archive
in a temporary directory, builds the wheel again and compares it; with a platform seal it compares
the installed files' digests with the seal's and names every file that differs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

from scrutin.crypto.encoding import canonical_json
from scrutin.crypto.signing import public_key_hex, sign_document
from scrutin.record.writer import file_digest
from scrutin.release.archive import extract_archive, source_tree, write_archive
from scrutin.release.wheel import ReleaseError, build_wheel, wheel_files
from scrutin.verify.documents import Malformed
from scrutin.verify.seals import PLATFORM_SEAL, differences, files_digest, read_seals, signature_ok

FORMAT = "scrutin-release/v1"
MANIFEST = "release.json"
BROWSER_DIR = "navigateur"
MAX_MANIFEST = 20_000_000
MAX_SHOWN = 20
# browser bundle -> (its path in the source tree, the options of js/build.mjs that rebuild it)
BROWSER = {
    "scrutin-ballot.js": ("src/scrutin/platform/voting/static/voting/scrutin-ballot.js", ()),
    "scrutin-trustee.js": (
        "src/scrutin/platform/ceremony/static/ceremony/scrutin-trustee.js",
        ("--trustee",),
    ),
}
PACKAGE_PREFIX = "src/scrutin/"


def package_path(source_path: str) -> str:
    """Where a file of the source tree is installed, relative to the package."""
    return source_path.removeprefix(PACKAGE_PREFIX)


def static_path(source_path: str) -> str:
    """The file's path under ``STATIC_URL`` (what a platform seal's ``assets`` lists)."""
    return source_path.split("/static/", 1)[1]


def rebuild_browser(tree: Path, node_modules: Path | None) -> tuple[dict[str, bytes], str]:
    """The browser bundles rebuilt from ``tree/js`` (empty with the French reason when Node or
    the locked packages are missing)."""
    node = shutil.which("node")
    if node is None:
        return {}, "Node.js est absent : modules navigateur non reconstruits"
    if node_modules is None or not (node_modules / "esbuild").is_dir():
        return {}, "paquets JavaScript figés absents (npm ci) : modules navigateur non reconstruits"
    link = tree / "node_modules"
    if not link.exists():
        link.symlink_to(node_modules.resolve(), target_is_directory=True)
    rebuilt = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (_, options) in BROWSER.items():
            done = subprocess.run(  # noqa: S603
                [node, "js/build.mjs", *options, "--out", tmp],
                cwd=tree, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise ReleaseError(f"reconstruction de {name} impossible : {done.stderr[-300:]}")
            rebuilt[name] = (Path(tmp) / name).read_bytes()
    return rebuilt, ""


def build_release(
    source: Path,
    out: Path,
    key: nacl.signing.SigningKey,
    *,
    allow_dirty: bool = False,
    node_modules: Path | None = None,
) -> dict[str, Any]:
    """Seal the release of the git tree ``source`` into ``out`` (created, must be empty) and
    return its signed manifest."""
    tree_info = source_tree(source)
    if tree_info.dirty and not allow_dirty:
        raise ReleaseError(
            f"{source} contient des modifications non enregistrées (git status) : la version "
            "scellée doit être celle d'un commit. Enregistrez-les, ou ajoutez --accepter-modifs "
            "pour sceller le dossier tel qu'il est (le manifeste le signalera)."
        )
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise ReleaseError(f"{out} n'est pas vide : choisissez un dossier neuf.")
    if node_modules is None and (source / "node_modules").is_dir():
        node_modules = source / "node_modules"
    archive = out / f"scrutin-sources-{tree_info.commit[:12]}.tar.gz"
    write_archive(source, tree_info.files, archive, tree_info.epoch)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "sources"
        extract_archive(archive, tree)
        wheel = build_wheel(tree, out, tree_info.epoch)
        again = Path(tmp) / "seconde"
        again.mkdir()
        reproducible = file_digest(build_wheel(tree, again, tree_info.epoch)) == file_digest(wheel)
        rebuilt, reason = rebuild_browser(tree, node_modules)
        (out / BROWSER_DIR).mkdir()
        browser: dict[str, Any] = {}
        for name, (path, _) in BROWSER.items():
            committed = (tree / path).read_bytes()
            if name in rebuilt and rebuilt[name] != committed:
                raise ReleaseError(
                    f"{path} n'est pas la construction de js/ avec les paquets figés : "
                    "reconstruisez-le (npm run build) et enregistrez-le avant de sceller."
                )
            (out / BROWSER_DIR / name).write_bytes(committed)
            browser[name] = {
                "file": f"{BROWSER_DIR}/{name}", "source": path,
                "sha256": file_digest(out / BROWSER_DIR / name), "rebuilt": name in rebuilt,
            }  # fmt: skip
    files = wheel_files(wheel)
    for name, entry in browser.items():
        if files.get(package_path(entry["source"])) != entry["sha256"]:
            raise ReleaseError(f"le paquet ne contient pas le module navigateur {name} livré.")
    doc: dict[str, Any] = {
        "format": FORMAT,
        "package": "scrutin",
        "version": wheel.name.split("-")[1],
        "commit": tree_info.commit,
        "dirty": tree_info.dirty,
        "source_date_epoch": tree_info.epoch,
        "sources": {"file": archive.name, "sha256": file_digest(archive),
                    "files": len(tree_info.files)},
        "wheel": {"file": wheel.name, "sha256": file_digest(wheel), "reproducible": reproducible},
        "browser": browser,
        "browser_rebuilt": reason or "reconstruits depuis js/ : octets identiques",
        "code": {"files": files, "sha256": files_digest(files)},
        "publisher_key": public_key_hex(key),
    }  # fmt: skip
    doc["signature"] = sign_document(key, doc)
    (out / MANIFEST).write_bytes(canonical_json(doc))
    return doc


# --- the check ----------------------------------------------------------------------------


@dataclass
class Finding:
    ok: bool
    label: str
    detail: str


@dataclass
class Outcome:
    """Every finding of a check, in order; ``unreadable`` when the input could not be read."""

    findings: list[Finding] = field(default_factory=list)
    unreadable: bool = False

    def add(self, ok: bool, label: str, detail: str) -> None:
        self.findings.append(Finding(ok, label, detail))

    @property
    def exit_code(self) -> int:
        if self.unreadable:
            return 2
        return 0 if all(f.ok for f in self.findings) else 1

    def render(self) -> str:
        lines = [f"[{'OK' if f.ok else 'ÉCHEC'}] {f.label} : {f.detail}" for f in self.findings]
        if self.unreadable:
            lines.append("VERDICT : vérification impossible (document illisible).")
        elif self.exit_code == 0:
            lines.append("VERDICT : la version scellée est conforme, toutes les vérifications "
                         "sont satisfaites.")  # fmt: skip
        else:
            failed = sum(not f.ok for f in self.findings)
            lines.append(
                f"VERDICT : version scellée NON conforme ({failed} vérification(s) en échec)."
            )
        return "\n".join(lines)


def _shown(problems: list[str]) -> str:
    more = len(problems) - MAX_SHOWN
    return "; ".join(problems[:MAX_SHOWN]) + (f" (… {more} autre(s))" if more > 0 else "")


def _manifest(folder: Path, public_key: str, outcome: Outcome) -> dict[str, Any] | None:
    try:
        doc = json.loads((folder / MANIFEST).read_bytes()[: MAX_MANIFEST + 1])
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError("format")
        body = {k: v for k, v in doc.items() if k != "signature"}
        for part in ("sources", "wheel", "browser", "code"):
            if not isinstance(doc[part], dict):
                raise ValueError(part)
        names = [doc["sources"]["file"], doc["wheel"]["file"]]
        names += [entry["file"] for entry in doc["browser"].values()]
        hexes = [doc["sources"]["sha256"], doc["wheel"]["sha256"], doc["code"]["sha256"]]
        hexes += [entry["sha256"] for entry in doc["browser"].values()]
        hexes += list(doc["code"]["files"].values())
        if not all(isinstance(n, str) and n and ".." not in Path(n).parts for n in names):
            raise ValueError("file")
        if not all(isinstance(h, str) and len(h) == 64 for h in hexes):
            raise ValueError("sha256")
        int(doc["source_date_epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        outcome.unreadable = True
        outcome.add(False, MANIFEST, "absent, illisible ou d'un autre format")
        return None
    label = "Signature de l'éditeur"
    if doc.get("publisher_key") != public_key:
        outcome.add(False, label, "manifeste signé par une autre clé que celle attendue")
        return None
    try:
        nacl.signing.VerifyKey(bytes.fromhex(public_key)).verify(
            canonical_json(body), bytes.fromhex(str(doc.get("signature")))
        )
    except (ValueError, TypeError, nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
        outcome.add(False, label, "signature invalide : le manifeste a été modifié")
        return None
    dirty = " (dossier source modifié par rapport au commit)" if doc.get("dirty") else ""
    outcome.add(True, label, f"manifeste signé, commit {doc.get('commit')}{dirty}")
    return doc


def _artefacts(folder: Path, doc: dict[str, Any], outcome: Outcome) -> bool:
    expected = {doc["sources"]["file"]: doc["sources"]["sha256"],
                doc["wheel"]["file"]: doc["wheel"]["sha256"]}  # fmt: skip
    expected.update({e["file"]: e["sha256"] for e in doc["browser"].values()})
    problems = []
    for name, sha in expected.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} absent")
        elif file_digest(path) != sha:
            problems.append(f"{name} modifié (empreinte différente de celle signée)")
    outcome.add(not problems, "Empreintes des fichiers de la version",
                _shown(problems) or f"{len(expected)} fichiers identiques à ceux signés")  # fmt: skip
    if problems:
        return False
    files = wheel_files(folder / doc["wheel"]["file"])
    diff = differences(doc["code"]["files"], files)
    if files_digest(files) != doc["code"]["sha256"]:
        diff = diff or ["empreinte globale différente"]
    outcome.add(not diff, "Fichiers installés par le paquet",
                _shown(diff) or f"{len(files)} fichiers, empreinte {doc['code']['sha256']}")  # fmt: skip
    return not diff


def _rebuild(
    folder: Path, doc: dict[str, Any], node_modules: Path | None, outcome: Outcome
) -> dict[str, str]:
    """Rebuild from the source archive; the installed files of the rebuilt wheel."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "sources"
        extract_archive(folder / doc["sources"]["file"], tree)
        wheel = build_wheel(tree, Path(tmp), int(doc["source_date_epoch"]))
        files = wheel_files(wheel)
        same_bytes = file_digest(wheel) == doc["wheel"]["sha256"]
        diff = differences(doc["code"]["files"], files)
        label = "Paquet reconstruit depuis les sources"
        if same_bytes:
            outcome.add(True, label, f"{wheel.name} identique octet pour octet")
        elif not diff:
            outcome.add(True, label, f"{wheel.name} : octets différents (construction non "
                        "reproductible ici) mais les fichiers installés sont identiques")  # fmt: skip
        else:
            outcome.add(False, label, _shown(diff))
        rebuilt, reason = rebuild_browser(tree, node_modules)
        label = "Modules navigateur reconstruits depuis js/"
        if not rebuilt:
            outcome.add(True, label, f"non vérifié : {reason}")
        else:
            bad = [n for n, data in rebuilt.items()
                   if hashlib.sha256(data).hexdigest() != doc["browser"][n]["sha256"]]  # fmt: skip
            outcome.add(not bad, label, "différent(s) : " + ", ".join(bad) if bad
                        else f"{len(rebuilt)} modules identiques octet pour octet")  # fmt: skip
    return files


def latest_platform_seal(source: str) -> dict[str, Any]:
    """The platform seal of highest sequence in a seal file, a ``scrutin-seals/v1`` bundle, a
    folder of seals or their URL."""
    seals = read_seals(source)
    platform = [
        s for s in seals.platform if isinstance(s, dict) and s.get("format") == PLATFORM_SEAL
    ]
    if not platform:
        raise Malformed(f"{source} : aucun scellement de la plate-forme")
    return max(platform, key=lambda s: int(s.get("sequence") or 0))


def _compare_seal(
    seal: dict[str, Any], files: dict[str, str], doc: dict[str, Any], outcome: Outcome
) -> None:
    where = f"scellement de la plate-forme n° {seal.get('sequence')}"
    outcome.add(signature_ok(seal), f"Signature du {where}",
                f"signé par la clé de plate-forme {seal.get('platform_key')}" if signature_ok(seal)
                else "signature invalide : ce scellement a été modifié")  # fmt: skip
    code = seal.get("code") or {}
    sealed = code.get("files") or {}
    diff = [
        f"{p} : différent entre la version et le scellement"
        for p in sorted(sealed.keys() & files.keys())
        if sealed[p] != files[p]
    ]
    only_sealed = sorted(sealed.keys() - files.keys())
    bytecode = [p for p in only_sealed if p.endswith(".pyc")]
    diff += [f"{p} : scellé mais absent de la version" for p in only_sealed if p not in bytecode]
    diff += [f"{p} : dans la version mais absent du scellement"
             for p in sorted(files.keys() - sealed.keys())]  # fmt: skip
    if bytecode:
        # listed last: a planted .pyc is a difference, but many compiled ones must not hide the rest
        diff.append(
            f"{len(bytecode)} fichier(s) compilé(s) .pyc scellé(s) mais absent(s) de la version "
            f"(dont {bytecode[0]}) : compilés sur le serveur, ou implantés"
        )
    detail = f"{len(files)} fichiers identiques, empreinte {files_digest(files)}"
    outcome.add(not diff, f"Code de la version comparé au {where}", _shown(diff) or detail)
    assets = (seal.get("assets") or {}).get("files") or {}
    problems = []
    for name, entry in doc["browser"].items():
        served = assets.get(static_path(entry["source"]))
        if served is None:
            problems.append(f"{name} absent des fichiers servis scellés")
        elif served != entry["sha256"]:
            problems.append(f"{static_path(entry['source'])} servi modifié")
    outcome.add(not problems, f"Modules navigateur servis ({where})",
                _shown(problems) or f"{len(doc['browser'])} modules identiques")  # fmt: skip


def check_release(
    folder: Path,
    public_key: str,
    *,
    platform_seal: str | None = None,
    rebuild: bool = False,
    node_modules: Path | None = None,
) -> Outcome:
    """Check a sealed release; rebuild it (always with a platform seal) and compare."""
    outcome = Outcome()
    doc = _manifest(folder, public_key.strip().lower(), outcome)
    if doc is None or not _artefacts(folder, doc, outcome):
        return outcome
    seal = None
    if platform_seal is not None:
        try:
            seal = latest_platform_seal(platform_seal)
        except Malformed as exc:
            outcome.unreadable = True
            outcome.add(False, "Scellement de la plate-forme", str(exc))
            return outcome
    files = doc["code"]["files"]
    if rebuild or seal is not None:
        try:
            files = _rebuild(folder, doc, node_modules, outcome)
        except ReleaseError as exc:
            outcome.add(False, "Reconstruction depuis les sources", str(exc))
            return outcome
    if seal is not None:
        _compare_seal(seal, files, doc, outcome)
    return outcome
