"""Issue 12 « English and codes in French pages »: every template, every page a user opens on a
tallied urn, and every message the code hands to a user (flash messages, form and validation
errors, refusals, the commands' output and help) is French, without raw identifiers.

The detector (tests/frenchtext.py) is checked first on what the review found, so that a scan
finding nothing means something. What stays technical on purpose is in ``ALLOWED`` below, each
with its reason; keep that list short.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scrutin.platform.voting.receipts import make_receipt, receipt_context
from tests.frenchtext import Finding, problems, scan_html, user_strings

from ..accounts.world import make_user
from .conftest import Vote
from .test_tally import tallied
from .test_tally_pages import _designate

SRC = Path(__file__).resolve().parents[3] / "src" / "scrutin"

# (place, text found) → why it may stay.
ALLOWED: dict[tuple[str, str], str] = {
    ("cli/machine.py", "release_key"): "name of the field of the update package that the agent "
    "compares with the publisher's key printed on paper (docs/fr of the machine)",
    ("cli/machine.py", "key"): "same field name (release_key)",
}


def _allowed(finding: Finding) -> bool:
    place = finding.where.split(":", 1)[0]
    return any(place == p and f"« {t} »" in finding.what for p, t in ALLOWED)


def test_review_12_the_detector_finds_what_the_review_found() -> None:
    found = {
        "assesseur-1 (assessor) — reçu le 04/12/2026": "rôle ou code en anglais",
        "president (president) — reçu le 04/12/2026": "rôle ou code en anglais",
        "Déchiffrement partiel refusé : (partial decryption of unknown trustee 'None')": "valeur Python",
        "accounts:user:login": "code d'événement",
        "scellement platform : 3f2a…": "mot anglais « platform »",
        "scellement emargements : (aucun)": "mot anglais « emargements »",
        "Signature : voir decrypted_by": "identifiant snake_case",
    }
    for text, what in found.items():
        assert any(what in f.what for f in problems(text, "exemple")), text
    french = [
        "Déchiffrement partiel de Claire Lefèvre accepté : le dépouillement est terminé.",
        "Le président de la commission et au moins 1 des 2 assesseurs ; clé publique cohérente",
        "Téléchargez depouillement-011-C.zip puis : scrutin trustee decrypt --record dossier/",
        "Empreinte de l'agrégation (tally.json) : 3f2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c",
        "Votre session a expiré : reconnectez-vous pour voter.",
    ]
    for text in french:
        assert problems(text, "exemple") == [], text


def test_review_12_every_template_text_is_french() -> None:
    templates = sorted(SRC.glob("platform/*/templates/**/*.html"))
    assert len(templates) > 60
    found = [f for t in templates for f in scan_html(t.read_text(encoding="utf-8"),
                                                      str(t.relative_to(SRC)))]  # fmt: skip
    assert [str(f) for f in found if not _allowed(f)] == []


def test_review_12_every_message_handed_to_users_is_french() -> None:
    sources = [p for p in (*SRC.glob("platform/**/*.py"), *SRC.glob("cli/*.py"),
                           *SRC.glob("machine/**/*.py")) if "migrations" not in p.parts]  # fmt: skip
    texts = [
        (f"{p.relative_to(SRC)}:{line}", text) for p in sources for line, text in user_strings(p)
    ]
    assert len(texts) > 300  # the sinks are really found (messages, refusals, help, output)
    found = [f for where, text in texts for f in problems(text, where)]
    assert [str(f) for f in found if not _allowed(f)] == []


@pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)
def test_review_12_pages_of_a_tallied_urn_are_french(closed_vote: Vote, settings: Any) -> None:
    """The pages as a national administrator, a president and a voter see them once the urn is
    tallied (rendered, with their data: names, roles, seals, results)."""
    settings.SCRUTIN_IMPORTS_INLINE = True
    president = make_user("PRESCOE", ["011"], name="presidente@cci.test")
    assessor = make_user("COE", ["011"], name="assesseur@cci.test")
    _designate(closed_vote, {"president": (president, "Claire", "Lefèvre"),
                             "assesseur-1": (assessor, "Marc", "Giraud"),
                             "assesseur-2": (make_user("COE", ["011"], name="a2@cci.test"), "Inès", "Roux")})  # fmt: skip
    tallied(closed_vote)
    code = closed_vote.urn.code
    admin = Client()
    admin.force_login(make_user("ADMIN", national=True))
    holder = Client()
    holder.force_login(president)
    pages = {
        admin: ["tally:index", ("tally:urn", code), "audit:list", "candidates:index",
                ("candidates:urn", code), "sealing:index", "control:dashboard", "accounts:list",
                "electoral:dashboard", "ceremony:index", "credentials:dashboard"],
        holder: [("tally:keyholder", code), ("tally:urn", code), "ceremony:mine"],
        Client(): ["voting:login"],
    }  # fmt: skip
    found: list[Finding] = []
    seen = 0
    for client, names in pages.items():
        for entry in names:
            name, args = (entry, {}) if isinstance(entry, str) else (entry[0], {"code": entry[1]})
            response = client.get(reverse(name, kwargs=args))
            assert response.status_code == 200, (name, response.status_code)
            found += scan_html(response.content.decode(), name)
            seen += 1
    page = admin.get(reverse("tally:urn", kwargs={"code": code})).content.decode()
    assert "Claire Lefèvre (président de la commission)" in page  # the data is really there
    receipt = make_receipt("ab" * 32, code, "cd" * 32, closed_vote.urn.election.closes_at)
    from django.template.loader import render_to_string

    found += scan_html(render_to_string("voting/receipt.html", receipt_context(receipt)), "reçu")
    assert seen == 15
    assert [str(f) for f in found if not _allowed(f)] == []
