"""``audit_banners`` in every template: the banners of the reader's perimeter (operator access
notifications, CCTP 4.2.2.1). Include ``audit/banner.html`` where they should appear."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .services import banners_for


def banners(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"audit_banners": banners_for(user) if user is not None else []}
