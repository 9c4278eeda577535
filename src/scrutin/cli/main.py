"""The ``scrutin`` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

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
]


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"scrutin.cli.{name}").register(app)


def main() -> None:
    _register()
    app()


if __name__ == "__main__":
    main()
