"""``scrutin accounts …``: managers file (annex 7.1.4) and roles from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

accounts_app = typer.Typer(help="Comptes gestionnaires (annexe 7.1.4).", no_args_is_help=True)


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
    django.setup()


@accounts_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="Fichier CSV des gestionnaires.")],
    json_report: Annotated[bool, typer.Option("--json", help="Compte rendu en JSON.")] = False,
    base_url: Annotated[
        str | None, typer.Option(help="Adresse du site gestionnaire pour le lien d'activation.")
    ] = None,
) -> None:
    """Crée ou met à jour les comptes ; chaque nouveau compte reçoit son lien d'activation."""
    if not file.is_file():
        typer.echo(f"Fichier introuvable : {file}", err=True)
        raise typer.Exit(2)
    _django()
    from scrutin.platform.accounts.services import import_managers

    result = import_managers(file, base_url=base_url)
    report = result.report
    if json_report:
        payload = report.as_json() | {"created": result.created, "updated": result.updated,
                                      "mailed": result.mailed, "unsent": result.unsent,
                                      "mail_error": result.mail_error}  # fmt: skip
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        verdict = "ACCEPTÉ" if report.accepted else "REFUSÉ (aucun compte créé)"
        typer.echo(f"Gestionnaires {file.name} : {verdict} — {report.rows} lignes, "
                   f"{report.blocking} erreur(s) bloquante(s)")  # fmt: skip
        for issue in report.issues:
            kind = "BLOQUANT" if issue.blocking else "information"
            where = f"ligne {issue.line}" + (f", {issue.column}" if issue.column else "")
            value = f" [{issue.value}]" if issue.value else ""
            typer.echo(f"  {where}{value} — {kind} : {issue.message}")
        if report.accepted:
            typer.echo(f"  Comptes créés : {len(result.created)}, mis à jour : "
                       f"{len(result.updated)}, courriels envoyés : {len(result.mailed)}")  # fmt: skip
    if result.mail_error:
        typer.echo(f"Comptes enregistrés, mais {len(result.unsent)} courriel(s) d'activation non "
                   f"envoyé(s) ({', '.join(result.unsent)}). {result.mail_error}", err=True)  # fmt: skip
        raise typer.Exit(4)
    raise typer.Exit(0 if report.accepted else 1)


@accounts_app.command("resend-activation")
def resend_activation_command(
    emails: Annotated[
        list[str] | None,
        typer.Argument(help="Adresses des comptes ; sans adresse : tous les comptes non activés."),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Adresse du site gestionnaire pour le lien d'activation.")
    ] = None,
) -> None:
    """Renvoie le lien d'activation aux comptes jamais activés (par exemple après une panne
    du serveur de messagerie pendant « scrutin accounts import »)."""
    _django()
    from scrutin.platform.accounts.services import (
        ManagersImport,
        pending_activations,
        send_activations,
    )
    from scrutin.platform.electoral.annex7.issues import Report

    pending = pending_activations()
    if emails:
        wanted = {e.strip().lower() for e in emails}
        unknown = sorted(wanted - {u.email.lower() for u in pending})
        if unknown:
            typer.echo(
                "Aucun compte en attente d'activation pour : " + ", ".join(unknown), err=True
            )
            raise typer.Exit(2)
        pending = [u for u in pending if u.email.lower() in wanted]
    result = ManagersImport(Report())
    send_activations(pending, result, base_url)
    typer.echo(f"Liens d'activation envoyés : {len(result.mailed)}"
               + (f" ({', '.join(result.mailed)})" if result.mailed else ""))  # fmt: skip
    if result.mail_error:
        typer.echo(f"Non envoyés : {', '.join(result.unsent)}. {result.mail_error}", err=True)
        raise typer.Exit(4)


@accounts_app.command("setup-roles")
def setup_roles_command() -> None:
    """Crée ou met à jour les groupes (rôles) et leurs permissions ; relançable sans risque."""
    _django()
    from scrutin.platform.accounts.roles import ROLES, setup_roles

    missing = setup_roles()
    for role in ROLES:
        gap = missing.get(role.code, [])
        note = (
            f" — permissions absentes (application pas encore installée) : {', '.join(gap)}"
            if gap
            else ""
        )
        typer.echo(f"{role.code:<10} {role.label}{note}")


def register(app: typer.Typer) -> None:
    app.add_typer(accounts_app, name="accounts")
