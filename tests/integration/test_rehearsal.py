"""The general rehearsal (CCTP 5.1.1.6) on a test instance: a CCI's real urns filled with
fictitious electors through the real imports, a rehearsal played on them (candidatures, key
ceremony, seals, votes, closing, tally), then reset — that CCI only — and started again. Refused
on a production instance (CCTP 5.1.1.4)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from scrutin.cli import main as cli
from scrutin.crypto import dkg
from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.crypto.params import parse_parameters
from scrutin.platform import rehearsal
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.ballotbox.models import Ballot
from scrutin.platform.candidates import services as candidates
from scrutin.platform.candidates.models import Candidate
from scrutin.platform.ceremony.models import KeyCeremony
from scrutin.platform.credentials import services as credentials
from scrutin.platform.credentials.export import generate_keypair
from scrutin.platform.credentials.models import Credential, GenerationRun
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import Elector, Urn
from scrutin.platform.sealing import services as sealing
from scrutin.platform.sealing.models import UrnSeal
from scrutin.platform.tally.models import TallySession
from scrutin.platform.voting.cast import cast_ballot
from scrutin.platform.voting.models import Emargement, UrnElection
from scrutin.record.simulate import run_ceremony

from .tally.conftest import Vote, choices_for
from .tally.test_tally import tallied

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)

AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6), ("I", "Industrie", "", "", 2, 5)])
REUNION = ("974", "CCI de La Réunion", [("C", "Commerce", "", "", 0, 8)])


@pytest.fixture
def test_instance(settings: Any, tmp_path: Path) -> Path:
    """A test instance as settings.py makes it, on a temporary VAR_DIR; returns the real
    structure file (annex 7.1.2) of two CCIs."""
    settings.SCRUTIN_ENVIRONMENT = "test"
    settings.SCRUTIN_TEST_EMAIL_BACKEND = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "scrutin.platform.mailing.testguard.EmailBackend"
    settings.SCRUTIN_TEST_RECIPIENTS = "formation@cci-france.test"
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    path = tmp_path / "structure.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows([AIN, REUNION]))
    return path


def _cli(*args: str) -> Any:
    cli._register() if not cli.app.registered_groups else None
    return CliRunner().invoke(cli.app, ["rehearsal", *args])


def _per_urn(code: str) -> dict[str, int]:
    return {u.code: u.electors.count() for u in Urn.objects.filter(cci_id=code)}


def _credentials(cci: str) -> Path:
    """The national account generates the CCI's credentials, exported for the test dispatch
    operator's key; returns the export file."""
    recipient = credentials.register_recipient(generate_keypair()[1], "Opérateur de test")
    run = credentials.new_run(cci, GenerationRun.Mode.ALL, reason="répétition",
                              recipient=recipient)  # fmt: skip
    return Path(credentials.generate(run).export_path)


def _play(code: str) -> Vote:
    """The COE of urn ``code`` plays the rehearsal: candidatures, key ceremony (the key holders'
    devices played here), urn and platform seals, a few votes, closing and tally."""
    urn = Urn.objects.get(code=code)
    ccir, ccit = urn.questions.get(kind="CCIR"), urn.questions.get(kind="CCIT")
    for question, names in ((ccir, ("Alpha", "Bravo")), (ccit, ("Charlie", "Delta"))):
        for i, name in enumerate(names):
            candidate = Candidate(question=question, civility="M.", last_name=name,
                                  first_name="Jean", birth_date=date(1960 + i, 1, 1))  # fmt: skip
            if question is ccir:
                candidate.substitute_civility, candidate.substitute_last_name = "Mme", f"S-{name}"
                candidate.substitute_first_name = "Anne"
                candidate.substitute_birth_date = date(1980, 1, 1)
            candidates.save_candidate(candidate)
    candidates.seal(urn)
    ceremony = dkg.Ceremony(f"coe-{urn.cci_id}", "ristretto255", dkg.TrusteeId("president"),
                            (dkg.TrusteeId("assesseur-1"), dkg.TrusteeId("assesseur-2")), 1)  # fmt: skip
    trustees, shares = run_ceremony(ceremony)
    KeyCeremony.objects.create(cci=urn.cci, document=ceremony.to_json(), trustees=trustees,
                               finalized_at=timezone.now())  # fmt: skip
    now = timezone.now()
    sealing.seal_urn(urn, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=2))
    sealing.seal_platform()
    urn = Urn.objects.get(pk=urn.pk)
    choices = choices_for(urn, 4)
    params = parse_parameters(urn.election.params)
    for elector, selection in zip(
        Elector.objects.filter(urn=urn).order_by("number"), choices, strict=False
    ):
        cast_ballot(elector, ballot_to_json(params.group, encrypt_ballot(params, selection)))
    sealing.close_urn(urn, reason="répétition générale : clôture (test)")
    vote = Vote(Urn.objects.get(pk=urn.pk), dict(shares), choices)
    assert tallied(vote).state == TallySession.State.DONE
    return vote


def test_cctp_5_1_1_6_rehearsal_fills_the_real_urns_then_reset_empties_one_cci_only(
    test_instance: Path, settings: Any
) -> None:
    done = rehearsal.create(test_instance, ccis=["011"], electors=20)
    assert done.ccis == {"011": {"011-C": 20, "011-I": 20}}
    assert _per_urn("011") == {"011-C": 20, "011-I": 20} and _per_urn("974") == {"974-C": 0}
    # the real import screens show the file the COE trains on
    assert rehearsal.create(test_instance, ccis=["974"], electors=5).ccis == {"974": {"974-C": 5}}
    assert _per_urn("011") == {"011-C": 20, "011-I": 20}  # another CCI's list left alone
    assert JournalEntry.objects.filter(event="rehearsal:cci:create").count() == 2

    exports = [_credentials("011"), _credentials("974")]
    assert all(path.is_file() for path in exports)
    assert Credential.objects.filter(cci_code="011").count() == 40
    _play("011-C")
    records = Path(settings.VAR_DIR) / "records" / "011-C"
    assert records.is_dir() and Ballot.objects.filter(urn_code="011-C").count() == 4
    assert Emargement.objects.filter(urn__code="011-C").count() == 4

    result = _cli("reset", "--cci", "011")
    assert result.exit_code == 0, result.output
    assert "remise à zéro" in result.output and "scellement national" in result.output
    counts = JournalEntry.objects.get(event="rehearsal:cci:reset").data
    assert counts["tables"]["ballotbox.Ballot"] == 4
    assert counts["tables"]["ceremony.KeyCeremony"] == 1
    assert Elector.objects.filter(cci_code="011").count() == 0
    assert not Ballot.objects.filter(urn_code__startswith="011-").exists()
    for model in (Emargement, UrnElection, UrnSeal, TallySession):
        assert not model.objects.filter(urn__cci_id="011").exists(), model
    assert not KeyCeremony.objects.filter(cci_id="011").exists()
    assert not Candidate.objects.filter(question__urn__cci_id="011").exists()
    assert not Urn.objects.filter(cci_id="011").exclude(sealed_at=None).exists()
    assert not records.exists()
    assert _per_urn("011") == {"011-C": 0, "011-I": 0}  # the structure stays
    assert not Credential.objects.filter(cci_code="011").exists() and not exports[0].exists()
    assert _per_urn("974") == {"974-C": 5}  # the other CCI is untouched
    assert Credential.objects.filter(cci_code="974").count() == 5 and exports[1].is_file()
    entry = JournalEntry.objects.get(event="rehearsal:cci:reset")
    assert entry.cci_code == "011" and counts["tables"]["electoral.Elector"] == 40

    # the COE starts again (the platform seal in force does not block the re-import)
    assert rehearsal.create(test_instance, ccis=["011"], electors=20).ccis["011"]["011-C"] == 20


def test_cctp_5_1_1_4_rehearsal_is_refused_on_a_production_instance(
    test_instance: Path, settings: Any
) -> None:
    rehearsal.create(test_instance, ccis=["974"], electors=3)
    settings.SCRUTIN_ENVIRONMENT = "production"
    result = _cli("create", "--structure", str(test_instance), "--electors", "3")
    assert result.exit_code == 1
    assert "n'est possible que sur l'environnement de test" in result.output
    result = _cli("reset", "--cci", "974")
    assert result.exit_code == 1 and "instance de production" in result.output
    assert _per_urn("974") == {"974-C": 3}
    assert not JournalEntry.objects.filter(event="rehearsal:cci:reset").exists()


def test_cctp_5_1_1_6_real_list_is_refused_when_the_allow_list_reaches_one_of_its_electors(
    test_instance: Path, settings: Any, tmp_path: Path
) -> None:
    real = tmp_path / "liste-reelle-974.csv"
    rows = list(generate.elector_rows("974", [("C", "")], 12, seed=3))
    rows[5][-2] = "dirigeant@entreprise-reelle.test"  # the e-mail column
    generate.write_csv(real, generate.ELECTORS_HEADER, rows)
    settings.SCRUTIN_TEST_RECIPIENTS = "@entreprise-reelle.test"
    result = _cli("create", "--structure", str(test_instance), "--real-list", str(real))
    assert result.exit_code == 1 and "liste autorisée" in result.output, result.output
    assert _per_urn("974") == {"974-C": 0}  # not imported
    settings.SCRUTIN_TEST_RECIPIENTS = "formation@cci-france.test"
    result = _cli("create", "--structure", str(test_instance), "--real-list", str(real),
                  "--base-url", "https://test.exemple.fr")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _per_urn("974") == {"974-C": 12}
    assert "https://test.exemple.fr/gestion/ceremonie/" in result.output
    assert "Cérémonie des clés" in result.output
