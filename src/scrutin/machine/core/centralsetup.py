"""Preparing a centralisation (docs/machine-centralisation.md, "Preparation").

At the town hall, once every bureau's machine is prepared, :func:`setup_commune` reads each
prepared support (``package.json`` and ``machine.json``: the package's fingerprint, the machine's
public key, each scrutin's parameters' fingerprint) and writes the commune's centralisation
directory: ``central.json`` (``scrutin-central/v1``, level ``commune``), a new Ed25519 key for its
acknowledgements and its own file, and the journal. Every bureau must belong to the same commune,
date and scrutins with the same candidates; the first difference is refused, naming the bureau.

:func:`setup_prefecture` does the same for a prefecture from the communes' centralisation
directories (their code, name and public key — nothing secret is read).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nacl.signing

from scrutin.crypto.encoding import canonical_json, fingerprint
from scrutin.crypto.signing import public_key_hex
from scrutin.machine.core import centraldocs, files
from scrutin.machine.core.central import (
    CENTRAL_FORMAT,
    COMMUNE,
    CONFIG,
    KEY,
    PREFECTURE,
    Centre,
)
from scrutin.machine.core.centraldocs import CentralError
from scrutin.machine.core.package import PackageError, parse_package

MAX_SENDERS = 1000


def _create(root: Path, config: dict[str, Any], now: Callable[[], datetime] | None) -> Centre:
    if (root / CONFIG).exists():
        raise CentralError(f"{root} contient déjà une centralisation préparée.")
    root.mkdir(parents=True, exist_ok=True)
    key = nacl.signing.SigningKey.generate()
    config["signing_key"] = public_key_hex(key)
    fd = os.open(root / KEY, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(bytes(key).hex())
    (root / CONFIG).write_bytes(canonical_json(config))
    centre = Centre(root, now=now)
    who = ", ".join(s["id"] for s in config["senders"])
    centre.log(
        "central:setup",
        f"Centralisation préparée pour {config['name']}, élection du {config['election']['date']} : "
        f"{len(config['senders'])} expéditeur(s) attendu(s) ({who}). Clé publique de "
        f"centralisation : {config['signing_key']}.",
        config=fingerprint(config),
    )  # fmt: skip
    return centre


def setup_commune(
    root: Path, bureaux: Sequence[Path], *, now: Callable[[], datetime] | None = None
) -> Centre:
    """The commune's centralisation, from its bureaux' prepared supports."""
    if not bureaux or len(bureaux) > MAX_SENDERS:
        raise CentralError(f"Indiquez de 1 à {MAX_SENDERS} supports de bureaux préparés.")
    first: dict[str, Any] | None = None
    senders: list[dict[str, Any]] = []
    for path in bureaux:
        try:
            package = parse_package(json.loads(files.read(path, files.PACKAGE)))
            machine = json.loads(files.read(path, files.MACHINE))
        except (files.PreparationError, PackageError, ValueError) as exc:
            raise CentralError(f"Support {path} : {exc}") from None
        scrutins = [centraldocs.scrutin_description(s) for s in package.scrutins]
        election = {
            "insee": package.insee,
            "commune": package.commune,
            "date": package.election_date.isoformat(),
        }
        here = f"Bureau n° {package.bureau_number} ({path})"
        if first is None:
            first = {"election": election, "scrutins": scrutins}
        elif election != first["election"]:
            raise CentralError(f"{here} : autre commune ou autre date que le premier bureau.")
        elif scrutins != first["scrutins"]:
            raise CentralError(
                f"{here} : scrutins ou candidatures différents de ceux du premier bureau."
            )
        if any(s["id"] == package.bureau_number for s in senders):
            raise CentralError(f"{here} : ce numéro de bureau figure deux fois.")
        if machine.get("package") != package.fingerprint:
            raise CentralError(f"{here} : machine.json ne correspond pas au paquet.")
        senders.append({
            "id": package.bureau_number,
            "name": package.bureau_name,
            "signing_key": machine["signing_key"],
            "package": package.fingerprint,
            "elections": machine["elections"],
            "registered": {s.id: s.registered for s in package.scrutins},
        })  # fmt: skip
    assert first is not None
    config = {
        "format": CENTRAL_FORMAT,
        "level": COMMUNE,
        "code": first["election"]["insee"],
        "name": first["election"]["commune"],
        "election": first["election"],
        "scrutins": first["scrutins"],
        "senders": senders,
    }
    return _create(root, config, now)


def setup_prefecture(
    root: Path,
    code: str,
    name: str,
    date: str,
    communes: Sequence[Path],
    *,
    now: Callable[[], datetime] | None = None,
) -> Centre:
    """A prefecture's centralisation, from the communes' centralisation directories."""
    if not communes or len(communes) > MAX_SENDERS:
        raise CentralError(f"Indiquez de 1 à {MAX_SENDERS} centralisations de communes.")
    senders: list[dict[str, Any]] = []
    for path in communes:
        try:
            config = json.loads((path / CONFIG).read_bytes())
        except (OSError, ValueError):
            raise CentralError(f"{path} : pas de centralisation de commune préparée.") from None
        if config.get("level") != COMMUNE or config["election"]["date"] != date:
            raise CentralError(f"{path} : centralisation d'une autre élection (date ou niveau).")
        if any(s["id"] == config["code"] for s in senders):
            raise CentralError(f"{path} : la commune {config['code']} figure deux fois.")
        senders.append(
            {"id": config["code"], "name": config["name"], "signing_key": config["signing_key"]}
        )
    config = {
        "format": CENTRAL_FORMAT,
        "level": PREFECTURE,
        "code": code,
        "name": name,
        "election": {"date": date},
        "scrutins": None,
        "senders": senders,
    }
    return _create(root, config, now or (lambda: datetime.now(UTC)))
