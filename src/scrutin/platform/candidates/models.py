"""Candidatures of each ballot, groupements, professions de foi and the seals of an urn's
candidatures (CCTP 3.2.2.2, 4.1.3).

A candidate runs either for CCIR+CCIT (then on the urn's CCIR ballot, with a suppléant of the
other sex) or for CCIT only (on the urn's CCIT ballot): the ballot (``electoral.Question``) a
candidate belongs to *is* its candidacy type. Groupements and individual candidacies of a
ballot share one registration order; candidates of a groupement are ordered inside it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from ..electoral.models import Question, Urn


class Civility(models.TextChoices):
    M = "M.", "M."
    MME = "Mme", "Mme"


class Groupement(models.Model):
    """A named grouping of candidacies on one ballot — not a list (CCTP 3.2.2.2)."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="groupements")
    name = models.CharField("dénomination", max_length=150)
    registration = models.PositiveIntegerField("ordre d'enregistrement")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "registration"]
        constraints = [
            models.UniqueConstraint(fields=["question", "name"], name="unique_groupement_name"),
            models.UniqueConstraint(
                fields=["question", "registration"], name="unique_groupement_registration"
            ),
        ]
        verbose_name = "groupement"

    def __str__(self) -> str:
        return self.name


class Candidate(models.Model):
    """One candidacy. ``groupement`` set: ``position`` orders it inside; otherwise it is an
    individual candidacy with its own ``registration`` in the ballot's order."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="candidates")
    groupement = models.ForeignKey(
        Groupement, null=True, blank=True, on_delete=models.CASCADE, related_name="candidates"
    )
    position = models.PositiveSmallIntegerField("rang dans le groupement", null=True, blank=True)
    registration = models.PositiveIntegerField("ordre d'enregistrement", null=True, blank=True)
    civility = models.CharField("civilité", max_length=3, choices=Civility.choices)
    last_name = models.CharField("nom", max_length=60)
    first_name = models.CharField("prénom", max_length=60)
    birth_date = models.DateField("date de naissance")
    activity = models.CharField("activité", max_length=100, blank=True)
    town = models.CharField("commune", max_length=60, blank=True)
    delegation = models.CharField("délégation territoriale", max_length=60, blank=True)
    substitute_civility = models.CharField(
        "civilité du suppléant", max_length=3, choices=Civility.choices, blank=True
    )
    substitute_last_name = models.CharField("nom du suppléant", max_length=60, blank=True)
    substitute_first_name = models.CharField("prénom du suppléant", max_length=60, blank=True)
    substitute_birth_date = models.DateField(
        "date de naissance du suppléant", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "groupement__registration", "position", "registration"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        groupement__isnull=True, registration__isnull=False, position__isnull=True
                    )
                    | models.Q(
                        groupement__isnull=False, registration__isnull=True, position__isnull=False
                    )
                ),
                name="candidate_in_groupement_xor_registered",
            ),
            models.UniqueConstraint(
                fields=["groupement", "position"], name="unique_candidate_position"
            ),
        ]
        verbose_name = "candidat"
        permissions = [
            ("manage_candidates", "Saisir, importer et sceller les candidatures"),
            ("unseal_candidatures", "Lever le scellement des candidatures (procédure journalisée)"),
        ]

    def __str__(self) -> str:
        return f"{self.civility} {self.first_name} {self.last_name.upper()}"

    @property
    def runs_for_ccir(self) -> bool:
        return self.question.kind == Question.Kind.CCIR

    @property
    def candidacy_label(self) -> str:
        return "CCIR et CCIT" if self.runs_for_ccir else "CCIT seulement"

    @property
    def substitute_same_sex(self) -> bool:
        """CCTP 3.2.2.2: the suppléant must be of the other sex; shown, never blocking."""
        return bool(self.substitute_civility) and self.substitute_civility == self.civility

    @property
    def substitute_word(self) -> str:
        """« suppléante » or « suppléant », after the suppléant's civility."""
        return "suppléante" if self.substitute_civility == Civility.MME else "suppléant"

    @property
    def substitute_display(self) -> str:
        if not self.substitute_last_name:
            return ""
        return (
            f"{self.substitute_civility} {self.substitute_first_name} "
            f"{self.substitute_last_name.upper()}"
        ).strip()


class ProfessionDeFoi(models.Model):
    """The PDF circular of a groupement or of an individual candidacy, stored under MEDIA_ROOT
    with a random name; ``public_id`` names it in URLs."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    groupement = models.OneToOneField(
        Groupement, null=True, blank=True, on_delete=models.CASCADE, related_name="profession"
    )
    candidate = models.OneToOneField(
        Candidate, null=True, blank=True, on_delete=models.CASCADE, related_name="profession"
    )
    path = models.CharField(max_length=300)
    filename = models.CharField("nom du fichier déposé", max_length=200)
    size = models.PositiveIntegerField("taille (octets)")
    pages = models.PositiveIntegerField("pages")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(groupement__isnull=True, candidate__isnull=False)
                    | models.Q(groupement__isnull=False, candidate__isnull=True)
                ),
                name="profession_of_groupement_xor_candidate",
            )
        ]
        verbose_name = "profession de foi"
        verbose_name_plural = "professions de foi"

    def __str__(self) -> str:
        return self.filename

    @property
    def question(self) -> Question:
        owner = self.groupement if self.groupement_id else self.candidate
        assert owner is not None
        return owner.question

    @property
    def owner_label(self) -> str:
        return str(self.groupement if self.groupement_id else self.candidate)


class CandidaturesSeal(models.Model):
    """The sealing of an urn's candidatures: the fingerprint of ``candidatures_document(urn)``.
    A seal stays in force until an :class:`UnsealRecord` lifts it."""

    urn = models.ForeignKey(Urn, on_delete=models.PROTECT, related_name="candidatures_seals")
    sealed_at = models.DateTimeField("scellé le")
    fingerprint = models.CharField("empreinte SHA-256", max_length=64)
    document = models.JSONField("document scellé")
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["urn", "-sealed_at"]
        verbose_name = "scellement des candidatures"

    def __str__(self) -> str:
        return f"{self.urn_id} {self.fingerprint[:16]}"


class UnsealRecord(models.Model):
    """The journaled lifting of a seal: who, when, why, under which decision."""

    seal = models.OneToOneField(CandidaturesSeal, on_delete=models.PROTECT, related_name="unseal")
    unsealed_at = models.DateTimeField("levé le")
    unsealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    reference = models.CharField("référence de la décision", max_length=100)
    reason = models.TextField("motif")

    class Meta:
        ordering = ["-unsealed_at"]
        verbose_name = "levée de scellement"

    def __str__(self) -> str:
        return f"{self.seal} levé le {self.unsealed_at:%d/%m/%Y}"
