"""``scrutin verify DIR``: the independent verifier (exit 0 only if every check holds).
``scrutin verify --seals DIR_OR_URL [--code PATH] [--site URL]``: the seals, at any time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from scrutin.verify.record import verify_record


def _seals(source: str, code: Path | None, site: str | None, key: str | None) -> bool:
    from scrutin.verify.seals import verify_seals

    report = verify_seals(source, code=code, site=site, platform_key=key)
    typer.echo(report.render())
    return report.valid


def verify(
    directory: Annotated[
        Path | None, typer.Argument(metavar="DIR", help="Répertoire du registre public.")
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Processus de vérification (0 = tous les cœurs).")
    ] = 0,
    seals: Annotated[
        str | None,
        typer.Option("--seals", metavar="DIR_OR_URL",
                     help="Vérifie les scellements : répertoire, fichier JSON ou adresse du site."),
    ] = None,
    code: Annotated[
        Path | None,
        typer.Option("--code", help="Avec --seals : recalcule l'empreinte du code de ce paquet scrutin."),
    ] = None,
    site: Annotated[
        str | None,
        typer.Option("--site", help="Avec --seals : télécharge et compare les ressources servies par ce site."),
    ] = None,
    platform_key: Annotated[
        str | None,
        typer.Option("--cle-plateforme", help="Avec --seals : clé publique Ed25519 attendue (64 hex)."),
    ] = None,
) -> None:  # fmt: skip
    """Vérifie un registre d'élection (preuves, agrégation, déchiffrements, résultat, empreintes)
    et/ou les scellements de la plate-forme et des urnes (--seals)."""
    if directory is None and seals is None:
        typer.echo("Indiquez le répertoire d'un registre, ou --seals.", err=True)
        raise typer.Exit(2)
    if seals is None and (code or site or platform_key):
        typer.echo("--code, --site et --cle-plateforme s'utilisent avec --seals.", err=True)
        raise typer.Exit(2)
    valid = True
    try:
        if directory is not None:
            report = verify_record(directory, workers or os.cpu_count() or 1)
            typer.echo(report.render())
            valid = report.valid
        if seals is not None:
            valid = _seals(seals, code, site, platform_key) and valid
    except Exception as exc:  # the verifier never shows a traceback, even on a bug
        typer.echo(
            f"Erreur inattendue pendant la vérification : {type(exc).__name__}: {exc}", err=True
        )
        raise typer.Exit(2) from None
    raise typer.Exit(0 if valid else 1)


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
