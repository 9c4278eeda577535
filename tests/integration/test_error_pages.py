"""Issue 12 (French everywhere): Django's own error pages say « 403 Forbidden », « Not Found »,
« CSRF verification failed ». The platform's are French, with a way back."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.frenchtext import scan_html

from .accounts.world import make_user

pytestmark = pytest.mark.django_db


def test_review_12_error_pages_are_french() -> None:
    missing = Client().get("/vote/page-inexistante/")
    assert missing.status_code == 404 and "Page introuvable" in missing.content.decode()
    client = Client()
    client.force_login(make_user("CELE", ["011"]))
    refused = client.get("/gestion/depouillement/")
    assert refused.status_code == 403 and "Accès refusé" in refused.content.decode()
    csrf = Client(enforce_csrf_checks=True).post("/vote/", {"identifiant": "1"})
    assert csrf.status_code == 403 and "Formulaire expiré" in csrf.content.decode()
    for response in (missing, refused, csrf):
        page = response.content.decode()
        assert "Forbidden" not in page and "Not Found" not in page and "CSRF" not in page
        assert scan_html(page, "page d'erreur") == []
