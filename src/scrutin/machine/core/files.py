"""The machine's storage layout and the preparation that writes it (RT 1–3, 45, 69).

Both storage roots (internal storage and removable medium) hold the same files::

    package.json            the election package as loaded (canonical JSON)
    trustees.json           the bureau's public key and the holders' verification keys
    machine.json            the machine's public signing key and each scrutin's fingerprint
    signing.key             the machine's Ed25519 seed (signs records and results files)
    elections/<id>.json     each scrutin's election parameters (docs/protocol.md §4)
    slots/<id>.slots        each scrutin's ballot slots (scrutin.machine.core.store)
    journal.jsonl           the journal, which is also the machine's state
    audio.json, audio/      the voter terminal's spoken prompts (scrutin.machine.core.audio)

Preparation writes everything to a temporary directory in each root, then renames it into
place, so an interrupted preparation leaves nothing half-written.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import nacl.signing

from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.crypto.encoding import canonical_json, fingerprint
from scrutin.crypto.params import (
    Candidate,
    CandidateId,
    ElectionId,
    ElectionParameters,
    Fingerprint,
    Question,
    QuestionId,
)
from scrutin.crypto.signing import public_key_hex
from scrutin.machine.core import audio, keys
from scrutin.machine.core.journal import Journal
from scrutin.machine.core.package import ROLES, Package, Scrutin, parse_package
from scrutin.machine.core.store import SlotStore
from scrutin.record import strictjson
from scrutin.record.writer import ballot_line

PACKAGE = "package.json"
TRUSTEES = "trustees.json"
MACHINE = "machine.json"
SIGNING_KEY = "signing.key"
JOURNAL = "journal.jsonl"
MACHINE_FORMAT = "scrutin-machine/v1"
LINK_KEY = "link.key"
SHARED = (PACKAGE, TRUSTEES, MACHINE, SIGNING_KEY, LINK_KEY)
SLOT_MARGIN = 1.10
MIN_SLOTS = 5_000  # RT 31: at least 5,000 ballots per scrutin


class PreparationError(RuntimeError):
    """Preparation refused; the message is French."""


def election(scrutin_id: str) -> str:
    return f"elections/{scrutin_id}.json"


def slots(scrutin_id: str) -> str:
    return f"slots/{scrutin_id}.slots"


def read(root: Path, name: str) -> bytes:
    try:
        return (root / name).read_bytes()
    except OSError as exc:
        raise PreparationError(
            f"Fichier « {name} » introuvable sur {root} : la machine n'est pas préparée."
        ) from exc


def read_signing_key(root: Path) -> nacl.signing.SigningKey:
    """The machine's Ed25519 key (signs closing seals, records and results)."""
    return nacl.signing.SigningKey(bytes.fromhex(read(root, SIGNING_KEY).decode()))


def check_same(roots: dict[str, Path]) -> None:
    """The two roots hold the same preparation (RT 69: the removable medium is the copy)."""
    first_name, first = next(iter(roots.items()))
    for name, root in roots.items():
        for f in SHARED:
            if read(root, f) != read(first, f):
                raise PreparationError(
                    f"Le support {name} ne correspond pas au support {first_name} ({f}) : "
                    "ce n'est pas la même préparation."
                )


def election_parameters(
    package: Package, scrutin: Scrutin, trustees: dict[str, Any], platform_key: str
) -> ElectionParameters:
    """One scrutin as an election of the protocol: one question per ballot, each choice a
    0/1 ciphertext, blank allowed (docs/protocol.md §4)."""
    questions = tuple(
        Question(
            QuestionId(b.id),
            b.text,
            tuple(Candidate(CandidateId(c.id), c.name) for c in b.choices),
            b.max,
        )
        for b in scrutin.ballots
    )
    return ElectionParameters(
        ElectionId(f"{package.insee}-{package.bureau_number}-{package.election_date}-{scrutin.id}"),
        scrutin.title,
        package.group,
        trustees["public_key"],
        Fingerprint(fingerprint(trustees)),
        platform_key,
        questions,
    )


def slot_size(params: ElectionParameters) -> int:
    """Bytes per slot: an encrypted ballot's line has a fixed length for a given election
    (fixed-width encodings); measured on a blank ballot, rounded up, with room for the head."""
    blank = encrypt_ballot(params, [[0] * q.size for q in params.questions])
    length = len(ballot_line(ballot_to_json(params.group, blank)))
    return -(-(length + 64 + 256) // 512) * 512


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def prepare(
    package_doc: object,
    internal: Path,
    removable: Path,
    codes: dict[str, str],
    key_files: dict[str, Path],
) -> Package:
    """Function 1 (RT 1–3): load the package, generate the bureau's key and its holders' key
    files, the election parameters and the empty ballot stores, on both supports."""
    package = parse_package(package_doc)
    roots = {"interne": internal, "amovible": removable}
    for name, root in roots.items():
        if (root / PACKAGE).exists():
            raise PreparationError(
                f"Le support {name} contient déjà une préparation : une nouvelle préparation "
                "se fait sur un support vierge, après la relecture des résultats."
            )
    expected = {keys.PRESIDENT, *keys.ASSESSORS[: len(package.key_assessors)]}
    if set(codes) != expected or not expected <= set(key_files):
        raise PreparationError(
            "Il faut un code secret et un fichier de clé pour le président et pour chaque "
            f"assesseur détenteur de clé ({len(package.key_assessors)} selon le paquet)."
        )
    holders = {h: key_files[h] for h in codes}
    trustees = keys.generate(
        f"bureau-{package.insee}-{package.bureau_number}-{package.election_date}",
        package.group,
        codes,
        holders,
    )
    signing = nacl.signing.SigningKey.generate()
    platform_key = public_key_hex(signing)
    params = {
        s.id: election_parameters(package, s, trustees, platform_key) for s in package.scrutins
    }
    prompts, work = _synthesise(package)
    machine_doc = {
        "format": MACHINE_FORMAT,
        "package": package.fingerprint,
        "trustees": fingerprint(trustees),
        "signing_key": platform_key,
        "elections": {sid: p.fingerprint() for sid, p in params.items()},
        "audio": fingerprint(prompts),
    }
    label = bytes.fromhex(package.fingerprint)
    link_key = secrets.token_hex(32).encode()
    for root in roots.values():
        tmp = root / ".preparation"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        _write(tmp / PACKAGE, canonical_json(dict(package.document)))
        _write(tmp / TRUSTEES, canonical_json(trustees))
        _write(tmp / MACHINE, canonical_json(machine_doc))
        _write(tmp / SIGNING_KEY, bytes(signing).hex().encode())
        os.chmod(tmp / SIGNING_KEY, 0o600)
        _write(tmp / LINK_KEY, link_key)
        os.chmod(tmp / LINK_KEY, 0o600)
        for s in package.scrutins:
            _write(tmp / election(s.id), canonical_json(params[s.id].to_json()))
            (tmp / "slots").mkdir(exist_ok=True)
            count = max(MIN_SLOTS, int(s.registered * SLOT_MARGIN) + 1)
            store = SlotStore.create(
                {"copie": tmp / slots(s.id)}, slot_size(params[s.id]), count, label
            )
            store.close()
        _write(tmp / audio.MANIFEST, audio.manifest_bytes(prompts))
        for wav in sorted((work / audio.DIRECTORY).iterdir()):
            _write(tmp / audio.DIRECTORY / wav.name, wav.read_bytes())
        for item in tmp.iterdir():
            item.replace(root / item.name)
        tmp.rmdir()
    shutil.rmtree(work, ignore_errors=True)
    journal = Journal({n: r / JOURNAL for n, r in roots.items()})
    members = ", ".join(f"{m.name} ({ROLES[m.role]})" for m in package.members if m.key_holder)
    journal.append(
        _prepared_at(),
        "machine:prepare",
        "agent de la mairie",
        f"Machine préparée pour {package.commune}, bureau n° {package.bureau_number}, le "
        f"{package.election_date:%d/%m/%Y} : {len(package.scrutins)} scrutin(s). Empreinte du "
        f"paquet : {package.fingerprint}. Clés remises à : {members}.",
        {"package": package.fingerprint},
    )
    return package


def _synthesise(package: Package) -> tuple[dict[str, Any], Path]:
    """The spoken prompts of the voter terminal (RT 61–64): their table, and a working folder
    holding their WAV files, made before anything is written on the supports."""
    work = Path(tempfile.mkdtemp(prefix="scrutin-audio-"))
    try:
        return audio.synthesise(audio.prompts(package), work), work
    except audio.AudioError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise PreparationError(str(exc)) from exc


def _prepared_at() -> str:
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).isoformat(timespec="seconds")


MAX_PACKAGE = 20_000_000  # 3 scrutins of 100 lists of 400 names hold well under 10 MB


def load_package(path: Path) -> object:
    """The package file, read by the project's strict JSON reader (size, depth, duplicates)."""
    try:
        return strictjson.load_file(path, max_bytes=MAX_PACKAGE)
    except OSError as exc:
        raise PreparationError(f"Paquet illisible : {exc.strerror or exc}.") from exc
    except strictjson.JsonRefused as exc:
        raise PreparationError(f"Le paquet n'est pas un document JSON valide : {exc}.") from exc
