"""Encrypted ballots. No timestamp, no elector identifier, no visible insertion order.

The primary key is the ballot's fingerprint (its tracker), so listing ballots in key order is
listing them in an order independent of their arrival (design README §3.1, RT 66).
"""

from django.db import models


class Ballot(models.Model):
    fingerprint = models.CharField(max_length=64, primary_key=True)
    urn_code = models.CharField(max_length=16, db_index=True)
    content = models.JSONField()

    class Meta:
        ordering = ["fingerprint"]
        verbose_name = "bulletin chiffré"
        verbose_name_plural = "bulletins chiffrés"

    def __str__(self) -> str:
        return f"bulletin {self.fingerprint[:12]}…"
