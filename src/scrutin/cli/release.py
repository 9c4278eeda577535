"""``scrutin release seal`` and ``release check``: the sealed release of the platform, rebuilt
and compared with an election's platform seal (CCTP 4.2.2.4; :mod:`scrutin.release.seal`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Version scellée de la plate-forme : sources, paquet et modules navigateur signés, "
    "reconstructibles octet pour octet (CCTP 4.2.2.4).",
    no_args_is_help=True,
)


@app.command("seal")
def seal(
    signing_key: Annotated[
        Path, typer.Option("--key", "--cle-editeur", help="Graine Ed25519 de l'éditeur (64 hex).")
    ],
    out: Annotated[Path, typer.Option("--out", "--sortie", help="Dossier neuf de la version.")],
    source: Annotated[
        Path, typer.Option("--source", help="Dépôt git des sources de Scrutin.")
    ] = Path(),
    allow_dirty: Annotated[
        bool,
        typer.Option(
            "--accepter-modifs", help="Sceller même si des fichiers suivis sont modifiés."
        ),
    ] = False,
    node_modules: Annotated[
        Path | None,
        typer.Option(
            "--node-modules",
            help="Paquets JavaScript figés (npm ci) pour reconstruire "
            "les modules navigateur ; par défaut, ceux du dépôt s'il y en a.",
        ),
    ] = None,
) -> None:
    """Scelle la version : archive reproductible des sources suivies par git, paquet construit
    depuis elle, modules navigateur, et manifeste signé de leurs empreintes SHA-256."""
    import nacl.signing

    from scrutin.release.seal import MANIFEST, build_release
    from scrutin.release.wheel import ReleaseError

    try:
        key = nacl.signing.SigningKey(bytes.fromhex(signing_key.read_text().strip()))
    except (OSError, ValueError) as exc:
        typer.echo(f"Erreur : clé de l'éditeur illisible ({exc}).", err=True)
        raise typer.Exit(2) from None
    try:
        doc = build_release(source, out, key, allow_dirty=allow_dirty, node_modules=node_modules)
    except ReleaseError as exc:
        typer.echo(f"Erreur : {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Version {doc['version']}, commit {doc['commit']} scellée dans {out}")
    typer.echo(f"Sources : {doc['sources']['file']} ({doc['sources']['files']} fichiers)")
    reproducible = (
        "deux constructions identiques octet pour octet"
        if doc["wheel"]["reproducible"]
        else "ATTENTION : deux constructions diffèrent ; comparer les fichiers installés"
    )
    typer.echo(f"Paquet : {doc['wheel']['file']} ({reproducible})")
    typer.echo(f"Modules navigateur : {doc['browser_rebuilt']}")
    typer.echo(f"Code installé : {len(doc['code']['files'])} fichiers, empreinte "
               f"{doc['code']['sha256']}")  # fmt: skip
    typer.echo(f"Manifeste signé : {out / MANIFEST}")
    typer.echo(f"Clé publique de l'éditeur : {doc['publisher_key']}")


@app.command("check")
def check(
    folder: Annotated[Path, typer.Argument(metavar="DOSSIER")],
    public_key: Annotated[
        str, typer.Option("--public-key", "--cle-publique", help="Clé publique de l'éditeur.")
    ],
    platform_seal: Annotated[
        str | None,
        typer.Option(
            "--platform-seal",
            "--scellement",
            help="Scellement de la plate-forme d'une élection (fichier, dossier des "
            "scellements exportés ou adresse du site) : reconstruit et compare.",
        ),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--reconstruire", help="Reconstruire depuis les sources et comparer.")
    ] = False,
    node_modules: Annotated[
        Path | None,
        typer.Option(
            "--node-modules",
            help="Paquets JavaScript figés (npm ci) pour reconstruire "
            "aussi les modules navigateur.",
        ),
    ] = None,
) -> None:
    """Vérifie une version scellée : signature, empreintes et, avec un scellement de la
    plate-forme, reconstruction et comparaison fichier par fichier (code 0 conforme, 1 non
    conforme, 2 illisible)."""
    from scrutin.release.seal import check_release

    outcome = check_release(folder, public_key, platform_seal=platform_seal, rebuild=rebuild,
                            node_modules=node_modules)  # fmt: skip
    typer.echo(outcome.render())
    raise typer.Exit(outcome.exit_code)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="release")
