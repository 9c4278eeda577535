"""The signed documents of the seals (docs/protocol.md §14) and the digests they hold.

* ``code_files``: SHA-256 of every file of the installed ``scrutin`` package (Python code,
  templates, static files, JSON catalogues), bytecode caches excepted;
* ``asset_files``: SHA-256 of every static asset the platform serves, found as
  ``collectstatic`` finds them (the staticfiles finders, first match wins);
* ``emargements_document``: the canonical émargement list of an urn (``scrutin-emargements/v1``);
* ``signed``: a document completed with the platform key and its Ed25519 signature over JCS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrutin.crypto.encoding import canonical_json, fingerprint
from scrutin.crypto.signing import sign_document
from scrutin.record.writer import file_digest

from ..keys import platform_public_key_hex, platform_signing_key

URN_SEAL = "scrutin-urn-seal/v1"
PLATFORM_SEAL = "scrutin-platform-seal/v1"
PLATFORM_UNSEAL = "scrutin-platform-unseal/v1"
URN_CLOSING = "scrutin-urn-closing/v1"
EMARGEMENTS = "scrutin-emargements/v1"
BUNDLE = "scrutin-seals/v1"
STATIC_IGNORE = ["CVS", ".*", "*~"]  # what collectstatic leaves out by default


def iso(moment: datetime) -> str:
    """A timestamp of a seal document: ISO 8601 in UTC, microseconds, explicit offset."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def signed(document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``document`` with ``platform_key`` and ``signature`` (over the JCS of the rest), and the
    fingerprint of the whole signed document."""
    body = {k: v for k, v in document.items() if k != "signature"}
    body["platform_key"] = platform_public_key_hex()
    body["signature"] = sign_document(platform_signing_key(), body)
    return body, fingerprint(body)


def package_root() -> Path:
    """The directory of the installed ``scrutin`` package (the code that runs)."""
    import scrutin

    return Path(scrutin.__file__).resolve().parent


def _package_paths(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.relative_to(root).parts or path.suffix in (".pyc", ".pyo"):
            continue
        if path.is_file():
            yield path


def code_files(root: Path | None = None) -> dict[str, str]:
    """``{path relative to the package, POSIX: SHA-256}`` of every file of the package."""
    base = root or package_root()
    return {p.relative_to(base).as_posix(): file_digest(p) for p in _package_paths(base)}


def asset_files() -> dict[str, str]:
    """``{path under STATIC_URL: SHA-256}`` of every static asset served, as collectstatic
    would collect them (the first finder that has a path wins)."""
    from django.contrib.staticfiles import finders

    files: dict[str, str] = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(STATIC_IGNORE):
            name = Path(path).as_posix()
            if name in files:
                continue
            h = hashlib.sha256()
            with storage.open(path) as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            files[name] = h.hexdigest()
    return dict(sorted(files.items()))


def digest_of(files: dict[str, str]) -> str:
    """The overall digest of a file list: SHA-256 over the JCS of the ``{path: sha256}`` map."""
    return hashlib.sha256(canonical_json(files)).hexdigest()


def emargements_document(urn_code: str) -> dict[str, Any]:
    """The canonical émargement list of an urn: every elector number that voted with its time,
    by number. What the closing seal fingerprints (never anything about the ballot)."""
    from ..voting.models import Emargement

    rows = Emargement.objects.filter(urn__code=urn_code).values_list("elector_number", "voted_at")
    # sorted here, not by the database: the order must not depend on its collation
    ordered = sorted(rows.iterator(chunk_size=5000))
    return {
        "format": EMARGEMENTS,
        "urn": urn_code,
        "emargements": [{"elector": n, "voted_at": iso(at)} for n, at in ordered],
    }
