"""``scrutin seats FILE.json``: count one election and print its result as JSON."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from scrutin.core.counting import CountingInputError, count_json


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    return Path(source).read_text(encoding="utf-8")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Erreur : {message}", err=True)
    return typer.Exit(code=2)


def seats(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE.json",
            help="Élection au format JSON (docs/counting.md) ; « - » pour l'entrée standard.",
        ),
    ],
) -> None:
    """Calcule le résultat et la répartition des sièges d'une élection et l'affiche en JSON."""
    try:
        text = _read(file)
    except OSError as exc:
        raise _fail(f"impossible de lire « {file} » ({exc.strerror or exc}).") from None
    except UnicodeDecodeError:
        raise _fail(f"« {file} » n'est pas un fichier texte UTF-8.") from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise _fail(
            f"JSON invalide, ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}."
        ) from None
    try:
        result = count_json(data)
    except CountingInputError as exc:
        raise _fail(str(exc)) from None
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    app.command("seats")(seats)
