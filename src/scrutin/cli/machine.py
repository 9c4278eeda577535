"""``scrutin machine …``: the polling-station voting machine (docs/fr/machine.md).

``prepare`` loads a town hall's package onto the two supports and writes the key files;
``show`` checks and summarises a package; ``control`` and ``terminal`` start the control module
and a voter terminal on the loopback interface only (RT 73); ``release-manifest`` signs the
installed code for the self-test (RT 4); ``print`` writes the preparation printout and the
initialisation and results procès-verbaux as PDF (RT 3, 5, 19).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from scrutin.core.counting.presets import PRESETS
from scrutin.machine.core import files, keys
from scrutin.machine.core.package import ROLES, PackageError, parse_package

app = typer.Typer(
    help="Machine à voter du bureau de vote (règlement technique de 2003).",
    no_args_is_help=True,
)
LOOPBACK = "127.0.0.1"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"Erreur : {message}", err=True)
    return typer.Exit(code=code)


def _package(path: Path) -> object:
    try:
        return files.load_package(path)
    except files.PreparationError as exc:
        raise _fail(str(exc)) from None


@app.command("show")
def show(package: Annotated[Path, typer.Argument(metavar="PAQUET.json")]) -> None:
    """Vérifie un paquet d'élection et en affiche le contenu (RT 3)."""
    try:
        p = parse_package(_package(package))
    except PackageError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"Commune : {p.commune} (INSEE {p.insee}), bureau n° {p.bureau_number} {p.bureau_name}"
    )
    typer.echo(f"Date : {p.election_date:%d/%m/%Y}, de {p.opening:%H:%M} à {p.closing:%H:%M}")
    typer.echo(f"Terminaux : {p.terminals} ; taille des caractères : {p.font_size} pixels")
    for m in p.members:
        typer.echo(f"  {ROLES[m.role]} : {m.name}{' (détient une clé)' if m.key_holder else ''}")
    for s in p.scrutins:
        typer.echo(
            f"Scrutin « {s.title} » ({PRESETS[s.preset].title}), {s.seats} siège(s), "
            f"{s.registered} inscrits"
        )
        for b in s.ballots:
            if len(s.ballots) > 1:
                typer.echo(f"  Question : {b.text}")
            for c in b.choices:
                extra = f" — {len(c.members)} candidats" if c.members else ""
                typer.echo(f"    {c.name}{f' ({c.detail})' if c.detail else ''}{extra}")
    typer.echo(f"Empreinte du paquet : {p.fingerprint}")


@app.command("prepare")
def prepare(
    package: Annotated[Path, typer.Argument(metavar="PAQUET.json")],
    internal: Annotated[Path, typer.Option("--interne", help="Mémoire interne de la machine.")],
    removable: Annotated[Path, typer.Option("--amovible", help="Support amovible (copie).")],
    key_dir: Annotated[Path, typer.Option("--cles", help="Dossier où écrire les fichiers de clé.")],
    codes_file: Annotated[
        Path | None,
        typer.Option("--codes", help="Fichier JSON des codes secrets (sinon, ils sont demandés)."),
    ] = None,
) -> None:
    """Fonction 1 : charge le paquet sur les deux supports et crée les clés (RT 1 à 3, 7)."""
    doc = _package(package)
    try:
        p = parse_package(doc)
    except PackageError as exc:
        raise _fail(str(exc)) from None
    holders = [keys.PRESIDENT, *keys.ASSESSORS[: len(p.key_assessors)]]
    if codes_file is not None:
        try:
            codes = {h: str(json.loads(codes_file.read_text(encoding="utf-8"))[h]) for h in holders}
        except (OSError, ValueError, KeyError) as exc:
            raise _fail(f"fichier des codes illisible ou incomplet ({exc}).") from None
    else:
        codes = {
            h: typer.prompt(f"Code secret de la clé « {keys.label(h)} » (12 caractères au moins)",
                            hide_input=True, confirmation_prompt=True)
            for h in holders
        }  # fmt: skip
    key_dir.mkdir(parents=True, exist_ok=True)
    key_files = {h: key_dir / f"{h}.cle" for h in holders}
    for path in (internal, removable):
        path.mkdir(parents=True, exist_ok=True)
    try:
        files.prepare(doc, internal, removable, codes, key_files)
    except (files.PreparationError, keys.MachineKeyError, PackageError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Machine préparée. Empreinte du paquet : {p.fingerprint}")
    for h, path in key_files.items():
        typer.echo(f"Clé « {keys.label(h)} » écrite dans {path} : remettez-la à son détenteur.")


def _serve(env: dict[str, str], port: int, threads: int) -> None:
    command = [
        sys.executable, "-m", "gunicorn", "scrutin.machine.wsgi:application",
        "--bind", f"{LOOPBACK}:{port}", "--workers", "1", "--threads", str(threads),
        "--access-logfile", "-", "--graceful-timeout", "5",
    ]  # fmt: skip
    raise typer.Exit(subprocess.call(command, env={**os.environ, **env}))  # noqa: S603


@app.command("control")
def control(
    internal: Annotated[Path, typer.Option("--interne")],
    removable: Annotated[Path, typer.Option("--amovible")],
    port: Annotated[int, typer.Option("--port")] = 8700,
    manifest: Annotated[
        Path | None, typer.Option("--manifeste", help="Manifeste signé de la version installée.")
    ] = None,
) -> None:
    """Démarre le module de contrôle du président (adresse locale uniquement)."""
    for path in (internal, removable):
        if not (path / files.PACKAGE).is_file():
            raise _fail(f"{path} ne contient pas de machine préparée (scrutin machine prepare).")
    env = {
        "DJANGO_SETTINGS_MODULE": "scrutin.machine.settings",
        "SCRUTIN_MACHINE_ROLE": "control",
        "SCRUTIN_MACHINE_INTERNAL": str(internal.resolve()),
        "SCRUTIN_MACHINE_REMOVABLE": str(removable.resolve()),
        "SCRUTIN_MACHINE_LINK_KEY": str((internal / files.LINK_KEY).resolve()),
        "SCRUTIN_MACHINE_RELEASE_MANIFEST": str(manifest.resolve()) if manifest else "",
    }
    typer.echo(f"Module de contrôle : http://{LOOPBACK}:{port}/")
    _serve(env, port, threads=4)


@app.command("terminal")
def terminal(
    number: Annotated[int, typer.Option("--numero", help="Numéro du terminal (1, 2…).")],
    link_key: Annotated[Path, typer.Option("--cle-liaison", help="Clé de liaison (link.key).")],
    port: Annotated[int, typer.Option("--port")] = 8701,
    control_url: Annotated[str, typer.Option("--controle")] = f"http://{LOOPBACK}:8700",
) -> None:
    """Démarre un terminal de vote, à afficher en plein écran (chromium --kiosk)."""
    if not control_url.startswith((f"http://{LOOPBACK}:", "http://localhost:")):
        raise _fail("le module de contrôle doit être sur la liaison locale (127.0.0.1).")
    env = {
        "DJANGO_SETTINGS_MODULE": "scrutin.machine.settings",
        "SCRUTIN_MACHINE_ROLE": "terminal",
        "SCRUTIN_MACHINE_TERMINAL": str(number),
        "SCRUTIN_MACHINE_CONTROL_URL": control_url,
        "SCRUTIN_MACHINE_LINK_KEY": str(link_key.resolve()),
    }
    typer.echo(f"Terminal {number} : http://{LOOPBACK}:{port}/")
    _serve(env, port, threads=2)


@app.command("preparation")
def preparation(port: Annotated[int, typer.Option("--port")] = 8690) -> None:
    """Démarre le formulaire de la mairie qui construit le paquet d'élection (adresse locale)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "scrutin.machine.settings",
        "SCRUTIN_MACHINE_ROLE": "preparation",
    }
    typer.echo(f"Formulaire de préparation : http://{LOOPBACK}:{port}/")
    _serve(env, port, threads=2)


@app.command("release-manifest")
def release_manifest(
    out: Annotated[Path, typer.Argument(metavar="MANIFESTE.json")],
    signing_key: Annotated[
        Path, typer.Option("--cle-editeur", help="Graine Ed25519 de l'éditeur (64 hex).")
    ],
    version: Annotated[str, typer.Option("--version")],
) -> None:
    """Signe les empreintes du logiciel installé (contrôlées par l'autotest, RT 4)."""
    import nacl.signing

    from scrutin.crypto.encoding import canonical_json
    from scrutin.machine.core.selftest import release_manifest as manifest

    try:
        key = nacl.signing.SigningKey(bytes.fromhex(signing_key.read_text().strip()))
    except (OSError, ValueError) as exc:
        raise _fail(f"clé de l'éditeur illisible ({exc}).") from None
    doc = manifest(key, version)
    out.write_bytes(canonical_json(doc))
    typer.echo(f"{len(doc['files'])} fichiers, empreinte {doc['sha256']}")
    typer.echo(
        f"Clé publique de l'éditeur (à recopier dans le paquet d'élection) : {doc['publisher_key']}"
    )


PRINTOUTS = ("preparation", "initialisation", "resultats")


@app.command("print")
def print_pdf(
    what: Annotated[str, typer.Argument(metavar="preparation|initialisation|resultats")],
    out: Annotated[Path, typer.Argument(metavar="SORTIE.pdf")],
    internal: Annotated[Path, typer.Option("--interne", help="Mémoire interne (ou sa copie).")],
    scrutin: Annotated[
        str | None, typer.Option("--scrutin", help="Code du scrutin (pour « resultats »).")
    ] = None,
) -> None:
    """Imprime la préparation, le procès-verbal d'initialisation ou celui des résultats (PDF)."""
    from scrutin.machine.printouts import (
        PrintoutError,
        initialisation_of,
        package_of,
        preparation_pdf,
        results_of,
    )

    if what not in PRINTOUTS:
        raise _fail(f"« {what} » : choisissez preparation, initialisation ou resultats.")
    try:
        if what == "preparation":
            data = preparation_pdf(package_of(internal))
        elif what == "initialisation":
            data = initialisation_of(internal)  # read only: the control module may run
        else:
            if scrutin is None:
                raise _fail(
                    "précisez le scrutin : --scrutin CODE (voir l'impression de la préparation)."
                )
            data = results_of(internal, scrutin)
    except (files.PreparationError, PrintoutError, PackageError) as exc:
        raise _fail(str(exc)) from None
    out.write_bytes(data)
    typer.echo(f"Écrit : {out}")


def register(root: typer.Typer) -> None:
    from scrutin.cli.machine_journal import app as journal_app
    from scrutin.cli.machine_release import register_release

    app.add_typer(journal_app, name="journal")
    register_release(app)
    root.add_typer(app, name="machine")


def _register_centralisation() -> None:
    """``results-export``, ``results-ack`` and ``centralise`` (RT 22, 23, 28)."""
    from scrutin.cli import machinecentral

    machinecentral.register(app)


_register_centralisation()
