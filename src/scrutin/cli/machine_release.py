"""``scrutin machine release-bundle`` and ``release-check``: the installable, signed release of
the voting machine (RT 4, 72, 100–101; :mod:`scrutin.machine.release`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def release_bundle(
    out: Annotated[Path, typer.Argument(metavar="DOSSIER")],
    signing_key: Annotated[
        Path, typer.Option("--cle-editeur", help="Graine Ed25519 de l'éditeur (64 hex).")
    ],
    version: Annotated[str, typer.Option("--version")],
    source: Annotated[Path, typer.Option("--source", help="Dossier source de Scrutin.")] = Path(),
) -> None:
    """Construit la version installable signée : paquet, dépendances figées, installateur,
    manifeste des empreintes de chaque fichier installé."""
    import nacl.signing

    from scrutin.machine.release import build_bundle
    from scrutin.release.wheel import ReleaseError

    try:
        key = nacl.signing.SigningKey(bytes.fromhex(signing_key.read_text().strip()))
    except (OSError, ValueError) as exc:
        typer.echo(f"Erreur : clé de l'éditeur illisible ({exc}).", err=True)
        raise typer.Exit(2) from None
    try:
        doc = build_bundle(source, out, key, version)
    except ReleaseError as exc:
        typer.echo(f"Erreur : {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Version {version} : {len(doc['files'])} fichiers, empreinte {doc['sha256']}")
    typer.echo(f"Paquet {doc['bundle']['wheel']} écrit dans {out}")
    typer.echo(
        f"Clé publique de l'éditeur (à recopier dans le paquet d'élection) : {doc['publisher_key']}"
    )


def release_check(
    folder: Annotated[Path, typer.Argument(metavar="DOSSIER")],
    public_key: Annotated[
        str, typer.Option("--cle-publique", help="Clé publique de l'éditeur (64 hex).")
    ],
) -> None:
    """Vérifie une version installable avant de l'installer (signature et empreintes)."""
    from scrutin.machine.release import check_bundle

    problems = check_bundle(folder, public_key.strip().lower())
    for problem in problems:
        typer.echo(f"ERREUR : {problem}", err=True)
    if problems:
        typer.echo("Version NON conforme : ne l'installez pas.", err=True)
        raise typer.Exit(1)
    typer.echo("Version conforme : signée par l'éditeur, aucun fichier modifié.")


def register_release(app: typer.Typer) -> None:
    app.command("release-bundle")(release_bundle)
    app.command("release-check")(release_check)
