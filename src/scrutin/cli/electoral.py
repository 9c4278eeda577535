"""``scrutin structure …`` and ``scrutin electors …``: the files of CCTP annex 7 from the shell."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

structure_app = typer.Typer(help="Structure électorale (annexe 7.1.2).", no_args_is_help=True)
electors_app = typer.Typer(help="Fichiers des électeurs (annexe 7.1.3).", no_args_is_help=True)


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
    django.setup()


def _existing(path: Path) -> Path:
    if not path.is_file():
        typer.echo(f"Fichier introuvable : {path}", err=True)
        raise typer.Exit(2)
    return path


def _print_text_report(report: object, title: str) -> None:
    from scrutin.platform.electoral.annex7.issues import Findings, Report

    assert isinstance(report, Report)
    verdict = "ACCEPTÉ" if report.accepted else "REFUSÉ (aucune donnée importée)"
    typer.echo(f"{title} : {verdict} — {report.rows} lignes, "
               f"{report.blocking} erreur(s) bloquante(s), {report.warnings} avertissement(s)")  # fmt: skip
    for issue in report.issues:
        kind = "BLOQUANT" if issue.blocking else "avertissement"
        where = f"ligne {issue.line}" + (f", {issue.column}" if issue.column else "")
        value = f" [{issue.value}]" if issue.value else ""
        typer.echo(f"  {where}{value} — {kind} : {issue.message}")
    if report.omitted and isinstance(report.issues, Findings):
        typer.echo(f"  {report.omitted} autre(s) erreur(s) comptée(s) mais non détaillée(s) :")
        for k in report.issues.kinds():
            if k["count"] > k["kept"]:
                gravity = "bloquantes" if k["blocking"] else "avertissements"
                typer.echo(f"    {k['column'] or '(ligne entière)'} : {k['count']} {gravity}, "
                           f"{k['kept']} détaillé(s)")  # fmt: skip


def _stored_report(run: object) -> object:
    """The report of a finished run as saved (kept findings, exact counts)."""
    from scrutin.platform.electoral.annex7.issues import Findings, Issue, Limits, Report
    from scrutin.platform.electoral.models import ImportRun

    assert isinstance(run, ImportRun)
    findings = Findings()
    findings.extend(
        Issue(i.line, i.column, i.value, i.blocking, i.message) for i in run.issues.iterator()
    )
    saved = run.summary.get("findings") or {}
    if saved:
        findings.blocking, findings.warnings = run.blocking, run.warnings
        findings.announced = 1 if saved.get("stopped_at") else 0
        findings.counts = {(k["column"], k["blocking"]): k["count"] for k in saved["kinds"]}
        findings.limits = Limits(per_kind=saved["per_kind"])
    return Report(rows=run.rows, issues=findings, stopped_at=saved.get("stopped_at"))


def _run_import(kind: str, path: Path, fmt: ReportFormat) -> None:
    _django()
    from scrutin.platform.electoral import imports
    from scrutin.platform.electoral.annex7.issues import Report
    from scrutin.platform.electoral.models import ImportRun

    run = ImportRun.objects.create(kind=kind, filename=path.name, path=str(path.resolve()))
    try:
        if kind == ImportRun.Kind.STRUCTURE:
            run = imports.import_structure(run)
        else:
            run = imports.import_electors(run)
    except imports.ImportRefused as exc:
        run.status = ImportRun.Status.REJECTED
        run.save()
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    report = _stored_report(run)
    assert isinstance(report, Report)
    if fmt is ReportFormat.json:
        payload = report.as_json() | {"summary": run.summary, "sha256": run.sha256}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_text_report(report, f"Import {run.get_kind_display().lower()} {path.name}")
        diff = run.summary.get("diff")
        if diff:
            typer.echo(f"  Scrutins créés : {len(diff['created'])}, modifiés : {len(diff['updated'])}, "
                       f"retirés : {len(diff['removed'])}, inchangés : {diff['unchanged']}")  # fmt: skip
            for code, fields in diff["updated"].items():
                typer.echo(f"    {code} : {', '.join(fields)}")
        for code, urn in (
            run.summary.get("urns", {}).items() if isinstance(run.summary.get("urns"), dict) else []
        ):
            typer.echo(f"  Urne {code} : {urn['count']} électeurs, empreinte {urn['fingerprint']}")
    raise typer.Exit(0 if report.accepted else 1)


@structure_app.command("import")
def structure_import(
    file: Annotated[Path, typer.Argument(help="Fichier CSV de structure électorale.")],
    report: Annotated[
        ReportFormat, typer.Option(help="Format du compte rendu.")
    ] = ReportFormat.text,
) -> None:
    """Importe (ou met à jour avant scellement) la structure électorale."""
    _run_import("structure", _existing(file), report)


@electors_app.command("import")
def electors_import(
    file: Annotated[Path, typer.Argument(help="Fichier CSV des électeurs d'une CCI.")],
    report: Annotated[
        ReportFormat, typer.Option(help="Format du compte rendu.")
    ] = ReportFormat.text,
) -> None:
    """Importe la liste électorale d'une CCI (remplace la précédente, avant scellement)."""
    _run_import("electors", _existing(file), report)


@electors_app.command("check")
def electors_check(
    file: Annotated[Path, typer.Argument(help="Fichier CSV des électeurs d'une CCI.")],
    structure: Annotated[
        Path | None,
        typer.Option(help="Fichier de structure à utiliser au lieu de la base de données."),
    ] = None,
    report: Annotated[
        ReportFormat, typer.Option(help="Format du compte rendu.")
    ] = ReportFormat.text,
    max_blocking: Annotated[
        int,
        typer.Option(help="Arrêter la lecture après ce nombre d'erreurs bloquantes (0 : jamais)."),
    ] = 10_000,
    max_per_kind: Annotated[
        int,
        typer.Option(help="Erreurs détaillées par colonne et gravité (les autres sont comptées)."),
    ] = 1_000,
) -> None:
    """Contrôle un fichier des électeurs sans rien importer. Code de sortie 0 si acceptable.

    Le compte rendu détaille les 1 000 premières erreurs de chaque colonne et compte les autres."""
    from scrutin.platform.electoral.annex7.electors import read_electors
    from scrutin.platform.electoral.annex7.issues import Limits, Report

    _existing(file)
    limits = Limits(per_kind=max(1, max_per_kind), max_blocking=max(0, max_blocking))
    if structure is not None:
        from scrutin.platform.electoral.annex7.electors import index_from_structure_file

        index, structure_report = index_from_structure_file(_existing(structure))
        if not structure_report.accepted:
            if report is ReportFormat.json:
                typer.echo(
                    json.dumps(
                        Report(0, structure_report.issues).as_json() | {"structure": False},
                        ensure_ascii=False,
                    )
                )
            else:
                _print_text_report(structure_report, f"Structure {structure.name}")
            raise typer.Exit(1)
    else:
        _django()
        from scrutin.platform.electoral.imports import structure_index

        index = structure_index()
    result, _checker = read_electors(file, index, limits=limits)
    if report is ReportFormat.json:
        sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
    else:
        _print_text_report(result, f"Contrôle de {file.name}")
    raise typer.Exit(0 if result.accepted else 1)


imports_app = typer.Typer(help="Fichiers envoyés pour import.", no_args_is_help=True)


@imports_app.command("purge")
def imports_purge() -> None:
    """Supprime les fichiers envoyés refusés et ceux importés depuis plus de
    SCRUTIN_IMPORT_RETENTION_DAYS jours (les comptes rendus restent)."""
    _django()
    from scrutin.platform.electoral.imports import purge_uploads

    typer.echo(f"Fichiers supprimés : {purge_uploads()}")


def register(app: typer.Typer) -> None:
    app.add_typer(structure_app, name="structure")
    app.add_typer(electors_app, name="electors")
    app.add_typer(imports_app, name="imports")
