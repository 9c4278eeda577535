"""``scrutin data …``: personal data at the end of the election (CCTP 4.2.3): the signed archive
handed back to a CCI, and its check (docs/fr/restitution-destruction.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

data_app = typer.Typer(
    help="Données personnelles en fin d'élection : restitution aux CCI et destruction.",
    no_args_is_help=True,
)


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
    django.setup()


@data_app.command("return")
def return_command(
    cci: Annotated[str, typer.Option("--cci", help="Code de la CCI (trois caractères).")],
    out: Annotated[Path, typer.Option("--out", help="Dossier où écrire l'archive.")],
) -> None:
    """Écrit l'archive signée remise à une CCI en fin d'élection (CCTP 4.2.3) : sa liste
    électorale au format de l'annexe 7, les listes d'émargement de ses urnes, leurs résultats et
    procès-verbaux, et l'extrait du journal qui la concerne."""
    _django()
    from scrutin.platform.personaldata.restitution import UnknownCci, build

    try:
        done = build(cci, out)
    except UnknownCci:
        typer.echo(f"CCI {cci!r} inconnue : aucune archive écrite.", err=True)
        raise typer.Exit(2) from None
    counts = done.counts
    voters = sum(u["emargements"] for u in counts["urns"].values())
    typer.echo(
        f"{done.path} : {counts['electors']} électeur(s), {len(counts['urns'])} urne(s), "
        f"{voters} émargement(s), {counts['journal_entries']} entrée(s) du journal."
    )
    typer.echo(f"Empreinte SHA-256 de l'archive : {done.sha256}")


@data_app.command("destroy")
def destroy_command(
    cci: Annotated[str, typer.Option("--cci", help="Code de la CCI (trois caractères).")],
    override: Annotated[
        str | None,
        typer.Option(
            "--override",
            help="Motif de la décision qui autorise la destruction avant la fin du délai de "
            "recours (inscrit au journal et sur le certificat).",
        ),
    ] = None,
) -> None:
    """Détruit les données personnelles d'une CCI après le délai de recours (CCTP 4.2.3) :
    électeurs, émargements, identifiants, envois, demandes de renvoi, contacts de l'assistance,
    fichiers déposés et listes produites. Garde le registre public, les scellements, les
    résultats et les procès-verbaux. Écrit un certificat de destruction signé."""
    _django()
    from scrutin.platform.personaldata.destruction import DestructionRefused, destroy
    from scrutin.platform.personaldata.restitution import UnknownCci

    try:
        done = destroy(cci, override=override)
    except UnknownCci:
        typer.echo(f"CCI {cci!r} inconnue : rien n'est détruit.", err=True)
        raise typer.Exit(2) from None
    except DestructionRefused as exc:
        typer.echo(f"Destruction refusée. {exc}", err=True)
        raise typer.Exit(1) from None
    rows = sum(done.certificate["tables"].values())
    files = sum(done.certificate["folders"].values())
    typer.echo(f"Données personnelles de la CCI {cci} détruites : {rows} ligne(s), {files} "
               f"fichier(s).")  # fmt: skip
    typer.echo(f"Certificat de destruction signé : {done.path}")
    if done.outside:
        typer.echo("Fichiers hors des dossiers de la plate-forme, à détruire par l'exploitant :")
        for path in done.outside:
            typer.echo(f"  {path}")


@data_app.command("check-return")
def check_return_command(
    archive: Annotated[Path, typer.Argument(help="Archive de restitution (.tar.gz).")],
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="Clé publique attendue (64 hexadécimaux).")
    ] = None,
) -> None:
    """Vérifie une archive de restitution : signature de la plate-forme et empreinte de chaque
    fichier. Code de sortie 0 seulement si tout tient. N'utilise pas la base de données."""
    from scrutin.platform.personaldata.check import RestitutionError, check

    try:
        document = check(archive, expected_key=public_key)
    except RestitutionError as exc:
        typer.echo(f"Archive NON conforme : {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"Archive conforme : CCI {document['cci']}, {len(document['files'])} fichier(s), "
        f"signée par la clé {document['platform_key']}."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
