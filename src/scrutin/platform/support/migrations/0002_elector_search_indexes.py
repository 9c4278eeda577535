"""Indexes the support desk's elector search reads on PostgreSQL (services.search).

Django's case-insensitive lookups on PostgreSQL compare ``UPPER("column"::text)``: the prefix
search of a name (``LIKE 'DUP%'``) reads an expression index with ``text_pattern_ops`` (which
serves LIKE prefixes whatever the database's collation), the e-mail search an equality index.
They are on the electors' table but created here, by the app that reads them, so the electoral
app's migrations stay its own; ``EXPLAIN`` in tests/integration/support/test_search.py checks
PostgreSQL uses them. SQLite (the demo, small lists) gets none.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

INDEXES = {
    "support_elector_usage_name_idx": "UPPER(usage_name::text) text_pattern_ops",
    "support_elector_family_name_idx": "UPPER(family_name::text) text_pattern_ops",
    "support_elector_company_idx": "UPPER(company_name::text) text_pattern_ops",
    "support_elector_email_idx": "UPPER(email::text)",
}


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON electoral_elector ({expression})"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_initial"),
        ("electoral", "0004_elector_list_indexes"),
    ]
    operations = [migrations.RunPython(create, drop, elidable=False)]
