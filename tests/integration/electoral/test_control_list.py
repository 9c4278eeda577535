"""The control list reads fingerprints stored when the list changes (issue 19, item 12: it
re-hashed every elector of the CCI on each view, 3.9–4.6 s for 245,000 electors), and the urn
seal fixes the same values the control list shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from scrutin.platform.electoral import changes, control, fingerprints
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.annex7.electors import COLUMNS, FIELDS
from scrutin.platform.electoral.models import Cci, Elector, ListFingerprint, Urn

from .test_imports import AIN, ain_rows, run_electors, run_structure

pytestmark = pytest.mark.django_db(transaction=True)
DECISION = {"authority": "cele", "reference": "CELE-011-2026-09", "reason": "Décision"}


def _shown(cci: Cci) -> dict[str, tuple[int, str]]:
    return {
        line.urn_code: (line.count, line.fingerprint) for line in control.control_list(cci).lines
    }


def _recomputed(cci: Cci) -> dict[str, tuple[int, str]]:
    return {u.code: fingerprints.urn_fingerprint(u) for u in Urn.objects.filter(cci=cci)}


def _elector_values(number: int, category: str) -> dict[str, str]:
    row = next(generate.elector_rows("011", [(category, "")], 1, start=number))
    values = dict(zip(generate.ELECTORS_HEADER, row, strict=True))
    return {f: values[c] for f, c in zip(FIELDS, COLUMNS, strict=True)}


def test_issue_19_12_control_list_reads_no_elector_row(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN])
    run = run_electors(tmp_path, ain_rows(40))
    cci = Cci.objects.get(code="011")
    with CaptureQueriesContext(connections["default"]) as queries:
        shown = _shown(cci)
    assert not [q for q in queries if "electoral_elector" in q["sql"]]
    # identical to what the page showed when it re-hashed the list, and to the import's report
    assert shown == _recomputed(cci)
    assert shown == {
        code: (u["count"], u["fingerprint"]) for code, u in run.summary["urns"].items()
    }


def test_issue_19_12_fingerprints_follow_every_change_of_the_list(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN])
    run_electors(tmp_path, ain_rows(12))
    cci = Cci.objects.get(code="011")
    before = _shown(cci)
    changes.add_elector(_elector_values(77, "I"), **DECISION)
    assert _shown(cci) == _recomputed(cci) and _shown(cci)["011-I"] != before["011-I"]
    moved = Elector.objects.filter(urn__code="011-C").order_by("number").first()
    assert moved is not None
    values = {name: getattr(moved, name) for name in FIELDS} | {"category_code": "I"}
    changes.correct_elector(moved.number, values, **DECISION)  # from 011-C to 011-I
    after = _shown(cci)
    assert after == _recomputed(cci)
    assert (
        after["011-C"][0] == before["011-C"][0] - 1 and after["011-I"][0] == before["011-I"][0] + 2
    )
    changes.remove_elector(moved.number, **DECISION)
    assert _shown(cci) == _recomputed(cci)
    run_electors(tmp_path, ain_rows(5, start=300), name="remplacement.csv")  # replaces the list
    assert _shown(cci) == _recomputed(cci) and sum(c for c, _ in _shown(cci).values()) == 5


def test_issue_19_12_a_list_without_stored_values_gets_them_once(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN])
    run_electors(tmp_path, ain_rows(8))
    ListFingerprint.objects.all().delete()  # a list imported before the values were stored
    cci = Cci.objects.get(code="011")
    assert _shown(cci) == _recomputed(cci)
    assert ListFingerprint.objects.count() == Urn.objects.filter(cci=cci).count()
