"""A whole urn up to its closing seal, through the real services: structure, electors,
candidatures (sealed), the COE's key ceremony (its shares kept here as the key holders' devices
would), urn and platform seals, real encrypted ballots cast, and the closing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from scrutin.crypto import dkg
from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.crypto.params import parse_parameters
from scrutin.platform.candidates import services as candidates
from scrutin.platform.candidates.models import Candidate
from scrutin.platform.ceremony.models import KeyCeremony
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import Elector, ImportRun, Question, Urn
from scrutin.platform.sealing import services as sealing
from scrutin.platform.voting.cast import cast_ballot
from scrutin.record.simulate import run_ceremony

AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6)])


@dataclass
class Vote:
    urn: Urn
    shares: dict[str, int]
    choices: list[list[list[int]]]  # per voter, per question

    def expected(self) -> list[tuple[list[int], int]]:
        out = []
        for qi in range(len(self.choices[0])):
            per = [v[qi] for v in self.choices]
            out.append(([sum(c[i] for c in per) for i in range(len(per[0]))],
                        sum(1 for c in per if not any(c))))  # fmt: skip
        return out


def _candidate(q: Question, last: str, born: date, group: object = None, sub: bool = False) -> None:
    c = Candidate(question=q, groupement=group, civility="M.", last_name=last, first_name="Jean",
                  birth_date=born)  # fmt: skip
    if sub:
        c.substitute_civility, c.substitute_last_name = "Mme", f"Sup-{last}"
        c.substitute_first_name, c.substitute_birth_date = "Anne", date(1980, 1, 1)
    candidates.save_candidate(c)


def prepare(tmp_path: Path, electors: int = 20) -> tuple[Urn, dict[str, int]]:
    """Structure, electors, sealed candidatures, finalized ceremony, sealed urn and platform."""
    path = tmp_path / "structure.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows([AIN]))
    imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(path))
    )
    path = tmp_path / "electeurs.csv"
    generate.write_csv(path, generate.ELECTORS_HEADER,
                       generate.elector_rows("011", [("C", "")], electors))  # fmt: skip
    imports.import_electors(ImportRun.objects.create(kind="electors", filename="e", path=str(path)))
    urn = Urn.objects.get(code="011-C")
    ccir, ccit = urn.questions.get(kind="CCIR"), urn.questions.get(kind="CCIT")
    union = candidates.create_groupement(ccir, "Union")
    _candidate(ccir, "Alpha", date(1960, 1, 1), union, sub=True)
    _candidate(ccir, "Bravo", date(1961, 1, 1), union, sub=True)
    _candidate(ccir, "Charlie", date(1962, 1, 1), sub=True)
    avenir = candidates.create_groupement(ccit, "Avenir")
    for i, name in enumerate(("Delta", "Echo", "Foxtrot")):
        _candidate(ccit, name, date(1970 + i, 1, 1), avenir)
    _candidate(ccit, "Golf", date(1975, 1, 1))
    candidates.seal(urn)
    ceremony = dkg.Ceremony("coe-011", "ristretto255", dkg.TrusteeId("president"),
                            (dkg.TrusteeId("assesseur-1"), dkg.TrusteeId("assesseur-2")), 1)  # fmt: skip
    trustees, shares = run_ceremony(ceremony)  # the key holders' devices, in this test
    KeyCeremony.objects.create(cci=urn.cci, document=ceremony.to_json(), trustees=trustees,
                               finalized_at=timezone.now())  # fmt: skip
    now = timezone.now()
    sealing.seal_urn(urn, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=2))
    sealing.seal_platform()
    return Urn.objects.get(pk=urn.pk), dict(shares)


def cast(urn: Urn, choices: list[list[list[int]]]) -> None:
    params = parse_parameters(urn.election.params)
    for n, selection in enumerate(choices, start=1):
        ballot = ballot_to_json(params.group, encrypt_ballot(params, selection))
        cast_ballot(Elector.objects.get(number=f"011{n:010d}"), ballot)


def choices_for(urn: Urn, voters: int) -> list[list[list[int]]]:
    params = parse_parameters(urn.election.params)
    out = []
    for v in range(voters):
        selection = []
        for q in params.questions:
            row = [0] * q.size
            if v % 5 != 4:  # every fifth voter votes blank
                for i in range(q.size):
                    if (v + i) % 3 == 0 and sum(row) < q.max:
                        row[i] = 1
                if not any(row):
                    row[v % q.size] = 1
            selection.append(row)
        out.append(selection)
    return out


@pytest.fixture
def closed_vote(tmp_path: Path, settings: Any) -> Vote:
    settings.VAR_DIR = tmp_path / "var"
    (tmp_path / "var").mkdir()
    urn, shares = prepare(tmp_path)
    choices = choices_for(urn, 12)
    cast(urn, choices)
    sealing.close_urn(urn, reason="fin du vote (test)")
    return Vote(Urn.objects.get(pk=urn.pk), shares, choices)
