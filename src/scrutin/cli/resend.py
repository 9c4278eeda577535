"""``scrutin resend …``: retention of the resend requests and their identity documents (issue
14; docs/resend.md): end of the appeal period, purge after it, rotation of the documents' key."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

resend_app = typer.Typer(help="Renvoi du matériel de vote : conservation et suppression.",
                         no_args_is_help=True)  # fmt: skip


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
    django.setup()


@resend_app.command("fin-recours")
def appeal_end_command(
    fin: Annotated[str, typer.Argument(help="Fin du délai de recours, AAAA-MM-JJ.")],
    cci: Annotated[str, typer.Option("--cci", help="Code de la CCI (sans : toutes les CCI).")] = "",
) -> None:
    """Fixe la fin du délai de recours d'une CCI (ou de toutes) : après cette date, « scrutin
    resend purge » supprime les demandes et les pièces d'identité."""
    _django()
    from scrutin.platform.electoral.models import Cci
    from scrutin.platform.resend.retention import set_appeal_end

    try:
        ends_on = date.fromisoformat(fin)
    except ValueError:
        typer.echo(
            f"Date {fin!r} non valide : écrivez-la AAAA-MM-JJ (exemple : 2027-01-15).", err=True
        )
        raise typer.Exit(2) from None
    if cci and not Cci.objects.filter(code=cci).exists():
        typer.echo(f"CCI {cci!r} inconnue.", err=True)
        raise typer.Exit(2)
    set_appeal_end(cci, ends_on, actor="ligne de commande")
    typer.echo(f"Fin du délai de recours {'de la CCI ' + cci if cci else 'de toutes les CCI'} : "
               f"{ends_on:%d/%m/%Y}.")  # fmt: skip


@resend_app.command("purge")
def purge_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Afficher ce qui serait supprimé, sans supprimer.")
    ] = False,
) -> None:
    """Supprime les demandes de renvoi et les pièces d'identité des CCI dont le délai de
    recours est terminé, et affiche ce qui a été supprimé."""
    _django()
    from scrutin.platform.resend.retention import purge

    report = purge(dry_run=dry_run, actor="ligne de commande")
    verb = "seraient supprimées" if dry_run else "supprimées"
    if not report:
        typer.echo("Aucune demande à supprimer (aucun délai de recours terminé).")
    total = 0
    for item in report:
        where = f"CCI {item.cci_code}" if item.cci_code else "file nationale"
        typer.echo(f"{where} (délai de recours terminé le {item.ends_on:%d/%m/%Y}) : "
                   f"{item.requests} demande(s) et {item.documents} pièce(s) d'identité {verb}.")  # fmt: skip
        if item.references:
            typer.echo(f"  références : {', '.join(item.references)}")
        total += item.requests
    typer.echo(f"Total : {total} demande(s) {verb}.")


@resend_app.command("rotate-key")
def rotate_key_command() -> None:
    """Crée une nouvelle clé de chiffrement des pièces d'identité et chiffre à nouveau toutes
    les pièces avec elle."""
    _django()
    from scrutin.platform.resend.retention import rotate_key

    try:
        key_id, count, dropped = rotate_key(actor="ligne de commande")
    except RuntimeError as exc:
        typer.echo(f"Changement de clé impossible : {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Nouvelle clé {key_id} : {count} pièce(s) chiffrée(s) à nouveau ; "
               f"anciennes clés retirées : {', '.join(dropped) or 'aucune'}.")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(resend_app, name="resend")
