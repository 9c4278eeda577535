"""Perimeters and second factors of management accounts (CCTP 4.1.4.7, annex 7.1.4).

Roles are Django groups (see :mod:`.roles`); the permissions declared here are the ones the
role matrix (docs/permissions.md) needs and that no other app owns.
"""

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
        permissions = [
            ("manage_accounts", "Importer les gestionnaires et gérer les comptes de son périmètre"),
            ("handle_resend_requests", "Traiter les demandes de renvoi d'identifiants"),
            ("operate_platform", "Intervenir sur la plate-forme en tant que prestataire"),
            ("hold_key", "Détenir une part de la clé de déchiffrement"),
        ]

    def __str__(self) -> str:
        return "NATIONAL" if self.national else ",".join(self.cci_codes)

    def covers(self, cci_code: str) -> bool:
        return self.national or cci_code in self.cci_codes

    @property
    def wide(self) -> bool:
        """NATIONAL or several CCIs: a second factor is mandatory (CCTP 4.1.4.7)."""
        return self.national or len(self.cci_codes) > 1


class TotpDevice(models.Model):
    """An authenticator application (RFC 6238, 30 s steps, 6 digits)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.CharField("secret chiffré", max_length=200)  # services.seal_secret
    confirmed_at = models.DateTimeField("confirmé le", null=True, blank=True)
    last_step = models.BigIntegerField("dernier pas utilisé", default=0)

    class Meta:
        verbose_name = "application d'authentification"

    def __str__(self) -> str:
        return f"TOTP {self.user_id}"


class SecurityKey(models.Model):
    """A WebAuthn credential (security key or platform authenticator)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security_keys"
    )
    name = models.CharField("nom", max_length=60)
    credential_id = models.CharField("identifiant (base64url)", max_length=1400, unique=True)
    public_key = models.BinaryField("clé publique COSE")
    sign_count = models.PositiveBigIntegerField("compteur", default=0)
    created_at = models.DateTimeField("ajoutée le", auto_now_add=True)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = "clé de sécurité"

    def __str__(self) -> str:
        return self.name
