"""Sealing the urns and the platform before the vote (CCTP 4.1.4.6, 4.1.4.7, 4.2.2.2; design
invariant 7): preconditions, signed documents, journal, and no vote unless both are sealed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.signing import verify_document
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.candidates import services as candidatures
from scrutin.platform.electoral.fingerprints import urn_fingerprint
from scrutin.platform.electoral.models import Urn
from scrutin.platform.keys import platform_public_key_hex
from scrutin.platform.sealing import documents, services
from scrutin.platform.voting import cast
from scrutin.platform.voting.models import UrnElection

from .conftest import ballot_for, electors_of, finalize_ceremony, seal_ain, window

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)


def signature_holds(document: dict) -> bool:  # type: ignore[type-arg]
    body = {k: v for k, v in document.items() if k != "signature"}
    verify_document(
        bytes.fromhex(document["platform_key"]), body, bytes.fromhex(document["signature"])
    )
    return True


def events(event: str) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(event=event).order_by("sequence"))


def test_cctp_4_1_4_6_urn_seal_refused_until_ceremony_candidatures_and_electors(
    world: dict[str, Urn],
) -> None:
    urn = world["974-C"]
    opens_at, closes_at = window()
    with pytest.raises(services.SealingError) as refused:
        services.seal_urn(urn, opens_at=opens_at, closes_at=closes_at)
    assert "la cérémonie des clés de la COE n'est pas terminée" in str(refused.value)
    candidatures.unseal(urn, user=None, reference="décision COE 1", reason="correction")
    assert "les candidatures ne sont pas scellées." in services.urn_preconditions(urn)
    finalize_ceremony("974")
    candidatures.seal(urn)
    assert services.urn_preconditions(urn) == []
    assert not UrnElection.objects.filter(urn=urn).exists()  # nothing built by a refusal


def test_cctp_4_1_4_6_urn_seal_fixes_election_electors_and_candidatures(
    world: dict[str, Urn],
) -> None:
    urn = world["011-C"]
    opens_at, closes_at = window()
    seal = services.seal_urn(urn, opens_at=opens_at, closes_at=closes_at)
    urn.refresh_from_db()
    doc = seal.document
    assert doc["format"] == "scrutin-urn-seal/v1" and doc["urn"] == "011-C" and doc["cci"] == "011"
    assert doc["election"] == urn.election.fingerprint == fingerprint(urn.election.params)
    assert doc["trustees"] == urn.election.params["trustees"]
    count, sha = urn_fingerprint(urn)  # the CELE control list's fingerprint
    assert doc["electors"] == {"count": count, "sha256": sha} and count == len(electors_of(urn))
    assert doc["candidatures"] == candidatures.current_seal(urn).fingerprint  # type: ignore[union-attr]
    assert doc["platform_key"] == platform_public_key_hex() and signature_holds(doc)
    assert seal.fingerprint == fingerprint(doc)
    assert urn.sealed_at == seal.sealed_at  # electors imports and changes are refused from now on
    [entry] = events("urn:seal:create")
    assert entry.urn_code == "011-C" and entry.data["seal"] == seal.fingerprint
    with pytest.raises(services.SealingError, match="déjà scellée"):
        services.seal_urn(urn, opens_at=opens_at, closes_at=closes_at)


def test_opening_window_must_be_coherent(world: dict[str, Urn]) -> None:
    opens_at, closes_at = window()
    with pytest.raises(services.SealingError, match="postérieure à son ouverture"):
        services.seal_urn(world["011-C"], opens_at=closes_at, closes_at=opens_at)


def test_national_dates_come_from_the_settings(settings: Any) -> None:
    assert services.national_window() is None
    settings.SCRUTIN_VOTE_OPENS_AT = "2026-10-01T09:00"
    settings.SCRUTIN_VOTE_CLOSES_AT = "2026-10-15T18:00:00+02:00"
    opens_at, closes_at = services.national_window()  # type: ignore[misc]
    assert opens_at.isoformat() == "2026-10-01T09:00:00+02:00"  # Paris time when no offset
    assert closes_at.isoformat() == "2026-10-15T18:00:00+02:00"


def test_cctp_4_1_4_7_platform_seal_refused_while_an_urn_is_unsealed(world: dict[str, Urn]) -> None:
    opens_at, closes_at = window()
    services.seal_urn(world["011-C"], opens_at=opens_at, closes_at=closes_at)
    # 011-I gets its election but not its seal (as if the sealing had been interrupted)
    from scrutin.platform.ceremony.services import finalized_trustees
    from scrutin.platform.voting.elections import open_election

    open_election(world["011-I"], finalized_trustees("011"), "ristretto255", opens_at, closes_at)  # type: ignore[arg-type]
    assert [u.code for u in services.unsealed_urns()] == ["011-I"]
    with pytest.raises(services.SealingError) as refused:
        services.seal_platform()
    assert "1 urne(s) ne sont pas scellées (011-I)" in str(refused.value)
    services.seal_election(world["011-I"].election)
    assert services.seal_platform().sequence == 1


def test_cctp_4_1_4_6_platform_seal_lists_every_code_file_and_served_asset(
    world: dict[str, Urn],
) -> None:
    seals = seal_ain(world)
    seal = services.seal_platform()
    doc = seal.document
    assert (
        doc["format"] == "scrutin-platform-seal/v1"
        and doc["sequence"] == 1
        and doc["previous"] is None
    )
    assert signature_holds(doc) and seal.fingerprint == fingerprint(doc)
    root = documents.package_root()
    cast_py = root / "platform" / "voting" / "cast.py"
    assert (
        doc["code"]["files"]["platform/voting/cast.py"]
        == hashlib.sha256(cast_py.read_bytes()).hexdigest()
    )
    assert "platform/sealing/templates/sealing/public.html" in doc["code"]["files"]
    # every file of the package: bytecode caches too (none here: the suite writes no bytecode)
    assert doc["code"]["files"] == documents.code_files()
    assert doc["code"]["sha256"] == documents.digest_of(doc["code"]["files"])
    bundle_js = root / "platform" / "voting" / "static" / "voting" / "scrutin-ballot.js"
    assert doc["assets"]["base_url"] == django_settings.STATIC_URL
    assert (
        doc["assets"]["files"]["voting/scrutin-ballot.js"]
        == hashlib.sha256(bundle_js.read_bytes()).hexdigest()
    )
    assert doc["assets"]["sha256"] == documents.digest_of(doc["assets"]["files"])
    assert doc["urns"] == {s.urn.code: s.fingerprint for s in seals}
    [entry] = events("platform:seal:create")
    assert entry.data["seal"] == seal.fingerprint and entry.data["urns"] == 2
    with pytest.raises(services.SealingError, match="déjà scellée"):
        services.seal_platform()


def test_cctp_4_1_4_7_no_urn_can_be_sealed_once_the_platform_is(world: dict[str, Urn]) -> None:
    seal_ain(world)
    services.seal_platform()
    finalize_ceremony("974")
    assert any(
        "la plate-forme est scellée" in r for r in services.urn_preconditions(world["974-C"])
    )
    opens_at, closes_at = window()
    with pytest.raises(services.SealingError, match="plate-forme est scellée"):
        services.seal_urn(world["974-C"], opens_at=opens_at, closes_at=closes_at)


def test_cctp_4_1_4_6_no_vote_unless_urn_and_platform_are_sealed(world: dict[str, Urn]) -> None:
    opens_at, closes_at = window()
    urn = world["011-C"]
    from scrutin.platform.ceremony.services import finalized_trustees
    from scrutin.platform.voting.elections import open_election

    open_election(urn, finalized_trustees("011"), "ristretto255", opens_at, closes_at)  # type: ignore[arg-type]
    voter = electors_of(urn)[0]
    with pytest.raises(cast.CastRefused) as refused:
        cast.cast_ballot(voter, ballot_for(urn))
    assert refused.value.code == "not-sealed"
    assert (
        refused.value.message
        == "Le vote n'est pas encore ouvert : l'urne n'a pas encore été scellée."
    )
    services.seal_election(urn.election)
    with pytest.raises(cast.CastRefused) as refused:
        cast.cast_ballot(voter, ballot_for(urn))
    assert (
        refused.value.code == "unsealed"
        and "la plate-forme de vote n'est pas scellée" in refused.value.message
    )
    services.seal_platform()
    assert cast.cast_ballot(voter, ballot_for(urn)).tracker


def test_cctp_4_1_4_6_unsealing_stops_the_vote_until_a_new_seal(open_vote: dict[str, Urn]) -> None:
    urn = open_vote["011-C"]
    first_voter, second_voter = electors_of(urn)[:2]
    cast.cast_ballot(first_voter, ballot_for(urn))
    with pytest.raises(services.SealingError, match="obligatoires"):
        services.unseal_platform(user=None, reference=" ", reason="maintenance")
    first = services.unseal_platform(user=None, reference="Décision CCI France 2026-7",
                                     reason="Correctif de sécurité")  # fmt: skip
    assert first.unseal_document["seal"] == first.fingerprint and signature_holds(
        first.unseal_document
    )
    [entry] = events("platform:seal:remove")
    assert entry.data["reference"] == "Décision CCI France 2026-7"
    with pytest.raises(cast.CastRefused) as refused:
        cast.cast_ballot(second_voter, ballot_for(urn))
    assert refused.value.code == "unsealed"
    with pytest.raises(services.SealingError, match="n'est pas scellée"):
        services.unseal_platform(user=None, reference="x", reason="y")
    second = services.seal_platform()
    assert second.sequence == 2 and second.document["previous"] == first.fingerprint
    assert cast.cast_ballot(second_voter, ballot_for(urn)).tracker


def test_package_root_is_the_running_code() -> None:
    import scrutin.platform.voting.cast as module

    assert Path(module.__file__).resolve().is_relative_to(documents.package_root())


def test_cctp_4_1_4_6_no_change_to_the_electors_list_once_the_urn_is_sealed(
    world: dict[str, Urn], tmp_path: Path
) -> None:
    from scrutin.platform.electoral import imports
    from scrutin.platform.electoral.annex7 import generate
    from scrutin.platform.electoral.models import ImportRun

    seal_ain(world)
    path = tmp_path / "electeurs-011-bis.csv"
    generate.write_csv(path, generate.ELECTORS_HEADER,
                       list(generate.elector_rows("011", [("C", ""), ("I", "")], 14)))  # fmt: skip
    run = ImportRun.objects.create(kind="electors", filename=path.name, path=str(path))
    with pytest.raises(imports.ImportRefused, match="Les urnes de la CCI 011 sont scellées"):
        imports.import_electors(run)
    assert urn_fingerprint(world["011-C"]) == tuple(
        world["011-C"].seal.document["electors"].values()
    )


def test_cctp_4_1_4_6_candidatures_cannot_be_unsealed_after_the_urn_and_a_lifted_seal_stops_the_vote(
    open_vote: dict[str, Urn],
) -> None:
    urn = open_vote["011-C"]
    voter = electors_of(urn)[0]
    with pytest.raises(candidatures.CandidaturesError, match="ne peuvent plus être descellées"):
        candidatures.unseal(urn, user=None, reference="Décision COE 3", reason="erreur de nom")
    # defence in depth: a seal lifted behind the application's back (database access) stops the vote
    from django.utils import timezone

    from scrutin.platform.candidates.models import UnsealRecord

    lifted = UnsealRecord.objects.create(seal=candidatures.current_seal(urn), unsealed_at=timezone.now(),
                                         reference="accès direct", reason="test")  # fmt: skip
    with pytest.raises(cast.CastRefused) as refused:
        cast.cast_ballot(voter, ballot_for(urn))
    assert refused.value.code == "candidatures-changed"
    assert "ne sont plus celles qui ont été scellées" in refused.value.message
    lifted.delete()
    assert cast.cast_ballot(voter, ballot_for(urn)).tracker


def test_review_12_sealed_urn_candidatures_page_offers_no_unsealing(
    open_vote: dict[str, Urn],
) -> None:
    """Issue 12: the page still offered « Lever le scellement » once the urn was sealed."""
    from django.test import Client
    from django.urls import reverse

    from tests.integration.accounts.world import make_user

    client = Client()
    client.force_login(make_user("ADMIN", national=True))
    sealed = client.get(reverse("candidates:urn", kwargs={"code": "011-C"})).content.decode()
    assert "Lever le scellement" not in sealed
    assert "le scellement des candidatures ne peut plus être levé" in sealed
    urn = Urn.objects.get(code="011-C")
    urn.sealed_at = None  # the same candidatures page before the urn's own seal
    urn.save(update_fields=["sealed_at"])
    before = client.get(reverse("candidates:urn", kwargs={"code": "011-C"})).content.decode()
    assert "Lever le scellement" in before
