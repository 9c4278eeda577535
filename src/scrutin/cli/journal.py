"""``scrutin journal …``: export, verify and sign checkpoints of the tamper-evident journal
(CCTP 4.2.2.1; docs/journal.md). ``verify FILE`` needs neither Django nor the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scrutin.verify.journal import MalformedExport, read_export, verify_export

journal_app = typer.Typer(help="Journal des opérations, chaîné et signé.", no_args_is_help=True)


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
    django.setup()


@journal_app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", help="Fichier à écrire (lignes JSON).")],
    checkpoints_only: Annotated[
        bool, typer.Option("--checkpoints-only", help="Seulement les points de contrôle signés.")
    ] = False,
) -> None:
    """Exporte le journal : entrées, points de contrôle signés et clé publique (un point de
    contrôle de la dernière entrée est signé juste avant)."""
    _django()
    from scrutin.platform.audit.journal import export

    entries, checkpoints = export(out, checkpoints_only=checkpoints_only)
    typer.echo(f"{out} : {entries} entrée(s), {checkpoints} point(s) de contrôle signé(s).")


@journal_app.command("checkpoint")
def checkpoint_command() -> None:
    """Signe maintenant un point de contrôle de la dernière entrée."""
    _django()
    from scrutin.platform.audit.journal import sign_checkpoint

    checkpoint = sign_checkpoint()
    if checkpoint is None:
        typer.echo("Journal vide : aucun point de contrôle.")
        return
    typer.echo(f"Point de contrôle signé sur l'entrée {checkpoint.sequence} : {checkpoint.hash}")


@journal_app.command("verify")
def verify_command(
    file: Annotated[
        Path | None, typer.Argument(help="Export à vérifier (scrutin journal export).")
    ] = None,
    database: Annotated[
        bool, typer.Option("--database", help="Vérifier le journal de la base de données.")
    ] = False,
    checkpoints: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoints", help="Points de contrôle conservés à part (export --checkpoints-only)."
        ),
    ] = None,
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="Clé publique attendue (64 hexadécimaux).")
    ] = None,
) -> None:
    """Vérifie le chaînage, les empreintes et les signatures ; dit où se trouve toute
    modification, suppression, insertion ou inversion. Code de sortie 0 seulement si tout tient."""
    if (file is None) == (not database):
        typer.echo("Indiquez un fichier d'export OU --database.", err=True)
        raise typer.Exit(2)
    if database:
        _django()
        from scrutin.platform.audit.journal import verify_database

        report = verify_database()
    else:
        assert file is not None
        try:
            export = read_export(file)
            extra = [cp for path in checkpoints or [] for cp in read_export(path).checkpoints]
        except (OSError, MalformedExport) as exc:
            typer.echo(f"Export illisible : {exc}", err=True)
            raise typer.Exit(2) from None
        report = verify_export(export, extra_checkpoints=extra, expected_public_key=public_key)
    typer.echo(report.render())
    raise typer.Exit(0 if report.valid else 1)


def register(app: typer.Typer) -> None:
    app.add_typer(journal_app, name="journal")
