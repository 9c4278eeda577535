from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from tests.integration.accounts.world import smtp_sink  # noqa: F401  (fixture: real SMTP server)


@pytest.fixture(autouse=True)
def _clean_cache(settings: Any) -> Iterator[None]:
    settings.SCRUTIN_LOGIN_MIN_SECONDS = 0
    cache.clear()
    yield
    cache.clear()
