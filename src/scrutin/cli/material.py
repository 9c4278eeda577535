"""``scrutin material letters``: the dispatch operator's production of postal letters (CCTP 5.2.2).

Runs off the platform, on the operator's machine: it reads the signed kit of one CCI (refused
without the COE's and CCI France's BAT), decrypts the sealed credential export as it streams, and
writes the PDF batches for the print shop with their manifest. The plaintext codes exist only in
this process's memory and inside the PDFs (docs/material.md, docs/fr/courriers.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Matériel de vote : courriers pour l'imprimeur.", no_args_is_help=True)

MANIFEST_COLUMNS = ("lot", "fichier", "courriers", "premier identifiant", "dernier identifiant",
                    "empreinte SHA-256")  # fmt: skip


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _export_recipient(path: Path, accept_test: bool) -> bytes:
    """The X25519 public key an export is sealed to (its header, after the magic); an export of
    the test environment is refused unless ``accept_test`` (--environnement-test)."""
    from scrutin.platform.credentials.export import MAGIC, TEST_MAGIC, TEST_REFUSED

    with path.open("rb") as fh:
        head = fh.read(len(MAGIC) + 32)
    if len(head) != len(MAGIC) + 32 or not head.startswith((MAGIC, TEST_MAGIC)):
        raise _fail(f"{path} n'est pas un export d'identifiants Scrutin.")
    if head.startswith(TEST_MAGIC) and not accept_test:
        raise _fail(f"Export refusé : {TEST_REFUSED}")
    return head[len(MAGIC) :]


@app.command("letters")
def letters(
    kit_path: Annotated[Path, typer.Option("--kit", help="Kit signé de la CCI (kit-<CCI>.json).")],
    export: Annotated[Path, typer.Option("--export", help="Export chiffré des identifiants.")],
    key: Annotated[Path, typer.Option("--key", help="Clé privée de l'opérateur (.cle).")],
    out: Annotated[Path, typer.Option("--out", help="Dossier où écrire les lots (vide).")],
    public_key: Annotated[
        str | None,
        typer.Option("--public-key", help="Clé publique de la plate-forme (hexadécimal), "
                     "à obtenir par un autre canal que le kit."),
    ] = None,
    workers: Annotated[int, typer.Option(help="Processus d'impression (un par cœur).")] = 2,
    test_environment: Annotated[
        bool, typer.Option("--environnement-test",
                           help="Accepte un export de l'environnement de test (essais, formation).")
    ] = False,
) -> None:  # fmt: skip
    """Produit les courriers PDF d'une CCI, par lots, avec leur manifeste (CCTP 5.2.2)."""
    from scrutin.cli.credentials import _read_key
    from scrutin.material.kit import KitError, read_kit
    from scrutin.material.production import COLUMNS, ProductionError, manifest, produce
    from scrutin.platform.credentials.export import HEADER, ExportError, key_fingerprint, read_rows
    from scrutin.platform.csvexport import CsvWriter
    from scrutin.record.writer import file_digest

    if tuple(HEADER) != COLUMNS:  # pragma: no cover - the two lists move together
        raise _fail("Version de l'export inconnue de cet outil : mettez Scrutin à jour.", 2)
    private = _read_key(key, "clé privée")
    try:
        kit = read_kit(kit_path, public_key)
    except KitError as exc:
        raise _fail(f"Kit refusé : {exc}") from exc
    if public_key is None:
        typer.echo("Attention : sans --public-key, la signature du kit est vérifiée avec la clé "
                   "qu'il contient ; comparez son empreinte avec celle de la plate-forme.", err=True)  # fmt: skip
    if not export.is_file():
        raise _fail(f"Fichier introuvable : {export}", 2)
    recipient = _export_recipient(export, test_environment)
    if key_fingerprint(recipient) != kit.recipient_fingerprint:
        raise _fail(
            "Export refusé : il est chiffré pour une autre clé que celle de l'opérateur désigné "
            f"dans le kit (empreinte attendue {kit.recipient_fingerprint}, reçue "
            f"{key_fingerprint(recipient)})."
        )
    from nacl.public import PrivateKey

    if bytes(PrivateKey(private).public_key) != recipient:
        raise _fail("Export refusé : la clé privée fournie n'est pas celle de cet export.")
    export_sha256 = file_digest(export)
    typer.echo(f"Kit de la CCI {kit.cci_code} ({kit.cci_label}), empreinte {kit.fingerprint}")
    if kit.letters is not None:
        typer.echo(f"Kit complémentaire du kit {kit.supplement_of} : {len(kit.letters)} courriers "
                   "à imprimer pour les seuls identifiants qu'il désigne.")  # fmt: skip
    typer.echo(f"Export : empreinte SHA-256 {export_sha256} — comparez-la avec celle affichée "
               "par la plate-forme.")  # fmt: skip

    def rows() -> Iterator[Sequence[str]]:
        return read_rows(export, private, accept_test=test_environment)

    out.mkdir(parents=True, exist_ok=True)
    notes_path = out / f"adresses-a-verifier-{kit.cci_code}.csv"
    started = time.monotonic()
    try:
        with notes_path.open("x", encoding="utf-8", newline="") as notes_fh:
            notes_writer = CsvWriter(notes_fh)
            notes_writer.writerow(("identifiant", "remarque"))

            def note(identifier: str, found: tuple[str, ...]) -> None:
                for text in found:
                    notes_writer.writerow((identifier, text))

            def progress(done: int, total: int) -> None:
                typer.echo(f"  {done} / {total} courriers", err=True)

            result = produce(kit, rows, out, workers=workers, notes=note, progress=progress)
    except FileExistsError as exc:
        raise _fail(f"Le fichier {exc.filename} existe déjà : choisissez un dossier vide.") from exc
    except (ProductionError, ExportError) as exc:
        notes_path.unlink(missing_ok=True)
        raise _fail(f"Production refusée : {exc}") from exc
    elapsed = time.monotonic() - started
    produced_at = datetime.now(UTC).isoformat(timespec="seconds")
    document = manifest(kit, result, export_sha256=export_sha256, produced_at=produced_at)
    body = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    (out / "manifeste.json").write_bytes(body)
    with (out / "manifeste.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        writer = CsvWriter(fh)
        writer.writerow(MANIFEST_COLUMNS)
        for b in result.batches:
            writer.writerow((b.number, b.file, b.letters, b.first, b.last, b.sha256))
        writer.writerow(("total", "", result.total, "", "", ""))
        writer.writerow(())
        writer.writerow(("urne", "libellé", "courriers"))
        for urn, count in sorted(result.urns.items()):
            writer.writerow((urn, result.urn_labels.get(urn, ""), count))
    if not result.notes:
        notes_path.unlink()
    rate = result.total / elapsed if elapsed else 0.0
    typer.echo(f"{result.total} courriers en {len(result.batches)} lots de "
               f"{kit.dispatch.batch_size} au plus ({rate:.0f} courriers par seconde).")  # fmt: skip
    if kit.letters is None:
        typer.echo(f"Électeurs servis par courriel, sans courrier : {result.electronic_skipped}.")
    else:
        typer.echo(f"Lignes de l'export hors du kit complémentaire : {result.electronic_skipped}.")
        if result.missing:
            shown = ", ".join(result.missing[:20]) + (" …" if len(result.missing) > 20 else "")
            typer.echo(f"Attention : {len(result.missing)} identifiants du kit complémentaire "
                       f"ne figurent pas dans cet export, aucun courrier pour eux : {shown}.",
                       err=True)  # fmt: skip
    for urn, count in sorted(result.urns.items()):
        label = result.urn_labels.get(urn, "")
        typer.echo(f"  urne {urn}{f' ({label})' if label else ''} : {count} courriers")
    typer.echo(f"Manifeste : {out / 'manifeste.json'} (empreinte "
               f"{file_digest(out / 'manifeste.json')}) et {out / 'manifeste.csv'}.")  # fmt: skip
    if result.notes:
        typer.echo(f"{result.notes} adresses à vérifier avant l'impression : voir {notes_path}.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="material")
