"""Annulment of an urn's election and partial elections (issue 17; docs/fr/annulation.md): the
annulled election stays archived and verifiable, the new one runs end to end with its own
ceremony, seals, credentials and record."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scrutin.crypto import dkg
from scrutin.crypto.encoding import fingerprint
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.candidates import services as candidates
from scrutin.platform.ceremony.models import ArchivedCeremony, KeyCeremony
from scrutin.platform.credentials import services as credentials
from scrutin.platform.credentials.export import generate_keypair, read_rows
from scrutin.platform.electoral import succession
from scrutin.platform.electoral.models import Elector, Urn, UrnSuccession
from scrutin.platform.sealing import services as sealing
from scrutin.platform.sealing.checks import check_seals
from scrutin.platform.sealing.models import UrnSeal
from scrutin.platform.tally import services
from scrutin.platform.tally.models import TallySession
from scrutin.platform.voting.models import Emargement
from scrutin.record.simulate import run_ceremony
from scrutin.verify.record import verify_record
from scrutin.verify.seals import verify_seals
from tests.integration.accounts.world import make_user

from .conftest import Vote, _candidate, cast, choices_for
from .test_tally import tallied

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)
REFERENCE = "TA Lyon n° 2601234"
REASON = "irrégularités dans la diffusion des professions de foi"


def _national() -> Any:
    return make_user("ADMIN", None, national=True, name="admin-national@cci.test")


def _codes(private: bytes) -> dict[str, str]:
    run = credentials.generate(credentials.new_run("011", "missing"))
    return {row[0]: row[1] for row in read_rows(Path(run.export_path), private)}


def _login(identifier: str, code: str) -> str:
    response = Client().post("/vote/", {"identifiant": identifier, "code": code})
    return response.content.decode()


def _download(client: Client, name: str) -> str:
    response = client.get(f"/gestion/depouillement/export/{name}")
    assert response.status_code == 200, name
    return b"".join(response.streaming_content).decode("utf-8-sig")


def _rerun(vote: Vote, admin: Any, tmp_path: Path) -> tuple[Urn, dict[str, int], Vote]:
    """Everything the COE and CCI France do for the new election, through the real services."""
    new = Urn.objects.get(code="011-C.2")
    ccir, ccit = new.questions.get(kind="CCIR"), new.questions.get(kind="CCIT")
    for name, born in (("Hotel", 1960), ("India", 1961)):
        _candidate(ccir, name, timezone.datetime(born, 1, 1).date(), sub=True)
    for name, born in (("Juliet", 1970), ("Kilo", 1971), ("Lima", 1972)):
        _candidate(ccit, name, timezone.datetime(born, 1, 1).date())
    candidates.seal(new)
    ceremony = dkg.Ceremony("coe-011-2", "ristretto255", dkg.TrusteeId("president"),
                            (dkg.TrusteeId("assesseur-1"), dkg.TrusteeId("assesseur-2")), 1)  # fmt: skip
    trustees, shares = run_ceremony(ceremony)
    KeyCeremony.objects.create(cci=new.cci, document=ceremony.to_json(), trustees=trustees,
                               finalized_at=timezone.now())  # fmt: skip
    sealing.unseal_platform(user=admin, reference="Décision 2026-17", reason="nouvelle élection")
    now = timezone.now()
    sealing.seal_urn(new, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=8))
    sealing.seal_platform(user=admin)
    new = Urn.objects.get(pk=new.pk)
    return new, dict(shares), Vote(new, dict(shares), choices_for(new, 7))


def test_issue_17_annulled_urn_rerun_end_to_end_both_records_verify(
    closed_vote: Vote, tmp_path: Path
) -> None:
    old = closed_vote.urn
    tallied(closed_vote)
    private, public = generate_keypair()
    credentials.register_recipient(public, "Opérateur de test")
    old_codes = _codes(private)  # the credentials of the first election (none were needed)
    admin = _national()

    created = succession.annul([old.code], reference=REFERENCE, reason=REASON, user=admin)
    assert [c.successor.code for c in created] == ["011-C.2"]
    old = Urn.objects.get(pk=old.pk)
    annulment = succession.annulment_of(old)
    assert annulment is not None and annulment.label().startswith(
        f"Élection annulée par décision {REFERENCE} du "
    )
    # the first election's rows are untouched; its electors moved; its émargements archived
    assert old.tally.state == TallySession.State.DONE and old.seal and old.closing
    assert Elector.objects.filter(urn__code="011-C.2").count() == 20
    assert not Emargement.objects.filter(urn=old).exists()
    assert (
        annulment.emargements == 12
        and annulment.emargements_sha256 == old.closing.emargements_sha256
    )
    assert not KeyCeremony.objects.filter(cci_id="011").exists()
    assert ArchivedCeremony.objects.filter(cci_id="011").count() == 1
    events = set(JournalEntry.objects.values_list("event", flat=True))
    assert {"urn:election:annul", "urn:electors:transfer"} <= events
    entry = JournalEntry.objects.get(event="urn:election:annul")
    assert entry.data["reference"] == REFERENCE and entry.data["reason"] == REASON

    # the new election, end to end
    new, shares, vote = _rerun(closed_vote, admin, tmp_path)
    new_codes = _codes(private)
    number = "0110000000001"
    message = _login(number, old_codes[number])
    assert "annulée par décision" in message and REFERENCE in message, message
    assert "Identifiant ou code confidentiel incorrect" not in message
    assert credentials.authenticate(number, old_codes[number]) is None
    assert credentials.authenticate(number, new_codes[number]) is not None
    cast(new, vote.choices)
    sealing.close_urn(new, reason="fin du vote (test)")
    session = tallied(Vote(Urn.objects.get(pk=new.pk), shares, vote.choices))
    assert [(a["counts"], a["blank"]) for a in session.result["answers"]] == vote.expected()

    # both records verify, with distinct elections
    old_report = verify_record(services.record_dir(old), workers=1)
    new_report = verify_record(services.record_dir(new), workers=1)
    assert old_report.valid, old_report.render()
    assert new_report.valid, new_report.render()
    from typer.testing import CliRunner

    from scrutin.cli.main import _register, app

    _register()
    for urn in (old, new):  # `scrutin verify DIR`, as a COE or an expert runs it
        verified = CliRunner().invoke(app, ["verify", str(services.record_dir(urn))])
        assert verified.exit_code == 0, verified.output
    assert old.election.params["election_id"] != new.election.params["election_id"]
    assert old.election.fingerprint != Urn.objects.get(pk=new.pk).election.fingerprint
    # the seals: every document, old and new, verifies; the platform re-checks its own
    seals = tmp_path / "seals.json"
    import json

    seals.write_text(json.dumps(sealing.bundle()), encoding="utf-8")
    report = verify_seals(str(seals))
    assert report.valid, report.render()
    findings = check_seals()
    assert all(f.ok for f in findings), [f for f in findings if not f.ok]
    assert UrnSeal.objects.filter(urn__cci_id="011").count() == 2

    # national exports: the results that hold are the new election's; the list says why
    client = Client()
    client.force_login(admin)
    results = _download(client, "resultats.csv")
    assert "011-C.2" in results and "011-C;" not in results and "011-C," not in results
    rows = list(csv.reader(io.StringIO(_download(client, "elections.csv")), delimiter=";"))
    by_code = {r[0]: r for r in rows[1:]}
    assert "Élection annulée par décision" in ";".join(by_code["011-C"])
    assert "Élection en vigueur" in ";".join(by_code["011-C.2"])
    listing = client.get("/gestion/depouillement/").content.decode()
    assert listing.count("Élection annulée par décision") == 1 and "elections.csv" in listing
    page = client.get(f"/gestion/depouillement/urne/{old.code}/").content.decode()
    assert "Élection annulée par décision" in page and REFERENCE in page
    from scrutin.platform.control.services import participation

    leaves = {u.label: (u.registered, u.voters)
              for r in participation(admin).children for c in r.children for u in c.children}  # fmt: skip
    assert leaves == {"011-C.2": (20, 7)}  # the annulled election is not counted twice
    public = Client().get(f"/urnes/{old.code}/").content.decode()
    assert "Élection annulée par décision" in public
    board = Client().get("/urnes/").content.decode()
    assert board.count("Élection annulée par décision") == 1 and "011-C.2" in board
    # the new election can itself be annulled once tallied: a third one, a third ceremony id
    third = succession.annul(["011-C.2"], reference="TA Lyon n° 2609999", reason=REASON, user=admin)
    assert third[0].successor.code == "011-C.3" and ArchivedCeremony.objects.count() == 2
    assert Elector.objects.filter(urn=third[0].successor).count() == 20
    assert all(f.ok for f in check_seals())


def test_issue_17_annulment_needs_reference_and_reason(closed_vote: Vote) -> None:
    tallied(closed_vote)
    admin = _national()
    for reference, reason in (("", REASON), (REFERENCE, " "), ("", "")):
        with pytest.raises(succession.SuccessionRefused, match="Indiquez"):
            succession.annul(["011-C"], reference=reference, reason=reason, user=admin)
    assert not UrnSuccession.objects.exists()
    assert not Urn.objects.filter(code="011-C.2").exists()


def test_issue_17_annulment_refused_to_a_non_national_account(closed_vote: Vote) -> None:
    tallied(closed_vote)
    president = make_user("PRESCOE", ["011"], name="president-011@cci.test")
    for user in (president, None):
        with pytest.raises(succession.SuccessionRefused, match="compte national"):
            succession.annul(["011-C"], reference=REFERENCE, reason=REASON, user=user)
    assert not UrnSuccession.objects.exists()


def test_issue_17_annulment_before_the_tally_is_refused_explicitly(closed_vote: Vote) -> None:
    with pytest.raises(succession.SuccessionRefused, match="Dépouillement non terminé"):
        succession.annul(["011-C"], reference=REFERENCE, reason=REASON, user=_national())
    assert not UrnSuccession.objects.exists()
    assert Emargement.objects.filter(urn__code="011-C").count() == 12  # nothing changed


def test_issue_17_partial_election_leaves_the_general_election_untouched(
    closed_vote: Vote, tmp_path: Path
) -> None:
    tallied(closed_vote)
    old = Urn.objects.get(pk=closed_vote.urn.pk)
    admin = _national()
    before = (old.seal.fingerprint, old.closing.fingerprint, old.tally.result, old.election.params)
    created = succession.partial("011", {"011-C": (0, 2)}, reference="Arrêté préfectoral 17",
                                 reason="deux sièges CCIT vacants", user=admin)  # fmt: skip
    new = created[0].successor
    assert new.code == "011-C.2" and (new.seats_ccir, new.seats_ccit) == (0, 2)
    assert list(new.questions.values_list("kind", "seats")) == [("CCIT", 2)]
    old = Urn.objects.get(pk=old.pk)
    after = (old.seal.fingerprint, old.closing.fingerprint, old.tally.result, old.election.params)
    assert before == after and succession.annulment_of(old) is None
    assert verify_record(services.record_dir(old), workers=1).valid
    assert "élection partielle n° 2" in succession.status_label(new)
    # the list taken over is amended by a CELE decision on the new urn, not sealed yet
    from scrutin.platform.electoral import changes

    changes.remove_elector("0110000000020", authority="cele", reference="CELE 3", reason="radiée")
    assert Elector.objects.filter(urn=new).count() == 19
    from scrutin.platform.ceremony.services import _ceremony_id

    assert _ceremony_id("011", 1) == "coe-011-e2-1"  # the new ceremony never reuses an old id
    with pytest.raises(succession.SuccessionRefused, match="Sièges à pourvoir invalides"):
        succession.partial("011", {"011-C.2": (0, 16)}, reference="x", reason="y", user=admin)
    assert fingerprint(before[3]) == old.election.fingerprint


def test_issue_17_cli_annul_refuses_then_applies_a_national_decision(closed_vote: Vote) -> None:
    from typer.testing import CliRunner

    from scrutin.cli.main import _register, app

    _register()
    tallied(closed_vote)
    _national()
    make_user("PRESCOE", ["011"], name="president-011@cci.test")
    run = CliRunner().invoke
    base = ["urns", "annul", "--cci", "011", "--compte"]
    refused = run(app, [*base, "admin-national@cci.test", "--reference", REFERENCE])
    assert refused.exit_code == 1 and "motif de la décision" in refused.output
    local = run(app, [*base, "president-011@cci.test", "--reference", REFERENCE, "--motif", REASON])
    assert local.exit_code == 1 and "compte national" in local.output
    assert not UrnSuccession.objects.exists()
    done = run(app, [*base, "admin-national@cci.test", "--reference", REFERENCE, "--motif", REASON])
    assert done.exit_code == 0, done.output
    assert "nouvelle urne 011-C.2" in done.output and "Nouvelle cérémonie des clés" in done.output
    again = run(app, ["urns", "annul", "011-C", "--compte", "admin-national@cci.test",
                      "--reference", REFERENCE, "--motif", REASON])  # fmt: skip
    assert again.exit_code == 1 and "déjà été remplacée" in again.output


def test_issue_17_rehearsal_reset_removes_the_new_elections_too(
    closed_vote: Vote, settings: Any
) -> None:
    from scrutin.platform import rehearsal
    from scrutin.platform.credentials.models import DeadCredential

    tallied(closed_vote)
    succession.annul(["011-C"], reference=REFERENCE, reason=REASON, user=_national())
    settings.SCRUTIN_ENVIRONMENT = "test"
    counts = rehearsal.reset("011")
    assert counts["tables"]["electoral.UrnSuccession"] == 1
    assert list(Urn.objects.values_list("code", flat=True)) == ["011-C"]
    assert not ArchivedCeremony.objects.exists() and not DeadCredential.objects.exists()
    assert not (Path(settings.VAR_DIR) / "successions" / "011-C").exists()


def test_issue_17_cctp_4_2_3_archived_emargements_are_returned_then_destroyed(
    closed_vote: Vote, tmp_path: Path
) -> None:
    from scrutin.platform.credentials.models import DeadCredential
    from scrutin.platform.personaldata.destruction import destroy
    from scrutin.platform.personaldata.restitution import build

    tallied(closed_vote)
    private, public = generate_keypair()
    credentials.register_recipient(public, "Opérateur de test")
    _codes(private)
    created = succession.annul(["011-C"], reference=REFERENCE, reason=REASON, user=_national())
    archived = Path(created[0].succession.archive) / "emargements.json"
    assert archived.is_file() and DeadCredential.objects.count() == 20
    returned = build("011", tmp_path / "restitution")
    assert "emargement/emargement-011-C-archivee.json" in returned.manifest["files"]
    assert returned.manifest["counts"]["urns"]["011-C"]["emargements_archived"] == 12
    done = destroy("011", override="essai de destruction")
    assert done.certificate["tables"]["credentials.DeadCredential"] == 20
    assert not archived.exists() and not DeadCredential.objects.exists()


def test_issue_17_national_page_applies_the_decision_and_refuses_others(
    closed_vote: Vote,
) -> None:
    tallied(closed_vote)
    url = "/gestion/scellement/nouvelle-election/"
    president = make_user("PRESCOE", ["011"], name="president-011@cci.test")
    local = Client()
    local.force_login(president)
    assert local.get(url).status_code == 403
    admin = make_user("ADMIN", None, national=True, name="admin-national@cci.test")
    client = Client()
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert "Élection en vigueur" in page and "011-C" in page
    form = {"action": "annul", "cci": "011", "reference": "", "reason": REASON, "confirm": "on"}
    refused = client.post(url, form, follow=True).content.decode()
    assert "Indiquez la référence de la décision" in refused
    assert not UrnSuccession.objects.exists()
    done = client.post(url, form | {"reference": REFERENCE}, follow=True).content.decode()
    assert "nouvelle urne 011-C.2" in done and "Élection annulée par décision" in done
    assert UrnSuccession.objects.get().successor.code == "011-C.2"


def test_issue_17_new_election_takes_a_new_electors_list(closed_vote: Vote, tmp_path: Path) -> None:
    from scrutin.platform.electoral.annex7 import generate

    tallied(closed_vote)
    admin = _national()
    succession.annul(["011-C"], reference=REFERENCE, reason=REASON, user=admin)
    path = tmp_path / "nouvelle-liste.csv"
    generate.write_csv(path, generate.ELECTORS_HEADER,
                       generate.elector_rows("011", [("C", "")], 5))  # fmt: skip
    with pytest.raises(succession.SuccessionRefused, match="pas une nouvelle élection"):
        succession.replace_list(["011-C"], path, reference="CELE 4", reason="liste", user=admin)
    with pytest.raises(succession.SuccessionRefused, match="compte national"):
        succession.replace_list(["011-C.2"], path, reference="CELE 4", reason="liste", user=None)
    counts = succession.replace_list(["011-C.2"], path, reference="CELE 4", reason="nouvelle liste",
                                     user=admin)  # fmt: skip
    assert counts == {"011-C.2": 5} and Elector.objects.count() == 5
    new = Urn.objects.get(code="011-C.2")
    assert new.list_fingerprint.count == 5
    assert JournalEntry.objects.filter(event="urn:electors:replace").count() == 1
    # the annulled urn's seal is still checked against the list as it was transferred
    old_seal = UrnSeal.objects.get(urn__code="011-C")
    from scrutin.platform.sealing.checks import check_urn_seal

    assert all(f.ok for f in check_urn_seal(old_seal)), check_urn_seal(old_seal)
