"""``scrutin candidates …``: import, check, seal and unseal the candidatures (CCTP 4.1.3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .electoral import ReportFormat, _django, _existing, _print_text_report

candidates_app = typer.Typer(help="Candidatures, groupements et scellement (CCTP 4.1.3).",
                             no_args_is_help=True)  # fmt: skip


def _user(username: str | None) -> Any:
    if username is None:
        return None
    from django.contrib.auth.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        typer.echo(f"Utilisateur inconnu : {username}", err=True)
        raise typer.Exit(2)
    return user


@candidates_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Fichier CSV des candidatures d'une CCI.")],
    cci: Annotated[
        str | None, typer.Option(help="Code de la CCI (sinon : celle du fichier).")
    ] = None,
    check_only: Annotated[
        bool, typer.Option("--check", help="Contrôler sans rien importer.")
    ] = False,
    report: Annotated[
        ReportFormat, typer.Option(help="Format du compte rendu.")
    ] = ReportFormat.text,
) -> None:
    """Importe les candidatures d'une CCI (tout ou rien). Code de sortie 0 si accepté."""
    _existing(file)
    _django()
    from scrutin.platform.candidates import importing
    from scrutin.platform.electoral.imports import limits

    if check_only:
        _lines, result = importing.check_file(file, cci, limits())
        created: dict[str, int] = {}
    else:
        outcome = importing.import_candidatures(file, cci, limits=limits())
        result, created = outcome.report, outcome.created
    if report is ReportFormat.json:
        typer.echo(
            json.dumps(result.as_json() | {"created": created}, ensure_ascii=False, indent=2)
        )
    else:
        _print_text_report(result, f"Candidatures {file.name}")
        if created:
            typer.echo(f"  Créés : {created.get('candidats', 0)} candidat(s), "
                       f"{created.get('groupements', 0)} groupement(s)")  # fmt: skip
    raise typer.Exit(0 if result.accepted else 1)


@candidates_app.command("seal")
def seal(
    urn: Annotated[str, typer.Option(help="Code du scrutin, par exemple 011-C.")],
    user: Annotated[str | None, typer.Option(help="Identifiant de la personne qui scelle.")] = None,
) -> None:
    """Scelle les candidatures d'un scrutin et affiche l'empreinte SHA-256."""
    _django()
    from scrutin.platform.candidates import services
    from scrutin.platform.electoral.models import Urn

    row = Urn.objects.filter(code=urn).first()
    if row is None:
        typer.echo(f"Scrutin inconnu : {urn}", err=True)
        raise typer.Exit(2)
    try:
        result = services.seal(row, _user(user))
    except services.CandidaturesError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    from django.utils import timezone

    sealed_at = timezone.localtime(result.sealed_at)
    typer.echo(f"Candidatures du scrutin {urn} scellées le {sealed_at:%d/%m/%Y à %H:%M:%S} "
               f"(heure de Paris) — empreinte SHA-256 {result.fingerprint}")  # fmt: skip


@candidates_app.command("unseal")
def unseal(
    urn: Annotated[str, typer.Option(help="Code du scrutin.")],
    user: Annotated[str, typer.Option(help="Identifiant de la personne qui lève le scellement.")],
    reference: Annotated[str, typer.Option(help="Référence de la décision.")],
    reason: Annotated[str, typer.Option(help="Motif.")],
) -> None:
    """Lève le scellement en enregistrant qui, quand, la décision et le motif."""
    _django()
    from scrutin.platform.candidates import services
    from scrutin.platform.electoral.models import Urn

    row = Urn.objects.filter(code=urn).first()
    if row is None:
        typer.echo(f"Scrutin inconnu : {urn}", err=True)
        raise typer.Exit(2)
    try:
        record = services.unseal(row, user=_user(user), reference=reference, reason=reason)
    except services.CandidaturesError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Scellement {record.seal.fingerprint} levé ({reference}).")


def register(app: typer.Typer) -> None:
    app.add_typer(candidates_app, name="candidates")
