"""``scrutin machine results-export | results-ack | centralise …``: centralisation with signed
acknowledgements (RT 22, 23, 28; docs/machine-centralisation.md, docs/fr/centralisation.md).

On the bureau's machine (control module stopped, or from the removable medium's copy):
``results-export`` writes each tallied scrutin's signed results file and its record to a
removable medium; ``results-ack`` imports the centralising bureau's acknowledgement, journals it
and prints it. At the centralising bureau: ``centralise setup`` (from the bureaux' prepared
supports), ``receive``, ``status``, ``export`` (the commune's file for the prefecture),
``import-ack``; at the prefecture: ``centralise setup-prefecture``, ``receive``, ``status``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scrutin.crypto.encoding import canonical_json
from scrutin.machine.core import centraldocs, transmit
from scrutin.machine.core.central import Centre
from scrutin.machine.core.centraldocs import CentralError
from scrutin.machine.core.centralsetup import setup_commune, setup_prefecture
from scrutin.machine.core.files import PreparationError
from scrutin.machine.core.machine import Machine, MachineError

central = typer.Typer(
    help="Centralisation des résultats avec accusés de réception (RT 22, 23, 28).",
    no_args_is_help=True,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Erreur : {message}", err=True)
    return typer.Exit(code=2)


def _machine(internal: Path, removable: Path) -> Machine:
    try:
        return Machine(internal, removable)
    except (PreparationError, MachineError, OSError, ValueError) as exc:
        raise _fail(str(exc)) from None


def _centre(root: Path) -> Centre:
    try:
        return Centre(root)
    except CentralError as exc:
        raise _fail(str(exc)) from None


def results_export(
    internal: Annotated[Path, typer.Option("--interne", help="Mémoire interne de la machine.")],
    removable: Annotated[Path, typer.Option("--amovible", help="Support amovible (copie).")],
    out: Annotated[Path, typer.Option("--sortie", help="Dossier du support de transmission.")],
    scrutin: Annotated[
        str | None, typer.Option("--scrutin", help="Code du scrutin (sinon : tous les scrutins).")
    ] = None,
) -> None:
    """Exporte les résultats signés de chaque scrutin dépouillé, avec leur registre (RT 22, 28)."""
    m = _machine(internal, removable)
    wanted = [scrutin] if scrutin else [s.id for s in m.package.scrutins]
    for sid in wanted:
        if sid not in m.params:
            raise _fail(f"le paquet n'a pas de scrutin « {sid} ».")
        try:
            path = transmit.export_results(m, sid, out)
        except MachineError as exc:
            raise _fail(str(exc)) from None
        fp = centraldocs.doc_fingerprint(json.loads(path.read_bytes()))
        typer.echo(f"Écrit : {path} (empreinte {fp}) et son registre {path.stem}-registre")


def results_ack(
    ack: Annotated[Path, typer.Argument(metavar="ACCUSE.json")],
    internal: Annotated[Path, typer.Option("--interne", help="Mémoire interne de la machine.")],
    removable: Annotated[Path, typer.Option("--amovible", help="Support amovible (copie).")],
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Imprime l'accusé (PDF).")] = None,
) -> None:
    """Importe l'accusé de réception du bureau centralisateur, le journalise et l'imprime (RT 23)."""
    from scrutin.machine.centralprint import ack_pdf

    m = _machine(internal, removable)
    try:
        doc = transmit.import_ack(m, ack)
    except MachineError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"Accusé de réception n° {doc['number']} accepté et inscrit au journal "
        f"(scrutin « {m.package.scrutin(doc['scrutin']).title} »)."
    )
    if pdf is not None:
        sent = json.loads(transmit.sent_path(internal, doc["scrutin"]).read_bytes())
        pdf.write_bytes(ack_pdf(doc, sent))
        typer.echo(f"Écrit : {pdf}")


@central.command("setup")
def setup(
    root: Annotated[Path, typer.Argument(metavar="DOSSIER", help="Dossier de la centralisation.")],
    bureaux: Annotated[
        list[Path],
        typer.Option("--bureau", help="Support préparé d'un bureau (une fois par bureau)."),
    ],
) -> None:
    """Prépare la centralisation de la commune à partir des supports préparés des bureaux."""
    try:
        c = setup_commune(root, bureaux)
    except CentralError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Centralisation de {c.config['name']} préparée : {len(c.senders)} bureau(x).")
    typer.echo(f"Clé publique de centralisation : {c.config['signing_key']}")


@central.command("setup-prefecture")
def setup_pref(
    root: Annotated[Path, typer.Argument(metavar="DOSSIER")],
    code: Annotated[str, typer.Option("--code", help="Code du département.")],
    name: Annotated[str, typer.Option("--nom", help="Nom de la préfecture.")],
    date: Annotated[str, typer.Option("--date", help="Date du scrutin (AAAA-MM-JJ).")],
    communes: Annotated[
        list[Path], typer.Option("--commune", help="Dossier de centralisation d'une commune.")
    ],
) -> None:
    """Prépare la centralisation d'une préfecture à partir des centralisations des communes."""
    try:
        c = setup_prefecture(root, code, name, date, communes)
    except CentralError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Centralisation de {name} préparée : {len(c.senders)} commune(s).")
    typer.echo(f"Clé publique de centralisation : {c.config['signing_key']}")


@central.command("receive")
def receive(
    root: Annotated[Path, typer.Argument(metavar="DOSSIER")],
    results: Annotated[Path, typer.Argument(metavar="RESULTATS.json")],
    ack_out: Annotated[Path, typer.Option("--accuse", help="Où écrire l'accusé de réception.")],
    record: Annotated[
        Path | None, typer.Option("--registre", help="Registre du scrutin, revérifié.")
    ] = None,
    replace: Annotated[
        str | None, typer.Option("--remplacement", help="Motif d'un remplacement explicite.")
    ] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Imprime l'accusé (PDF).")] = None,
) -> None:
    """Vérifie un fichier de résultats et délivre l'accusé de réception signé (RT 22, 23)."""
    from scrutin.machine.centralprint import ack_pdf

    c = _centre(root)
    if record is None:
        guess = results.with_name(f"{results.stem}-registre")
        record = guess if guess.is_dir() else None
    try:
        ack = c.receive(results, record, replace=replace)
    except CentralError as exc:
        raise _fail(f"fichier refusé. {exc}") from None
    ack_out.write_bytes(canonical_json(ack))
    typer.echo(f"Fichier accepté ; accusé de réception n° {ack['number']} écrit : {ack_out}")
    if record is None:
        typer.echo(
            "Attention : registre non joint, seuls la signature et les chiffres sont vérifiés."
        )
    if pdf is not None:
        pdf.write_bytes(ack_pdf(ack, c.received(ack["sender"], ack["scrutin"])))
        typer.echo(f"Écrit : {pdf}")


@central.command("status")
def status(root: Annotated[Path, typer.Argument(metavar="DOSSIER")]) -> None:
    """Affiche, scrutin par scrutin, les envois reçus, ceux qui manquent et le total."""
    c = _centre(root)
    sids = sorted({k[1] for k in c.accepted()} | {s["id"] for s in c.config.get("scrutins") or []})
    for sid in sids:
        try:
            agg = c.aggregate(sid)
        except CentralError as exc:
            typer.echo(f"Scrutin {sid} : {exc}")
            continue
        f = agg["figures"]
        typer.echo(f"Scrutin « {agg['scrutin']['title']} » : {len(agg['senders'])} reçu(s), "
                   f"manquant(s) : {', '.join(agg['missing']) or 'aucun'}"
                   + (" — totaux provisoires" if agg["missing"] else ""))  # fmt: skip
        typer.echo(f"  inscrits {f['registered']}, votants {f['voters']}, nuls {f['null']}")
        names = [c["name"] for c in agg["scrutin"].get("choices", [])] or [
            q["text"] for q in agg["scrutin"]["questions"]
        ]
        for a in f["answers"]:
            typer.echo(f"  blancs {a['blank']}, exprimés {a['cast']}")
            labels = names if "choices" in agg["scrutin"] else ["oui", "non"]
            for n, v in zip(labels, a["votes"], strict=True):
                typer.echo(f"    {n} : {v}")
        if agg["counting"] and agg["counting"].get("seats"):
            seats = ", ".join(f"{n} {s}" for n, s in agg["counting"]["seats"].items())
            typer.echo(f"  sièges{' (provisoires)' if agg['missing'] else ''} : {seats}")


@central.command("ack")
def ack_again(
    root: Annotated[Path, typer.Argument(metavar="DOSSIER")],
    sender: Annotated[str, typer.Option("--expediteur", help="Numéro du bureau (ou code INSEE).")],
    scrutin: Annotated[str, typer.Option("--scrutin")],
    ack_out: Annotated[Path, typer.Option("--accuse", help="Où écrire l'accusé de réception.")],
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Imprime l'accusé (PDF).")] = None,
) -> None:
    """Écrit un nouvel exemplaire d'un accusé de réception déjà délivré (identique)."""
    from scrutin.machine.centralprint import ack_pdf

    c = _centre(root)
    if (sender, scrutin) not in c.accepted():
        raise _fail(f"aucun accusé délivré à l'expéditeur {sender} pour le scrutin « {scrutin} ».")
    ack = c.ack_of(sender, scrutin)
    ack_out.write_bytes(canonical_json(ack))
    typer.echo(f"Accusé de réception n° {ack['number']} écrit : {ack_out}")
    if pdf is not None:
        pdf.write_bytes(ack_pdf(ack, c.received(sender, scrutin)))
        typer.echo(f"Écrit : {pdf}")


@central.command("export")
def export(
    root: Annotated[Path, typer.Argument(metavar="DOSSIER")],
    scrutin: Annotated[str, typer.Option("--scrutin")],
    out: Annotated[Path, typer.Option("--sortie", help="Dossier du support de transmission.")],
) -> None:
    """Écrit le fichier signé de la commune pour la préfecture, une fois tous les bureaux reçus."""
    c = _centre(root)
    try:
        path = c.export_commune(scrutin, out)
    except CentralError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Écrit : {path}")


@central.command("import-ack")
def import_ack(
    root: Annotated[Path, typer.Argument(metavar="DOSSIER")],
    ack: Annotated[Path, typer.Argument(metavar="ACCUSE.json")],
) -> None:
    """Importe l'accusé de réception de la préfecture et l'inscrit au journal (RT 23)."""
    c = _centre(root)
    try:
        doc = c.import_ack(ack)
    except CentralError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Accusé de réception n° {doc['number']} de la préfecture accepté et journalisé.")


def register(app: typer.Typer) -> None:
    app.command("results-export")(results_export)
    app.command("results-ack")(results_ack)
    app.add_typer(central, name="centralise")
