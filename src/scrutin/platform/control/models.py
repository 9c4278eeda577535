"""Usage indicators for CCI France (CCTP 4.2.5), aggregated per day for the whole platform:
no elector, no address, no place — only counts and summed durations."""

from __future__ import annotations

from django.db import models


class UsageDay(models.Model):
    day = models.DateField("jour", primary_key=True)
    visits = models.PositiveIntegerField("visites de la page de connexion", default=0)
    logins = models.PositiveIntegerField("connexions réussies", default=0)
    casts = models.PositiveIntegerField("votes confirmés", default=0)
    session_seconds = models.PositiveBigIntegerField("durée cumulée jusqu'au vote (s)", default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = "indicateurs d'usage du jour"
        permissions = [
            ("view_participation", "Voir la participation de son périmètre"),
            ("view_emargements", "Consulter et exporter les listes d'émargement"),
            ("suspend_voting", "Suspendre et reprendre le vote"),
            ("view_usage", "Voir les indicateurs d'usage nationaux"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.visits} visites, {self.casts} votes"
