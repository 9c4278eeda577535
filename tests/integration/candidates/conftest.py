"""Fixtures of the candidatures tests: the structure and electors of two CCIs loaded through
the real imports, COE members of each CCI, and a temporary MEDIA_ROOT."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.candidates.models import Candidate, Groupement
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import ImportRun, Question, Urn

AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 3), ("I", "Industrie", "", "", 2, 5)])
REUNION = ("974", "CCI de La Réunion", [("C", "Commerce", "", "", 0, 4)])
AIN_URNS = [("C", ""), ("I", "")]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def structure(tmp_path: Path) -> None:
    path = tmp_path / "structure.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows([AIN, REUNION]))
    run = imports.import_structure(
        ImportRun.objects.create(kind="structure", filename=path.name, path=str(path))
    )
    assert run.status == ImportRun.Status.ACCEPTED
    path = tmp_path / "electeurs.csv"
    generate.write_csv(path, generate.ELECTORS_HEADER,
                       list(generate.elector_rows("011", AIN_URNS, 6, seed=11)))  # fmt: skip
    run = imports.import_electors(
        ImportRun.objects.create(kind="electors", filename=path.name, path=str(path))
    )
    assert run.status == ImportRun.Status.ACCEPTED


def coe_user(username: str, codes: list[str], *, unseal: bool = False) -> User:
    user = User.objects.create_user(username, password="mot-de-passe-solide-2026")
    names = ["manage_candidates", *(["unseal_candidatures"] if unseal else [])]
    user.user_permissions.add(*Permission.objects.filter(codename__in=names))
    Perimeter.objects.create(user=user, cci_codes=codes)
    return user


@pytest.fixture
def coe_011(structure: None) -> Client:
    client = Client()
    client.force_login(coe_user("coe011", ["011"], unseal=True))
    return client


@pytest.fixture
def coe_974(structure: None) -> Client:
    client = Client()
    client.force_login(coe_user("coe974", ["974"], unseal=True))
    return client


def question(urn: str, kind: str) -> Question:
    return Question.objects.get(urn__code=urn, kind=kind)


def urn(code: str) -> Urn:
    return Urn.objects.get(code=code)


def person(last: str, first: str = "Jean", civility: str = "M.", **extra: Any) -> dict[str, Any]:
    return {"civility": civility, "last_name": last, "first_name": first,
            "birth_date": extra.pop("birth_date", date(1970, 5, 17)), **extra}  # fmt: skip


def add_candidate(q: Question, g: Groupement | None = None, **fields: Any) -> Candidate:
    from scrutin.platform.candidates import services

    data = person(fields.pop("last_name", "Boucher"), **fields)
    return services.save_candidate(Candidate(question=q, groupement=g, **data))


def csv_bytes(rows: list[list[str]], header: tuple[str, ...] | None = None) -> bytes:
    from scrutin.platform.candidates.csvimport import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header or COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def reportlab_pdf(text: str = "Profession de foi") -> bytes:
    from scrutin.platform.candidates.demo import profession_pdf

    return profession_pdf(text, ["M. Jean BOUCHER"], "Bourg-en-Bresse")
