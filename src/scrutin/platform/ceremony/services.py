"""Key ceremony services used by the other apps."""

from __future__ import annotations

from typing import Any

from .models import KeyCeremony


def finalized_trustees(cci_code: str) -> dict[str, Any] | None:
    """The COE's public ``trustees.json`` once its ceremony is finalized, else ``None``."""
    row = KeyCeremony.objects.filter(cci_id=cci_code, trustees__isnull=False).first()
    return row.trustees if row else None
