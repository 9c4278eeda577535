"""Closing (CCTP 4.1.4.8 "Dès la fin du vote, le contenu des urnes, les listes d'émargement et
les états courants gérés par les serveurs de vote sont figés, horodatés et scellés"): the
closing seal counts and fingerprints exactly the record's ballots.jsonl and the émargement
list, and nothing is accepted afterwards, even from a cast racing with the closing."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.crypto.encoding import fingerprint
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.ballotbox.models import Ballot
from scrutin.platform.electoral.models import Urn
from scrutin.platform.sealing import documents, services
from scrutin.platform.sealing.ballots import BallotBoxCorrupt, ballots_digest, write_ballots_file
from scrutin.platform.sealing.models import UrnClosing
from scrutin.platform.voting import cast
from scrutin.platform.voting.models import Emargement, UrnElection
from scrutin.record.writer import write_ballots

from .conftest import ballot_for, electors_of

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)
ON_POSTGRESQL = bool(os.environ.get("SCRUTIN_TEST_DATABASE_URL"))


def vote(urn: Urn, count: int) -> list[str]:
    return [
        cast.cast_ballot(e, ballot_for(urn, i)).tracker
        for i, e in enumerate(electors_of(urn)[:count])
    ]


def test_cctp_4_1_4_8_ballots_file_is_the_records_one(
    open_vote: dict[str, Urn], tmp_path: Path
) -> None:
    urn = open_vote["011-C"]
    trackers = vote(urn, 4)
    count, sha = write_ballots_file(urn, tmp_path / "ballots.jsonl")
    data = (tmp_path / "ballots.jsonl").read_bytes()
    lines = data.splitlines()
    assert count == 4 and sha == hashlib.sha256(data).hexdigest()
    assert [hashlib.sha256(line).hexdigest() for line in lines] == sorted(trackers)
    # the record writer, given the same canonical lines, writes the same bytes
    assert write_ballots(tmp_path / "again.jsonl", lines) == sha
    assert ballots_digest(urn.code) == (4, sha)
    assert write_ballots_file("011-I", tmp_path / "empty.jsonl") == (
        0,
        hashlib.sha256(b"").hexdigest(),
    )


def test_a_ballot_altered_in_the_box_is_detected(open_vote: dict[str, Urn], tmp_path: Path) -> None:
    urn = open_vote["011-C"]
    [tracker] = vote(urn, 1)
    ballot = Ballot.objects.using("ballotbox").get(fingerprint=tracker)
    ballot.content["answers"][0]["blank"]["alpha"] = ballot.content["answers"][0]["choices"][0][
        "alpha"
    ]
    ballot.save(using="ballotbox")
    with pytest.raises(BallotBoxCorrupt, match=tracker):
        write_ballots_file(urn, tmp_path / "ballots.jsonl")


def test_cctp_4_1_4_8_closing_freezes_counts_and_fingerprints(open_vote: dict[str, Urn]) -> None:
    urn = open_vote["011-C"]
    vote(urn, 3)
    closing = services.close_urn(urn, reason="Décision de la COE du 12/10/2026")
    doc = closing.document
    assert doc["format"] == "scrutin-urn-closing/v1" and doc["urn"] == "011-C"
    assert doc["election"] == urn.election.fingerprint
    assert doc["urn_seal"] == urn.seal.fingerprint
    assert doc["platform_seal"] == services.platform_seal_in_force().fingerprint  # type: ignore[union-attr]
    assert doc["trigger"] == "decision" and doc["reason"] == "Décision de la COE du 12/10/2026"
    assert doc["ballots"] == {"count": 3, "sha256": ballots_digest(urn)[1]}
    emargements = documents.emargements_document("011-C")
    assert [e["elector"] for e in emargements["emargements"]] == sorted(
        Emargement.objects.filter(urn=urn).values_list("elector_number", flat=True)
    )
    assert doc["emargements"] == {"count": 3, "sha256": fingerprint(emargements)}
    assert closing.fingerprint == fingerprint(doc)
    election = UrnElection.objects.get(urn=urn)
    assert election.closed_at is not None and doc["closed_at"] == documents.iso(election.closed_at)
    [entry] = JournalEntry.objects.filter(event="voting:urn:close")
    assert entry.urn_code == "011-C" and entry.data["closing_seal"] == closing.fingerprint
    assert entry.data["voters"] == 3 and "choices" not in entry.data
    # nothing is accepted afterwards, and closing again changes nothing
    with pytest.raises(cast.CastRefused) as refused:
        cast.cast_ballot(electors_of(urn)[5], ballot_for(urn))
    assert refused.value.code == "closed"
    assert services.close_urn(urn) == closing
    assert (
        UrnClosing.objects.count() == 1
        and JournalEntry.objects.filter(event="voting:urn:close").count() == 1
    )
    assert services.fingerprints(urn) == {
        "platform": doc["platform_seal"], "opening": urn.seal.fingerprint, "closing": closing.fingerprint,
        "ballots": doc["ballots"]["sha256"], "emargements": doc["emargements"]["sha256"],
    }  # fmt: skip


def test_an_urn_never_sealed_cannot_be_closed(world: dict[str, Urn]) -> None:
    with pytest.raises(services.SealingError, match="aucune élection"):
        services.close_urn(world["974-C"])


def test_cctp_4_1_4_8_close_due_closes_only_urns_past_their_time(open_vote: dict[str, Urn]) -> None:
    vote(open_vote["011-C"], 2)
    assert services.close_due() == ([], [])
    UrnElection.objects.filter(urn=open_vote["011-C"]).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )
    done, errors = services.close_due()
    assert [c.urn.code for c in done] == ["011-C"] and errors == []
    assert done[0].document["trigger"] == "schedule" and done[0].ballot_count == 2
    # closed at the closing time, not when the timer ran
    assert done[0].closed_at == UrnElection.objects.get(urn=open_vote["011-C"]).closes_at
    assert services.close_due() == ([], [])  # idempotent


def test_cli_urns_close_due(open_vote: dict[str, Urn]) -> None:
    _register()
    runner = CliRunner()
    result = runner.invoke(app, ["urns", "close", "--due"])
    assert result.exit_code == 0 and "Aucune urne à clore." in result.output
    UrnElection.objects.update(closes_at=timezone.now() - timedelta(seconds=1))
    result = runner.invoke(app, ["urns", "close", "--due"])
    assert result.exit_code == 0, result.output
    assert "Urne 011-C close et scellée : 0 bulletin(s), 0 émargement(s)" in result.output
    assert "Urne 011-I close et scellée" in result.output
    result = runner.invoke(app, ["urns", "close", "011-C"])
    assert result.exit_code == 2 and "--motif" in result.output


def waiting_on_locks(count: int) -> None:
    """Until ``count`` backends of this database wait on a lock (PostgreSQL's own view)."""
    from django.db import connection

    for _ in range(600):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")  # fmt: skip
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"{count} backend(s) never waited on a lock")


def run(target: Callable[[], object], out: list[object]) -> threading.Thread:
    def body() -> None:
        try:
            out.append(target())
        except Exception as exc:  # the outcome, whatever it is, is what the test looks at
            out.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


@contextmanager
def other_transaction() -> Iterator[Any]:
    """A second connection to the test database, rolled back and closed whatever happens, so
    that the threads it holds back always finish."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    conn = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")}
    )
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


postgres_only = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="needs a database server shared by several connections"
)


@postgres_only
def test_cctp_4_1_4_8_closing_waits_for_a_cast_inside_its_first_step(
    open_vote: dict[str, Urn],
) -> None:
    """A cast that holds the urn's key-share lock (step 1) makes the closing wait; the cast then
    finishes and its ballot is in the closing seal."""
    urn = open_vote["011-C"]
    voter = electors_of(urn)[0]
    ballot = ballot_for(urn)
    cast_out: list[object] = []
    close_out: list[object] = []
    with other_transaction() as blocker:
        # an uncommitted intent of the same elector: the cast's own insert waits on it, while
        # the cast already holds the key-share lock on the urn's election row
        blocker.execute("INSERT INTO voting_castintent (elector_number, urn_id, token, created_at) "
                        "VALUES (%s, %s, %s, now())", (voter.number, urn.pk, "f" * 64))  # fmt: skip
        cast_thread = run(lambda: cast.cast_ballot(voter, ballot), cast_out)
        waiting_on_locks(1)
        close_thread = run(lambda: services.close_urn(urn, reason="Décision (test)"), close_out)
        waiting_on_locks(2)
        assert UrnElection.objects.get(urn=urn).closed_at is None  # the closing is held back
    cast_thread.join()
    close_thread.join()
    [result] = cast_out
    [closing] = close_out
    assert isinstance(result, cast.CastResult) and isinstance(closing, UrnClosing)
    assert closing.ballot_count == 1 == closing.emargement_count
    assert list(Ballot.objects.using("ballotbox").values_list("fingerprint", flat=True)) == [
        result.tracker
    ]


@postgres_only
def test_cctp_4_1_4_8_a_cast_checked_open_before_the_closing_is_refused_after_it(
    open_vote: dict[str, Urn],
) -> None:
    """A cast that saw the urn open (early check) but reaches its first step after the closing
    reads the urn closed there, and stores nothing."""
    urn = open_vote["011-C"]
    voter = electors_of(urn)[0]
    ballot = ballot_for(urn)
    cast_out: list[object] = []
    with other_transaction() as blocker:
        blocker.execute(
            "SELECT number FROM electoral_elector WHERE number = %s FOR UPDATE", (voter.number,)
        )
        cast_thread = run(lambda: cast.cast_ballot(voter, ballot), cast_out)
        waiting_on_locks(1)  # past the early check, waiting for the elector's lock
        closing = services.close_urn(urn, reason="Décision (test)")
    cast_thread.join()
    [refused] = cast_out
    assert isinstance(refused, cast.CastRefused) and refused.code == "closed"
    assert closing.ballot_count == 0 and not Ballot.objects.using("ballotbox").exists()


@postgres_only
@pytest.mark.parametrize("round_", [1, 2, 3])
def test_cctp_4_1_4_8_casts_racing_the_closing_are_counted_or_refused(
    open_vote: dict[str, Urn], round_: int
) -> None:
    """Eight casts run while the closing starts once two of them are done: every cast either
    succeeded before the seal and is counted in it, or was refused as closed; the box never
    holds a ballot that the seal does not count."""
    urn = open_vote["011-C"]
    voters = electors_of(urn)[:8]
    ballots = [ballot_for(urn, i + round_) for i in range(len(voters))]
    outcomes: dict[str, str] = {}
    done = threading.Semaphore(0)

    def attempt(index: int) -> None:
        try:
            outcomes[voters[index].number] = cast.cast_ballot(voters[index], ballots[index]).tracker
        except cast.CastRefused as exc:
            outcomes[voters[index].number] = exc.code
        finally:
            done.release()
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(voters))]
    for t in threads:
        t.start()
    done.acquire()
    done.acquire()
    closing = services.close_urn(urn, reason="Clôture sur décision (test)")
    for t in threads:
        t.join()
    accepted = sorted(t for t in outcomes.values() if len(t) == 64)
    assert len(accepted) >= 2 and set(outcomes.values()) - set(accepted) <= {"closed"}, outcomes
    box = sorted(
        Ballot.objects.using("ballotbox")
        .filter(urn_code=urn.code)
        .values_list("fingerprint", flat=True)
    )
    assert box == accepted  # nothing stored after the seal, nothing lost
    assert closing.ballot_count == len(accepted) == closing.emargement_count
    assert (closing.ballot_count, closing.ballots_sha256) == ballots_digest(urn)
