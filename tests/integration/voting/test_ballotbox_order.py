"""Issue 12 item 5: the ballot box's physical order (design README §3.1; docs/voting.md "What the
databases reveal").

During the vote PostgreSQL's ``ctid`` and ``xmin`` (and the table file) give the arrival order,
and so link each émargement to its encrypted ballot: the first test shows it, so the docs can say
it. After the last urn is closed, the ballot box is rewritten in tracker order: ``ctid``,
``xmin``, the table files and the TOAST values no longer hold the arrival order (second test);
SQLite's ``rowid`` likewise (third test)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections

from scrutin.platform.ballotbox.models import Alpha, Ballot
from scrutin.platform.ballotbox.order import rewrite_in_key_order
from scrutin.platform.electoral.models import Urn
from scrutin.platform.sealing.services import close_urn
from scrutin.platform.voting.cast import cast_ballot
from scrutin.platform.voting.models import Emargement
from tests.conftest import on_postgresql

from .conftest import ballot_for, elector

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)
ON_POSTGRESQL = on_postgresql()
VOTERS = 20
BALLOT = Ballot._meta.db_table
ALPHA = Alpha._meta.db_table


def cast_all(urn: Urn) -> tuple[list[str], dict[str, str]]:
    """Trackers in cast order, and the true link elector number → tracker."""
    trackers, link = [], {}
    for n in range(1, VOTERS + 1):
        result = cast_ballot(elector(n), ballot_for(urn))
        trackers.append(result.tracker)
        link[elector(n).number] = result.tracker
    return trackers, link


def query(sql: str, params: list[Any] | None = None) -> list[Any]:
    with connections["ballotbox"].cursor() as cursor:
        cursor.execute(sql, params or [])
        return [row[0] if len(row) == 1 else row for row in cursor.fetchall()]


def linked_by_physical_order(order_by: str, link: dict[str, str]) -> int:
    """The attack of the review: ballots by physical order paired with the émargements by time;
    how many electors are paired with their own ballot."""
    ballots = query(f"SELECT fingerprint FROM {BALLOT} ORDER BY {order_by}")  # noqa: S608
    voters = list(Emargement.objects.order_by("voted_at").values_list("elector_number", flat=True))
    return sum(
        1 for number, tracker in zip(voters, ballots, strict=True) if link[number] == tracker
    )


def table_file(table: str) -> bytes:
    """The table's heap file as on disk (after a checkpoint has written every page)."""
    with connections["ballotbox"].cursor() as cursor:
        cursor.execute("CHECKPOINT")
    return bytes(query("SELECT pg_read_binary_file(pg_relation_filepath(%s))", [table])[0])


PAGE = 8192


def heap_tuples(data: bytes) -> list[tuple[int, bytes]]:
    """Every tuple of a raw heap file, as (raw xmin, tuple bytes), in physical order: page by
    page, and in a page by line pointer (tuple data fills a page from its end, so the byte offset
    alone is not the order). PostgreSQL's page layout: a 24-byte header whose ``pd_lower`` (bytes
    12–13) ends the array of 4-byte line pointers (``lp_off`` 15 bits, ``lp_flags`` 2 bits,
    ``lp_len`` 15 bits); a tuple starts with its raw ``t_xmin`` (4 bytes), kept even once frozen."""
    out = []
    for start in range(0, len(data), PAGE):
        page = data[start : start + PAGE]
        lower = int.from_bytes(page[12:14], "little")
        for at in range(24, lower, 4):
            item = int.from_bytes(page[at : at + 4], "little")
            offset, flags, length = item & 0x7FFF, (item >> 15) & 3, item >> 17
            if flags == 1:  # LP_NORMAL
                tuple_ = page[offset : offset + length]
                out.append((int.from_bytes(tuple_[:4], "little"), tuple_))
    return out


def toast_value_ids(data: bytes, trackers: list[str]) -> dict[str, int]:
    """For each ballot tuple of the raw heap file, the id of its content's TOAST value, read from
    the on-disk TOAST pointer that follows the tracker (``varatt_external``: header bytes
    ``01 12``, then raw size, external size, value id, TOAST relation, 4 bytes each)."""
    ids = {}
    for _, tuple_ in heap_tuples(data):
        for tracker in trackers:
            at = tuple_.find(tracker.encode())
            if at >= 0:
                pointer = tuple_.index(b"\x01\x12", at + len(tracker))
                ids[tracker] = int.from_bytes(tuple_[pointer + 10 : pointer + 14], "little")
    assert sorted(ids) == sorted(trackers)
    return ids


def order_in_file(data: bytes, values: list[str]) -> tuple[list[str], list[int]]:
    """The values in the order the raw file stores them, and the raw xmin of each."""
    found = []
    for xmin, tuple_ in heap_tuples(data):
        hits = [v for v in values if v.encode() in tuple_]
        assert len(hits) <= 1
        found += [(hit, xmin) for hit in hits]
    assert sorted(v for v, _ in found) == sorted(values)
    return [v for v, _ in found], [x for _, x in found]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL's ctid and xmin")
def test_issue_12_5_during_the_vote_postgresql_physical_order_is_the_arrival_order(
    open_urn: Urn,
) -> None:
    trackers, link = cast_all(open_urn)
    assert query(f"SELECT fingerprint FROM {BALLOT} ORDER BY ctid") == trackers  # noqa: S608
    assert query(f"SELECT fingerprint FROM {BALLOT} ORDER BY xmin::text::bigint") == trackers  # noqa: S608
    in_file, xmins = order_in_file(table_file(BALLOT), trackers)
    assert in_file == trackers and xmins == sorted(set(xmins))  # one transaction per cast
    values = toast_value_ids(table_file(BALLOT), trackers)  # the contents' TOAST value ids too
    assert sorted(trackers, key=values.__getitem__) == trackers
    # what docs/voting.md says a holder of both databases learns during the vote: every link
    assert linked_by_physical_order("ctid", link) == VOTERS


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL's ctid, xmin and table files")
def test_issue_12_5_after_the_close_ctid_xmin_and_table_files_hold_no_arrival_order(
    open_urn: Urn,
) -> None:
    trackers, link = cast_all(open_urn)
    old_files = [query("SELECT pg_relation_filepath(%s)", [t])[0] for t in (BALLOT, ALPHA)]
    toast = query("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = %s::regclass",
                  [BALLOT])[0]  # fmt: skip
    old_files.append(query("SELECT pg_relation_filepath(%s)", [toast])[0])
    alphas_by_arrival = query(f"SELECT alpha FROM {ALPHA} ORDER BY ctid")  # noqa: S608

    close_urn(open_urn)  # the last open urn: the ballot box is rewritten in key order

    by_key = sorted(trackers)
    assert by_key != trackers  # 20 random trackers: the test can tell the two orders apart
    assert query(f"SELECT fingerprint FROM {BALLOT} ORDER BY ctid") == by_key  # noqa: S608
    for table in (BALLOT, ALPHA, toast):
        assert query(f"SELECT count(DISTINCT xmin::text) FROM {table}") == [1]  # noqa: S608
    in_file, xmins = order_in_file(table_file(BALLOT), trackers)
    assert in_file == by_key and len(set(xmins)) == 1  # the raw xmin too: one for all
    alphas = query(f"SELECT alpha FROM {ALPHA} ORDER BY ctid")  # noqa: S608
    assert alphas == sorted(alphas_by_arrival) and alphas != alphas_by_arrival
    in_file, xmins = order_in_file(table_file(ALPHA), alphas)
    assert in_file == alphas and len(set(xmins)) == 1
    # TOAST values (the ballots' contents) re-created in tracker order: their value ids increase
    # with the tracker, not with arrival
    chunk_ids = query(f"SELECT chunk_id FROM {toast} WHERE chunk_seq = 0 ORDER BY ctid")  # noqa: S608
    assert len(chunk_ids) == VOTERS and chunk_ids == sorted(chunk_ids)
    values = toast_value_ids(table_file(BALLOT), trackers)
    assert sorted(trackers, key=values.__getitem__) == by_key
    assert sorted(values.values()) == chunk_ids
    # the files that held the arrival order are emptied (unlinked at the next checkpoint)
    for path in old_files:
        size = query("SELECT (pg_stat_file(%s, true)).size", [path])[0]
        assert size in (None, 0), path
    # the pairing attack now links only by chance: ballots come in tracker order
    assert linked_by_physical_order("ctid", link) == sum(
        1 for a, b in zip(by_key, trackers, strict=True) if a == b
    )
    assert Ballot.objects.using("ballotbox").count() == VOTERS  # nothing lost
    assert Alpha.objects.using("ballotbox").count() == len(alphas_by_arrival)


def test_issue_12_5_sqlite_rowid_follows_the_tracker_after_the_rewrite(open_urn: Urn) -> None:
    if connections["ballotbox"].vendor != "sqlite":
        pytest.skip("SQLite's rowid (the demo)")
    trackers, _link = cast_all(open_urn)
    assert query(f"SELECT fingerprint FROM {BALLOT} ORDER BY rowid") == trackers  # noqa: S608
    assert rewrite_in_key_order() == VOTERS
    assert query(f"SELECT fingerprint FROM {BALLOT} ORDER BY rowid") == sorted(trackers)  # noqa: S608
    alphas = query(f"SELECT alpha FROM {ALPHA} ORDER BY rowid")  # noqa: S608
    assert alphas == sorted(alphas)
