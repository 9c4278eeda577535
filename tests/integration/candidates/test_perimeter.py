"""Least privilege (design §3.8): a COE member of another CCI gets 403 on every candidatures
URL of CCI 011, for GET and POST; the list of URLs is checked against the URLconf so that a
new page cannot be added without being covered here."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import get_resolver

from scrutin.platform.candidates import services
from scrutin.platform.candidates.models import Candidate, Groupement, ProfessionDeFoi
from scrutin.platform.candidates.professions import store_profession
from scrutin.platform.electoral.models import ImportRun

from .conftest import add_candidate, question, reportlab_pdf

pytestmark = pytest.mark.django_db

PUBLIC = {"profession-de-foi"}  # voters' URL: no login, sealed candidatures only


def _urls() -> dict[str, str]:
    q = question("011-C", "CCIT")
    g = services.create_groupement(q, "Agir")
    member = add_candidate(q, g, last_name="Membre")
    single = add_candidate(q, last_name="Seul")
    doc = store_profession(g, reportlab_pdf(), "p.pdf")
    store_profession(single, reportlab_pdf(), "s.pdf")
    run = ImportRun.objects.create(kind=ImportRun.Kind.CANDIDATES, cci_id="011",
                                   filename="c.csv", path="/nulle-part/c.csv")  # fmt: skip
    base = "/gestion/candidatures"
    return {
        "index": f"{base}/",  # lists nothing of CCI 011 for others: checked separately
        "import": f"{base}/cci/011/import/",
        "import-run": f"{base}/cci/011/import/{run.pk}/",
        "import-progress": f"{base}/cci/011/import/{run.pk}/progression.json",
        "urn": f"{base}/urne/011-C/",
        "groupement-add": f"{base}/urne/011-C/groupements/ajouter/",
        "candidate-add": f"{base}/urne/011-C/candidats/ajouter/",
        "ballots": f"{base}/urne/011-C/bulletins/",
        "electors": f"{base}/urne/011-C/electeurs/",
        "document": f"{base}/urne/011-C/document.json",
        "seal": f"{base}/urne/011-C/sceller/",
        "unseal": f"{base}/urne/011-C/desceller/",
        "printout": f"{base}/urne/011-C/candidatures.pdf",
        "printout:liste-electorale": f"{base}/urne/011-C/liste-electorale.pdf",
        "printout:professions-de-foi": f"{base}/urne/011-C/professions-de-foi.pdf",
        "groupement-edit": f"{base}/groupements/{g.pk}/modifier/",
        "groupement-delete": f"{base}/groupements/{g.pk}/supprimer/",
        "groupement-profession": f"{base}/groupements/{g.pk}/profession-de-foi/",
        "candidate-edit": f"{base}/candidats/{member.pk}/modifier/",
        "candidate-delete": f"{base}/candidats/{member.pk}/supprimer/",
        "candidate-move": f"{base}/candidats/{member.pk}/deplacer/monter/",
        "candidate-profession": f"{base}/candidats/{single.pk}/profession-de-foi/",
        "profession-delete": f"{base}/professions-de-foi/{doc.public_id}/supprimer/",
        "profession-preview": f"{base}/professions-de-foi/{doc.public_id}/apercu.pdf",
    }


def test_every_url_of_the_app_is_enumerated(structure: None) -> None:
    namespace = get_resolver().namespace_dict["candidates"][1]
    names = {n for n in namespace.reverse_dict if isinstance(n, str)}
    covered = {key.split(":")[0] for key in _urls()} | PUBLIC
    assert names == covered


def test_least_privilege_other_cci_gets_403_everywhere(coe_974: Client) -> None:
    urls = _urls()
    before = (
        Candidate.objects.count(),
        Groupement.objects.count(),
        ProfessionDeFoi.objects.count(),
    )
    for name, url in urls.items():
        if name == "index":
            continue
        assert coe_974.get(url).status_code == 403, f"GET {name}"
        assert (
            coe_974.post(
                url, {"name": "x", "reference": "r", "reason": "m", "confirm": "on"}
            ).status_code
            == 403
        ), f"POST {name}"
    assert (
        Candidate.objects.count(),
        Groupement.objects.count(),
        ProfessionDeFoi.objects.count(),
    ) == before
    page = coe_974.get(urls["index"]).content.decode()
    assert "011-C" not in page and "974-C" in page
    assert not services.is_sealed(question("011-C", "CCIT").urn)


def test_anonymous_and_unauthorised_users_are_refused(structure: None) -> None:
    urls = _urls()
    anonymous = Client()
    nobody = Client()
    nobody.force_login(User.objects.create_user("curieux", password="x-Y-z-123456789"))
    for name, url in urls.items():
        response = anonymous.get(url)
        assert response.status_code == 302 and "connexion" in response.url, name
        assert nobody.get(url).status_code == 403, name


def test_national_perimeter_sees_every_cci(structure: None) -> None:
    from django.contrib.auth.models import Permission

    from scrutin.platform.accounts.models import Perimeter

    user = User.objects.create_user("national", password="x-Y-z-123456789")
    user.user_permissions.add(Permission.objects.get(codename="manage_candidates"))
    Perimeter.objects.create(user=user, national=True)
    client = Client()
    client.force_login(user)
    page = client.get("/gestion/candidatures/").content.decode()
    assert "011-C" in page and "974-C" in page
    assert client.get("/gestion/candidatures/urne/011-C/").status_code == 200
