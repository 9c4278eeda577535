"""``scrutin record …``: the public election record (simulation for tests, demos, benchmarks)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from scrutin.crypto.group import GROUP_NAMES
from scrutin.record.simulate import SimulationError, simulate
from scrutin.verify.report import TEST_WARNING

record_app = typer.Typer(help="Registre public de l'élection.", no_args_is_help=True)


@record_app.command("simulate")
def simulate_cmd(
    voters: Annotated[int, typer.Option(help="Nombre de votants simulés.", min=0)],
    out: Annotated[Path, typer.Option(help="Répertoire du registre à créer.")],
    group: Annotated[str, typer.Option(help="Groupe : ristretto255 ou P-256.")] = "ristretto255",
    assessors: Annotated[int, typer.Option(help="Nombre d'assesseurs gardiens.", min=1)] = 3,
    threshold: Annotated[int, typer.Option(help="Assesseurs requis au dépouillement.", min=1)] = 2,
    workers: Annotated[
        int, typer.Option(help="Processus de chiffrement (0 = tous les cœurs).")
    ] = 0,
    seed: Annotated[int | None, typer.Option(help="Graine des choix simulés.")] = None,
) -> None:
    """Simule une urne à deux questions (CCIR 12/6, CCIT 30/15) et son dépouillement à seuil."""
    if group not in GROUP_NAMES:
        typer.echo(f"Erreur : groupe inconnu {group!r}.", err=True)
        raise typer.Exit(2)
    if threshold > assessors:
        typer.echo("Erreur : le seuil dépasse le nombre d'assesseurs.", err=True)
        raise typer.Exit(2)
    if out.exists() and any(out.iterdir()):
        typer.echo(f"Erreur : {out} existe et n'est pas vide.", err=True)
        raise typer.Exit(2)
    try:
        summary = simulate(
            out,
            voters,
            group=group,
            assessors=assessors,
            threshold=threshold,
            workers=workers or os.cpu_count() or 1,
            seed=seed,
        )
    except SimulationError as exc:
        typer.echo(f"Erreur : {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"Registre écrit dans {out} : {summary.voters} bulletins, déchiffré par "
        f"{', '.join(summary.decrypted_by)}.\nVotes blancs par question : {summary.blank}"
    )


@record_app.command("recount")
def recount_cmd(
    directory: Annotated[Path, typer.Argument(help="Répertoire du registre d'une urne.")],
    workers: Annotated[int, typer.Option(help="Processus (0 = tous les cœurs).")] = 0,
) -> None:
    """Refait le dépouillement depuis le registre scellé et compare octet par octet (CCTP 4.2.2.2)."""
    from scrutin.crypto.decryption import DecryptionError
    from scrutin.crypto.encoding import EncodingError
    from scrutin.crypto.params import InvalidParameters
    from scrutin.record.recount import recount
    from scrutin.record.tally import TallyError

    try:
        outcome = recount(directory, workers=workers or None)
    except (OSError, ValueError, KeyError, TypeError, TallyError, DecryptionError, EncodingError,
            InvalidParameters) as exc:  # fmt: skip
        typer.echo(f"Erreur : registre illisible ou incomplet ({exc}).", err=True)
        raise typer.Exit(2) from None
    for name in outcome.documents:
        mark = "DIFFÉRENT" if name in outcome.differences else "identique"
        typer.echo(f"{name} : {mark}")
    if outcome.differences:
        typer.echo("Le recomptage ne reproduit pas le registre.", err=True)
        raise typer.Exit(1)
    typer.echo("Recomptage identique, octet pour octet, au registre scellé.")
    if _from_test_instance(directory):
        typer.echo(TEST_WARNING)


def _from_test_instance(directory: Path) -> bool:
    """The record's manifest carries ``"environment"`` (docs/protocol.md §15)."""
    import json

    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "environment" in manifest


def register(app: typer.Typer) -> None:
    app.add_typer(record_app, name="record")
