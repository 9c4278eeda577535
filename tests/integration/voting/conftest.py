"""An open urn with electors and a real election key (trustees simulated locally)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from scrutin.crypto import dkg
from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import ElectionId, ElectionParameters, Fingerprint, parse_parameters
from scrutin.crypto.signing import generate_signing_key, public_key_hex
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import Elector, ImportRun, Urn
from scrutin.platform.sealing.services import seal_election, seal_platform
from scrutin.platform.voting.models import UrnElection
from scrutin.record.simulate import make_questions, run_ceremony

AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6)])


def make_params(urn: Urn, group: str = "ristretto255") -> dict[str, Any]:
    ceremony = dkg.Ceremony(f"urn-{urn.code}", group, dkg.TrusteeId("president"),
                            (dkg.TrusteeId("assessor-1"), dkg.TrusteeId("assessor-2")), 1)  # fmt: skip
    trustees, _shares = run_ceremony(ceremony)
    spec = tuple((q.kind.lower(), q.seats * 2, q.seats) for q in urn.questions.all())
    params = ElectionParameters(ElectionId(f"cci-2026-{urn.code}"), urn.site_title, group,
                                trustees["public_key"], Fingerprint(fingerprint(trustees)),
                                public_key_hex(generate_signing_key()), make_questions(spec))  # fmt: skip
    return params.to_json()


@pytest.fixture
def open_urn(tmp_path: Path) -> Urn:
    path = tmp_path / "structure.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows([AIN]))
    imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(path))
    )
    path = tmp_path / "electeurs.csv"
    generate.write_csv(
        path, generate.ELECTORS_HEADER, generate.elector_rows("011", [("C", "")], 20)
    )
    imports.import_electors(ImportRun.objects.create(kind="electors", filename="e", path=str(path)))
    urn = Urn.objects.get(code="011-C")
    params = make_params(urn)
    now = timezone.now()
    election = UrnElection.objects.create(urn=urn, params=params, fingerprint=fingerprint(params),
                                          opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1))  # fmt: skip
    seal_election(election)  # CCTP 4.1.4.6: no vote unless the urn and the platform are sealed
    seal_platform()
    return urn


def ballot_for(urn: Urn, choices: list[list[int]] | None = None) -> dict[str, Any]:
    params = parse_parameters(urn.election.params)
    if choices is None:
        choices = [[1] + [0] * (q.size - 1) for q in params.questions]
    return ballot_to_json(params.group, encrypt_ballot(params, choices))


def elector(n: int) -> Elector:
    return Elector.objects.get(number=f"011{n:010d}")
