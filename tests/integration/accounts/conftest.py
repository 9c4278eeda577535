from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from .world import smtp_sink  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _fast_and_clean(settings: Any) -> Iterator[None]:
    """No login padding in tests (it is a sleep) and fresh lockout counters (real cache:
    Redis when SCRUTIN_REDIS_URL is set)."""
    settings.SCRUTIN_LOGIN_MIN_SECONDS = 0
    cache.clear()
    yield
    cache.clear()
