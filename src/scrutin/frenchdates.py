"""Dates in words, as French readers write them: « mardi 27 octobre 2026 à 18 h 00 » (Paris
time, whatever offset the moment carries). One helper for the procès-verbal, the receipt and any
page or letter that states a moment to a voter or a commission."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")  # fmt: skip


def long_date(moment: datetime) -> str:
    """« mardi 27 octobre 2026 à 18 h 00 », « jeudi 1er octobre 2026 à 09 h 05 »."""
    m = moment.astimezone(PARIS)
    day = "1er" if m.day == 1 else str(m.day)
    return f"{DAYS[m.weekday()]} {day} {MONTHS[m.month - 1]} {m.year} à {m:%H} h {m:%M}"
