"""Casting a ballot (CCTP 4.1.4.3, 4.1.4.4; design README §3.1, §3.5): both or neither, one vote
per right, nothing linking a ballot to an elector once the cast is done."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from scrutin.platform.ballotbox.models import Ballot, BallotIntent
from scrutin.platform.electoral.models import Urn
from scrutin.platform.voting import cast
from scrutin.platform.voting.models import CastIntent, Emargement, UrnElection
from tests.conftest import child_env

from .conftest import ballot_for, elector

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)
ON_POSTGRESQL = bool(os.environ.get("SCRUTIN_TEST_DATABASE_URL"))


def box() -> list[Ballot]:
    return list(Ballot.objects.using("ballotbox").all())


def assert_consistent() -> None:
    """The invariant the issue asks for: as many ballots as émargements, no pending link."""
    assert len(box()) == Emargement.objects.count()
    assert not CastIntent.objects.exists()
    assert not BallotIntent.objects.using("ballotbox").exists()


def test_cctp_4_1_4_3_cast_stores_the_ballot_and_the_emargement(open_urn: Urn) -> None:
    ballot = ballot_for(open_urn)
    result = cast.cast_ballot(elector(1), ballot)
    assert [b.fingerprint for b in box()] == [result.tracker]
    assert Emargement.objects.get().elector_number == "0110000000001"
    assert_consistent()


def test_design_3_1_ballot_box_rows_hold_no_elector_and_no_time(open_urn: Urn) -> None:
    cast.cast_ballot(elector(1), ballot_for(open_urn))
    with connections["ballotbox"].cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Ballot._meta.db_table}")  # noqa: S608
        columns = [c[0] for c in cursor.description]
        row = cursor.fetchone()
    assert columns == ["fingerprint", "urn_code", "content", "ciphertexts"]
    assert "0000000001" not in json.dumps(row, default=str)


def test_cctp_4_1_4_3_second_cast_is_refused(open_urn: Urn) -> None:
    cast.cast_ballot(elector(1), ballot_for(open_urn))
    with pytest.raises(cast.CastRefused) as refused:
        cast.cast_ballot(elector(1), ballot_for(open_urn))
    assert refused.value.code == "already-voted"
    assert len(box()) == 1


def test_invalid_proof_is_refused_and_nothing_is_stored(open_urn: Urn) -> None:
    ballot = ballot_for(open_urn)
    ballot["answers"][0]["choices"][0], ballot["answers"][0]["choices"][1] = (
        ballot["answers"][0]["choices"][1], ballot["answers"][0]["choices"][0])  # fmt: skip
    with pytest.raises(cast.CastRefused) as refused:
        cast.cast_ballot(elector(1), ballot)
    assert refused.value.code == "invalid-ballot"
    assert box() == [] and not Emargement.objects.exists() and not CastIntent.objects.exists()


def test_replaying_another_voters_ciphertexts_is_refused(open_urn: Urn) -> None:
    ballot = ballot_for(open_urn)
    cast.cast_ballot(elector(1), ballot)
    with pytest.raises(cast.CastRefused) as refused:
        cast.cast_ballot(elector(2), ballot)
    assert refused.value.code == "duplicate"
    assert_consistent()
    assert not Emargement.objects.filter(elector_number="0110000000002").exists()


def test_protocol_7_copying_one_answer_of_another_ballot_is_refused(open_urn: Urn) -> None:
    """A ballot that reuses any ciphertext of a stored one (here: the CCIR answer, copied with
    its proofs, which are valid on their own) is refused, as the verifier would reject it."""
    first = ballot_for(open_urn)
    cast.cast_ballot(elector(1), first)
    copy = ballot_for(open_urn)
    copy["answers"][0] = first["answers"][0]
    with pytest.raises(cast.CastRefused) as refused:
        cast.cast_ballot(elector(2), copy)
    assert refused.value.code == "duplicate"
    assert_consistent()


@pytest.mark.parametrize("state", ["closed", "not-open", "suspended"])
def test_cctp_4_1_5_cast_outside_the_opening_or_while_suspended_is_refused(
    open_urn: Urn, state: str
) -> None:
    now = timezone.now()
    changes = {"closed": {"closes_at": now - timedelta(seconds=1)},
               "not-open": {"opens_at": now + timedelta(hours=1)},
               "suspended": {"suspended": True, "suspension_message": "Incident : vote suspendu par la COE."}}  # fmt: skip
    UrnElection.objects.filter(urn=open_urn).update(**changes[state])
    with pytest.raises(cast.CastRefused) as refused:
        cast.cast_ballot(elector(1), ballot_for(open_urn))
    assert refused.value.code == state
    if state == "suspended":
        assert refused.value.message == "Incident : vote suspendu par la COE."
    assert box() == []


@pytest.mark.skipif(
    not ON_POSTGRESQL, reason="needs a database server shared by several connections"
)
@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_cctp_4_1_4_3_exactly_one_of_simultaneous_casts_succeeds(
    open_urn: Urn, number: int
) -> None:
    """Six casts with one credential at once, five times: exactly one ballot and one émargement
    each time (this caught a real race: a check-then-insert across two statements)."""
    ballots = [ballot_for(open_urn) for _ in range(6)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(ballots))

    def attempt(ballot: dict) -> None:  # type: ignore[type-arg]
        barrier.wait()
        try:
            cast.cast_ballot(elector(number), ballot)
            outcomes.append("ok")
        except cast.CastRefused as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(b,)) for b in ballots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "in-progress", "already-voted"}
    assert_consistent()
    assert len(box()) == 1


CHILD = """
import json, os, sys
import django
django.setup()
from scrutin.platform.electoral.models import Elector
from scrutin.platform.voting import cast
ballot = json.load(open(sys.argv[1]))
cast.cast_ballot(Elector.objects.get(number=sys.argv[2]), ballot)
print("cast completed")
"""


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the killed process must share the database server")
@pytest.mark.parametrize(("crash_at", "voted"), [("after-intent", False), ("after-ballot", True),
                                                  ("after-emargement", True), (None, True)])  # fmt: skip
def test_design_3_5_killed_at_any_point_both_or_neither(open_urn: Urn, tmp_path: Path, crash_at: str | None,
                                                         voted: bool) -> None:  # fmt: skip
    path = tmp_path / "ballot.json"
    path.write_text(json.dumps(ballot_for(open_urn)))
    env = child_env(tmp_path / "child", SCRUTIN_CRASH_AT=crash_at or "")
    child = subprocess.run([sys.executable, "-c", CHILD, str(path), "0110000000001"], env=env,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    if crash_at:
        assert child.returncode == 137 and "cast completed" not in child.stdout, child.stderr
    else:
        assert child.returncode == 0, child.stderr
    cast.recover(older_than=timedelta(0))
    assert_consistent()
    assert Emargement.objects.filter(elector_number="0110000000001").exists() is voted
    if not voted:  # the elector was not counted as having voted: he can vote again
        cast.cast_ballot(elector(1), ballot_for(open_urn))
        assert_consistent()


def test_a_stale_intent_is_settled_when_the_elector_comes_back(open_urn: Urn) -> None:
    CastIntent.objects.create(elector_number="0110000000003", urn=open_urn, token="ab" * 32)
    CastIntent.objects.filter(token="ab" * 32).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    result = cast.cast_ballot(elector(3), ballot_for(open_urn))
    assert result.tracker and Emargement.objects.filter(elector_number="0110000000003").exists()
    assert_consistent()
