"""The conformity dossier `docs/fr/conformite-rt.md` (RT 96): every requirement of the 2003
technical regulation appears once with one of the four statuses, and every test it cites exists."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOSSIER = ROOT / "docs" / "fr" / "conformite-rt.md"
REQUIREMENTS = range(1, 115)
STATUSES = {"conforme (logiciel)", "partiel", "non traité", "matériel / organisation"}
ROW = re.compile(r"^\|\s*(\d+)\s*\|")
CITED = re.compile(r"(tests/[\w/.-]+\.py)::(\w+)(\[[^\]`]*\])?")


def rows(text: str) -> list[tuple[int, list[str]]]:
    """The table rows whose first cell is a requirement number, split into cells."""
    found = []
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            found.append((int(m.group(1)), cells))
    return found


@cache
def defined_tests(path: Path) -> frozenset[str]:
    """Names of the test functions a test file defines (module level or in a class)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    )


def problems(text: str, root: Path = ROOT) -> list[str]:
    """Everything wrong with the dossier ``text``; empty when it is complete and honest."""
    found: list[str] = []
    table = rows(text)
    numbers = [n for n, _ in table]
    for n in REQUIREMENTS:
        if numbers.count(n) != 1:
            found.append(f"RT {n} appears {numbers.count(n)} times")
    found += [f"RT {n} is not a requirement" for n in sorted(set(numbers) - set(REQUIREMENTS))]
    for n, cells in table:
        if len(cells) != 5:
            found.append(f"RT {n}: {len(cells)} cells instead of 5")
            continue
        status = cells[-1]
        if status not in STATUSES:
            found.append(f"RT {n}: unknown status {status!r}")
        cited = CITED.findall(" ".join(cells))
        if status == "conforme (logiciel)" and not cited:
            found.append(f"RT {n}: « conforme (logiciel) » cites no test")
        for path, name, _ in cited:
            file = root / path
            if not file.is_file():
                found.append(f"RT {n}: {path} does not exist")
            elif name not in defined_tests(file):
                found.append(f"RT {n}: {path} defines no {name}")
    return found


def test_rt_conformity_dossier_cites_existing_tests() -> None:
    text = DOSSIER.read_text(encoding="utf-8")
    assert problems(text) == []
    # Every test cited is found by the pattern (nothing hidden by a typo in the path).
    assert len(CITED.findall(text)) >= 60


def test_rt_conformity_dossier_check_catches_gaps() -> None:
    text = DOSSIER.read_text(encoding="utf-8")
    row_7 = next(line for line in text.splitlines() if line.startswith("| 7 |"))
    without_7 = text.replace(row_7 + "\n", "")
    assert problems(without_7) == ["RT 7 appears 0 times"]
    assert "RT 7 appears 2 times" in problems(text + "\n" + row_7 + "\n")
    renamed = text.replace(
        "::test_rt_7_keys_are_checked_against_the_preparation", "::test_rt_7_no_such_test"
    )
    assert problems(renamed) == [
        "RT 7: tests/unit/machine/test_day.py defines no test_rt_7_no_such_test"
    ]
    moved = text.replace(
        "tests/unit/machine/test_day.py::test_rt_7", "tests/unit/machine/nope.py::test_rt_7"
    )
    assert problems(moved) == ["RT 7: tests/unit/machine/nope.py does not exist"]
    vague = row_7.replace("| conforme (logiciel) |", "| conforme |")
    assert problems(text.replace(row_7, vague)) == ["RT 7: unknown status 'conforme'"]
    untested = "| 7 | a | b | aucun | conforme (logiciel) |"
    assert problems(text.replace(row_7, untested)) == [
        "RT 7: « conforme (logiciel) » cites no test"
    ]
    # A parametrized id may be cited with its bracket part.
    with_id = text.replace(
        "::test_rt_68_after_a_crash_the_bureau_knows_whether_the_vote_was_stored`",
        "::test_rt_68_after_a_crash_the_bureau_knows_whether_the_vote_was_stored[True]`",
    )
    assert problems(with_id) == []
