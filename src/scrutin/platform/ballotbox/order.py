"""Forgetting the arrival order of the ballots once the vote is over (design README §3.1;
docs/voting.md "What the databases reveal").

During the vote a database keeps the order in which rows arrived whatever the schema says:
PostgreSQL in each row's physical position (``ctid``), in the id of the transaction that wrote it
(``xmin``, kept in the table file even once frozen), in the order of the TOAST values and in the
WAL; SQLite in ``rowid``. Paired with the émargement list (whose own rows are in arrival order
and carry the time), it links every elector to their *encrypted* ballot.

``rewrite_in_key_order`` removes that order from the live ballot box after the close: in one
transaction it copies every ballot-box table aside, empties it (PostgreSQL ``TRUNCATE``: new
table, TOAST and index files, the old ones truncated at commit; SQLite with ``secure_delete``,
then ``VACUUM``) and inserts the rows back sorted by their key (the tracker, the alpha). Every
row then has the same ``xmin`` and a position, TOAST value id and ``rowid`` that follow the
tracker order, which is independent of arrival. What it cannot remove — backups, WAL archives
and replicas made during the vote — is stated in docs/voting.md.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections, transaction

from .models import Alpha, Ballot, BallotIntent

logger = logging.getLogger(__name__)
BALLOTBOX = "ballotbox"
MODELS = (Ballot, Alpha, BallotIntent)


def rewrite_in_key_order(using: str = BALLOTBOX) -> int:
    """Rewrite the ballot-box tables in key order; return the number of ballots rewritten.
    Run only when no urn is open (it locks the ballot box for its duration)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    postgresql = connection.vendor == "postgresql"
    collate = ' COLLATE "C"' if postgresql else ""  # byte order, whatever the database's collation
    tables = [(quote(m._meta.db_table), quote(str(m._meta.pk.column)) + collate) for m in MODELS]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        names = ", ".join(table for table, _ in tables)
        if postgresql:
            # the copy aside only stops writers (there are none once every urn is closed):
            # readers such as a tally's aggregation go on until the tables are emptied
            cursor.execute(f"LOCK TABLE {names} IN SHARE MODE")
        else:
            cursor.execute("PRAGMA secure_delete = ON")  # freed pages are overwritten with zeros
        for i, (table, _) in enumerate(tables):
            cursor.execute(f"CREATE TEMPORARY TABLE scrutin_rewrite_{i} AS SELECT * FROM {table}")  # noqa: S608
        if postgresql:
            cursor.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"TRUNCATE {names}")
        else:
            for table, _ in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        for i, (table, key) in enumerate(tables):
            cursor.execute(f"INSERT INTO {table} SELECT * FROM scrutin_rewrite_{i} ORDER BY {key}")  # noqa: S608
            cursor.execute(f"DROP TABLE scrutin_rewrite_{i}")
        cursor.execute(f"SELECT count(*) FROM {tables[0][0]}")  # noqa: S608
        count = int(cursor.fetchone()[0])
    if not postgresql and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")  # the file is rebuilt: no page of the old order remains
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return count


def rewrite_after_close() -> None:
    """The rewrite when the last urn closes: a failure (disk full…) never undoes the closing,
    which is sealed already; it is logged and the rewrite can be run again by hand
    (docs/ops.md)."""
    try:
        count = rewrite_in_key_order()
    except DatabaseError:
        logger.exception("ballot box not rewritten in key order after the close")
    else:
        logger.info("ballot box rewritten in key order after the close: %d ballots", count)
