"""``scrutin credentials …``: voters' credentials from the shell (CCTP 4.1.4.5, 5.2.3).

``keygen`` makes the dispatch operator's key pair, ``recipient`` registers its public half on
the platform, ``generate`` creates the credentials of one CCI or all with a progress bar,
``regenerate`` replaces one, and ``decrypt-export`` is the operator's side: it checks and
decrypts an export into the CSV used for the letters, e-mails and SMS.
"""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Identifiants des électeurs (codes confidentiels).", no_args_is_help=True)


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
    django.setup()


def _read_key(path: Path, what: str) -> bytes:
    try:
        key = base64.b64decode(path.read_text().strip(), validate=True)
    except (OSError, ValueError) as exc:
        typer.echo(f"Impossible de lire la {what} {path} : {exc}", err=True)
        raise typer.Exit(2) from exc
    if len(key) != 32:
        typer.echo(f"La {what} {path} ne fait pas 32 octets.", err=True)
        raise typer.Exit(2)
    return key


def _write_new(path: Path, text: str, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


@app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Argument(help="Préfixe des fichiers : PREFIXE.cle et PREFIXE.pub")],
) -> None:
    """Crée la paire de clés X25519 de l'opérateur d'expédition (clé privée en mode 0600)."""
    from scrutin.platform.credentials.export import generate_keypair, key_fingerprint

    private, public = generate_keypair()
    private_path, public_path = out.with_suffix(".cle"), out.with_suffix(".pub")
    try:
        _write_new(private_path, base64.b64encode(private).decode() + "\n", 0o600)
        _write_new(public_path, base64.b64encode(public).decode() + "\n", 0o644)
    except FileExistsError as exc:
        typer.echo(f"Le fichier {exc.filename} existe déjà : rien n'a été écrasé.", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Clé privée : {private_path} (à garder hors de la plate-forme)")
    typer.echo(f"Clé publique : {public_path}, empreinte {key_fingerprint(public)}")


@app.command("recipient")
def recipient(
    public_key: Annotated[Path, typer.Argument(help="Fichier .pub de l'opérateur d'expédition.")],
    label: Annotated[str, typer.Option(help="Nom de l'opérateur.")] = "Opérateur d'expédition",
) -> None:
    """Enregistre la clé publique à laquelle les exports de codes sont chiffrés."""
    key = _read_key(public_key, "clé publique")
    _django()
    from scrutin.platform.credentials import services

    registered = services.register_recipient(key, label)
    typer.echo(f"Clé enregistrée : {registered.label}, empreinte {registered.fingerprint}")


def _progress_bar(label: str):  # type: ignore[no-untyped-def]
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    transient=False, disable=not sys.stderr.isatty())  # fmt: skip


@app.command("generate")
def generate(
    cci: Annotated[str | None, typer.Option("--cci", help="Code de la CCI.")] = None,
    all_ccis: Annotated[bool, typer.Option("--all", help="Toutes les CCI.")] = False,
    missing: Annotated[bool, typer.Option(help="Seulement les lignes sans identifiant.")] = False,
    regenerate_all: Annotated[
        bool, typer.Option(help="Remplace TOUS les identifiants existants (motif obligatoire).")
    ] = False,
    reason: Annotated[str, typer.Option(help="Motif d'une régénération.")] = "",
) -> None:
    """Génère les identifiants d'une CCI (ou de toutes) et leur export chiffré."""
    if (cci is None) == (not all_ccis) or (missing and regenerate_all):
        typer.echo("Indiquez --cci CODE ou --all, et au plus un de --missing / --regenerate-all.",
                   err=True)  # fmt: skip
        raise typer.Exit(2)
    _django()
    from scrutin.platform.credentials import services
    from scrutin.platform.credentials.models import GenerationRun
    from scrutin.platform.electoral.models import Cci, Elector

    mode = (GenerationRun.Mode.ALL if regenerate_all
            else GenerationRun.Mode.MISSING if missing else GenerationRun.Mode.NEW)  # fmt: skip
    if all_ccis:
        codes = list(Elector.objects.order_by().values_list("cci_code", flat=True).distinct())
        codes.sort()
    else:
        assert cci is not None
        if not Cci.objects.filter(code=cci).exists():
            typer.echo(f"CCI inconnue : {cci}", err=True)
            raise typer.Exit(2)
        codes = [cci]
    failures = 0
    for code in codes:
        if mode == GenerationRun.Mode.MISSING and services.counts(code)["missing"] == 0:
            typer.echo(f"CCI {code} : toutes les lignes ont déjà un identifiant.")
            continue
        try:
            run = services.new_run(code, mode, reason=reason)
            with _progress_bar(f"CCI {code}") as bar:
                task = bar.add_task(code, total=None)

                def progress(done: int, total: int, task: object = task, bar: object = bar) -> None:
                    bar.update(task, completed=done, total=total)  # type: ignore[attr-defined]

                run = services.generate(run, progress)
        except services.GenerationRefused as exc:
            typer.echo(f"CCI {code} : refusé — {exc}", err=True)
            failures += 1
            continue
        typer.echo(f"CCI {code} : {run.count} identifiants générés.")
        typer.echo(f"  export chiffré : {run.export_path}")
        typer.echo(f"  empreinte SHA-256 de l'export : {run.export_sha256}")
    raise typer.Exit(1 if failures else 0)


@app.command("regenerate")
def regenerate(
    number: Annotated[str, typer.Argument(help="Identifiant (13 chiffres) de l'électeur.")],
    reason: Annotated[str, typer.Option(help="Motif (obligatoire).")],
) -> None:
    """Remplace le code d'un électeur : l'ancien ne fonctionne plus immédiatement."""
    _django()
    from scrutin.platform.credentials import services

    try:
        run = services.regenerate_one(number, reason=reason)
    except services.GenerationRefused as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Identifiant {run.elector_number} régénéré. Export chiffré : {run.export_path}")
    typer.echo(f"  empreinte SHA-256 de l'export : {run.export_sha256}")


@app.command("decrypt-export")
def decrypt_export(
    export: Annotated[Path, typer.Argument(help="Fichier .scrutin-identifiants reçu.")],
    key: Annotated[Path, typer.Option("--key", help="Clé privée de l'opérateur (.cle).")],
    out: Annotated[
        Path | None, typer.Option(help="CSV à créer (mode 0600) ; sinon la sortie standard.")
    ] = None,
    test_environment: Annotated[
        bool, typer.Option("--environnement-test",
                           help="Accepte un export de l'environnement de test (essais, formation).")
    ] = False,
) -> None:  # fmt: skip
    """Vérifie et déchiffre un export (côté opérateur d'expédition, hors plate-forme)."""
    from scrutin.platform.credentials.export import (
        HEADER,
        TEST_MAGIC,
        ExportError,
        is_test_export,
        read_rows,
    )
    from scrutin.platform.csvexport import CsvWriter
    from scrutin.record.writer import file_digest

    private = _read_key(key, "clé privée")
    if not export.is_file():
        typer.echo(f"Fichier introuvable : {export}", err=True)
        raise typer.Exit(2)
    typer.echo(f"Empreinte SHA-256 de l'export : {file_digest(export)} — comparez-la avec celle "
               "affichée par la plate-forme.", err=True)  # fmt: skip
    try:
        target = (
            os.fdopen(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w",
                      newline="", encoding="utf-8")
            if out else None
        )  # fmt: skip
    except FileExistsError as exc:
        typer.echo(f"Le fichier {out} existe déjà : rien n'a été écrasé.", err=True)
        raise typer.Exit(1) from exc
    stream = target or sys.stdout
    writer = CsvWriter(stream)
    count = 0
    try:
        writer.writerow(HEADER)
        for row in read_rows(export, private, accept_test=test_environment):
            writer.writerow(row)
            count += 1
    except ExportError as exc:
        typer.echo(f"Export refusé : {exc}", err=True)
        if target and out:
            target.close()
            out.unlink()
        raise typer.Exit(1) from exc
    finally:
        if target:
            target.close()
    typer.echo(f"{count} identifiants déchiffrés.", err=True)
    with export.open("rb") as fh:
        if is_test_export(fh.read(len(TEST_MAGIC))):
            typer.echo("ATTENTION : export de l'ENVIRONNEMENT DE TEST — ces identifiants ne servent "
                       "qu'aux essais et aux formations.", err=True)  # fmt: skip


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="credentials")
