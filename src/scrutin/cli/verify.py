"""``scrutin verify DIR``: the independent verifier (exit 0 only if every check holds)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from scrutin.verify.record import verify_record


def verify(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Répertoire du registre public.")
    ],
    workers: Annotated[
        int, typer.Option(help="Processus de vérification (0 = tous les cœurs).")
    ] = 0,
) -> None:
    """Vérifie un registre d'élection : preuves, agrégation, déchiffrements, résultat, empreintes."""
    try:
        report = verify_record(directory, workers or os.cpu_count() or 1)
    except Exception as exc:  # the verifier never shows a traceback, even on a bug
        typer.echo(
            f"Erreur inattendue pendant la vérification : {type(exc).__name__}: {exc}", err=True
        )
        raise typer.Exit(2) from None
    typer.echo(report.render())
    raise typer.Exit(0 if report.valid else 1)


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
