"""``scrutin seats``: one example per preset of the issue, stdin, and error exits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from scrutin.cli import seats as seats_cli

EXAMPLES: dict[str, dict[str, Any]] = {
    "cci": {
        "preset": "cci", "seats": 4, "registered": 100, "voters": 50,
        "candidates": [{"name": "T1", "votes": 30, "birth_date": "1960-01-01", "list": "G"}],
        "regional": {"seats": 1, "voters": 50, "candidates": [
            {"name": "R1", "votes": 40, "birth_date": "1950-01-01", "list": "G", "substitute": {"name": "S1", "birth_date": "1955-01-01"}}]},
    },
    "european": {"preset": "european", "seats": 3, "registered": 100, "voters": 90, "lists": [{"name": "A", "votes": 60}, {"name": "B", "votes": 30}]},
    "municipal": {"preset": "municipal", "seats": 7, "registered": 100, "voters": 90, "lists": [{"name": "A", "votes": 60}, {"name": "B", "votes": 30}]},
    "municipal-majority": {"preset": "municipal-majority", "seats": 2, "registered": 100, "voters": 60, "candidates": [{"name": "A", "votes": 40}, {"name": "B", "votes": 35}, {"name": "C", "votes": 20}]},
    "regional": {"preset": "regional", "seats": 8, "registered": 100, "voters": 90, "lists": [{"name": "A"}, {"name": "B"}], "sections": {"D1": {"A": 40, "B": 10}, "D2": {"A": 20, "B": 20}}},
    "legislative": {"preset": "legislative", "registered": 100, "voters": 60, "candidates": [{"name": "A", "votes": 35}, {"name": "B", "votes": 25}]},
    "presidential": {"preset": "presidential", "registered": 100, "voters": 60, "candidates": [{"name": "A", "votes": 25}, {"name": "B", "votes": 20}, {"name": "C", "votes": 15}]},
    "departmental": {"preset": "departmental", "registered": 100, "voters": 60, "candidates": [{"name": "A & B", "votes": 31}, {"name": "C & D", "votes": 29}]},
    "senatorial-majority": {"preset": "senatorial-majority", "registered": 100, "voters": 98, "candidates": [{"name": "A", "votes": 60}, {"name": "B", "votes": 38}]},
    "senatorial-proportional": {"preset": "senatorial-proportional", "seats": 3, "registered": 100, "voters": 98, "lists": [{"name": "A", "votes": 60}, {"name": "B", "votes": 38}]},
    "referendum": {"preset": "referendum", "registered": 100, "voters": 60, "questions": [{"name": "Q", "yes": 35, "no": 20, "blank": 5}]},
    "mayor": {"preset": "mayor", "round": 3, "registered": 15, "voters": 15, "candidates": [{"name": "A", "votes": 7}, {"name": "B", "votes": 6}, {"name": "C", "votes": 2}]},
}  # fmt: skip

EXPECTED: dict[str, dict[str, Any]] = {
    "cci": {"elected": ["R1", "S1", "T1"], "seats": {"G": 3}},
    "european": {"seats": {"A": 2, "B": 1}},
    "municipal": {"seats": {"A": 6, "B": 1}},
    "municipal-majority": {"elected": ["A", "B"]},
    "regional": {
        "seats": {"A": 6, "B": 2},
        "sections": {"A": {"D1": 4, "D2": 2}, "B": {"D1": 0, "D2": 2}},
    },
    "legislative": {"elected": ["A"]},
    "presidential": {"qualified": ["A", "B"], "next_round": 2},
    "departmental": {"elected": ["A & B"]},
    "senatorial-majority": {"elected": ["A"]},
    "senatorial-proportional": {"seats": {"A": 2, "B": 1}},
    "referendum": {"questions": [{"adopted": True}]},
    "mayor": {"elected": ["A"]},
}


def _app() -> typer.Typer:
    app = typer.Typer()
    seats_cli.register(app)

    @app.callback()
    def _root() -> None:  # keeps "seats" a subcommand, as under `scrutin`
        """Scrutin."""

    return app


runner = CliRunner()


@pytest.mark.parametrize("preset", sorted(EXAMPLES))
def test_cli_seats_counts_each_preset_of_the_issue(preset: str, tmp_path: Path) -> None:
    path = tmp_path / f"{preset}.json"
    path.write_text(json.dumps(EXAMPLES[preset]), encoding="utf-8")
    outcome = runner.invoke(_app(), ["seats", str(path)])
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.stdout)
    for key, value in EXPECTED[preset].items():
        if key == "questions":
            assert result[key][0]["adopted"] is value[0]["adopted"]
        else:
            assert result[key] == value
    assert result["preset"] == preset
    assert "votes_cast" in result


def test_issue_19_cli_seats_regional_from_region_totals_says_no_departmental_split() -> None:
    totals = {
        **EXAMPLES["regional"],
        "lists": [{"name": "A", "votes": 60}, {"name": "B", "votes": 30}],
    }
    del totals["sections"]
    outcome = runner.invoke(_app(), ["seats", "-"], input=json.dumps(totals))
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.stdout)
    assert result["seats"] == EXPECTED["regional"]["seats"]
    assert result["departmental_split"] == "none" and "sections" not in result
    with_sections = runner.invoke(_app(), ["seats", "-"], input=json.dumps(EXAMPLES["regional"]))
    assert json.loads(with_sections.stdout)["departmental_split"] == "all"


def test_cli_seats_reads_standard_input() -> None:
    outcome = runner.invoke(_app(), ["seats", "-"], input=json.dumps(EXAMPLES["european"]))
    assert outcome.exit_code == 0
    assert json.loads(outcome.stdout)["seats"] == {"A": 2, "B": 1}


def test_cli_seats_json_decimals_are_exact_fractions() -> None:
    doc = {**EXAMPLES["european"], "rules": {"threshold": {"fraction": 0.34}}}
    outcome = runner.invoke(_app(), ["seats", "-"], input=json.dumps(doc))
    assert outcome.exit_code == 0
    assert json.loads(outcome.stdout)["seats"] == {"A": 3, "B": 0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "JSON invalide"),
        (json.dumps({**EXAMPLES["european"], "voters": 1_000}), "plus de votants"),
        (json.dumps([1, 2]), "objet JSON"),
    ],
)
def test_cli_seats_invalid_input_exits_2_with_french_error(text: str, message: str) -> None:
    outcome = runner.invoke(_app(), ["seats", "-"], input=text)
    assert outcome.exit_code == 2
    assert message in outcome.stderr
    assert outcome.stdout == ""


def test_cli_seats_missing_file_exits_2(tmp_path: Path) -> None:
    outcome = runner.invoke(_app(), ["seats", str(tmp_path / "absent.json")])
    assert outcome.exit_code == 2
    assert "impossible de lire" in outcome.stderr


def test_scrutin_main_registers_seats() -> None:
    from scrutin.cli import main

    assert "seats" in main.COMMAND_MODULES
