"""``scrutin ops …``: operations commands — reporting an incident that stops voting to the
journal and the project committee (CCTP 4.2.2.3; docs/ops.md, "Health and metrics")."""

from __future__ import annotations

from typing import Annotated

import typer

ops_app = typer.Typer(help="Exploitation de la plate-forme.", no_args_is_help=True)


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
    django.setup()


@ops_app.command("incident")
def incident_command(
    cause: Annotated[
        str,
        typer.Option(
            "--cause",
            help="database, leader-lost, web-down, redis ou other.",
        ),
    ],
    detail: Annotated[str, typer.Option("--detail", help="Précision libre (courte).")] = "",
    force: Annotated[
        bool,
        typer.Option("--force", help="Signaler même si la même cause l'a été récemment."),
    ] = False,
) -> None:
    """Signale un incident empêchant le vote : il est inscrit au journal et le comité de projet
    (comptes nationaux) est prévenu par courriel ; si la base ne répond pas, il est mis en
    attente sur ce serveur et inscrit dès son retour."""
    _django()
    from scrutin.platform.monitoring import incidents

    if cause not in incidents.CAUSES:
        typer.echo(f"Cause inconnue : « {cause} ». Causes possibles : "
                   + ", ".join(incidents.CAUSES) + ".", err=True)  # fmt: skip
        raise typer.Exit(2)
    if not incidents.report(cause, detail, source="operator", force=force):
        typer.echo("Un incident de cette cause a déjà été signalé récemment : rien de plus "
                   "(--force pour le signaler quand même).")  # fmt: skip
        return
    waiting = (incidents.spool_dir() / "spool.jsonl").exists()
    if waiting:
        typer.echo("Incident enregistré sur ce serveur ; la base ne répond pas : il sera inscrit "
                   "au journal dès son retour.")  # fmt: skip
    else:
        typer.echo("Incident inscrit au journal ; le comité de projet est prévenu par courriel.")


@ops_app.command("restore-check")
def restore_check_command() -> None:
    """Après une restauration des bases, avant de rouvrir le vote (application arrêtée) :
    termine ou abandonne les votes coupés par le point de restauration, puis compare urne par
    urne les bulletins de l'urne et les émargements. Code de sortie 1 à la moindre différence."""
    _django()
    from scrutin.platform.voting.consistency import check_after_restore

    report = check_after_restore()
    typer.echo(f"Votes interrompus : {report.recovered['completed']} terminé(s), "
               f"{report.recovered['dropped']} abandonné(s), {report.recovered['orphans']} "
               "marque(s) orpheline(s) effacée(s).")  # fmt: skip
    for urn in report.urns:
        verdict = "égaux" if urn.ok else "DIFFÉRENTS"
        typer.echo(f"Urne {urn.code} : {urn.ballots} bulletin(s), {urn.emargements} "
                   f"émargement(s) — {verdict}")  # fmt: skip
    if report.pending:
        typer.echo(f"{report.pending} vote(s) en cours d'enregistrement : arrêtez l'application "
                   "avant ce contrôle.")  # fmt: skip
    if not report.ok:
        typer.echo("VERDICT : NE PAS ROUVRIR — les deux bases ne sont pas restaurées au même "
                   "instant (voir la procédure de restauration du manuel d’exploitation, docs/ops.md).")  # fmt: skip
        raise typer.Exit(1)
    typer.echo(f"VERDICT : bulletins = émargements dans les {len(report.urns)} urne(s).")


def register(app: typer.Typer) -> None:
    app.add_typer(ops_app, name="ops")
