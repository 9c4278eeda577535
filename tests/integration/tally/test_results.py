"""The urn results document: CCI rule applied to decrypted totals (CCTP 4.1.4.8.1, R713-27)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from scrutin.crypto.signing import InvalidSignature, verify_document
from scrutin.platform.candidates import services as candidates
from scrutin.platform.candidates.models import Candidate
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import ImportRun, Question, Urn
from scrutin.platform.tally.results import urn_results

pytestmark = pytest.mark.django_db

AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6)])


@pytest.fixture
def urn(tmp_path: Path) -> Urn:
    path = tmp_path / "structure.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows([AIN]))
    imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(path))
    )
    return Urn.objects.get(code="011-C")


def _candidate(
    q: Question, last: str, born: date, group: object = None, sub: str = ""
) -> Candidate:
    c = Candidate(question=q, groupement=group, civility="M.", last_name=last, first_name="Jean",
                  birth_date=born)  # fmt: skip
    if sub:
        c.substitute_civility, c.substitute_last_name = "Mme", sub
        c.substitute_first_name, c.substitute_birth_date = "Anne", date(1980, 1, 1)
    return candidates.save_candidate(c)


def _build(urn: Urn) -> None:
    ccir = urn.questions.get(kind="CCIR")
    ccit = urn.questions.get(kind="CCIT")
    union = candidates.create_groupement(ccir, "Union")
    _candidate(ccir, "Alpha", date(1960, 1, 1), union, "Sub-Alpha")
    _candidate(ccir, "Bravo", date(1961, 1, 1), union, "Sub-Bravo")
    _candidate(ccir, "Charlie", date(1962, 1, 1), None, "Sub-Charlie")
    avenir = candidates.create_groupement(ccit, "Avenir")
    _candidate(ccit, "Delta", date(1970, 1, 1), avenir)
    _candidate(ccit, "Echo", date(1971, 1, 1), avenir)
    _candidate(ccit, "Foxtrot", date(1972, 1, 1))


def _results(urn: Urn, ccir: list[int], ccit: list[int], blank: tuple[int, int] = (1, 2)) -> dict:
    now = timezone.now()
    return urn_results(
        urn, {"ccir": (ccir, blank[0]), "ccit": (ccit, blank[1])},
        registered=40, voters=20, fingerprints={"election": "e" * 64, "tally": "t" * 64, "result": "r" * 64},
        seals={"closing": "c" * 64}, times={"closes_at": now, "closed_at": now},
        decrypted_by=["president", "assesseur-1"], trustee_names={},
    )  # fmt: skip


def test_r713_27_ccir_elected_and_their_substitutes_take_ccit_seats(urn: Urn) -> None:
    _build(urn)
    doc = _results(urn, [15, 4, 9], [12, 3, 7])
    ccir, ccit = doc["ballots"]
    assert [c["name"] for c in ccir["candidates"] if c["elected"]] == [
        "M. Jean ALPHA",
        "M. Jean CHARLIE",
    ]
    assert all(c["elected_to"] == ["CCIR", "CCIT"] for c in ccir["candidates"] if c["elected"])
    assert ccit["substitutes_elected"] == ["Mme Anne SUB-ALPHA", "Mme Anne SUB-CHARLIE"]
    # 6 CCIT seats: 2 CCIR members + 2 suppléants, 2 left for the CCIT-only candidates
    assert [c["name"] for c in ccit["candidates"] if c["elected"]] == [
        "M. Jean DELTA",
        "M. Jean FOXTROT",
    ]
    assert ccir["cast"] == 19 and ccit["cast"] == 18 and ccir["null"] == 0
    assert {g["name"]: g["seats"] for g in ccir["groupements"]} == {"Union": 1}
    assert {g["name"]: g["seats"] for g in ccit["groupements"]} == {"Avenir": 1}
    assert doc["registered"] == 40 and doc["voters"] == 20


def test_results_document_is_signed_by_the_platform(urn: Urn) -> None:
    _build(urn)
    doc = _results(urn, [15, 4, 9], [12, 3, 7])
    signature = doc.pop("signature")
    verify_document(bytes.fromhex(signature["key"]), doc, bytes.fromhex(signature["value"]))
    doc["voters"] = 21
    with pytest.raises(InvalidSignature):
        verify_document(bytes.fromhex(signature["key"]), doc, bytes.fromhex(signature["value"]))


def test_l713_16_tie_goes_to_the_oldest_and_an_undecidable_tie_is_reported(urn: Urn) -> None:
    _build(urn)
    ccit = urn.questions.get(kind="CCIT")
    # Delta (1970) and Echo (1971) tie for the last CCIT seat: the oldest, Delta, wins
    doc = _results(urn, [15, 4, 9], [5, 5, 7])
    elected = [c["name"] for c in doc["ballots"][1]["candidates"] if c["elected"]]
    assert elected == ["M. Jean DELTA", "M. Jean FOXTROT"]
    # same birth date: nobody decides for the commission
    Candidate.objects.filter(question=ccit, last_name="Echo").update(birth_date=date(1970, 1, 1))
    doc = _results(urn, [15, 4, 9], [5, 5, 7])
    ballot = doc["ballots"][1]
    assert [c["name"] for c in ballot["candidates"] if c["elected"]] == ["M. Jean FOXTROT"]
    assert ballot["undecided"][0]["seats"] == 1
    assert set(ballot["undecided"][0]["between"]) == {"M. Jean DELTA", "M. Jean ECHO"}
