"""Command-line entry points (`scrutin ...`)."""
