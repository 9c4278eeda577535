"""The town hall's form becomes a package (RT 1, 54): text areas, generated identifiers, errors
named with the form's words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutin.machine.core.package import PackageError, parse_package
from scrutin.machine.core.packageform import field_label, package_from_form

FORM = {
    "commune": "Villeneuve-sur-Essai", "insee": "94078", "bureau": "3", "bureau_nom": "École",
    "date": "2027-03-14", "ouverture": "08:00", "cloture": "18:00", "terminaux": "2",
    "taille": "28", "president": "Claire Martin", "assesseur_cle": "Paul Durand",
    "assesseur_double": "Lina Moreau", "secretaire": "Nadia Benali",
    "autres_membres": "Jean Petit\n\nAnne Roy\n",
    "s1_type": "municipal", "s1_titre": "Élection des conseillers municipaux", "s1_sieges": "29",
    "s1_inscrits": "900",
    "s1_choix": "Liste Avenir ; Mme Roux\nRoux Anne\nPetit Marc\n\n\nListe Ensemble\nLefèvre Léa\n",
    "s2_type": "departmental", "s2_titre": "Départementales", "s2_inscrits": "900",
    "s2_circonscription": "Canton de Villeneuve",
    "s2_choix": "Mme Roux et M. Petit ; Divers gauche\n\nMme Lefèvre et M. Garnier\n",
    "s3_type": "referendum-local", "s3_titre": "Consultation", "s3_inscrits": "900",
    "s3_choix": "Approuvez-vous le projet ?\nFaut-il une piscine ?",
}  # fmt: skip


def test_rt_1_the_form_gives_a_valid_package() -> None:
    p = parse_package(package_from_form(FORM))
    muni, dep, ref = p.scrutins
    assert [c.name for c in muni.ballots[0].choices] == ["Liste Avenir", "Liste Ensemble"]
    assert muni.ballots[0].choices[0].detail == "Mme Roux"
    assert muni.ballots[0].choices[0].members == ("Roux Anne", "Petit Marc")
    assert [c.detail for c in dep.ballots[0].choices] == ["Divers gauche", ""]
    assert [b.text for b in ref.ballots] == ["Approuvez-vous le projet ?", "Faut-il une piscine ?"]
    assert [m.name for m in p.key_assessors] == ["Paul Durand", "Lina Moreau"]
    assert (p.font_size, p.terminals) == (28, 2)


def test_rt_1_errors_speak_the_forms_words() -> None:
    with pytest.raises(PackageError) as err:
        parse_package(
            package_from_form(FORM | {"s1_choix": "Liste Avenir\nRoux Anne\n\nListe Vide ; x\n"})
        )
    assert field_label(err.value.field) == "Scrutin 1, liste 2, candidat de la liste"
    with pytest.raises(PackageError) as err:
        parse_package(package_from_form(FORM | {"insee": "9407"}))
    assert field_label(err.value.field) == "Commune, code INSEE"
    with pytest.raises(PackageError) as err:
        package_from_form(FORM | {"s2_inscrits": "neuf cents"})
    assert field_label(err.value.field) == "Scrutin 2, inscrits"


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(FORM)), st.text(max_size=40), max_size=8))
def test_rt_1_any_typing_gives_a_package_or_a_french_error(changes: dict[str, str]) -> None:
    try:
        parse_package(package_from_form(FORM | changes))
    except PackageError as exc:
        label = field_label(exc.field)
    else:
        return
    assert label
