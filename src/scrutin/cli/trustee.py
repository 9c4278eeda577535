"""``scrutin trustee …``: the key ceremony and partial decryption on a trustee's own computer.

Each round reads the files the organiser sent and writes the file to send back; secrets only ever
go to passphrase-encrypted keystores (docs/key-ceremony.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import nacl.pwhash
import typer

from scrutin.crypto import dkg
from scrutin.crypto.decryption import (
    DecryptionError,
    partial_decrypt,
    tally_from_json,
)
from scrutin.crypto.encoding import EncodingError, decode_scalar, fingerprint
from scrutin.crypto.keystore import KeystoreError, read_keystore, seal, write_keystore
from scrutin.crypto.params import InvalidParameters, parse_parameters
from scrutin.record import strictjson
from scrutin.record.tally import TallyError, aggregate_file

trustee_app = typer.Typer(
    help="Gardiens des clés : cérémonie des clés et déchiffrement partiel.",
    no_args_is_help=True,
)

PassFile = Annotated[
    Path | None,
    typer.Option(help="Fichier contenant la phrase de passe (sinon SCRUTIN_PASSPHRASE ou saisie)."),
]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Erreur : {message}", err=True)
    return typer.Exit(code=2)


def _read_json(path: Path) -> Any:
    try:
        return strictjson.load_file(path, max_bytes=256 * 1024 * 1024)
    except (OSError, ValueError) as exc:
        raise _fail(f"impossible de lire « {path} » ({exc}).") from None


def _write_json(path: Path, doc: object) -> None:
    if path.exists():
        raise _fail(f"« {path} » existe déjà ; choisissez un autre nom.")
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _passphrase(file: Path | None, env: str, label: str, *, confirm: bool) -> str:
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").rstrip("\n")
        except OSError as exc:
            raise _fail(f"phrase de passe illisible ({exc.strerror}).") from None
    if os.environ.get(env):
        return os.environ[env]
    value: str = typer.prompt(label, hide_input=True, confirmation_prompt=confirm)
    return value


def _kdf_limits() -> tuple[int, int]:
    # SCRUTIN_KDF=interactive lowers Argon2id's cost for automated tests only.
    if os.environ.get("SCRUTIN_KDF") == "interactive":
        return nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE
    return nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE


def _seal_to(path: Path, secret: dict[str, Any], passphrase: str, purpose: str) -> None:
    ops, mem = _kdf_limits()
    try:
        doc = seal(secret, passphrase, purpose, opslimit=ops, memlimit=mem)
        write_keystore(path, doc)
    except FileExistsError:
        raise _fail(f"« {path} » existe déjà ; un secret n'est jamais écrasé.") from None
    except KeystoreError as exc:
        raise _fail(str(exc)) from None


def _open(path: Path, passphrase: str) -> dict[str, Any]:
    try:
        return read_keystore(path, passphrase)
    except KeystoreError as exc:
        raise _fail(f"{exc} (« {path} »).") from None


def _ceremony(path: Path) -> dkg.Ceremony:
    try:
        return dkg.parse_ceremony(_read_json(path))
    except dkg.CeremonyError as exc:
        raise _fail(str(exc)) from None


@trustee_app.command("ceremony")
def ceremony_cmd(
    ceremony_id: Annotated[
        str, typer.Option("--id", help="Identifiant de la cérémonie (COE, scrutin).")
    ],
    president: Annotated[str, typer.Option(help="Identifiant du président de la COE.")],
    assessor: Annotated[list[str], typer.Option(help="Identifiant d'un assesseur (répéter).")],
    threshold: Annotated[int, typer.Option(help="Nombre d'assesseurs requis au dépouillement.")],
    out: Annotated[Path, typer.Option(help="Fichier ceremony.json à écrire.")],
    group: Annotated[str, typer.Option(help="Groupe : ristretto255 ou P-256.")] = "ristretto255",
) -> None:
    """(Organisateur) Crée le fichier de paramètres de la cérémonie des clés."""
    doc = {
        "format": dkg.CEREMONY_FORMAT,
        "ceremony_id": ceremony_id,
        "group": group,
        "president": president,
        "assessors": assessor,
        "threshold": threshold,
    }
    try:
        dkg.parse_ceremony(doc)
    except dkg.CeremonyError as exc:
        raise _fail(str(exc)) from None
    _write_json(out, doc)
    typer.echo(f"Cérémonie écrite dans {out} ; empreinte {fingerprint(doc)}")


@trustee_app.command("round1")
def round1_cmd(
    ceremony: Annotated[Path, typer.Option(help="ceremony.json reçu de l'organisateur.")],
    trustee: Annotated[str, typer.Option(help="Votre identifiant de gardien.")],
    secret_out: Annotated[
        Path, typer.Option(help="Fichier secret chiffré à créer (votre support).")
    ],
    out: Annotated[Path, typer.Option(help="Fichier public à renvoyer à l'organisateur.")],
    passphrase_file: PassFile = None,
) -> None:
    """Tour 1 : engagements publics et clé de réception des parts."""
    c = _ceremony(ceremony)
    try:
        secret, message = dkg.round1(c, trustee)
    except dkg.CeremonyError as exc:
        raise _fail(str(exc)) from None
    pw = _passphrase(passphrase_file, "SCRUTIN_PASSPHRASE", "Phrase de passe", confirm=True)
    _seal_to(secret_out, secret, pw, "keygen-round1")
    _write_json(out, message)
    typer.echo(
        f"Tour 1 terminé pour {trustee} ({message['role']}). Envoyez {out} à l'organisateur."
    )


def _load_all(paths: list[Path]) -> list[dict[str, Any]]:
    docs = [_read_json(p) for p in paths]
    if not all(isinstance(d, dict) for d in docs):
        raise _fail("chaque fichier de tour doit contenir un objet JSON.")
    return docs


@trustee_app.command("round2")
def round2_cmd(
    ceremony: Annotated[Path, typer.Option(help="ceremony.json.")],
    secret: Annotated[Path, typer.Option(help="Votre fichier secret du tour 1.")],
    round1: Annotated[list[Path], typer.Option(help="Messages du tour 1 de tous les gardiens.")],
    out: Annotated[Path, typer.Option(help="Fichier public à renvoyer (parts chiffrées).")],
    passphrase_file: PassFile = None,
) -> None:
    """Tour 2 (assesseurs) : parts chiffrées pour chacun des autres assesseurs."""
    c = _ceremony(ceremony)
    pw = _passphrase(passphrase_file, "SCRUTIN_PASSPHRASE", "Phrase de passe", confirm=False)
    s = _open(secret, pw)
    try:
        message = dkg.round2(c, s, _load_all(round1))
    except (dkg.CeremonyError, EncodingError) as exc:
        raise _fail(str(exc)) from None
    _write_json(out, message)
    typer.echo(f"Tour 2 terminé. Envoyez {out} à l'organisateur.")


@trustee_app.command("round3")
def round3_cmd(
    ceremony: Annotated[Path, typer.Option(help="ceremony.json.")],
    secret: Annotated[Path, typer.Option(help="Votre fichier secret du tour 1.")],
    round1: Annotated[list[Path], typer.Option(help="Messages du tour 1 de tous les gardiens.")],
    out: Annotated[Path, typer.Option(help="Confirmation publique à renvoyer.")],
    secret_out: Annotated[
        Path, typer.Option(help="Fichier secret final (votre clé de dépouillement).")
    ],
    round2: Annotated[
        list[Path] | None, typer.Option(help="Messages du tour 2 des assesseurs.")
    ] = None,
    spare_out: Annotated[
        Path | None, typer.Option(help="(Président) support de secours, phrase de passe distincte.")
    ] = None,
    passphrase_file: PassFile = None,
    spare_passphrase_file: Annotated[
        Path | None, typer.Option(help="Phrase de passe du support de secours.")
    ] = None,
) -> None:
    """Tour 3 : vérifie les parts reçues, écrit la clé finale et la confirmation publique."""
    c = _ceremony(ceremony)
    pw = _passphrase(passphrase_file, "SCRUTIN_PASSPHRASE", "Phrase de passe", confirm=False)
    s = _open(secret, pw)
    if s.get("role") == dkg.PRESIDENT and spare_out is None:
        raise _fail("le président doit créer le support de secours (--spare-out).")
    try:
        final, confirmation = dkg.round3(c, s, _load_all(round1), _load_all(round2 or []))
    except (dkg.CeremonyError, EncodingError) as exc:
        raise _fail(str(exc)) from None
    if confirmation["complaints"]:
        _write_json(out, confirmation)
        raise _fail(
            f"parts invalides reçues de {confirmation['complaints']} : cérémonie à reprendre."
        )
    _seal_to(secret_out, final, pw, "decryption-key")
    if spare_out is not None and s.get("role") == dkg.PRESIDENT:
        spw = _passphrase(
            spare_passphrase_file,
            "SCRUTIN_SPARE_PASSPHRASE",
            "Phrase de passe du support de secours",
            confirm=True,
        )
        if spw == pw:
            raise _fail("la phrase de passe du support de secours doit être différente.")
        _seal_to(spare_out, final | {"spare": True}, spw, "decryption-key-spare")
    _write_json(out, confirmation)
    typer.echo(
        f"Tour 3 terminé : clé finale dans {secret_out}. Détruisez {secret} ; envoyez {out}.\n"
        f"Clé publique de l'élection : {confirmation['public_key']}"
    )


@trustee_app.command("finalize")
def finalize_cmd(
    ceremony: Annotated[Path, typer.Option(help="ceremony.json.")],
    round1: Annotated[list[Path], typer.Option(help="Messages du tour 1.")],
    round3: Annotated[list[Path], typer.Option(help="Confirmations du tour 3.")],
    out: Annotated[Path, typer.Option(help="trustees.json à écrire (public).")],
) -> None:
    """(Organisateur) Vérifie les confirmations et écrit trustees.json avec la clé publique."""
    c = _ceremony(ceremony)
    try:
        doc = dkg.finalize(c, _load_all(round1), _load_all(round3))
    except (dkg.CeremonyError, EncodingError) as exc:
        raise _fail(str(exc)) from None
    _write_json(out, doc)
    typer.echo(f"trustees.json écrit ({fingerprint(doc)}) ; clé publique {doc['public_key']}")


@trustee_app.command("decrypt")
def decrypt_cmd(
    record: Annotated[
        Path,
        typer.Option(
            help="Répertoire avec election.json, trustees.json, ballots.jsonl, tally.json."
        ),
    ],
    secret: Annotated[
        Path, typer.Option(help="Votre fichier secret final (ou le support de secours).")
    ],
    out: Annotated[Path, typer.Option(help="Déchiffrement partiel à remettre.")],
    passphrase_file: PassFile = None,
) -> None:
    """Déchiffrement partiel du dépouillement, après avoir recalculé l'agrégation des bulletins."""
    try:
        params = parse_parameters(_read_json(record / "election.json"))
        trustees = _read_json(record / "trustees.json")
        keys = dkg.trustee_keys(trustees)
        if fingerprint(trustees) != params.trustees_fingerprint:
            raise _fail("trustees.json ne correspond pas aux paramètres de l'élection.")
        tally_doc = _read_json(record / "tally.json")
        tally = tally_from_json(params, tally_doc)
        summed = aggregate_file(params, record / "ballots.jsonl")
        recomputed = summed.tally
    except (
        TallyError,
        InvalidParameters,
        DecryptionError,
        dkg.CeremonyError,
        EncodingError,
        KeyError,
        ValueError,
    ) as exc:
        raise _fail(f"dossier de dépouillement invalide : {exc}") from None
    g = params.group
    if (
        tally_doc.get("ballot_count") != summed.ballot_count
        or tally_doc.get("ballots") != summed.sha256
        or any(
            not (g.equal(a.alpha, b.alpha) and g.equal(a.beta, b.beta))
            for ra, rb in zip(tally, recomputed, strict=True)
            for a, b in zip(ra, rb, strict=True)
        )
    ):
        raise _fail(
            "le dépouillement présenté n'est pas la somme des bulletins : refus de déchiffrer."
        )
    pw = _passphrase(passphrase_file, "SCRUTIN_PASSPHRASE", "Phrase de passe", confirm=False)
    s = _open(secret, pw)
    trustee = str(s.get("trustee"))
    if trustee not in keys.keys:
        raise _fail("cette clé n'appartient à aucun gardien de cette élection.")
    try:
        share = decode_scalar(g, s.get("share"))
    except EncodingError as exc:
        raise _fail(f"clé illisible : {exc}") from None
    if not g.equal(g.base_mul(share), keys.keys[trustee]):
        raise _fail("cette clé ne correspond pas à la clé publique enregistrée du gardien.")
    doc = partial_decrypt(params, tally, trustee, str(s["role"]), share, fingerprint(tally_doc))
    _write_json(out, doc)
    typer.echo(
        f"Déchiffrement partiel écrit dans {out} ({summed.ballot_count} bulletins) : déposez ce "
        "fichier sur la page « Déchiffrement par les détenteurs de clés » de l'urne."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(trustee_app, name="trustee")
