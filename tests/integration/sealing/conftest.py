"""Two CCIs with urns ready to be sealed: structure and electors through the real imports,
candidatures entered and sealed, and each COE's key ceremony finalized (its ``KeyCeremony``
row holding the public ``trustees.json`` of a ceremony run in memory, as the ceremony pages
would leave it)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from scrutin.crypto import dkg
from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.crypto.params import parse_parameters
from scrutin.platform.candidates import services as candidatures
from scrutin.platform.candidates.models import Candidate, Groupement
from scrutin.platform.ceremony.models import KeyCeremony
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import Cci, Elector, ImportRun, Urn
from scrutin.platform.sealing import services
from scrutin.platform.sealing.models import PlatformSeal, UrnSeal
from scrutin.record.simulate import run_ceremony
from tests.integration.accounts.world import make_user

AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 4), ("I", "Industrie", "", "", 0, 3)])
REUNION = ("974", "CCI de La Réunion", [("C", "Commerce", "", "", 0, 3)])
ELECTORS = 12


def _import(kind: str, path: Path) -> None:
    run = ImportRun.objects.create(kind=kind, filename=path.name, path=str(path))
    done = imports.import_structure(run) if kind == "structure" else imports.import_electors(run)
    assert done.status == ImportRun.Status.ACCEPTED, list(done.issues.values_list("message"))


def person(question: Any, last: str, first: str, **extra: Any) -> dict[str, Any]:
    return {"question": question, "civility": "Mme", "last_name": last, "first_name": first,
            "birth_date": date(1970, 1, 1), **extra}  # fmt: skip


def enter_candidatures(urn: Urn) -> None:
    for question in urn.questions.order_by("position"):
        group = Groupement.objects.create(question=question, name=f"Liste {question.kind} {urn.code}",
                                          registration=1)  # fmt: skip
        for i in range(1, question.seats + 1):
            Candidate.objects.create(groupement=group, position=i,
                                     **person(question, f"NOM{i}", "Claire"))  # fmt: skip
        Candidate.objects.create(registration=2, **person(question, "SEULE", "Anne"))


def finalize_ceremony(cci: str) -> dict[str, Any]:
    ceremony = dkg.Ceremony(f"coe-{cci}", "ristretto255", dkg.TrusteeId("president"),
                            (dkg.TrusteeId("assesseur-1"), dkg.TrusteeId("assesseur-2")), 1)  # fmt: skip
    trustees, _shares = run_ceremony(ceremony)
    KeyCeremony.objects.create(cci_id=cci, document=trustees["ceremony"], trustees=trustees,
                               finalized_at=timezone.now())  # fmt: skip
    return trustees


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Urn]:
    """Urns 011-C, 011-I (CCI de l'Ain) and 974-C (La Réunion), each with electors and sealed
    candidatures; only the Ain COE has finalized its key ceremony."""
    structure = tmp_path / "structure.csv"
    generate.write_csv(
        structure, generate.STRUCTURE_HEADER, generate.structure_rows([AIN, REUNION])
    )
    _import("structure", structure)
    for code, urns in (("011", [("C", ""), ("I", "")]), ("974", [("C", "")])):
        path = tmp_path / f"electeurs-{code}.csv"
        generate.write_csv(path, generate.ELECTORS_HEADER,
                           list(generate.elector_rows(code, urns, ELECTORS, start=1 if code == "011" else 500)))  # fmt: skip
        _import("electors", path)
    out = {}
    for urn in Urn.objects.order_by("code"):
        enter_candidatures(urn)
        candidatures.seal(urn)
        out[urn.code] = urn
    finalize_ceremony("011")
    return out


def window() -> tuple[datetime, datetime]:
    now = timezone.now()
    return now - timedelta(minutes=30), now + timedelta(hours=2)


def seal_ain(world: dict[str, Urn], user: Any = None) -> list[UrnSeal]:
    opens_at, closes_at = window()
    return [services.seal_urn(world[c], opens_at=opens_at, closes_at=closes_at, user=user)
            for c in ("011-C", "011-I")]  # fmt: skip


@pytest.fixture
def open_vote(world: dict[str, Urn]) -> dict[str, Urn]:
    """The Ain urns sealed, 974 has no election, the platform sealed: the vote is open."""
    seal_ain(world)
    services.seal_platform()
    return world


def ballot_for(urn: Urn, pick: int = 0) -> dict[str, Any]:
    urn.refresh_from_db()
    params = parse_parameters(urn.election.params)
    choices = [[1 if i == pick % q.size else 0 for i in range(q.size)] for q in params.questions]
    return ballot_to_json(params.group, encrypt_ballot(params, choices))


def electors_of(urn: Urn) -> list[Elector]:
    return list(Elector.objects.filter(urn=urn).order_by("number"))


def national_admin() -> User:
    return make_user("ADMIN", None, national=True, name="admin-national@cci.test")


def in_force() -> PlatformSeal | None:
    return services.platform_seal_in_force()


def cci(code: str) -> Cci:
    return Cci.objects.get(code=code)
