"""deploy/prometheus/alerts.yml: the alert rules an operator loads into Prometheus (issue 18,
CCTP 4.2.2.3). promtool is not available here: the file is parsed with PyYAML (dev extra) and
checked for the shape Prometheus' rule files have."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from scrutin.platform.monitoring import metrics

RULES = Path(__file__).parents[3] / "deploy" / "prometheus" / "alerts.yml"
DURATION = re.compile(r"^[0-9]+[smh]$")


def rules() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
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
    assert "scrutin_backup_stream_active" in found["ScrutinBackupStreamDown"]["expr"]
    assert "> 32e9" in found["ScrutinBackupWalRetained"]["expr"]
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
                "scrutin_replication_lag_seconds", "scrutin_celery_queue_depth",
                "scrutin_backup_stream_active", "scrutin_backup_wal_retained_bytes"}  # fmt: skip
    used = set()
    for rule in rules().values():
        used |= set(re.findall(r"\bscrutin_[a-z_]+", rule["expr"]))
    assert used <= exported
    assert metrics.CASTS_ACCEPTED._name == "scrutin_casts_accepted"
