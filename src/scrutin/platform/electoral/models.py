"""Electoral structure and electors lists (CCTP 4.1.2, annex 7.1.2 and 7.1.3).

All in the ``default`` database. An urn (scrutin) is one CCI × category × optional sub-category;
its questions are the CCIR and CCIT ballots. An elector row is one voting right: an elector with
several rights has several rows, each with its own 13-digit number (CCTP 4.1.4.3).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Cci(models.Model):
    code = models.CharField("code CCI", max_length=3, primary_key=True)
    label = models.CharField("libellé", max_length=100)
    logo = models.FileField("logo", upload_to="logos/", blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "CCI"

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"


class Category(models.Model):
    cci = models.ForeignKey(Cci, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField("code catégorie", max_length=1)
    label = models.CharField("libellé", max_length=45)

    class Meta:
        ordering = ["cci", "code"]
        constraints = [models.UniqueConstraint(fields=["cci", "code"], name="unique_category")]
        verbose_name = "catégorie"

    def __str__(self) -> str:
        return f"{self.cci_id} {self.code} — {self.label}"


class Urn(models.Model):
    """One scrutin: the urn of a CCI × category × sub-category, with every label of its row."""

    cci = models.ForeignKey(Cci, on_delete=models.PROTECT, related_name="urns")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="urns")
    subcategory_code = models.CharField("code sous-catégorie", max_length=2, blank=True)
    subcategory_label = models.CharField("libellé sous-catégorie", max_length=45, blank=True)
    code = models.CharField("code du scrutin", max_length=12, unique=True)
    seats_ccir = models.PositiveSmallIntegerField("sièges CCIR")
    seats_ccit = models.PositiveSmallIntegerField("sièges CCIT")
    site_title = models.CharField("titre du site de vote", max_length=100)
    label_ccir = models.CharField("libellé CCIR", max_length=100, blank=True)
    label_ccit = models.CharField("libellé CCIT", max_length=100, blank=True)
    category_type_label = models.CharField("libellé type catégorie", max_length=15)
    seat_label_1 = models.CharField("libellé siège 1", max_length=100, blank=True)
    seat_label_2 = models.CharField("libellé siège 2", max_length=100)
    seat_label_3 = models.CharField("libellé siège 3", max_length=100)
    ballot_title_1 = models.CharField("titre bulletin 1", max_length=100, blank=True)
    ballot_title_2 = models.CharField("titre bulletin 2", max_length=100)
    assistance_message = models.CharField("message assistance", max_length=256, blank=True)
    cci_phone = models.CharField("téléphone CCI", max_length=100, blank=True)
    cci_email = models.CharField("e-mail CCI", max_length=100, blank=True)
    cci_url = models.CharField("URL site CCI (professions de foi)", max_length=100)
    r731_8 = models.BooleanField("R731-8")
    source_line = models.PositiveIntegerField("ligne du fichier de structure")
    sealed_at = models.DateTimeField("scellée le", null=True, blank=True)
    # 1 for the general election; n ≥ 2 for the n-th election of the same scrutin (after an
    # annulment or for a partial election), whose code is ``<code of the first>.<n>``
    # (docs/fr/annulation.md, ``electoral.succession``)
    generation = models.PositiveSmallIntegerField("élection n°", default=1)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "subcategory_code", "generation"], name="unique_urn"
            )
        ]
        verbose_name = "urne"
        permissions = [
            ("manage_electoral_data", "Importer et modifier la structure et les listes électorales")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_sealed(self) -> bool:
        return self.sealed_at is not None


class Question(models.Model):
    """A ballot of an urn: the CCIR ballot (if it has seats) then the CCIT ballot."""

    class Kind(models.TextChoices):
        CCIR = "CCIR", "Scrutin CCIR"
        CCIT = "CCIT", "Scrutin CCIT"

    urn = models.ForeignKey(Urn, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    position = models.PositiveSmallIntegerField()
    seats = models.PositiveSmallIntegerField("sièges")
    title = models.CharField("titre du bulletin", max_length=100)
    label = models.CharField("libellé", max_length=100, blank=True)
    seat_label = models.CharField("libellé des sièges", max_length=100, blank=True)

    class Meta:
        ordering = ["urn", "position"]
        constraints = [models.UniqueConstraint(fields=["urn", "kind"], name="unique_question")]
        verbose_name = "bulletin"

    def __str__(self) -> str:
        return f"{self.urn_id}/{self.kind}"


class Elector(models.Model):
    """One voting right from a CELE's electors file (annex 7.1.3).

    The 37 annex columns are stored as read (after the annex's truncations), in the order and
    under the names of ``annex7.electors.FIELDS``; ``number`` is CODE CCI + NUMERO ELECTEUR.
    """

    number = models.CharField("numéro d'électeur", max_length=13, primary_key=True)
    # indexed with the number below: the lists page by (urn, number) and (CCI, number)
    urn = models.ForeignKey(Urn, on_delete=models.PROTECT, related_name="electors", db_index=False)
    birth_date = models.DateField("date de naissance (vide si 01011901)", null=True, blank=True)
    mobile_e164 = models.CharField("mobile (E.164)", max_length=16, blank=True, default="")
    source_line = models.PositiveIntegerField("ligne du fichier", null=True, blank=True)
    cci_code = models.CharField("code cci", max_length=3, blank=True, default="")
    delegation_code = models.CharField("code delegation", max_length=3, blank=True, default="")
    category_code = models.CharField("code categorie", max_length=1, blank=True, default="")
    subcategory_code = models.CharField("code sous categorie", max_length=2, blank=True, default="")
    local_number = models.CharField("numero electeur", max_length=10, blank=True, default="")
    cci_internal_key = models.CharField("cle interne cci", max_length=20, blank=True, default="")
    civility = models.CharField("civilite", max_length=4, blank=True, default="")
    usage_name = models.CharField("nom d'usage", max_length=34, blank=True, default="")
    first_name = models.CharField("prenom", max_length=30, blank=True, default="")
    birth_date_raw = models.CharField("date de naissance", max_length=8, blank=True, default="")
    family_name = models.CharField("nom de famille", max_length=30, blank=True, default="")
    elector_type = models.CharField("type electeur", max_length=3, blank=True, default="")
    registry_code = models.CharField("code greffe", max_length=5, blank=True, default="")
    siren = models.CharField("numero siren", max_length=9, blank=True, default="")
    nic = models.CharField("numero nic", max_length=5, blank=True, default="")
    company_name = models.CharField("raison sociale", max_length=38, blank=True, default="")
    trade_name = models.CharField("enseigne", max_length=38, blank=True, default="")
    naf = models.CharField("naf", max_length=5, blank=True, default="")
    legal_form_type = models.CharField("type forme juridique", max_length=1, blank=True, default="")
    postal_recipient = models.CharField(
        "adrach destinataire", max_length=38, blank=True, default=""
    )
    postal_complement1 = models.CharField(
        "adrach complement1", max_length=38, blank=True, default=""
    )
    postal_complement2 = models.CharField(
        "adrach complement2", max_length=38, blank=True, default=""
    )
    postal_street = models.CharField("adrach voie", max_length=38, blank=True, default="")
    postal_place = models.CharField("adrach lieu dit", max_length=38, blank=True, default="")
    postal_code = models.CharField("adrach code postal", max_length=38, blank=True, default="")
    postal_city = models.CharField("adrach localite", max_length=32, blank=True, default="")
    postal_country = models.CharField("adrach pays", max_length=38, blank=True, default="")
    legal_recipient = models.CharField("adrjur destinataire", max_length=38, blank=True, default="")
    legal_complement1 = models.CharField(
        "adrjur complement1", max_length=38, blank=True, default=""
    )
    legal_complement2 = models.CharField(
        "adrjur complement2", max_length=38, blank=True, default=""
    )
    legal_street = models.CharField("adrjur voie", max_length=38, blank=True, default="")
    legal_place = models.CharField("adrjur lieu dit", max_length=38, blank=True, default="")
    legal_postal_code = models.CharField(
        "adrjur code postal", max_length=38, blank=True, default=""
    )
    legal_city = models.CharField("adrjur localite", max_length=32, blank=True, default="")
    legal_country = models.CharField("adrjur pays", max_length=38, blank=True, default="")
    email = models.CharField("email", max_length=255, blank=True, default="")
    phone = models.CharField("telephone", max_length=50, blank=True, default="")

    class Meta:
        ordering = ["number"]
        verbose_name = "électeur"
        indexes = [
            # keyset pages of a CCI's and of an urn's list (``platform.keyset``) read an index range
            models.Index(fields=["cci_code", "number"], name="elector_cci_number_idx"),
            models.Index(fields=["urn", "number"], name="elector_urn_number_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.usage_name} {self.first_name}".strip()


class ImportRun(models.Model):
    """One upload of a structure or electors file, its progress and its report."""

    class Kind(models.TextChoices):
        STRUCTURE = "structure", "Structure électorale"
        ELECTORS = "electors", "Fichier des électeurs"
        CANDIDATES = "candidates", "Fichier des candidatures"

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        ACCEPTED = "accepted", "Importé"
        REJECTED = "rejected", "Refusé"
        FAILED = "failed", "Échec technique"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    cci = models.ForeignKey(Cci, null=True, blank=True, on_delete=models.SET_NULL)
    filename = models.CharField("fichier", max_length=255)
    path = models.CharField(max_length=500)
    sha256 = models.CharField("empreinte SHA-256 du fichier", max_length=64, blank=True)
    rows = models.PositiveIntegerField(default=0)
    blocking = models.PositiveIntegerField("erreurs bloquantes", default=0)
    warnings = models.PositiveIntegerField("erreurs non bloquantes", default=0)
    summary = models.JSONField("résumé", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "import"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename} ({self.get_status_display()})"


class ImportIssue(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="issues")
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=60)
    value = models.TextField()
    blocking = models.BooleanField()
    message = models.TextField()

    class Meta:
        ordering = ["run", "line", "id"]

    def __str__(self) -> str:
        return f"ligne {self.line} {self.column} : {self.message}"


class ElectorChange(models.Model):
    """A modification of an electors list by CELE or court decision (CCTP 4.1.2)."""

    class Action(models.TextChoices):
        ADD = "add", "Ajout"
        CORRECT = "correct", "Correction"
        REMOVE = "remove", "Retrait"

    class Authority(models.TextChoices):
        CELE = "cele", "Décision de la CELE"
        COURT = "court", "Décision judiciaire"

    number = models.CharField("numéro d'électeur", max_length=13, db_index=True)
    cci = models.ForeignKey(Cci, on_delete=models.PROTECT)
    action = models.CharField(max_length=8, choices=Action.choices)
    authority = models.CharField("autorité", max_length=5, choices=Authority.choices)
    reference = models.CharField("référence de la décision", max_length=100)
    reason = models.TextField("motif")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "modification de la liste électorale"

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.number}"


class ListFingerprint(models.Model):
    """Count and fingerprint of an urn's electors list as stored, written whenever the list
    changes (import, CELE or court decision, urn seal) and read by the control list, so that no
    page re-hashes a list (``electoral.fingerprints``)."""

    urn = models.OneToOneField(
        Urn, primary_key=True, on_delete=models.CASCADE, related_name="list_fingerprint"
    )
    count = models.PositiveIntegerField("électeurs pris en compte")
    sha256 = models.CharField("empreinte SHA-256 de la liste", max_length=64)
    computed_at = models.DateTimeField("calculée le")

    class Meta:
        verbose_name = "empreinte d'une liste électorale"

    def __str__(self) -> str:
        return f"{self.urn_id}: {self.count} {self.sha256[:16]}"


class UrnSuccession(models.Model):
    """A new election of a scrutin, decided nationally: after the annulment of the previous
    election (its record, seals and results stay, marked as annulled) or, during the mandate, a
    partial election to fill seats (the general election stays valid). The previous urn's rows
    are never changed; its electors move to the new urn and its émargement list, archived first
    (fingerprint checked against its closing seal), is emptied so that they can vote again."""

    class Kind(models.TextChoices):
        ANNULMENT = "annulment", "Élection annulée et recommencée"
        PARTIAL = "partial", "Élection partielle"

    previous = models.ForeignKey(Urn, on_delete=models.PROTECT, related_name="successions")
    successor = models.OneToOneField(Urn, on_delete=models.PROTECT, related_name="origin")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reference = models.CharField("référence de la décision", max_length=200)
    reason = models.TextField("motif")
    decided_at = models.DateTimeField("décidée le")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archive = models.CharField("archive de l'élection précédente", max_length=500)
    electors = models.PositiveIntegerField("électeurs transférés")
    electors_sha256 = models.CharField("empreinte de la liste transférée", max_length=64)
    emargements = models.PositiveIntegerField("émargements archivés")
    emargements_sha256 = models.CharField("empreinte de la liste archivée", max_length=64)

    class Meta:
        ordering = ["previous__code", "successor__generation"]
        verbose_name = "nouvelle élection d'une urne"

    def __str__(self) -> str:
        return f"{self.previous_id} → {self.successor_id} ({self.kind})"

    @property
    def is_annulment(self) -> bool:
        return self.kind == self.Kind.ANNULMENT

    def label(self) -> str:
        """« Élection annulée par décision … du … » (Paris date)."""
        from django.utils import timezone

        day = timezone.localtime(self.decided_at).strftime("%d/%m/%Y")
        if self.is_annulment:
            return f"Élection annulée par décision {self.reference} du {day}"
        return f"Élection partielle décidée par décision {self.reference} du {day}"
