"""Counting visits, logins and votes per day (CCTP 4.2.5), atomically and anonymously."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from .models import UsageDay


def _bump(**increments: int) -> None:
    day = timezone.localdate()
    changes = {k: F(k) + v for k, v in increments.items()}
    if UsageDay.objects.filter(day=day).update(**changes):  # one query but the day's first
        return
    _, created = UsageDay.objects.get_or_create(day=day, defaults=increments)
    if not created:  # another process created the day meanwhile
        UsageDay.objects.filter(day=day).update(**changes)


def visit() -> None:
    _bump(visits=1)


def login() -> None:
    _bump(logins=1)


def cast(seconds_since_login: int) -> None:
    _bump(casts=1, session_seconds=max(0, min(seconds_since_login, 6 * 3600)))
