"""The management pages of the electoral data (issue 2): upload, report, control list, changes."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client, override_settings
from django.utils import timezone
from pypdf import PdfReader

from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.annex7.electors import COLUMNS, FIELDS
from scrutin.platform.electoral.models import Elector, ElectorChange, ImportRun, Urn

from .test_imports import AIN, AIN_URNS, REUNION

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer(client: Client) -> Client:
    user = User.objects.create_user("cele", password="mot-de-passe-solide-2026")
    user.user_permissions.add(Permission.objects.get(codename="manage_electoral_data"))
    Perimeter.objects.create(user=user, national=True)
    client.force_login(user)
    return client


@pytest.fixture
def cele_974() -> Client:
    """A CELE member whose perimeter is the CCI of La Réunion only."""
    user = User.objects.create_user("cele974", password="mot-de-passe-solide-2026")
    user.user_permissions.add(Permission.objects.get(codename="manage_electoral_data"))
    Perimeter.objects.create(user=user, cci_codes=["974"])
    client = Client()
    client.force_login(user)
    return client


def csv_upload(rows: list[list[str]], header: tuple[str, ...], name: str) -> io.BytesIO:
    out = io.StringIO()
    import csv

    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = io.BytesIO(out.getvalue().encode("utf-8"))
    data.name = name
    return data


def upload(client: Client, kind: str, data: io.BytesIO) -> ImportRun:
    response = client.post(f"/gestion/imports/{kind}/nouveau/", {"file": data})
    assert response.status_code == 302, response.content[:500]
    return ImportRun.objects.latest("created_at")


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_pages_need_a_signed_in_authorised_user(client: Client) -> None:
    assert client.get("/gestion/").status_code == 302
    assert client.get("/gestion/").url.startswith("/gestion/connexion/")
    client.force_login(User.objects.create_user("curieux", password="x-Y-z-123456789"))
    assert client.get("/gestion/").status_code == 403
    assert client.get("/gestion/cci/011/controle.csv").status_code == 403


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_upload_structure_then_electors_and_read_the_report(officer: Client) -> None:
    run = upload(
        officer,
        "structure",
        csv_upload(
            generate.structure_rows([AIN, REUNION]), generate.STRUCTURE_HEADER, "structure.csv"
        ),
    )
    assert run.status == ImportRun.Status.ACCEPTED
    page = officer.get(f"/gestion/imports/{run.pk}/").content.decode()
    assert "Scrutins créés : 6" in page

    rows = list(generate.elector_rows("011", AIN_URNS, 12))
    rows[4][COLUMNS.index("CIVILITE")] = "Monsieur"
    run = upload(officer, "electors", csv_upload(rows, generate.ELECTORS_HEADER, "ain.csv"))
    assert run.status == ImportRun.Status.REJECTED and Elector.objects.count() == 0
    page = officer.get(f"/gestion/imports/{run.pk}/").content.decode()
    assert "rien n'a été importé" in page and "Monsieur" in page
    report = officer.get(f"/gestion/imports/{run.pk}/compte-rendu.csv")
    lines = report.getvalue().decode("utf-8-sig").splitlines()
    assert lines[0] == "ligne;colonne;valeur;bloquante;message"
    assert lines[1].startswith("6;CIVILITE;Monsieur;oui;")

    rows[4][COLUMNS.index("CIVILITE")] = "M."
    run = upload(officer, "electors", csv_upload(rows, generate.ELECTORS_HEADER, "ain.csv"))
    assert run.status == ImportRun.Status.ACCEPTED and Elector.objects.count() == 12
    progress = officer.get(f"/gestion/imports/{run.pk}/progression.json").json()
    assert progress == {"status": "accepted", "label": "Importé", "done": True, "progress": 100}


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_cctp_4_1_2_control_list_html_csv_pdf(officer: Client) -> None:
    upload(
        officer,
        "structure",
        csv_upload(generate.structure_rows([AIN]), generate.STRUCTURE_HEADER, "s.csv"),
    )
    upload(
        officer,
        "electors",
        csv_upload(
            list(generate.elector_rows("011", AIN_URNS, 10)), generate.ELECTORS_HEADER, "a.csv"
        ),
    )
    html = officer.get("/gestion/cci/011/controle/").content.decode()
    assert "011-S-S2" in html
    lines = officer.get("/gestion/cci/011/controle.csv").content.decode("utf-8-sig").splitlines()
    assert lines[1].split(";")[:4] == ["011-C", "Commerce", "", "2"]
    assert lines[-1].split(";")[:4] == ["TOTAL", "", "", "10"]
    run = ImportRun.objects.filter(kind="electors").latest("created_at")
    assert lines[1].split(";")[4] == run.summary["urns"]["011-C"]["fingerprint"]
    pdf = officer.get("/gestion/cci/011/controle.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "011-S-S1" in text and run.summary["urns"]["011-C"]["fingerprint"] in text
    assert officer.get("/gestion/cci/011/controle.exe").status_code == 404


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_cctp_4_1_2_add_correct_remove_with_reason_then_refused_after_sealing(
    officer: Client,
) -> None:
    upload(
        officer,
        "structure",
        csv_upload(generate.structure_rows([AIN]), generate.STRUCTURE_HEADER, "s.csv"),
    )
    upload(
        officer,
        "electors",
        csv_upload(
            list(generate.elector_rows("011", AIN_URNS, 3)), generate.ELECTORS_HEADER, "a.csv"
        ),
    )
    decision = {"authority": "cele", "reference": "CELE-011-2026-04", "reason": "Inscription omise"}
    values = dict(
        zip(
            generate.ELECTORS_HEADER,
            next(generate.elector_rows("011", [("I", "")], 1, start=77)),
            strict=True,
        )
    )
    new = {f: values[c] for f, c in zip(FIELDS, COLUMNS, strict=True)}
    bad = new | {"civility": "Dr"}
    response = officer.post("/gestion/cci/011/electeurs/ajouter/", bad | decision)
    assert response.status_code == 200 and "CIVILITE" in response.content.decode()
    assert not Elector.objects.filter(number="0110000000077").exists()
    response = officer.post("/gestion/cci/011/electeurs/ajouter/", new | decision)
    assert response.status_code == 302
    added = Elector.objects.get(number="0110000000077")
    assert added.urn.code == "011-I" and added.source_line is None

    response = officer.post("/gestion/electeurs/0110000000077/corriger/",
                            new | {"usage_name": "NOUVEAU NOM"} | decision | {"authority": "court", "reference": "TJ Bourg 26/123"})  # fmt: skip
    assert response.status_code == 302
    assert Elector.objects.get(number="0110000000077").usage_name == "NOUVEAU NOM"
    response = officer.post(
        "/gestion/electeurs/0110000000001/retirer/", decision | {"reason": "Radiation"}
    )
    assert (
        response.status_code == 302 and not Elector.objects.filter(number="0110000000001").exists()
    )
    assert list(ElectorChange.objects.order_by("created_at").values_list("action", "authority", "reason")) == [
        ("add", "cele", "Inscription omise"), ("correct", "court", "Inscription omise"), ("remove", "cele", "Radiation")]  # fmt: skip

    Urn.objects.update(sealed_at=timezone.now())
    response = officer.post("/gestion/electeurs/0110000000002/retirer/", decision)
    assert response.status_code == 200 and "scellée" in response.content.decode()
    assert Elector.objects.filter(number="0110000000002").exists()


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_demo_mode_runs_the_import_in_the_background_with_progress(
    officer: Client, tmp_path: Path
) -> None:
    from scrutin.platform.electoral.tasks import read_progress

    data = csv_upload(generate.structure_rows([AIN]), generate.STRUCTURE_HEADER, "s.csv")
    response = officer.post("/gestion/imports/structure/nouveau/", {"file": data})
    pk = int(response.url.rstrip("/").rsplit("/", 1)[1])
    # Wait on the progress kept in the cache: no database access while the import thread writes
    # (SQLite's shared in-memory test database does not wait for locks).
    for _ in range(400):
        if read_progress(pk) == 100:
            break
        time.sleep(0.05)
    time.sleep(0.2)  # the thread closes its connections after the final progress update
    assert ImportRun.objects.get(pk=pk).status == ImportRun.Status.ACCEPTED


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_cctp_4_1_4_7_a_cele_sees_and_changes_only_its_perimeter(
    officer: Client, cele_974: Client
) -> None:
    upload(
        officer,
        "structure",
        csv_upload(generate.structure_rows([AIN, REUNION]), generate.STRUCTURE_HEADER, "s.csv"),
    )
    ain = upload(
        officer,
        "electors",
        csv_upload(
            list(generate.elector_rows("011", AIN_URNS, 3)), generate.ELECTORS_HEADER, "a.csv"
        ),
    )
    dashboard = cele_974.get("/gestion/").content.decode()
    assert "CCI de La Réunion" in dashboard and "CCI de l&#x27;Ain" not in dashboard
    assert "Importer la structure" not in dashboard
    assert cele_974.get("/gestion/imports/structure/nouveau/").status_code == 403
    for url in (
        "/gestion/cci/011/controle/",
        "/gestion/cci/011/controle.csv",
        "/gestion/cci/011/controle.pdf",
        "/gestion/cci/011/electeurs/",
        "/gestion/cci/011/electeurs/ajouter/",
        "/gestion/electeurs/0110000000001/corriger/",
        "/gestion/electeurs/0110000000001/retirer/",
    ):
        assert cele_974.get(url).status_code == 403, url
    assert cele_974.get(f"/gestion/imports/{ain.pk}/").status_code == 404
    assert cele_974.get(f"/gestion/imports/{ain.pk}/compte-rendu.csv").status_code == 404
    response = cele_974.post("/gestion/imports/electors/nouveau/",
                             {"file": csv_upload(list(generate.elector_rows("011", AIN_URNS, 2, start=9)), generate.ELECTORS_HEADER, "x.csv")})  # fmt: skip
    assert response.status_code == 200 and "pas dans votre périmètre" in response.content.decode()
    assert Elector.objects.filter(cci_code="011").count() == 3
    assert cele_974.get("/gestion/cci/974/controle.csv").status_code == 200


def test_annex_7_1_1_cci_logo_upload_checked_and_served(
    officer: Client, cele_974: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    import tempfile

    # Both through pytest-django's fixture: one set under @override_settings would restore the
    # decorator's values after the test, leaking SCRUTIN_IMPORTS_INLINE into later tests.
    settings.SCRUTIN_IMPORTS_INLINE = True
    settings.MEDIA_ROOT = tempfile.mkdtemp()
    upload(
        officer,
        "structure",
        csv_upload(generate.structure_rows([AIN, REUNION]), generate.STRUCTURE_HEADER, "s.csv"),
    )
    fake = io.BytesIO(b"<svg onload='alert(1)'></svg>")
    fake.name = "logo.png"
    response = officer.post("/gestion/cci/011/logo/", {"logo": fake})
    assert "PNG ou JPEG" in response.content.decode()
    png = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    png.name = "logo.png"
    assert officer.post("/gestion/cci/011/logo/", {"logo": png}).status_code == 302
    served = Client().get("/vote/logo/011/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    assert cele_974.get("/gestion/cci/011/logo/").status_code == 403
    assert Client().get("/vote/logo/974/").status_code == 404
