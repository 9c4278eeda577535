"""The town hall's election package: every field checked, French errors naming the field (RT 1,
29–31, 37)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutin.machine.core.package import (
    MACHINE_PRESETS,
    PackageError,
    parse_package,
)

from .conftest import package_doc


def test_rt_1_a_valid_package_is_loaded() -> None:
    p = parse_package(package_doc())
    assert (p.commune, p.bureau_number, p.terminals, p.font_size) == (
        "Villeneuve-sur-Essai", "3", 2, 24,
    )  # fmt: skip
    assert [s.id for s in p.scrutins] == ["municipales", "departementales"]
    assert p.scrutins[0].ballots[0].choices[0].members[0] == "Avenir 1"
    assert p.president.name == "Claire Martin" and len(p.key_assessors) == 1
    assert len(p.fingerprint) == 64


def test_rt_29_every_kind_of_election_has_a_preset() -> None:
    for wanted in ("presidential", "legislative", "european", "regional", "departmental",
                   "municipal", "municipal-plm-1982", "senatorial-majority",
                   "senatorial-proportional", "referendum", "referendum-local"):  # fmt: skip
        assert wanted in MACHINE_PRESETS


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    target = doc
    for k in path[:-1]:
        target = target[k]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        (("commune", "insee"), "9407", "commune.insee", "INSEE"),
        (("date",), "14/03/2027", "date", "AAAA-MM-JJ"),
        (("closing",), "07:00", "closing", "suivre"),
        (("opening",), "8h", "opening", "HH:MM"),
        (("font_size",), 200, "font_size", "entre 16 et 64"),
        (("scrutins", 0, "preset"), "mayor", "scrutins[1].preset", "inconnu"),
        (("scrutins", 1, "lists"), [], "scrutins[2].lists", "candidates"),
        (
            ("scrutins", 0, "lists", 1, "members", 3),
            "",
            "scrutins[1].lists[2].members[4].name",
            "vide",
        ),
        (("scrutins", 0, "lists", 2, "id"), "l1", "scrutins[1].lists[3].id", "déjà utilisé"),
        (("scrutins", 0, "registred"), 5, "scrutins[1].registred", "inconnu"),
        (("members", 1, "key_holder"), False, "members", "assesseur"),
        (("bureau", "number"), 3, "bureau.number", "chiffres"),
    ],
)
def test_rt_1_errors_name_the_field(
    path: tuple[Any, ...], value: Any, field: str, words: str
) -> None:
    with pytest.raises(PackageError) as err:
        parse_package(_set(package_doc(), path, value))
    assert err.value.field == field
    assert words in str(err.value) and str(err.value).startswith(f"Champ « {field} »")


def test_rt_30_capacities() -> None:
    big = package_doc()
    big["scrutins"][0]["lists"] = [
        {"id": f"l{i}", "name": f"Liste {i}", "members": [f"Nom {i}-{j}" for j in range(300)]}
        for i in range(50)
    ]
    big["scrutins"][1]["candidates"] = [{"id": f"c{i}", "name": f"Candidat {i}"} for i in range(50)]
    big["scrutins"].append(
        {"id": "referendum", "preset": "referendum-local", "title": "Consultation", "seats": 1,
         "registered": 900, "questions": [{"id": f"q{i}", "text": f"Question {i} ?"} for i in range(10)]}
    )  # fmt: skip
    p = parse_package(big)
    assert len(p.scrutins) == 3 and len(p.scrutins[2].ballots) == 10
    big["scrutins"].append(copy.deepcopy(big["scrutins"][2]) | {"id": "quatrieme"})
    with pytest.raises(PackageError, match="au plus 3"):
        parse_package(big)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_rt_1_any_corruption_is_a_french_error_never_a_crash(data: st.DataObject) -> None:
    doc = package_doc()
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, prefix: tuple[Any, ...]) -> None:
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for k, v in items:
            paths.append((*prefix, k))
            walk(v, (*prefix, k))

    walk(doc, ())
    path = data.draw(st.sampled_from(paths))
    value = data.draw(json_values | st.just(KeyError))
    try:
        parse_package(_set(doc, path, value))
    except PackageError as exc:
        message = str(exc)
    else:
        return
    assert message.startswith("Champ « ")
