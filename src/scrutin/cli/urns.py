"""``scrutin urns …``: closing the urns and checking their seals from the shell.

``close --due`` is what the timer runs every minute (docs/ops.md): it closes and seals every
urn whose closing time has passed; it is idempotent. ``close CODE --motif …`` closes one urn by
authorised decision. ``check-seals`` recomputes, read-only, what the seals fingerprint.
``export-seals DIR`` writes the public seals for ``scrutin verify --seals DIR``. ``annul`` and
``partial`` apply a national decision: a new election for an urn (docs/fr/annulation.md).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Urnes : clôture et scellements.", no_args_is_help=True)


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
    django.setup()


@app.command("close")
def close(
    code: Annotated[str | None, typer.Argument(help="Code de l'urne à clore sur décision.")] = None,
    due: Annotated[
        bool,
        typer.Option("--due", help="Clore toutes les urnes dont l'heure de clôture est passée."),
    ] = False,
    reason: Annotated[
        str, typer.Option("--motif", help="Décision et motif (obligatoire pour une urne nommée).")
    ] = "",
) -> None:
    """Clôt et scelle des urnes (CCTP 4.1.4.8) : le contenu de l'urne et la liste d'émargement
    sont figés, comptés, horodatés et scellés."""
    _django()
    from scrutin.platform.electoral.models import Urn
    from scrutin.platform.sealing import services

    if due == (code is not None):
        typer.echo("Indiquez soit --due, soit le code d'une urne.", err=True)
        raise typer.Exit(2)
    if due:
        done, errors = services.close_due()
        for closing in done:
            typer.echo(f"Urne {closing.urn.code} close et scellée : {closing.ballot_count} bulletin(s), "
                       f"{closing.emargement_count} émargement(s), scellement {closing.fingerprint}")  # fmt: skip
        for error in errors:
            typer.echo(error, err=True)
        if not done and not errors:
            typer.echo("Aucune urne à clore.")
        raise typer.Exit(1 if errors else 0)
    if not reason.strip():
        typer.echo("Une clôture sur décision exige --motif (décision et motif).", err=True)
        raise typer.Exit(2)
    urn = Urn.objects.filter(code=code).first()
    if urn is None:
        typer.echo(f"Urne {code} inconnue.", err=True)
        raise typer.Exit(2)
    try:
        closing = services.close_urn(urn, reason=reason)
    except services.SealingError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Urne {urn.code} close et scellée : scellement {closing.fingerprint}")


@app.command("check-seals")
def check_seals() -> None:
    """Recalcule, en lecture seule, les empreintes des listes électorales, des candidatures, du
    code, des ressources servies et des urnes closes, et les compare aux scellements."""
    _django()
    from scrutin.platform.sealing.checks import check_seals as run

    findings = run()
    for finding in findings:
        typer.echo(finding.render())
    bad = [f for f in findings if not f.ok]
    if bad:
        typer.echo(f"VERDICT : {len(bad)} écart(s) avec les scellements.")
        raise typer.Exit(1)
    typer.echo("VERDICT : tout est conforme aux scellements.")


@app.command("export-seals")
def export_seals(
    directory: Annotated[Path, typer.Argument(help="Répertoire où écrire scellements.json.")],
) -> None:
    """Écrit tous les scellements publics (le même document que /scellements/scellements.json)."""
    _django()
    from scrutin.platform.sealing.services import bundle

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "scellements.json"
    path.write_text(json.dumps(bundle(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    typer.echo(f"Scellements écrits dans {path}")


def _national(username: str) -> Any:
    from django.contrib.auth.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        typer.echo(f"Compte inconnu : {username}", err=True)
        raise typer.Exit(2)
    return user


@contextmanager
def _decision_refusal() -> Iterator[None]:
    """A refused decision: its French reason on standard error, exit code 1."""
    from scrutin.platform.electoral.succession import SuccessionRefused

    try:
        yield
    except SuccessionRefused as exc:
        typer.echo(f"Refusé : {exc}", err=True)
        raise typer.Exit(1) from None


def _report(created: list[Any]) -> None:
    from scrutin.platform.electoral.succession import next_steps

    for item in created:
        typer.echo(f"Urne {item.previous.code} : {item.succession.label()} ; nouvelle urne "
                   f"{item.successor.code} ({item.succession.electors} électeur(s) repris, "
                   f"{item.succession.emargements} émargement(s) archivé(s) dans "
                   f"{item.succession.archive}).")  # fmt: skip
    for line in next_steps(created):
        typer.echo(line)


Reference = Annotated[str, typer.Option("--reference", help="Référence de la décision.")]
Reason = Annotated[str, typer.Option("--motif", help="Motif de la décision.")]
Account = Annotated[
    str, typer.Option("--compte", help="Identifiant du compte national qui applique la décision.")
]


@app.command("annul")
def annul(
    codes: Annotated[
        list[str] | None, typer.Argument(help="Code(s) des urnes dont l'élection est annulée.")
    ] = None,
    cci: Annotated[
        str | None, typer.Option("--cci", help="Annuler l'élection de toutes les urnes de la CCI.")
    ] = None,
    reference: Reference = "",
    reason: Reason = "",
    account: Account = "",
) -> None:
    """Annule l'élection d'une urne (ou de toutes les urnes d'une CCI) par décision et crée la
    nouvelle élection : le registre, les scellements et les résultats annulés restent archivés."""
    _django()
    from scrutin.platform.electoral import succession

    if bool(codes) == bool(cci):
        typer.echo("Indiquez soit le code d'une ou plusieurs urnes, soit --cci.", err=True)
        raise typer.Exit(2)
    if cci:
        codes = succession.current_codes(cci)
    with _decision_refusal():
        created = succession.annul(list(codes or []), reference=reference, reason=reason,
                                   user=_national(account))  # fmt: skip
    _report(created)


@app.command("partial")
def partial(
    cci: Annotated[str, typer.Argument(help="Code de la CCI.")],
    seats: Annotated[
        list[str],
        typer.Option(
            "--sieges", help="URNE=CCIR:CCIT, sièges à pourvoir (ex. 011-C=0:2) ; répétable."
        ),
    ],
    reference: Reference = "",
    reason: Reason = "",
    account: Account = "",
) -> None:
    """Crée une élection partielle dans une CCI pendant la mandature (sièges à pourvoir dans
    certaines catégories) ; l'élection générale n'est pas modifiée."""
    _django()
    from scrutin.platform.electoral import succession

    wanted: dict[str, tuple[int, int]] = {}
    for item in seats:
        code, _, numbers = item.partition("=")
        ccir, _, ccit = numbers.partition(":")
        if not (code and ccir.isdigit() and ccit.isdigit()):
            typer.echo(f"--sieges {item!r} : écrivez URNE=CCIR:CCIT, par ex. 011-C=0:2.", err=True)
            raise typer.Exit(2)
        wanted[code.strip()] = (int(ccir), int(ccit))
    with _decision_refusal():
        created = succession.partial(cci, wanted, reference=reference, reason=reason,
                                     user=_national(account))  # fmt: skip
    _report(created)


@app.command("new-list")
def new_list(
    codes: Annotated[list[str], typer.Argument(help="Code(s) des nouvelles urnes (ex. 011-C.2).")],
    file: Annotated[Path, typer.Option("--fichier", help="Fichier des électeurs (annexe 7).")],
    reference: Reference = "",
    reason: Reason = "",
    account: Account = "",
) -> None:
    """Remplace la liste reprise d'une nouvelle élection (non scellée) par une nouvelle liste."""
    _django()
    from scrutin.platform.electoral import succession

    with _decision_refusal():
        counts = succession.replace_list(codes, file, reference=reference, reason=reason,
                                         user=_national(account))  # fmt: skip
    for code, count in counts.items():
        typer.echo(f"Urne {code} : nouvelle liste de {count} électeur(s).")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="urns")
