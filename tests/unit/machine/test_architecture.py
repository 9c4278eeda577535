"""The machine's core is framework-free and needs no network (design machine.md; RT 44, 73)."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).parents[3] / "src" / "scrutin" / "machine" / "core"
FORBIDDEN = ("django", "celery", "redis", "socket", "http", "urllib", "requests", "smtplib")


def test_rt_44_73_machine_core_imports_no_framework_and_no_network() -> None:
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        bad = {
            m for m in imported if m.split(".")[0] in FORBIDDEN or m.startswith("scrutin.platform")
        }
        assert not bad, f"{path.name} imports {sorted(bad)}"
