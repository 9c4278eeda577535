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
                                      "mailed": result.mailed}  # fmt: skip
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
    raise typer.Exit(0 if report.accepted else 1)


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
