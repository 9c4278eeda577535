"""A national-shaped world for the page tests (issue 19, items 9–13): CCIs added one at a time,
each the same shape — three urns, electors through the real import, candidatures entered and
sealed for two urns, the COE's key ceremony finalized, one urn sealed — so that a page's work
can be compared between N and 2N urns."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone

from scrutin.crypto import dkg
from scrutin.platform.candidates import services as candidatures
from scrutin.platform.ceremony.models import KeyCeremony
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.annex7.structure import read_structure
from scrutin.platform.electoral.models import Category, Cci, ImportRun, Question, Urn
from scrutin.platform.sealing import services as sealing
from scrutin.record.simulate import run_ceremony
from tests.integration.sealing.conftest import enter_candidatures

URNS = [("C", "Commerce", "", "", 2, 4), ("I", "Industrie", "", "", 0, 3),
        ("S", "Services", "S1", "moins de 10 salariés", 0, 3)]  # fmt: skip
ELECTORS_PER_CCI = 9


@cache
def _trustees() -> dict[str, Any]:
    ceremony = dkg.Ceremony("coe-national", "ristretto255", dkg.TrusteeId("president"),
                            (dkg.TrusteeId("assesseur-1"), dkg.TrusteeId("assesseur-2")), 1)  # fmt: skip
    trustees, _shares = run_ceremony(ceremony)
    return trustees


def _structure(code: str, folder: Path) -> None:
    """Create the CCI's urns and ballots as the structure import would (the import itself is
    refused once an urn is sealed, and this world grows after some are)."""
    path = folder / f"structure-{code}.csv"
    rows = generate.structure_rows([(code, f"CCI numéro {code}", URNS)])
    generate.write_csv(path, generate.STRUCTURE_HEADER, rows)
    specs, report = read_structure(path)
    assert report.accepted, report.issues
    for spec in specs:
        cci, _ = Cci.objects.get_or_create(code=spec.cci_code, defaults={"label": spec.cci_label})
        category, _ = Category.objects.get_or_create(
            cci=cci, code=spec.category_code, defaults={"label": spec.category_label}
        )
        values = {name: getattr(spec, name) for name in imports.URN_FIELDS}
        urn = Urn.objects.create(cci=cci, category=category, code=spec.code, source_line=spec.line,
                                 subcategory_code=spec.subcategory_code, **values)  # fmt: skip
        for position, ballot in enumerate(spec.ballots(), start=1):
            Question.objects.create(urn=urn, kind=ballot.kind, position=position, seats=ballot.seats,
                                    title=ballot.title, label=ballot.label, seat_label=ballot.seat_label)  # fmt: skip


def add_cci(index: int, folder: Path) -> str:
    """CCI number ``index`` (code 100 + index) in the shape described above; returns its code."""
    code = f"{100 + index}"
    _structure(code, folder)
    electors = folder / f"electeurs-{code}.csv"
    urns = [(cat, sub) for cat, _, sub, _, _, _ in URNS]
    generate.write_csv(electors, generate.ELECTORS_HEADER,
                       list(generate.elector_rows(code, urns, ELECTORS_PER_CCI)))  # fmt: skip
    run = imports.import_electors(
        ImportRun.objects.create(kind="electors", filename=electors.name, path=str(electors))
    )
    assert run.status == ImportRun.Status.ACCEPTED, list(run.issues.values_list("message"))
    ordered = list(Urn.objects.filter(cci_id=code).order_by("code"))
    for urn in ordered[:2]:
        enter_candidatures(urn)
        candidatures.seal(urn)
    trustees = _trustees()
    KeyCeremony.objects.create(cci_id=code, document=trustees["ceremony"], trustees=trustees,
                               finalized_at=timezone.now())  # fmt: skip
    now = timezone.now()
    sealing.seal_urn(
        ordered[0], opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=2)
    )
    return code
