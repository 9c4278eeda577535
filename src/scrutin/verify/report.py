"""The verifier's report: one line per check, in French, and an overall verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

TEST_WARNING = (
    "ATTENTION : ENVIRONNEMENT DE TEST — ces documents ont été produits par une instance de test "
    "de la plate-forme (recette, démonstration, formation) : ils n'ont aucune valeur pour une "
    "élection réelle."
)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    warning: bool = False


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    #: documents marked ``"environment": "test"`` (docs/protocol.md §15), by name
    test_documents: list[str] = field(default_factory=list)

    def ok(self, name: str, detail: str = "") -> None:
        self.checks.append(Check(name, True, detail))

    def from_test(self, where: str) -> None:
        """A document marked as made by a test instance: reported loudly, not a failure."""
        self.test_documents.append(where)

    def _test_lines(self) -> list[str]:
        if not self.test_documents:
            return []
        return [
            TEST_WARNING,
            f"[ATTENTION] Environnement — marqués « test » : {', '.join(self.test_documents)}",
        ]

    def fail(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, False, detail))

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def render(self) -> str:
        lines = self._test_lines()
        for c in self.checks:
            mark = "OK    " if c.ok else "ÉCHEC "
            lines.append(f"[{mark}] {c.name}" + (f" — {c.detail}" if c.detail else ""))
        verdict = (
            "VERDICT : le registre est valide, toutes les vérifications sont satisfaites."
            if self.valid
            else f"VERDICT : registre NON valide ({len(self.failures())} vérification(s) en échec)."
        )
        lines.append(verdict)
        if self.test_documents:
            lines.append(TEST_WARNING)
        return "\n".join(lines)
