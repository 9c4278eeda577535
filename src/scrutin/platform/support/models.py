"""The support desk's contact log (CCTP 5.1.3.2.4).

CCI France may ask for the list of contacts received: the requester's name, the channel
(telephone or e-mail), the day and time, and the nature of the request. One row per contact,
written by the agent who took it; the elector is optional (many callers have not been found,
or call about nothing personal). Never a credential, never a choice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ContactLog(models.Model):
    class Channel(models.TextChoices):
        PHONE = "telephone", "Téléphone"
        EMAIL = "courriel", "Courriel"

    class Nature(models.TextChoices):
        NOT_RECEIVED = "non-recu", "Matériel de vote non reçu"
        LOST = "perdu", "Identifiant ou code perdu"
        LOCKED = "bloque", "Connexion bloquée ou code refusé"
        BIRTH_DATE = "naissance", "Date de naissance refusée"
        DEVICE = "appareil", "Navigateur, téléphone ou ordinateur"
        ALREADY_VOTED = "deja-vote", "« Vous avez déjà voté »"
        RECEIPT = "recepisse", "Accusé de réception, numéro de suivi"
        RESEND = "renvoi", "Demande de renvoi du matériel de vote"
        ELECTION = "election", "Question sur l'élection ou les candidats"
        OTHER = "autre", "Autre demande"

    class Level(models.IntegerChoices):
        ONE = 1, "Niveau 1"
        TWO = 2, "Niveau 2"

    requester_name = models.CharField("nom et prénom du demandeur", max_length=120)
    channel = models.CharField("canal", max_length=10, choices=Channel.choices)
    contacted_at = models.DateTimeField("date et heure du contact")
    nature = models.CharField("nature de la demande", max_length=10, choices=Nature.choices)
    details = models.TextField("précisions", max_length=2000, blank=True, default="")
    level = models.PositiveSmallIntegerField("niveau", choices=Level.choices, default=Level.ONE)
    elector_number = models.CharField("numéro d'électeur", max_length=13, blank=True, default="")
    cci_code = models.CharField("code CCI", max_length=3, blank=True, default="")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="support_contacts"
    )
    created_at = models.DateTimeField("noté le", auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "contact avec l'assistance"
        indexes = [
            # the log page of a CCI agent: newest first inside the perimeter (keyset on id)
            models.Index(fields=["cci_code", "id"], name="support_contact_cci_id_idx"),
            models.Index(fields=["elector_number", "id"], name="support_contact_elector_idx"),
        ]
        permissions = [
            ("assist_electors", "Assister les électeurs (recherche, contacts, demande de renvoi)"),
            ("export_contacts", "Exporter le registre des contacts de l'assistance"),
        ]

    def __str__(self) -> str:
        return f"{self.contacted_at:%Y-%m-%d %H:%M} {self.requester_name}"
