"""The ``scrutin`` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

import sys

import typer

app = typer.Typer(
    name="scrutin",
    help="Scrutin : plate-forme de vote vérifiable.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# One entry per command module; each module exposes ``register(app: typer.Typer) -> None``.
COMMAND_MODULES: list[str] = [
    "electoral",
    "seats",
    "trustee",
    "record",
    "verify",
    "candidates",
    "accounts",
    "credentials",
    "journal",
    "urns",
    "machine",
    "material",
    "mailing",
    "resend",
    "data",
    "rehearsal",
    "release",
    "ops",
]


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"scrutin.cli.{name}").register(app)


MIGRATE = "python -m scrutin.platform migrate"


def database_problem(exc: BaseException) -> str | None:
    """A French explanation when ``exc`` says the database is missing, unreachable or not
    migrated (every command that touches it ends here rather than in a traceback)."""
    utils = sys.modules.get("django.db.utils")
    if utils is None or not isinstance(exc, utils.OperationalError | utils.ProgrammingError):
        return None
    text = str(exc).lower()
    if "no such table" in text or ("does not exist" in text and "relation" in text):
        return (
            "La base de données n'est pas prête : ses tables n'existent pas (elle n'a jamais été "
            "initialisée, ou la commande ne vise pas la base du projet). Lancez d'abord "
            f"« {MIGRATE} » dans le dossier du projet, ou indiquez la base par la variable "
            "SCRUTIN_DATABASE_URL."
        )
    if "no such column" in text or ("column" in text and "does not exist" in text):
        return (
            "La base de données n'est pas à jour pour cette version de Scrutin : lancez "
            f"« {MIGRATE} »."
        )
    return (
        "Base de données injoignable ou inutilisable : vérifiez SCRUTIN_DATABASE_URL (serveur "
        f"démarré, nom, droits). Détail technique : {str(exc).strip().splitlines()[0][:200]}"
    )


def main() -> None:
    _register()
    try:
        app()
    except Exception as exc:
        message = database_problem(exc)
        if message is None:
            raise
        typer.echo(message, err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
