"""The supplementary kit (kit complémentaire, contract C6): its optional ``supplement`` field is
parsed strictly, and ``scrutin material letters`` prints exactly the letters it names."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from scrutin.material.kit import KitError, LetterKit

from .helpers import kit_doc
from .test_production import operator, order, row, run  # noqa: F401 - the fixture is used

MAIN = "c" * 64


def supplement_doc(letters: list[str], **changes: Any) -> dict[str, Any]:
    return kit_doc(supplement=(MAIN, letters), **changes)


def test_c6_a_supplementary_kit_prints_only_its_letters() -> None:
    kit = LetterKit.from_document(supplement_doc(["7500000000002", "7500000000005"]))
    assert kit.is_supplement and kit.supplement_of == MAIN
    assert [n for n in (f"750{i:010d}" for i in range(1, 7)) if kit.prints(n)] == [
        "7500000000002",
        "7500000000005",
    ]
    main = LetterKit.from_document(kit_doc(electronic=["7500000000002"]))
    assert not main.is_supplement and main.supplement_of is None
    assert not main.prints("7500000000002") and main.prints("7500000000001")


BAD_SUPPLEMENTS = [
    ([], "supplement.letters"),
    (["750 0"], "supplement.letters"),
    (["7500000000002", "7500000000002"], "supplement.letters"),
    ({"of": MAIN}, "supplement"),
    ({"of": MAIN, "letters": ["7500000000002"], "extra": 1}, "supplement"),
    ({"of": "A" * 64, "letters": ["7500000000002"]}, "supplement.of"),
    ("tout", "supplement"),
]


@pytest.mark.parametrize(("value", "named"), BAD_SUPPLEMENTS)
def test_c6_a_bad_supplement_gets_a_french_error_naming_the_field(value: Any, named: str) -> None:
    doc = kit_doc()
    doc["supplement"] = value if not isinstance(value, list) else {"of": MAIN, "letters": value}
    with pytest.raises(KitError) as caught:
        LetterKit.from_document(doc)
    assert f"« {named} »" in str(caught.value)


def test_c6_a_supplementary_kit_must_not_carry_an_email_set() -> None:
    doc = copy.deepcopy(supplement_doc(["7500000000002"]))
    doc["electronic"] = ["7500000000003"]
    with pytest.raises(KitError, match="« electronic »"):
        LetterKit.from_document(doc)


def test_c6_letters_command_honours_the_supplementary_kit(
    tmp_path: Path,
    operator: dict[str, Any],  # noqa: F811 - the fixture
) -> None:
    rows = [row(n) for n in range(1, 9)]
    wanted = ["7500000000003", "7500000000007", "7500000000099"]  # the last: not in the export
    result, out = run(tmp_path, operator, rows, supplement=(MAIN, wanted))
    assert result.exit_code == 0, result.output
    assert sorted(order(out)) == wanted[:2]  # exactly its letters, nobody else
    doc = json.loads((out / "manifeste.json").read_text("utf-8"))
    assert doc["total"] == 2 and doc["electronic_skipped"] == 6
    assert doc["supplement"] == {"of": MAIN, "letters": 3, "missing": ["7500000000099"]}
    assert "Kit complémentaire" in result.output and "7500000000099" in result.output
