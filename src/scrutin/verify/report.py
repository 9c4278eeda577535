"""The verifier's report: one line per check, in French, and an overall verdict."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def ok(self, name: str, detail: str = "") -> None:
        self.checks.append(Check(name, True, detail))

    def fail(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, False, detail))

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def render(self) -> str:
        lines = []
        for c in self.checks:
            mark = "OK    " if c.ok else "ÉCHEC "
            lines.append(f"[{mark}] {c.name}" + (f" — {c.detail}" if c.detail else ""))
        verdict = (
            "VERDICT : le registre est valide, toutes les vérifications sont satisfaites."
            if self.valid
            else f"VERDICT : registre NON valide ({len(self.failures())} vérification(s) en échec)."
        )
        lines.append(verdict)
        return "\n".join(lines)
