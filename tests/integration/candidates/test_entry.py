"""Entering candidatures (CCTP 3.2.2.2, 4.1.3): forms, seats limit of groupements, order,
sealing that freezes everything, journaled unsealing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape

from scrutin.crypto.encoding import fingerprint
from scrutin.platform.candidates import services
from scrutin.platform.candidates.models import Candidate, CandidaturesSeal, Groupement, UnsealRecord
from scrutin.platform.candidates.professions import store_profession

from .conftest import add_candidate, question, reportlab_pdf, urn

pytestmark = pytest.mark.django_db

FORM = {"civility": "M.", "last_name": "Boucher", "first_name": "Jean-Marie",
        "birth_date": "1968-03-02", "activity": "boulanger", "town": "Bolbec", "delegation": "",
        "substitute_civility": "Mme", "substitute_last_name": "Durand",
        "substitute_first_name": "Claire", "substitute_birth_date": "1975-01-09"}  # fmt: skip


def test_cctp_3_2_2_2_ccir_candidate_with_substitute_by_form(coe_011: Client) -> None:
    ccir = question("011-C", "CCIR")
    response = coe_011.post("/gestion/candidatures/urne/011-C/candidats/ajouter/",
                            FORM | {"question": ccir.pk, "groupement": ""})  # fmt: skip
    assert response.status_code == 302
    c = Candidate.objects.get()
    assert c.question == ccir and c.registration == 1 and c.groupement is None
    assert c.substitute_display == "Mme Claire DURAND" and not c.substitute_same_sex
    page = coe_011.get("/gestion/candidatures/urne/011-C/").content.decode()
    assert "M. Jean-Marie BOUCHER" in page and "Mme Claire DURAND" in page


def test_cctp_3_2_2_2_same_sex_substitute_is_a_warning_not_a_block(coe_011: Client) -> None:
    ccir = question("011-C", "CCIR")
    response = coe_011.post("/gestion/candidatures/urne/011-C/candidats/ajouter/",
                            FORM | {"question": ccir.pk, "substitute_civility": "M."}, follow=True)  # fmt: skip
    assert Candidate.objects.count() == 1
    assert "sexe différent" in response.content.decode()
    assert "Même sexe que le candidat" in response.content.decode()


def test_ccit_only_candidate_goes_to_ccit_ballot_without_substitute(coe_011: Client) -> None:
    ccit = question("011-C", "CCIT")
    coe_011.post(
        "/gestion/candidatures/urne/011-C/candidats/ajouter/", FORM | {"question": ccit.pk}
    )
    c = Candidate.objects.get()
    assert c.question.kind == "CCIT" and c.candidacy_label == "CCIT seulement"
    assert c.substitute_last_name == "" and c.substitute_birth_date is None


def test_cctp_4_1_3_groupement_never_exceeds_seats_blocking(coe_011: Client) -> None:
    ccit = question("011-C", "CCIT")  # 3 seats
    coe_011.post("/gestion/candidatures/urne/011-C/groupements/ajouter/",
                 {"question": ccit.pk, "name": "Entreprendre ensemble"})  # fmt: skip
    g = Groupement.objects.get()
    for i in range(3):
        add_candidate(ccit, g, last_name=f"Nom{i}")
    response = coe_011.post("/gestion/candidatures/urne/011-C/candidats/ajouter/",
                            FORM | {"question": ccit.pk, "groupement": g.pk}, follow=True)  # fmt: skip
    assert g.candidates.count() == 3
    assert "ne peut pas compter plus de 3 candidats" in response.content.decode()
    with pytest.raises(services.CandidaturesError):
        add_candidate(ccit, g, last_name="Quatrième")


def test_groupement_must_be_on_the_candidate_ballot(structure: None) -> None:
    g = services.create_groupement(question("011-C", "CCIT"), "Union")
    with pytest.raises(services.CandidaturesError, match="autre bulletin"):
        add_candidate(question("011-C", "CCIR"), g)


def test_cctp_4_1_3_registration_order_and_order_inside_groupement(structure: None) -> None:
    q = question("011-I", "CCIT")
    first = add_candidate(q, last_name="Individuel")
    g1 = services.create_groupement(q, "Agir")
    a, b, c = (add_candidate(q, g1, last_name=n) for n in ("A", "B", "C"))
    g2 = services.create_groupement(q, "Bâtir")
    assert (first.registration, g1.registration, g2.registration) == (1, 2, 3)
    services.move_candidate(c, -1)
    assert [m.last_name for m in g1.candidates.order_by("position")] == ["A", "C", "B"]
    services.delete_candidate(Candidate.objects.get(pk=a.pk))
    assert list(g1.candidates.order_by("position").values_list("last_name", "position")) == [
        ("C", 1), ("B", 2)]  # fmt: skip
    entries = services.ordered_entries(q)
    assert [getattr(e, "name", None) or e.last_name for e in entries] == [
        "Individuel",
        "Agir",
        "Bâtir",
    ]
    assert b.pk and services.next_registration(q) == 4


def test_duplicate_groupement_name_refused(structure: None) -> None:
    q = question("011-I", "CCIT")
    services.create_groupement(q, "Agir")
    with pytest.raises(services.CandidaturesError, match="existe déjà"):
        services.create_groupement(q, "  agir ")


def test_cctp_4_1_3_sealing_refuses_every_change(coe_011: Client) -> None:
    q = question("011-C", "CCIT")
    g = services.create_groupement(q, "Agir")
    c = add_candidate(q, g, last_name="Dupont")
    single = add_candidate(q, last_name="Seul")
    store_profession(g, reportlab_pdf(), "pdf.pdf")
    response = coe_011.post("/gestion/candidatures/urne/011-C/sceller/", follow=True)
    seal = CandidaturesSeal.objects.get()
    assert seal.fingerprint == fingerprint(services.candidatures_document(urn("011-C")))
    assert services.is_sealed(urn("011-C")) and "Candidatures scellées" in response.content.decode()
    refused = "sont scellées"
    for url, data in [
        ("/gestion/candidatures/urne/011-C/candidats/ajouter/", FORM | {"question": q.pk}),
        (f"/gestion/candidatures/candidats/{c.pk}/modifier/", FORM | {"question": q.pk, "groupement": g.pk}),
        (f"/gestion/candidatures/candidats/{c.pk}/supprimer/", {}),
        (f"/gestion/candidatures/groupements/{g.pk}/supprimer/", {}),
        (f"/gestion/candidatures/groupements/{g.pk}/modifier/", {"question": q.pk, "name": "Autre"}),
        ("/gestion/candidatures/urne/011-C/groupements/ajouter/", {"question": q.pk, "name": "Neuf"}),
        (f"/gestion/candidatures/candidats/{c.pk}/deplacer/descendre/", {}),
        (f"/gestion/candidatures/professions-de-foi/{g.profession.public_id}/supprimer/", {}),
    ]:  # fmt: skip
        page = coe_011.post(url, data, follow=True).content.decode()
        assert refused in page, url
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = coe_011.post(f"/gestion/candidatures/candidats/{single.pk}/profession-de-foi/",
                        {"file": SimpleUploadedFile("p.pdf", reportlab_pdf())}, follow=True)  # fmt: skip
    assert refused in page.content.decode()
    assert (
        Candidate.objects.filter(question=q).count() == 2
        and Groupement.objects.get().name == "Agir"
    )
    assert services.verify_seal(seal)
    with pytest.raises(services.SealedError):
        services.seal(urn("011-C"))


def test_cctp_4_1_3_unseal_is_recorded_then_edits_allowed(coe_011: Client) -> None:
    q = question("011-C", "CCIT")
    add_candidate(q, last_name="Dupont")
    services.seal(urn("011-C"))
    assert (
        coe_011.post("/gestion/candidatures/urne/011-C/desceller/", {"reference": "X"}).status_code
        == 200
    )
    assert services.is_sealed(urn("011-C"))  # incomplete form: nothing lifted
    coe_011.post("/gestion/candidatures/urne/011-C/desceller/",
                 {"reference": "Décision COE n° 4", "reason": "Erreur de prénom", "confirm": "on"})  # fmt: skip
    record = UnsealRecord.objects.get()
    assert record.unsealed_by.username == "coe011" and record.reason == "Erreur de prénom"
    assert record.reference == "Décision COE n° 4" and record.unsealed_at is not None
    assert not services.is_sealed(urn("011-C"))
    add_candidate(q, last_name="Durand")
    second = services.seal(urn("011-C"))
    assert second.fingerprint != record.seal.fingerprint
    page = coe_011.get("/gestion/candidatures/urne/011-C/").content.decode()
    assert "Erreur de prénom" in page and second.fingerprint in page


def test_unseal_needs_its_own_permission(structure: None) -> None:
    from .conftest import coe_user

    client = Client()
    client.force_login(coe_user("saisie", ["011"], unseal=False))
    add_candidate(question("011-C", "CCIT"))
    services.seal(urn("011-C"))
    assert client.get("/gestion/candidatures/urne/011-C/desceller/").status_code == 403
    assert client.post("/gestion/candidatures/urne/011-C/desceller/",
                       {"reference": "r", "reason": "m", "confirm": "on"}).status_code == 403  # fmt: skip
    assert services.is_sealed(urn("011-C"))


def test_candidatures_document_lists_ballots_groupements_candidates_and_pdf_hashes(
    structure: None,
) -> None:
    q = question("011-C", "CCIR")
    g = services.create_groupement(q, "Agir")
    add_candidate(q, g, last_name="Martin", substitute_civility="Mme", substitute_last_name="Roux",
                  substitute_first_name="Léa")  # fmt: skip
    doc = store_profession(g, reportlab_pdf(), "a.pdf")
    data = services.candidatures_document(urn("011-C"))
    assert [b["kind"] for b in data["ballots"]] == ["CCIR", "CCIT"]
    entry = data["ballots"][0]["entries"][0]
    assert entry["name"] == "Agir" and entry["profession_de_foi_sha256"] == doc.sha256
    assert entry["candidates"][0]["substitute"]["last_name"] == "Roux"
    before = fingerprint(data)
    Candidate.objects.update(first_name="Jeanne")  # any change moves the fingerprint
    assert fingerprint(services.candidatures_document(urn("011-C"))) != before


def test_seal_refused_without_candidatures(structure: None) -> None:
    with pytest.raises(services.CandidaturesError, match="aucune candidature"):
        services.seal(urn("011-I"))


def test_ballot_preview_shows_titles_groupements_and_links(coe_011: Client) -> None:
    q = question("011-C", "CCIR")
    g = services.create_groupement(q, "Agir pour l'Ain")
    add_candidate(q, g, last_name="Martin", activity="boulanger", town="Bolbec", delegation="Bugey")
    doc = store_profession(g, reportlab_pdf(), "a.pdf")
    page = coe_011.get("/gestion/candidatures/urne/011-C/bulletins/").content.decode()
    u = urn("011-C")
    for text in (u.site_title, q.title, u.category_type_label, "Commerce", "Agir pour l'Ain",
                 "M. Jean MARTIN, boulanger, Bolbec", "délégation Bugey", str(doc.public_id)):  # fmt: skip
        assert escape(text) in page, text


def test_cctp_3_2_2_2_delegation_field_only_for_a_cci_with_delegations(coe_011: Client) -> None:
    from scrutin.platform.electoral.models import Elector

    Elector.objects.filter(cci_code="011").update(delegation_code="")  # annex 7.1.3 col. 2
    page = coe_011.get("/gestion/candidatures/urne/011-C/candidats/ajouter/").content.decode()
    assert 'name="delegation"' not in page
    Elector.objects.filter(cci_code="011").update(delegation_code="D01")
    page = coe_011.get("/gestion/candidatures/urne/011-C/candidats/ajouter/").content.decode()
    assert 'name="delegation"' in page
    ccit = question("011-C", "CCIT")
    coe_011.post("/gestion/candidatures/urne/011-C/candidats/ajouter/",
                 FORM | {"question": ccit.pk, "delegation": "Bugey"})  # fmt: skip
    assert Candidate.objects.get().delegation == "Bugey"
    ballot = coe_011.get("/gestion/candidatures/urne/011-C/bulletins/").content.decode()
    assert "délégation Bugey" in ballot
