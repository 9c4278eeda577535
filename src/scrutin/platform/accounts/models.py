"""Perimeters: which CCIs a user may see and act on (design README §3.8)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Perimeter(models.Model):
    """A user's perimeter: NATIONAL, or a list of CCI codes (annex 7.1.4, column PERIMETRE)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="perimeter"
    )
    national = models.BooleanField("national", default=False)
    cci_codes = models.JSONField("codes CCI", default=list, blank=True)

    class Meta:
        verbose_name = "périmètre"

    def __str__(self) -> str:
        return "NATIONAL" if self.national else ",".join(self.cci_codes)

    def covers(self, cci_code: str) -> bool:
        return self.national or cci_code in self.cci_codes
