"""Small discrete logarithms by baby-step giant-step (counts ≤ number of ballots)."""

from __future__ import annotations

from math import isqrt
from typing import Any, Generic, TypeVar

from scrutin.crypto.group import Group

E = TypeVar("E")


class DiscreteLogNotFound(ValueError):
    """The point is not ``m·B`` for any ``0 ≤ m ≤ bound``."""


class BabyStepGiantStep(Generic[E]):
    """Solve ``M = m·B`` for ``0 ≤ m ≤ bound`` with about ``2·sqrt(bound)`` group additions."""

    def __init__(self, group: Group[E], bound: int) -> None:
        self.group = group
        self.bound = bound
        self.step = isqrt(bound) + 1
        self._table: dict[bytes, int] = {}
        point = group.identity()
        base = group.generator()
        for j in range(self.step):
            self._table[group.encode(point)] = j
            point = group.add(point, base)
        self._giant = point  # step·B

    def solve(self, target: E) -> int:
        g = self.group
        point = target
        for i in range(self.step + 1):
            j = self._table.get(g.encode(point))
            if j is not None:
                m = i * self.step + j
                if m <= self.bound:
                    return m
            point = g.sub(point, self._giant)
        raise DiscreteLogNotFound(f"no count between 0 and {self.bound}")


def solve(group: Group[Any], target: Any, bound: int) -> int:
    return BabyStepGiantStep(group, bound).solve(target)
