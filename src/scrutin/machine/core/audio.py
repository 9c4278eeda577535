"""Audio prompts of the voter terminal, synthesised at preparation (RT 61–64).

A blind voter votes alone with headphones and a keypad: every screen, candidate, list, referendum
answer, recap and confirmation is spoken in French. The prompts are synthesised once, at the
town hall's preparation, by espeak-ng (Debian package ``espeak-ng``) with fixed parameters, into
WAV files stored on both supports with the prepared package; nothing is synthesised on the fly and
nothing needs a network.

Storage (both supports)::

    audio.json              the prompt table: key → text, file, SHA-256, size (canonical JSON)
    audio/<sha256>.wav      one file per distinct text (two keys with the same text share it)

``machine.json`` carries the fingerprint of ``audio.json``, so the prompt table is part of what
the preparation certifies; at load (:func:`load`) every WAV is hashed again and the machine
refuses a support whose audio file does not match (a tampered prompt could read a wrong name).

Keys are made of the package's identifiers, e.g. ``choix.municipales.municipales.l2``; the
terminal's pages name the keys they speak (docs/machine.md, « Mode audio »).

A list's candidates (RT 30: a sighted voter sees them one touch away) are spoken too, in prompts
of :data:`MEMBERS_PER_PROMPT` names (fewer when the names are long), keyed
``membres.<scrutin>.<ballot>.<choice>.<n>``; the voter hears them with key 3 on that list.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from scrutin.core.counting.rules import Kind
from scrutin.crypto.encoding import canonical_json, fingerprint
from scrutin.machine.core.package import Ballot, Package, Scrutin

AUDIO_FORMAT = "scrutin-machine-audio/v1"
MANIFEST = "audio.json"
DIRECTORY = "audio"
ESPEAK = "espeak-ng"
VOICE = "fr"
WORDS_PER_MINUTE = 160
PITCH = 50
AMPLITUDE = 100
"""Fixed espeak-ng parameters: the same text always gives the same file (same espeak-ng)."""

# Bounds. Without the lists' candidates a package (3 scrutins of at most 100 choices or 20
# questions, see package.py) has at most 30 fixed prompts + 3 × (1 title + 101 instructions and
# choices) ≈ 340 prompts: BASE_PROMPTS keeps the old margin. The candidates (package.py allows
# 3 × 100 lists × 400 names, far more than a voting machine can speak) are bounded on their own,
# for a « Paris-sized » bureau: 3 list scrutins of 20 lists of 300 names of about 27 characters
# with their separators ≈ 486,000 characters, 18,000 names, 1,800 prompts of 10 names.
BASE_PROMPTS = 800
MEMBERS_PER_PROMPT = 10
MEMBER_PROMPT_CHARS = 420
"""Characters of names and separators in one candidates' prompt: two 200-character names fit."""
MAX_MEMBER_PROMPTS = 3_000
MAX_MEMBER_CHARS = 500_000
MAX_PROMPTS = BASE_PROMPTS + MAX_MEMBER_PROMPTS
"""3,800 keys: the index a terminal fetches (≈ 220 bytes a key at most) fits in one message of
the local link (1 MiB, link.MAX_MESSAGE)."""
MAX_TEXT = 700  # a candidates' prompt: list name (200) + counts (≈ 60) + MEMBER_PROMPT_CHARS
MAX_PROMPT_BYTES = 4_000_000  # about 90 s of speech at 22 050 Hz, 16 bits: never reached
# espeak-ng gives about 3,900 bytes of WAV per character of names, counts and pauses included
# (measured: 3 scrutins of 20 lists of 300 names, 358,630 characters, 1.41 GB): the candidates'
# cap makes about 2 GB, the other prompts well under 0.5 GB. MAX_AUDIO_BYTES is checked on the
# files as they are made (pathological names, e.g. one letter each, hit it first).
MAX_AUDIO_BYTES = 2_500_000_000
SYNTHESIS_BATCH = 16
"""Prompts synthesised before they are written out: memory holds at most this many WAVs."""
SYNTHESIS_TIMEOUT = 30
CHUNK = 512 * 1024
"""Bytes of a prompt per message on the local link (its messages are capped at 1 MiB)."""

_KEY = re.compile(r"[a-z0-9][a-z0-9.-]{0,120}")
_SHA = re.compile(r"[0-9a-f]{64}")

FIXED = {
    "accueil": "Mode audio. Vous votez seul, avec le casque et le clavier. "
    "Touche 5 : répéter. Touche 0 : aide.",
    "aide": "Touche 5 : répéter. Touches 2 et 8, ou flèches haut et bas : choix précédent et "
    "choix suivant. Touches 4 et 6, ou flèches gauche et droite : question précédente et "
    "question suivante. Touche 3, sur une liste : entendre ses candidats, dix par dix ; une "
    "autre touche interrompt la lecture. Touche dièse ou Entrée : choisir, ou valider. Touche "
    "étoile ou Retour arrière : revenir en arrière. Touches plus et moins : volume. Touches 7 et 9 : "
    "voix plus lente ou plus rapide. Touche 0 : cette aide.",
    "scrutins": "Choisissez un scrutin. Vous votez pour chacun, l'un après l'autre. "
    "Touches 2 et 8 pour les parcourir, touche dièse ou Entrée pour choisir.",
    "parcourir": "Touches 2 et 8 pour parcourir les choix, touche dièse ou Entrée pour choisir. "
    "Sur une liste, touche 3 pour entendre ses candidats.",
    "blanc": "Vote blanc.",
    "choisi": "choisi.",
    "retire": "retiré.",
    "continuer": "Continuer : vérifier votre choix. Touche dièse ou Entrée.",
    "debut-liste": "Début de la liste.",
    "membres-touche": "Touche 3 : entendre ses candidats.",
    "membres-fin": "Fin des candidats de cette liste.",
    "membres-aucun": "Ce choix n'a pas de liste de candidats.",
    "fin-liste": "Fin de la liste.",
    "recap": "Vérifiez votre choix. Vous avez choisi :",
    "recap-consigne": "Pour confirmer votre vote, touche dièse ou Entrée. Pour modifier votre "
    "choix, touche étoile ou Retour arrière.",
    "confirmer": "Confirmer mon vote. Touche dièse ou Entrée.",
    "modifier": "Modifier mon choix. Touche étoile ou Retour arrière.",
    "enregistre": "Votre vote est enregistré.",
    "reste": "Il vous reste à voter pour :",
    "reste-consigne": "Touche dièse ou Entrée pour continuer.",
    "fini": "Merci, vous avez terminé. Vous pouvez retirer le casque et quitter l'isoloir.",
    "erreur-choix": "Vous n'avez rien choisi. Choisissez un nom, ou le vote blanc.",
    "erreur-blanc": "Le vote blanc ne se combine avec aucun autre choix.",
    "erreur-trop": "Vous avez déjà choisi le nombre maximal. Retirez d'abord un choix.",
    "erreur-terminal": "Votre vote n'est pas enregistré. Appelez le président du bureau de vote.",
    "volume-plus": "Plus fort.",
    "volume-moins": "Moins fort.",
    "vitesse-plus": "Plus rapide.",
    "vitesse-moins": "Plus lent.",
}
"""The prompts every package has; the terminal's pages and script use these keys."""


class AudioError(ValueError):
    """Prompts that cannot be synthesised or that do not match their table; French message."""


@dataclass(frozen=True)
class Prompt:
    key: str
    text: str


def scrutin_key(scrutin: Scrutin) -> str:
    return f"scrutin.{scrutin.id}"


def instruction_key(scrutin: Scrutin, ballot: Ballot) -> str:
    return f"consigne.{scrutin.id}.{ballot.id}"


def choice_key(scrutin_id: str, ballot_id: str, choice_id: str) -> str:
    return f"choix.{scrutin_id}.{ballot_id}.{choice_id}"


def member_key(scrutin_id: str, ballot_id: str, choice_id: str, n: int) -> str:
    return f"membres.{scrutin_id}.{ballot_id}.{choice_id}.{n}"


def member_chunks(members: Sequence[str]) -> list[tuple[int, tuple[str, ...]]]:
    """A list's candidates cut into spoken prompts, in order: each prompt's first position (from
    1) and names; at most :data:`MEMBERS_PER_PROMPT` names and :data:`MEMBER_PROMPT_CHARS`
    characters (a name is never cut)."""
    out: list[tuple[int, tuple[str, ...]]] = []
    current: list[str] = []
    size = 0
    for position, name in enumerate(members, 1):
        full = len(current) == MEMBERS_PER_PROMPT
        if current and (full or size + 2 + len(name) > MEMBER_PROMPT_CHARS):
            out.append((position - len(current), tuple(current)))
            current, size = [], 0
        size += len(name) + (2 if current else 0)
        current.append(name)
    if current:
        out.append((len(members) - len(current) + 1, tuple(current)))
    return out


def member_keys(
    scrutin_id: str, ballot_id: str, choice_id: str, members: Sequence[str]
) -> list[str]:
    """The keys of a list's candidates' prompts, in reading order (the terminal's key 3)."""
    return [member_key(scrutin_id, ballot_id, choice_id, n)
            for n in range(1, len(member_chunks(members)) + 1)]  # fmt: skip


def _member_texts(name: str, members: Sequence[str]) -> list[str]:
    """« Liste X : 29 candidats. Candidats 1 à 10 : A, B, … » then « Candidats 11 à 20 : … »."""
    out = []
    for first, names in member_chunks(members):
        last = first + len(names) - 1
        span = f"Candidat {first}" if first == last else f"Candidats {first} à {last}"
        text = f"{span} : {', '.join(names)}."
        if first == 1:
            count = "un candidat" if len(members) == 1 else f"{len(members)} candidats"
            text = f"{name} : {count}. {text}"
        out.append(text)
    return out


def _instruction(scrutin: Scrutin, ballot: Ballot) -> str:
    if scrutin.kind is Kind.REFERENDUM:
        return f"{ballot.text}. Répondez oui ou non, ou votez blanc."
    if scrutin.kind is Kind.LIST:
        return "Choisissez une liste, ou votez blanc."
    if ballot.max > 1:
        return f"Vous pouvez choisir jusqu'à {ballot.max} noms, ou voter blanc."
    return "Choisissez un nom, ou votez blanc."


def prompts(package: Package) -> list[Prompt]:
    """Every prompt of ``package``: the fixed ones, then for each scrutin its title, each
    ballot's instruction (or referendum question), each choice's label as displayed and a list's
    candidates (RT 30), :data:`MEMBERS_PER_PROMPT` at a time."""
    out = [Prompt(k, t) for k, t in FIXED.items()]
    members: list[Prompt] = []
    spoken = 0
    for s in package.scrutins:
        title = f"{s.title}. {s.constituency}." if s.constituency else f"{s.title}."
        out.append(Prompt(scrutin_key(s), title))
        for b in s.ballots:
            out.append(Prompt(instruction_key(s, b), _instruction(s, b)))
            for c in b.choices:
                label = f"{c.name}, {c.detail}." if c.detail else f"{c.name}."
                out.append(Prompt(choice_key(s.id, b.id, c.id), label))
                spoken += sum(len(m) + 2 for m in c.members)
                for n, text in enumerate(_member_texts(c.name, c.members), 1):
                    members.append(Prompt(member_key(s.id, b.id, c.id, n), text))
    if spoken > MAX_MEMBER_CHARS or len(members) > MAX_MEMBER_PROMPTS:
        raise AudioError(
            f"Trop de candidats de listes à lire en mode audio : {spoken} caractères en "
            f"{len(members)} messages (au plus {MAX_MEMBER_CHARS} caractères et "
            f"{MAX_MEMBER_PROMPTS} messages)."
        )
    out += members
    if len(out) > MAX_PROMPTS:
        raise AudioError(f"Trop de messages sonores : {len(out)} (au plus {MAX_PROMPTS}).")
    for p in out:
        if not _KEY.fullmatch(p.key) or len(p.text) > MAX_TEXT:
            raise AudioError(f"Message sonore « {p.key} » invalide ou trop long.")
    return out


def engine_version() -> str:
    """espeak-ng's version line (recorded in the table), or :class:`AudioError`."""
    path = shutil.which(ESPEAK)
    if path is None:
        raise AudioError(
            "Le programme de synthèse vocale espeak-ng n'est pas installé : installez le paquet "
            "espeak-ng (scripts/install-system.sh) puis recommencez la préparation."
        )
    done = subprocess.run(  # noqa: S603 - fixed program and arguments
        [path, "--version"], capture_output=True, text=True, timeout=SYNTHESIS_TIMEOUT, check=False
    )
    return " ".join(done.stdout.split()[:4])


@lru_cache(maxsize=256)
def synthesise_one(text: str) -> bytes:
    """One prompt as WAV bytes (espeak-ng, voice ``fr``, fixed rate, pitch and amplitude; the
    text goes on standard input so that nothing in it is read as an option). The result depends
    on the text only, so it is kept for the next preparation by the same process."""
    path = shutil.which(ESPEAK)
    if path is None:
        raise AudioError("Le programme de synthèse vocale espeak-ng n'est pas installé.")
    fd, name = tempfile.mkstemp(suffix=".wav")
    os.close(fd)
    try:
        args = [path, "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-p", str(PITCH),
                "-a", str(AMPLITUDE), "-w", name]  # fmt: skip
        done = subprocess.run(  # noqa: S603 - fixed program, text on stdin
            args, input=text.encode(), capture_output=True, timeout=SYNTHESIS_TIMEOUT, check=False
        )
        data = Path(name).read_bytes()
    except subprocess.TimeoutExpired as exc:
        raise AudioError(f"Synthèse vocale trop longue pour « {text[:60]} ».") from exc
    finally:
        Path(name).unlink(missing_ok=True)
    if done.returncode != 0 or not data.startswith(b"RIFF"):
        raise AudioError(f"La synthèse vocale a échoué pour « {text[:60]} ».")
    if len(data) > MAX_PROMPT_BYTES:
        raise AudioError(f"Message sonore trop long pour « {text[:60]} ».")
    return data


def synthesise(items: Iterable[Prompt], root: Path) -> dict[str, Any]:
    """Write every prompt's WAV under ``root/audio/`` and return the prompt table (not yet
    written: the caller writes ``audio.json`` with the rest of the preparation). The files are
    written as they are made, :data:`SYNTHESIS_BATCH` at a time: memory never holds them all
    (the lists' candidates can make more than a gigabyte). The candidates' prompts are not kept
    in :func:`synthesise_one`'s cache, which holds short prompts only."""
    items = list(items)
    version = engine_version()
    texts = sorted({p.text for p in items})
    long_texts = {p.text for p in items if p.key.startswith("membres.")}
    (root / DIRECTORY).mkdir(parents=True, exist_ok=True)
    made: dict[str, tuple[str, int]] = {}
    total = 0

    def one(text: str) -> bytes:
        return synthesise_one.__wrapped__(text) if text in long_texts else synthesise_one(text)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for start in range(0, len(texts), SYNTHESIS_BATCH):
            batch = texts[start : start + SYNTHESIS_BATCH]
            for text, wav in zip(batch, pool.map(one, batch), strict=True):
                total += len(wav)
                if total > MAX_AUDIO_BYTES:
                    raise AudioError(f"Messages sonores trop volumineux (plus de {total} octets).")
                sha = hashlib.sha256(wav).hexdigest()
                with (root / DIRECTORY / f"{sha}.wav").open("wb") as f:
                    f.write(wav)
                    f.flush()
                    os.fsync(f.fileno())
                made[text] = (sha, len(wav))
    table: dict[str, Any] = {}
    for p in items:
        sha, size = made[p.text]
        table[p.key] = {"text": p.text, "sha256": sha, "bytes": size}
    return {
        "format": AUDIO_FORMAT,
        "engine": version,
        "voice": VOICE,
        "words_per_minute": WORDS_PER_MINUTE,
        "pitch": PITCH,
        "amplitude": AMPLITUDE,
        "prompts": table,
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return canonical_json(manifest)


def wav_path(root: Path, sha: str) -> Path:
    return root / DIRECTORY / f"{sha}.wav"


def load(roots: dict[str, Path], expected: str | None) -> dict[str, Any] | None:
    """The prompt table of a prepared machine, checked: its fingerprint is ``expected`` (from
    ``machine.json``) and every WAV on every support has its recorded SHA-256 (RT 61–64). None
    for a preparation without audio (``expected`` is None). :class:`AudioError` names the
    support and the prompt otherwise."""
    if expected is None:
        return None
    manifest: dict[str, Any] | None = None
    for name, root in roots.items():
        try:
            doc = json.loads((root / MANIFEST).read_bytes())
        except (OSError, ValueError) as exc:
            raise AudioError(f"Support {name} : table des messages sonores illisible.") from exc
        if not isinstance(doc, dict) or fingerprint(doc) != expected:
            raise AudioError(
                f"Support {name} : la table des messages sonores ne correspond pas à la "
                "préparation (empreinte différente)."
            )
        prompts_ = doc.get("prompts")
        if not isinstance(prompts_, dict) or len(prompts_) > MAX_PROMPTS:
            raise AudioError(f"Support {name} : table des messages sonores invalide.")
        keys = {str(p.get("sha256")): k for k, p in sorted(prompts_.items(), reverse=True)}
        for sha, key in sorted(keys.items(), key=lambda item: item[1]):
            if not _SHA.fullmatch(sha):
                raise AudioError(f"Support {name} : table des messages sonores invalide.")
            if _file_sha(wav_path(root, sha)) != sha:
                raise AudioError(
                    f"Support {name} : le fichier sonore du message « {key} » a été modifié ou "
                    "est absent ; la machine refuse cette préparation."
                )
        manifest = doc
    return manifest


def _file_sha(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            size = 0
            while block := f.read(1 << 20):
                size += len(block)
                if size > MAX_PROMPT_BYTES:
                    return None
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def index(manifest: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """What a terminal needs: each key's SHA-256 and size (the texts stay on the machine)."""
    if manifest is None:
        return {}
    return {k: {"sha256": p["sha256"], "bytes": p["bytes"]} for k, p in manifest["prompts"].items()}


def chunk(root: Path, manifest: dict[str, Any] | None, key: str, offset: int) -> bytes:
    """Up to :data:`CHUNK` bytes of prompt ``key`` from ``offset`` (the local link's answer)."""
    if manifest is None or key not in manifest["prompts"]:
        raise AudioError("Message sonore inconnu.")
    entry = manifest["prompts"][key]
    if not 0 <= offset < entry["bytes"]:
        raise AudioError("Position invalide dans le message sonore.")
    with wav_path(root, entry["sha256"]).open("rb") as f:
        f.seek(offset)
        return f.read(CHUNK)


def link_answer(
    root: Path, manifest: dict[str, Any] | None, message: dict[str, Any]
) -> dict[str, Any]:
    """The control module's answer to a terminal's ``audio`` request on the local link: without
    ``key``, the index of every prompt (:func:`index`); with ``key`` and ``offset``, one piece
    of that prompt's WAV file, base64-encoded, and its total size."""
    key = message.get("key")
    if key is None:
        return {"audio": index(manifest)}
    offset = message.get("offset", 0)
    if not isinstance(key, str) or isinstance(offset, bool) or not isinstance(offset, int):
        return {"error": "Demande de message sonore invalide."}
    try:
        data = chunk(root, manifest, key, offset)
    except (AudioError, OSError):
        return {"error": "Message sonore indisponible."}
    total = manifest["prompts"][key]["bytes"] if manifest else 0
    return {"chunk": base64.b64encode(data).decode(), "bytes": total}
