"""The signed documents of the seals (docs/protocol.md §14) and the digests they hold.

* ``code_files``: SHA-256 of every file of the installed ``scrutin`` package (Python code,
  templates, static files, JSON catalogues) *including* bytecode caches: a ``.pyc`` is code that
  runs, so one planted after the seal is a file added (docs/protocol.md §14.1);
* ``asset_files``: SHA-256 of every static asset the platform serves: the files of
  ``STATIC_ROOT`` once ``collectstatic`` has filled it (what the web server serves), else the
  files the staticfiles finders find (what Django serves itself, first match wins);
* ``emargements_document``: the canonical émargement list of an urn (``scrutin-emargements/v1``);
* ``signed``: a document completed with the platform key and its Ed25519 signature over JCS (and,
  on a test instance only, ``"environment": "test"``: docs/protocol.md §15).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from scrutin.crypto.encoding import canonical_json, fingerprint
from scrutin.crypto.signing import sign_document
from scrutin.record.writer import file_digest

from ..environment import mark
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
    body = mark({k: v for k, v in document.items() if k != "signature"})  # test instance only
    body["platform_key"] = platform_public_key_hex()
    body["signature"] = sign_document(platform_signing_key(), body)
    return body, fingerprint(body)


def package_root() -> Path:
    """The directory of the installed ``scrutin`` package (the code that runs)."""
    import scrutin

    return Path(scrutin.__file__).resolve().parent


def _tree_files(root: Path) -> dict[str, str]:
    """``{path relative to root, POSIX: SHA-256}`` of every file under ``root``, none left out."""
    return {
        p.relative_to(root).as_posix(): file_digest(p)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def code_files(root: Path | None = None) -> dict[str, str]:
    """``{path relative to the package, POSIX: SHA-256}`` of every file of the package,
    ``__pycache__`` included (production runs without writing bytecode, docs/ops.md)."""
    return _tree_files(root or package_root())


def package_version() -> str:
    """The version of the installed ``scrutin`` distribution (empty if it is not installed)."""
    try:
        return metadata.version("scrutin")
    except metadata.PackageNotFoundError:
        return ""


def code_block(root: Path | None = None) -> dict[str, Any]:
    """The ``code`` block of a platform seal: every file of the package under ``root`` (default:
    the installed package) with its SHA-256, and their overall digest. ``scrutin release check``
    compares a rebuilt release with it (CCTP 4.2.2.4)."""
    files = code_files(root)
    return {"package": "scrutin", "version": package_version(), "files": files,
            "sha256": digest_of(files)}  # fmt: skip


def collected_root() -> Path | None:
    """``STATIC_ROOT`` if ``collectstatic`` has put files in it: what the web server serves."""
    from django.conf import settings

    root = getattr(settings, "STATIC_ROOT", None)
    if not root or not Path(root).is_dir() or not any(Path(root).iterdir()):
        return None
    return Path(root)


def assets_source() -> str:
    """Where the served assets are read from, in French for the reports."""
    root = collected_root()
    if root is not None:
        return f"fichiers servis depuis STATIC_ROOT ({root})"
    return "fichiers des applications (collectstatic non exécuté : servis par Django)"


def asset_files() -> dict[str, str]:
    """``{path under STATIC_URL: SHA-256}`` of every static asset served: every file of
    ``STATIC_ROOT`` when it has been collected (a file changed there after ``collectstatic`` is
    what visitors get), else the files the staticfiles finders serve (first finder wins)."""
    from django.contrib.staticfiles import finders

    root = collected_root()
    if root is not None:
        return _tree_files(root)
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


def assets_block() -> dict[str, Any]:
    """The ``assets`` block of a platform seal: every served static asset with its SHA-256."""
    from django.conf import settings

    assets = asset_files()
    return {"base_url": settings.STATIC_URL, "files": assets, "sha256": digest_of(assets)}


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
