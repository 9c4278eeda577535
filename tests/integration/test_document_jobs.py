"""The electoral list and the émargement list PDFs are built by a job with a progress bar and a
download (issue 19, item 11: 13.2 s in the request for a 41,000-elector urn, past gunicorn's
30 s from 70,000). At most one job per urn and kind runs; the latest file only is kept."""

from __future__ import annotations

import io
import os
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client, override_settings
from django.utils import timezone
from pypdf import PdfReader

from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.documents import services
from scrutin.platform.documents.models import DocumentJob
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import Elector, Urn
from scrutin.platform.voting.models import Emargement
from tests.integration.electoral.test_imports import AIN, REUNION, run_electors, run_structure

pytestmark = [pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True),
              pytest.mark.usefixtures("var_dir")]  # fmt: skip
ELECTORS = 130


@pytest.fixture
def var_dir(tmp_path: Path, settings: object) -> Path:
    (tmp_path / "var").mkdir()
    settings.VAR_DIR = tmp_path / "var"  # type: ignore[attr-defined]
    return tmp_path / "var"


@pytest.fixture
def urn(tmp_path: Path) -> Urn:
    run_structure(tmp_path, [AIN, REUNION])
    run_electors(tmp_path, list(generate.elector_rows("011", [("C", "")], ELECTORS)))
    urn = Urn.objects.get(code="011-C")
    now = timezone.now()
    numbers = Elector.objects.filter(urn=urn).order_by("number").values_list("number", flat=True)
    Emargement.objects.bulk_create(
        Emargement(elector_number=n, urn=urn, voted_at=now - timedelta(minutes=i))
        for i, n in enumerate(numbers[:45])
    )
    return urn


def member(name: str, codenames: list[str], ccis: list[str]) -> Client:
    user = User.objects.create_user(name, password="Un-mot-de-passe-solide-2026")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    Perimeter.objects.create(user=user, cci_codes=ccis)
    client = Client()
    client.force_login(user)
    return client


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_issue_19_11_electors_list_pdf_is_a_job_then_a_download(urn: Urn) -> None:
    coe = member("coe", ["manage_candidates"], ["011"])
    old = coe.get("/gestion/candidatures/urne/011-C/liste-electorale.pdf")  # no PDF in the request
    assert old.status_code == 302 and old.url == "/gestion/documents/urne/011-C/liste-electorale/"
    page = coe.get(old.url).content.decode()
    assert "Préparer le document" in page and "arrière-plan" in page
    started = coe.post(old.url)
    job = DocumentJob.objects.get()
    assert started.url == f"/gestion/documents/{job.pk}/" and job.status == DocumentJob.Status.DONE
    done = coe.get(started.url).content.decode()
    assert "Le document est prêt." in done and job.sha256 in done
    assert coe.get(f"/gestion/documents/{job.pk}/progression.json").json() == {
        "status": "done", "label": "Prêt", "done": True, "progress": 100}  # fmt: skip
    download = coe.get(f"/gestion/documents/{job.pk}/telecharger/")
    pdf = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert download["Content-Disposition"] == 'attachment; filename="liste-electorale-011-C.pdf"'
    text = _text(pdf)
    assert f"{ELECTORS} électeurs inscrits" in text
    assert all(n in text for n in Elector.objects.filter(urn=urn).values_list("number", flat=True))


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_issue_19_11_emargement_pdf_is_a_job_with_the_whole_list(urn: Urn) -> None:
    coe = member("coe", ["view_emargements"], ["011"])
    old = coe.get("/gestion/pilotage/urne/011-C/emargement.pdf")
    assert old.status_code == 302 and old.url == "/gestion/documents/urne/011-C/emargement/"
    job_url = coe.post(old.url).url
    job = DocumentJob.objects.get()
    pdf = b"".join(coe.get(f"/gestion/documents/{job.pk}/telecharger/").streaming_content)  # type: ignore[attr-defined]
    text = _text(pdf)
    assert "45 votant(s)" in text
    assert all(n in text for n in Emargement.objects.values_list("elector_number", flat=True))
    # another kind, another CCI, no permission: refused
    assert member("cand", ["manage_candidates"], ["011"]).get(job_url).status_code == 403
    assert member("coe974", ["view_emargements"], ["974"]).get(job_url).status_code == 403
    assert member("coe974b", ["view_emargements"], ["974"]).post(old.url).status_code == 403
    assert coe.get("/gestion/documents/urne/011-C/autre-chose/").status_code == 404


def test_issue_19_11_one_job_at_a_time_per_urn_and_kind_and_one_file_kept(urn: Urn) -> None:
    user = User.objects.create_user("coe")
    waiting = DocumentJob.objects.create(kind="emargement", urn=urn)
    assert services.request("emargement", urn, user) == (waiting, False)  # joins the waiting job
    abandoned = DocumentJob.objects.create(kind="emargement", urn=urn, status="running")
    DocumentJob.objects.filter(pk=abandoned.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    assert services.request("emargement", urn, user) == (waiting, False)  # not the abandoned one
    abandoned.refresh_from_db()
    assert abandoned.status == "failed" and "demandez à nouveau" in abandoned.message
    other_kind, created = services.request("liste-electorale", urn, user)
    assert created and other_kind != waiting
    reports: list[tuple[int, int]] = []
    first = services.build(waiting, lambda done, total: reports.append((done, total)))
    assert first.status == "done" and Path(first.path).is_file()
    shares = [done / total for done, total in reports]
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) > 2  # a moving bar
    second, created = services.request("emargement", urn, user)
    assert created
    services.build(second, lambda done, total: None)
    first.refresh_from_db()
    assert first.path == "" and len(list(services.folder().iterdir())) == 1  # the older file went


@override_settings(CELERY_TASK_ALWAYS_EAGER=True, SCRUTIN_IMPORTS_INLINE=False)
def test_issue_19_11_demo_mode_builds_in_the_background_with_a_progress_bar(urn: Urn) -> None:
    import time

    coe = member("coe", ["manage_candidates"], ["011"])
    job_url = coe.post("/gestion/documents/urne/011-C/liste-electorale/").url
    page = coe.get(job_url).content.decode()
    assert re.search(r'<progress id="progression"|Le document est prêt\.', page)
    for _ in range(200):
        if coe.get(job_url + "progression.json").json()["done"]:
            break
        time.sleep(0.05)
    assert "Télécharger le PDF" in coe.get(job_url).content.decode()


@pytest.mark.postgres
@pytest.mark.skipif(
    not (os.environ.get("SCRUTIN_TEST_DATABASE_URL") and os.environ.get("SCRUTIN_REDIS_URL")),
    reason="a worker process needs a shared database server and a broker",
)
@override_settings(SCRUTIN_IMPORTS_INLINE=False)
def test_issue_19_11_the_pdf_is_built_on_a_celery_worker(
    urn: Urn,
    celery_worker: subprocess.Popen,  # type: ignore[type-arg]
) -> None:
    import time

    coe = member("coe", ["view_emargements"], ["011"])
    job_url = coe.post("/gestion/documents/urne/011-C/emargement/").url
    job = DocumentJob.objects.get()
    for _ in range(600):
        job.refresh_from_db()
        if job.done:
            break
        assert celery_worker.poll() is None, "the Celery worker stopped"
        time.sleep(0.1)
    assert job.status == DocumentJob.Status.DONE, job.message
    assert "Télécharger le PDF" in coe.get(job_url).content.decode()
    pdf = b"".join(coe.get(f"/gestion/documents/{job.pk}/telecharger/").streaming_content)  # type: ignore[attr-defined]
    assert "45 votant(s)" in _text(pdf)
