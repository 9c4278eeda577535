"""The tally of one urn, from its closing seal to the verified record (CCTP 3.2.2.6, 4.1.4.8,
4.2.2.2; R713-24)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scrutin.crypto import dkg
from scrutin.crypto.decryption import partial_decrypt, tally_from_json
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import parse_parameters
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.tally import services
from scrutin.platform.tally.models import TallySession
from scrutin.platform.voting.models import Emargement
from scrutin.record import layout
from scrutin.record.recount import recount
from scrutin.verify.record import verify_record

from .conftest import Vote

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)


def partial(vote: Vote, session: TallySession, trustee: str) -> dict:
    params = parse_parameters(vote.urn.election.params)
    ceremony = dkg.trustee_keys(services.trustees_of(vote.urn)).ceremony
    tally = tally_from_json(params, session.tally)
    return partial_decrypt(params, tally, trustee, ceremony.role(trustee), vote.shares[trustee],
                           session.tally_fingerprint)  # fmt: skip


def tallied(vote: Vote) -> TallySession:
    session = services.aggregate(services.start(vote.urn).pk, workers=2)
    assert session.state == TallySession.State.WAITING
    services.receive_partial(session, partial(vote, session, "president"))
    message = services.receive_partial(session, partial(vote, session, "assesseur-2"))
    assert "terminé" in message
    session.refresh_from_db()
    return session


def test_cctp_3_2_2_6_president_and_one_assessor_decrypt_the_sum_and_the_results_match_the_votes(
    closed_vote: Vote,
) -> None:
    session = tallied(closed_vote)
    assert session.state == TallySession.State.DONE
    expected = closed_vote.expected()
    answers = session.result["answers"]
    assert [(a["counts"], a["blank"]) for a in answers] == expected
    assert session.result["decrypted_by"] == ["president", "assesseur-2"]
    results = session.results
    assert results["voters"] == 12 and results["registered"] == 20
    ccit = next(b for b in results["ballots"] if b["id"] == "ccit")
    assert [c["votes"] for c in ccit["candidates"]] == expected[1][0]
    assert ccit["blank"] == expected[1][1] and ccit["cast"] == 12 - expected[1][1]
    events = set(JournalEntry.objects.filter(urn_code="011-C").values_list("event", flat=True))
    assert {
        "tally:urn:decrypt-init",
        "tally:partial:accept",
        "tally:urn:decrypt-complete",
    } <= events


def test_cctp_4_2_2_2_exported_record_verifies_and_recount_is_byte_identical(
    closed_vote: Vote, tmp_path: Path
) -> None:
    tallied(closed_vote)
    directory = services.record_dir(closed_vote.urn)
    report = verify_record(directory, workers=1)
    assert report.valid, report.render()
    outcome = recount(directory, workers=2)
    assert outcome.identical, outcome.differences
    # one ballot altered in a copy of the record: verification fails
    altered = tmp_path / "altered"
    shutil.copytree(directory, altered)
    lines = (altered / layout.BALLOTS).read_bytes().splitlines(keepends=True)
    ballot = json.loads(lines[0])
    ballot["answers"][0]["choices"][0], ballot["answers"][0]["choices"][1] = (
        ballot["answers"][0]["choices"][1], ballot["answers"][0]["choices"][0])  # fmt: skip
    from scrutin.crypto.encoding import canonical_json

    lines[0] = canonical_json(ballot) + b"\n"
    (altered / layout.BALLOTS).write_bytes(b"".join(lines))
    bad = verify_record(altered, workers=1)
    assert not bad.valid
    assert any("ballots.jsonl" in c.detail for c in bad.failures())


def test_invariant_3_no_tally_before_the_closing_seal(tmp_path: Path, settings: object) -> None:
    from .conftest import cast, choices_for, prepare

    settings.VAR_DIR = tmp_path / "var"  # type: ignore[attr-defined]
    (tmp_path / "var").mkdir()
    urn, _ = prepare(tmp_path)
    cast(urn, choices_for(urn, 2))
    with pytest.raises(services.TallyRefused, match="pas clos"):
        services.start(urn)
    assert not TallySession.objects.exists()


def test_r713_24_ballots_differing_from_emargements_stop_the_tally(closed_vote: Vote) -> None:
    Emargement.objects.filter(urn=closed_vote.urn).order_by("elector_number").first().delete()
    session = services.aggregate(services.start(closed_vote.urn).pk, workers=1)
    assert session.state == TallySession.State.STOPPED
    assert "12" in session.anomaly and "11" in session.anomaly and "R713-24" in session.anomaly
    assert session.tally is None
    assert JournalEntry.objects.filter(event="tally:urn:anomaly", urn_code="011-C").exists()
    with pytest.raises(services.TallyRefused):
        services.receive_partial(session, {"trustee": "president"})


def test_a_forged_or_repeated_partial_decryption_is_refused(closed_vote: Vote) -> None:
    session = services.aggregate(services.start(closed_vote.urn).pk, workers=1)
    good = partial(closed_vote, session, "president")
    forged = json.loads(json.dumps(good))
    forged["answers"][0][0]["share"], forged["answers"][0][1]["share"] = (
        good["answers"][0][1]["share"], good["answers"][0][0]["share"])  # fmt: skip
    with pytest.raises(services.TallyRefused, match="preuves"):
        services.receive_partial(session, forged)
    other_tally = dict(good, tally=fingerprint({"autre": 1}))
    with pytest.raises(services.TallyRefused):
        services.receive_partial(session, other_tally)
    services.receive_partial(session, good)
    with pytest.raises(services.TallyRefused, match="déjà"):
        services.receive_partial(session, good)
    session.refresh_from_db()
    assert session.state == TallySession.State.WAITING  # the president alone decrypts nothing
    assert session.result is None
    assert JournalEntry.objects.filter(event="tally:partial:refuse").count() == 2


def test_issue_12_record_holds_the_closing_seal_and_verify_checks_ballots_seal_emargements(
    closed_vote: Vote,
) -> None:
    from scrutin.platform.sealing.services import closing_of

    tallied(closed_vote)
    directory = services.record_dir(closed_vote.urn)
    closing = json.loads((directory / layout.CLOSING).read_text(encoding="utf-8"))
    seal = closing_of(closed_vote.urn)
    assert seal is not None and closing == seal.document
    assert closing["ballots"]["count"] == closing["emargements"]["count"] == 12
    report = verify_record(directory, workers=1)
    check = next(c for c in report.checks if c.name == "Scellement de clôture")
    assert check.ok and "12 bulletins = 12 émargements" in check.detail


def test_review_12_refusals_are_french_and_name_no_internal_identifier(closed_vote: Vote) -> None:
    """Issue 12: « (partial decryption of unknown trustee 'None') » reached the key holder."""
    session = services.aggregate(services.start(closed_vote.urn).pk, workers=1)
    good = partial(closed_vote, session, "president")
    cases = [
        ({k: v for k, v in good.items() if k != "trustee"}, "ne dit pas quel détenteur"),
        (dict(good, trustee="inconnu"), "pas celle d'un détenteur de cette commission"),
        (dict(good, tally=fingerprint({"autre": 1})), "autre scrutin ou une autre agrégation"),
        (dict(good, answers=[]), "preuves de déchiffrement ne sont pas valides"),
    ]
    for document, reason in cases:
        with pytest.raises(services.TallyRefused) as refused:
            services.receive_partial(session, document)
        message = str(refused.value)
        assert reason in message, message
        for english in ("partial decryption", "trustee", "unknown", "None", "malformed", "proof"):
            assert english not in message, message
