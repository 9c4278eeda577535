"""The key ceremony of each COE (one per CCI): its public documents only.

CCTP 3.2.2.6 / 4.1.4.8: the president and at least one assessor hold distinct decryption keys,
generated on their own devices; the platform relays the public round messages and keeps the
public outcome (``trustees.json``, docs/protocol.md §9). It never holds a secret share.
"""

from __future__ import annotations

from django.db import models

from scrutin.platform.electoral.models import Cci


class KeyCeremony(models.Model):
    cci = models.OneToOneField(Cci, on_delete=models.PROTECT, related_name="key_ceremony")
    document = models.JSONField("ceremony.json")
    trustees = models.JSONField("trustees.json", null=True, blank=True)
    created_at = models.DateTimeField("ouverte le", auto_now_add=True)
    finalized_at = models.DateTimeField("terminée le", null=True, blank=True)

    class Meta:
        verbose_name = "cérémonie des clés"
        verbose_name_plural = "cérémonies des clés"
        permissions = [("organise_ceremony", "Organiser la cérémonie des clés d'une COE")]

    def __str__(self) -> str:
        return f"cérémonie {self.cci_id}"
