"""Every administrative action is journaled with its author (issue 8; CCTP 4.2.2.1): here the
candidatures entered on the COE's pages, whose journal entries are written by model signals far
from the view — the request's user reaches them through the actor middleware."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.candidates.models import Groupement
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import ImportRun, Question

pytestmark = pytest.mark.django_db


def test_cctp_4_2_2_1_candidature_edits_are_journaled_with_their_author(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER,
                       generate.structure_rows([("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6)])]))  # fmt: skip
    imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(path))
    )
    user = User.objects.create_user("coe011", password="Un-mot-de-passe-solide-2026")
    user.user_permissions.add(Permission.objects.get(codename="manage_candidates"))
    Perimeter.objects.create(user=user, cci_codes=["011"])
    client = Client()
    client.force_login(user)
    ccit = Question.objects.get(urn__code="011-C", kind="CCIT")
    response = client.post("/gestion/candidatures/urne/011-C/groupements/ajouter/",
                           {"question": ccit.pk, "name": "Commerce uni"})  # fmt: skip
    assert response.status_code == 302
    groupement = Groupement.objects.get()
    client.post(f"/gestion/candidatures/groupements/{groupement.pk}/supprimer/")
    entries = list(
        JournalEntry.objects.filter(event__startswith="candidates:").order_by("sequence")
    )
    assert [(e.event, e.actor, e.urn_code) for e in entries] == [
        ("candidates:groupement:create", "coe011", "011-C"),
        ("candidates:groupement:delete", "coe011", "011-C"),
    ]
    assert entries[0].data["name"] == "Commerce uni" and entries[0].actor_perimeter == "011"
