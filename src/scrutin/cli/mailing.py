"""``scrutin mailing …``: the e-mail/SMS campaigns from the shell (CCTP 5.2.3, docs/mailing.md).

``collect-bounces`` reads the bounce mailbox once (maildir and/or IMAP, from the settings or the
options) and prints what it found; ``test`` starts the test campaign of a CCI (5.2.3.1);
``dispatch-due`` starts the voting material by e-mail of every CCI whose COE scheduled it and
whose vote is open (CCTP 4.1.4.1 "dès l'ouverture"): run it from a timer every minute around the
opening; it is idempotent (a CCI whose material left is skipped).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

app = typer.Typer(help="Envois aux électeurs par courriel et SMS.", no_args_is_help=True)


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
    django.setup()


LABELS = {
    "read": "messages lus", "bounced": "adresses rejetées rattachées à un électeur",
    "delivered": "remises confirmées", "unmatched": "avis non rattachés",
    "already": "avis déjà pris en compte", "not_a_report": "messages qui ne sont pas des avis",
    "too_big": "messages trop volumineux ignorés", "other": "avis de retard ou de relais",
}  # fmt: skip


@app.command("collect-bounces")
def collect_bounces(
    maildir: Annotated[
        str | None, typer.Option(help="Dossier maildir des avis de non-remise")
    ] = None,
    imap: Annotated[
        str | None, typer.Option(help="Boîte IMAP : imaps://compte:mot-de-passe@serveur/INBOX")
    ] = None,
) -> None:
    """Relève la boîte des avis de non-remise et rattache chaque rejet à son électeur."""
    _django()
    from scrutin.platform.mailing.bounces import collect

    try:
        counts = collect(maildir=maildir, imap_url=imap)
    except (OSError, FileNotFoundError) as exc:
        typer.echo(f"Boîte des avis de non-remise illisible : {exc}", err=True)
        raise typer.Exit(2) from exc
    if not counts:
        typer.echo("Aucun nouvel avis de non-remise.")
    for key, value in counts.items():
        typer.echo(f"{LABELS.get(key, key)} : {value}")


@app.command("test")
def start_test(cci: Annotated[str, typer.Argument(help="Code de la CCI, par exemple 011")]) -> None:
    """Envoie le courriel de test à chaque électeur de la CCI qui a une adresse (CCTP 5.2.3.1)."""
    _django()
    from scrutin.platform.mailing import services

    try:
        campaign = services.start_campaign("test", cci, None, user=None)
    except services.CampaignError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    campaign.refresh_from_db()
    typer.echo(
        f"Envoi de test n° {campaign.pk} : {campaign.total} courriels prévus ({campaign.get_status_display().lower()})."
    )


@app.command("dispatch-due")
def dispatch_due() -> None:
    """Lance l'envoi programmé du matériel de vote des CCI dont le vote est ouvert."""
    _django()
    from scrutin.platform.mailing.schedule import dispatch_due as due

    done = due()
    if not done:
        typer.echo("Aucun envoi programmé à lancer maintenant.")
    failed = False
    for cci, outcome in done:
        if isinstance(outcome, str):
            failed = True
            typer.echo(f"CCI {cci} : envoi refusé. {outcome}", err=True)
        else:
            typer.echo(
                f"CCI {cci} : envoi du matériel lancé ({outcome.total} messages, envoi n° {outcome.pk})."
            )
    if failed:
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="mailing")
