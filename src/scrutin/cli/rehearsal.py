"""``scrutin rehearsal …``: the general rehearsal on a test instance (CCTP 5.1.1.6;
docs/fr/repetition-generale.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

rehearsal_app = typer.Typer(
    help="Répétition générale sur l'environnement de test : préparation et remise à zéro.",
    no_args_is_help=True,
)


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
    django.setup()


@rehearsal_app.command("create")
def create_command(
    structure: Annotated[
        Path, typer.Option("--structure", help="Fichier de structure électorale (annexe 7.1.2).")
    ],
    cci: Annotated[
        list[str] | None,
        typer.Option("--cci", help="Code d'une CCI (répétable) ; toutes celles du fichier sinon."),
    ] = None,
    electors: Annotated[
        int | None, typer.Option("--electors", help="Nombre d'électeurs fictifs par urne.")
    ] = None,
    real_list: Annotated[
        list[Path] | None,
        typer.Option(
            "--real-list",
            help="Liste électorale réelle d'une CCI (annexe 7, répétable), sans aucun envoi.",
        ),
    ] = None,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Adresse de l'environnement de test.")
    ] = "http://127.0.0.1:8000",
) -> None:
    """Prépare la répétition générale (CCTP 5.1.1.6) : importe la structure réelle, puis pour
    chaque CCI des électeurs fictifs dans chacune de ses urnes, ou sa liste réelle sans qu'aucun
    courriel, SMS ou courrier ne parte. Refusé hors de l'environnement de test."""
    _django()
    from scrutin.platform import rehearsal

    try:
        done = rehearsal.create(structure, ccis=cci, electors=electors, real_lists=real_list)
    except rehearsal.RehearsalRefused as exc:
        typer.echo(f"Répétition refusée. {exc}", err=True)
        raise typer.Exit(1) from None
    for line in done.lines:
        typer.echo(line)
    for code, urns in done.ccis.items():
        detail = ", ".join(f"{urn} : {n}" for urn, n in urns.items())
        typer.echo(f"CCI {code} : {sum(urns.values())} électeur(s) ({detail})")
    typer.echo("\n".join(rehearsal.next_steps(base_url, sorted(done.ccis))))


@rehearsal_app.command("reset")
def reset_command(
    cci: Annotated[str, typer.Option("--cci", help="Code de la CCI (trois caractères).")],
) -> None:
    """Remet à zéro la répétition d'une CCI : électeurs, identifiants, bulletins, émargements,
    candidatures, cérémonie des clés, scellements des urnes, dépouillement et registre. La
    structure reste. Refusé hors de l'environnement de test."""
    _django()
    from scrutin.platform import rehearsal

    try:
        counts = rehearsal.reset(cci)
    except rehearsal.RehearsalRefused as exc:
        typer.echo(f"Remise à zéro refusée. {exc}", err=True)
        raise typer.Exit(1) from None
    rows = sum(counts["tables"].values())
    files = sum(counts["folders"].values())
    typer.echo(f"Répétition de la CCI {cci} remise à zéro : {rows} ligne(s), {files} fichier(s) "
               "supprimés. La COE peut recommencer (scrutin rehearsal create).")  # fmt: skip
    from scrutin.platform.sealing.services import platform_seal_in_force

    if platform_seal_in_force() is not None:
        typer.echo("La plate-forme est scellée : pour sceller de nouveau ses urnes, la COE attend "
                   "que CCI France lève le scellement national (page Scellement), puis le refasse "
                   "quand toutes les urnes sont scellées.")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(rehearsal_app, name="rehearsal")
