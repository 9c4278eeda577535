"""deploy/prometheus/alerts.yml: the alert rules an operator loads into Prometheus (issue 18,
CCTP 4.2.2.3). promtool is not available and PyYAML is not a dependency, so the file keeps to a
small YAML subset (block mappings and sequences, one-line scalars) that this test parses fully."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from scrutin.platform.monitoring import metrics

RULES = Path(__file__).parents[3] / "deploy" / "prometheus" / "alerts.yml"
DURATION = re.compile(r"^[0-9]+[smh]$")


def _scalar(text: str) -> Any:
    if text.startswith('"'):
        return json.loads(text)  # YAML double-quoted scalars used here are JSON strings
    if text.startswith(("'", "{", "[", "|", ">", "&", "*", "!")):
        raise ValueError(f"outside the YAML subset: {text!r}")
    return text


def parse_subset(source: str) -> Any:
    """Block mappings and sequences with one-line scalars; anything else is refused."""
    lines = [(len(raw) - len(raw.lstrip(" ")), raw.strip()) for raw in source.splitlines()
             if raw.strip() and not raw.lstrip().startswith("#")]  # fmt: skip
    assert all("\t" not in text for _, text in lines)

    def block(index: int, indent: int) -> tuple[Any, int]:
        if lines[index][1].startswith("- "):
            items: list[Any] = []
            while (
                index < len(lines)
                and lines[index][0] == indent
                and lines[index][1].startswith("- ")
            ):
                # the item's mapping starts on the dash line, two columns further in
                text = lines[index][1][2:]
                lines[index] = (indent + 2, text)
                value, index = block(index, indent + 2)
                items.append(value)
            return items, index
        mapping: dict[str, Any] = {}
        while index < len(lines) and lines[index][0] == indent:
            text = lines[index][1]
            key, sep, rest = text.partition(": ") if ": " in text else text.partition(":")
            if not sep or key in mapping or (rest == "" and not text.endswith(":")):
                raise ValueError(f"line {text!r}")
            if rest.strip():
                mapping[key] = _scalar(rest.strip())
                index += 1
            else:
                assert lines[index + 1][0] > indent, f"empty value for {key}"
                mapping[key], index = block(index + 1, lines[index + 1][0])
        if index < len(lines) and lines[index][0] > indent:
            raise ValueError(f"bad indentation at {lines[index][1]!r}")
        return mapping, index

    value, end = block(0, lines[0][0])
    assert end == len(lines)
    return value


def rules() -> dict[str, dict[str, Any]]:
    document = parse_subset(RULES.read_text(encoding="utf-8"))
    found: dict[str, dict[str, Any]] = {}
    for group in document["groups"]:
        assert set(group) == {"name", "rules"}
        for rule in group["rules"]:
            assert rule["alert"] not in found
            found[rule["alert"]] = rule
    return found


def test_cctp_4_2_2_3_alert_rules_parse_and_cover_the_issue() -> None:
    found = rules()
    assert {"ScrutinCastErrorRate", "ScrutinReplicationLag", "ScrutinNoDatabaseLeader",
            "ScrutinReadinessFailingEverywhere", "ScrutinDiskAlmostFull"} <= set(found)  # fmt: skip
    assert "> 0.05" in found["ScrutinCastErrorRate"]["expr"]
    assert found["ScrutinCastErrorRate"]["for"] == "2m"
    assert "> 5" in found["ScrutinReplicationLag"]["expr"]
    assert "node_filesystem_avail_bytes" in found["ScrutinDiskAlmostFull"]["expr"]
    assert "> 0.85" in found["ScrutinDiskAlmostFull"]["expr"]


def test_every_rule_is_complete_and_explained_in_french() -> None:
    for name, rule in rules().items():
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, name
        assert DURATION.match(rule["for"]), name
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        assert set(rule["annotations"]) == {"summary", "description"}, name
        assert rule["expr"].count("(") == rule["expr"].count(")"), name
        for text in rule["annotations"].values():
            assert re.search(r"[éèàù]| le | la | les | de ", text), (name, text)


def test_rules_use_only_metric_names_the_platform_exports() -> None:
    exported = {"scrutin_casts_accepted_total", "scrutin_cast_refusals_total",
                "scrutin_cast_errors_total", "scrutin_database_up",
                "scrutin_replication_lag_seconds", "scrutin_celery_queue_depth"}  # fmt: skip
    used = set()
    for rule in rules().values():
        used |= set(re.findall(r"\bscrutin_[a-z_]+", rule["expr"]))
    assert used <= exported
    assert metrics.CASTS_ACCEPTED._name == "scrutin_casts_accepted"


@pytest.mark.parametrize("bad", ["a: 'x'\n", "a:\nb: 1\n", "a: 1\n  b: 2\n", "a: 1\na: 2\n"])
def test_subset_parser_refuses_what_it_does_not_understand(bad: str) -> None:
    with pytest.raises((ValueError, AssertionError, IndexError)):
        parse_subset(bad)
