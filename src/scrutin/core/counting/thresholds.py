"""Thresholds on votes cast or on registered electors, compared exactly."""

from __future__ import annotations

from fractions import Fraction

from scrutin.core.counting.rules import Base, Threshold


def threshold_base(threshold: Threshold, votes_cast: int, registered: int) -> int:
    return registered if threshold.base is Base.REGISTERED else votes_cast


def reaches(votes: int, threshold: Threshold | None, votes_cast: int, registered: int) -> bool:
    """True when ``votes`` is at least ``threshold`` (always true without a threshold)."""
    if threshold is None:
        return True
    return Fraction(votes) >= threshold.fraction * threshold_base(threshold, votes_cast, registered)


def minimum_votes(threshold: Threshold, votes_cast: int, registered: int) -> Fraction:
    """The exact number of votes the threshold asks for (may be fractional)."""
    return threshold.fraction * threshold_base(threshold, votes_cast, registered)


def absolute_majority(votes: int, votes_cast: int) -> bool:
    """More than half of the votes cast."""
    return 2 * votes > votes_cast
