"""``scrutin machine journal verify|export``: the machine's journal checked and read from its
supports, without starting the machine (RT 46, 48)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Journal de la machine : vérification et export.", no_args_is_help=True)


def _roots(internal: Path, removable: Path | None) -> dict[str, Path]:
    roots = {"interne": internal}
    if removable is not None:
        roots["amovible"] = removable
    return roots


@app.command("verify")
def verify(
    internal: Annotated[Path, typer.Option("--interne", help="Mémoire interne (ou sa copie).")],
    removable: Annotated[
        Path | None, typer.Option("--amovible", help="Support amovible (l'autre copie).")
    ] = None,
) -> None:
    """Vérifie la chaîne d'empreintes de chaque copie, leur accord et les résultats signés."""
    from scrutin.machine.core.journalcheck import check

    report = check(_roots(internal, removable))
    for name, n in report.copies.items():
        typer.echo(f"Copie « {name} » : {n} événements.")
    for where, seq in report.results.items():
        typer.echo(f"Résultats {where} : certifient le journal jusqu'à l'événement {seq + 1}.")
    if report.entries:
        last = report.entries[-1]
        typer.echo(f"Dernier événement : n° {last.seq + 1}, {last.at}, empreinte {last.hash}")
    for problem in report.problems:
        typer.echo(f"ERREUR : {problem}", err=True)
    if not report.ok or not report.entries:
        typer.echo("Journal NON vérifié.", err=True)
        raise typer.Exit(1)
    typer.echo("Journal vérifié : chaîne intacte, copies identiques.")


@app.command("export")
def export(
    out: Annotated[Path, typer.Argument(metavar="SORTIE.csv")],
    internal: Annotated[Path, typer.Option("--interne", help="Mémoire interne (ou sa copie).")],
) -> None:
    """Écrit le journal en CSV (séparateur « ; »), après en avoir vérifié la chaîne."""
    from scrutin.machine.core.journal import JournalError, read_entries
    from scrutin.machine.core.journalcheck import EXPORT_HEADER, export_rows
    from scrutin.platform.csvexport import CsvWriter

    try:
        entries, _ = read_entries(internal / "journal.jsonl")
    except (JournalError, OSError) as exc:
        typer.echo(f"Erreur : {exc}", err=True)
        raise typer.Exit(1) from None
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        writer = CsvWriter(f)
        writer.writerow(EXPORT_HEADER)
        for row in export_rows(entries):
            writer.writerow(row)
    typer.echo(f"{len(entries)} événements écrits dans {out}")
