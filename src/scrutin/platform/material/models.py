"""Per-CCI choices for the postal voting material and the BAT (bon à tirer) approvals
(CCTP 5.2.2, 5.2.2.1, 5.2.2.2; docs/material-platform.md).

* :class:`DispatchSettings` — one row per CCI, chosen by its COE: re-routing by the COE itself
  (5.2.2.1) or direct dispatch to the electors (5.2.2.2), batch size, addresses, and whether
  electors with a valid e-mail get their material by e-mail instead of a letter.
* :class:`Bat` — the state of a CCI's BAT: the COE's decision on its proof, then CCI France's.
  Both approvals carry the fingerprint of the letter content they saw (``content_sha256``): the
  kit is refused if that content changed since.
* :class:`BatDecision` — the history of every decision (approval, refusal, reopening), who,
  when and why; the journal holds the same facts, hash-chained.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

BATCH_MIN, BATCH_MAX, BATCH_DEFAULT = 50, 10_000, 1_000
ADDRESS_LINES, ADDRESS_WIDTH = 6, 38  # La Poste's addressing standard (NF Z10-011)


class DispatchSettings(models.Model):
    """How the material of one CCI is printed and sent (chosen by its COE)."""

    class Mode(models.TextChoices):
        REROUTE = "reroute", "Envoi à la COE, qui réachemine les courriers"
        DIRECT = "direct", "Envoi direct aux électeurs"

    cci_code = models.CharField("code CCI", max_length=3, primary_key=True)
    mode = models.CharField("mode d'expédition", max_length=8, choices=Mode.choices,
                            default=Mode.DIRECT)  # fmt: skip
    batch_size = models.PositiveIntegerField("courriers par lot", default=BATCH_DEFAULT)
    reroute_address = models.TextField("adresse de livraison à la COE", blank=True)
    return_address = models.TextField("adresse de la CCI (en-tête du courrier)", blank=True)
    electronic = models.BooleanField("matériel par courriel si l'adresse est valide", default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField("modifié le", null=True, blank=True)

    class Meta:
        verbose_name = "choix d'expédition d'une CCI"
        permissions = [
            ("manage_dispatch", "Choisir l'expédition du matériel de vote et valider le BAT de sa CCI"),
            ("approve_national_bat", "Valider le BAT général et délivrer les kits d'impression"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.cci_code} ({self.get_mode_display()})"

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def reroute_lines(self) -> list[str]:
        return self.lines(self.reroute_address)

    @property
    def return_lines(self) -> list[str]:
        return self.lines(self.return_address)


class Bat(models.Model):
    """The BAT of one CCI: the COE's decision on its proof, then CCI France's."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente de décision"
        APPROVED = "approved", "Validé"
        REFUSED = "refused", "Refusé"

    cci_code = models.CharField("code CCI", max_length=3, primary_key=True)
    coe_status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    coe_by = models.CharField("décision COE par", max_length=150, blank=True)
    coe_at = models.DateTimeField("décision COE le", null=True, blank=True)
    coe_reason = models.CharField("motif du refus", max_length=500, blank=True)
    content_sha256 = models.CharField("empreinte du contenu validé", max_length=64, blank=True)
    national_by = models.CharField("BAT général validé par", max_length=150, blank=True)
    national_at = models.DateTimeField("BAT général validé le", null=True, blank=True)

    class Meta:
        verbose_name = "BAT d'une CCI"

    def __str__(self) -> str:
        return f"BAT {self.cci_code} ({self.get_coe_status_display()})"

    @property
    def coe_approved(self) -> bool:
        return self.coe_status == self.Status.APPROVED

    @property
    def national_approved(self) -> bool:
        return self.coe_approved and self.national_at is not None

    @property
    def locked(self) -> bool:
        """Dispatch settings are frozen while the COE's approval stands."""
        return self.coe_approved


class BatDecision(models.Model):
    """One decision on a CCI's BAT, kept for the BAT page's history."""

    class Level(models.TextChoices):
        COE = "coe", "COE"
        NATIONAL = "national", "CCI France"

    class Action(models.TextChoices):
        APPROVE = "approve", "Validation"
        REFUSE = "refuse", "Refus"
        REOPEN = "reopen", "Réouverture"

    cci_code = models.CharField("code CCI", max_length=3, db_index=True)
    level = models.CharField(max_length=8, choices=Level.choices)
    action = models.CharField(max_length=8, choices=Action.choices)
    reason = models.CharField("motif", max_length=500, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "décision sur un BAT"

    def __str__(self) -> str:
        return f"{self.cci_code} {self.level} {self.action}"


class IssuedKit(models.Model):
    """A letter kit handed to the dispatch operator (contract C6, CCTP 5.2.2, 5.2.3.2).

    The latest *main* kit of a CCI freezes its e-mail set: its ``numbers`` are the electors for
    whom no letter is printed, and the opening dispatch sends material by e-mail to exactly them
    (minus the letters of the supplementary kits issued after it). A *supplementary* kit's
    ``numbers`` are the letters it tells the operator to print."""

    class Kind(models.TextChoices):
        MAIN = "main", "Kit principal"
        SUPPLEMENT = "supplement", "Kit complémentaire"

    cci_code = models.CharField("code CCI", max_length=3, db_index=True)
    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    sha256 = models.CharField("empreinte SHA-256 du fichier signé", max_length=64)
    fingerprint = models.CharField("empreinte du contenu du kit", max_length=64)
    count = models.PositiveIntegerField("électeurs désignés", default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField("délivré le")

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = "kit d'impression délivré"

    def __str__(self) -> str:
        return f"{self.cci_code} {self.kind} {self.sha256[:12]}"


class KitNumber(models.Model):
    """One elector number named by an issued kit (e-mail set of a main kit, letter of a
    supplementary one). A table rather than a list in a column: the dispatch selects with a
    subquery, so a large CCI's numbers never sit in a worker's memory."""

    kit = models.ForeignKey(IssuedKit, on_delete=models.CASCADE, related_name="numbers")
    number = models.CharField("numéro d'électeur", max_length=13)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kit", "number"], name="kitnumber_unique"),
        ]
        verbose_name = "électeur désigné par un kit"

    def __str__(self) -> str:
        return self.number
