"""COE pages of the credentials (issue 5): permission, perimeter, generation with progress,
single regeneration with its reason, download of the sealed export (CCTP 4.1.4.5, 5.2.3)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client, override_settings

from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.credentials import services
from scrutin.platform.credentials.export import read_rows
from scrutin.platform.credentials.models import Credential, GenerationRun
from scrutin.platform.electoral.models import Elector

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"])


def member(name: str, *, national: bool = False, ccis: list[str] | None = None) -> Client:
    user = User.objects.create_user(name, password="mot-de-passe-solide-2026")
    user.user_permissions.add(Permission.objects.get(codename="manage_credentials"))
    Perimeter.objects.create(user=user, national=national, cci_codes=ccis or [])
    client = Client()
    client.force_login(user)
    return client


def test_pages_need_the_permission(client: Client, electors: dict[str, int]) -> None:
    assert client.get("/gestion/identifiants/").status_code == 302
    client.force_login(User.objects.create_user("curieux", password="x-Y-z-123456789"))
    assert client.get("/gestion/identifiants/").status_code == 403
    assert client.post("/gestion/identifiants/cci/011/generer/", {"mode": "new"}).status_code == 403


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_perimeter_outside_the_users_ccis_is_403(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    coe_974 = member("coe974", ccis=["974"])
    page = coe_974.get("/gestion/identifiants/")
    assert page.status_code == 200
    assert (
        "CCI de La Réunion" in page.content.decode() and "CCI de l'Ain" not in page.content.decode()
    )
    assert coe_974.get("/gestion/identifiants/cci/011/generer/").status_code == 403
    assert (
        coe_974.post("/gestion/identifiants/cci/011/generer/", {"mode": "new"}).status_code == 403
    )
    assert coe_974.post("/gestion/identifiants/cci/011/regenerer/",
                        {"number": "0110000000001", "reason": "x"}).status_code == 403  # fmt: skip
    assert not Credential.objects.exists()
    run = services.generate(services.new_run("011", "new"))
    for url in (f"/gestion/identifiants/generations/{run.pk}/",
                f"/gestion/identifiants/generations/{run.pk}/progression.json",
                f"/gestion/identifiants/generations/{run.pk}/export/"):  # fmt: skip
        assert coe_974.get(url).status_code == 403
    # a number of another CCI through the page of one's own CCI is refused too
    response = coe_974.post("/gestion/identifiants/cci/974/regenerer/",
                            {"number": Elector.objects.filter(cci_code="011").first().number,  # type: ignore[union-attr]
                             "reason": "essai"})  # fmt: skip
    assert (
        response.status_code == 200 and "Aucun électeur de la CCI 974" in response.content.decode()
    )


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_generate_from_the_page_then_download_the_sealed_export(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes], tmp_path: Path
) -> None:
    coe = member("coe", ccis=["974"])
    form = coe.get("/gestion/identifiants/cci/974/generer/")
    assert form.status_code == 200 and "Lignes sans identifiant : 15" in form.content.decode()
    response = coe.post("/gestion/identifiants/cci/974/generer/", {"mode": "new"})
    assert response.status_code == 302
    run = GenerationRun.objects.get()
    assert response.url == f"/gestion/identifiants/generations/{run.pk}/"
    assert run.status == "done" and run.created_by.username == "coe"  # type: ignore[union-attr]
    page = coe.get(response.url).content.decode()
    assert run.export_sha256 in page and "Télécharger l'export chiffré" in page
    assert coe.get(f"/gestion/identifiants/generations/{run.pk}/progression.json").json() == {
        "status": "done", "label": "Terminée", "done": True, "progress": 100}  # fmt: skip
    download = coe.get(f"/gestion/identifiants/generations/{run.pk}/export/")
    assert download.status_code == 200
    saved = tmp_path / "telecharge"
    saved.write_bytes(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    rows = list(read_rows(saved, operator_keys[0]))
    assert len(rows) == 15
    for row in rows:
        assert row[1] not in page
    # a second plain generation is refused and says why
    coe.post("/gestion/identifiants/cci/974/generer/", {"mode": "new"})
    refused = GenerationRun.objects.latest("id")
    assert refused.status == "refused"
    assert (
        "existent déjà"
        in coe.get(f"/gestion/identifiants/generations/{refused.pk}/").content.decode()
    )


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_regenerate_all_from_the_page_needs_reason_and_confirmation(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    coe = member("coe", national=True)
    coe.post("/gestion/identifiants/cci/974/generer/", {"mode": "new"})
    response = coe.post("/gestion/identifiants/cci/974/generer/", {"mode": "all", "reason": ""})
    assert response.status_code == 200 and GenerationRun.objects.count() == 1
    assert "Indiquez le motif" in response.content.decode()
    response = coe.post("/gestion/identifiants/cci/974/generer/",
                        {"mode": "all", "reason": "export perdu", "confirm": "on"})  # fmt: skip
    assert response.status_code == 302
    assert set(Credential.objects.values_list("generation", flat=True)) == {2}


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_regenerate_one_from_the_page_records_who_and_why(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    coe = member("coe974", ccis=["974"])
    first = services.generate(services.new_run("974", "new"))
    number = Elector.objects.filter(cci_code="974").order_by("number").first().number  # type: ignore[union-attr]
    old = {r[0]: r[1] for r in read_rows(Path(first.export_path), operator_keys[0])}[number]
    response = coe.post("/gestion/identifiants/cci/974/regenerer/",
                        {"number": f"{number[:3]} {number[3:]}", "reason": "courrier perdu"})  # fmt: skip
    assert response.status_code == 302
    run = GenerationRun.objects.latest("id")
    assert (run.mode, run.elector_number, run.reason) == ("one", number, "courrier perdu")
    assert run.created_by.username == "coe974"  # type: ignore[union-attr]
    assert services.authenticate(number, old) is None
    new = [r[1] for r in read_rows(Path(run.export_path), operator_keys[0])]
    assert services.authenticate(number, new[0]) is not None
    listing = coe.get("/gestion/identifiants/").content.decode()
    assert "courrier perdu" in listing and "coe974" in listing


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("SCRUTIN_TEST_DATABASE_URL"),
    reason="the in-memory SQLite test database locks whole tables across threads",
)
@pytest.mark.django_db(transaction=True, databases=["default", "ballotbox"])
@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_generation_page_runs_in_a_background_thread_with_progress(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    """Without a broker (embedded demo) the page starts the job and polls its progress."""
    import time

    coe = member("coe", ccis=["011"])
    response = coe.post("/gestion/identifiants/cci/011/generer/", {"mode": "new"})
    assert response.status_code == 302
    page = coe.get(response.url).content.decode()
    assert 'id="progression"' in page or "Terminée" in page
    progress_url = response.url + "progression.json"
    for _ in range(200):
        data = coe.get(progress_url).json()
        if data["done"]:
            break
        time.sleep(0.05)
    assert data == {"status": "done", "label": "Terminée", "done": True, "progress": 100}
