"""The refusal reasons counted by the metrics are exactly the codes the cast path raises
(issue 18: a fixed, small label set)."""

from __future__ import annotations

import re
from pathlib import Path

from scrutin.platform.monitoring import metrics

CAST = Path(metrics.__file__).parents[1] / "voting" / "cast.py"


def test_refusal_label_set_is_the_cast_refusal_codes() -> None:
    codes = set(re.findall(r'CastRefused\(\s*"([a-z-]+)"', CAST.read_text(encoding="utf-8")))
    assert codes == set(metrics.REFUSAL_REASONS)


def test_view_kinds_are_bounded() -> None:
    assert {metrics.view_kind(p) for p in ("/vote/depot", "/gestion/", "/metriques", "/x")} == set(
        metrics.VIEW_KINDS
    )
