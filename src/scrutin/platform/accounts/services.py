"""Accounts: import of the managers file, activation by e-mail, TOTP second factor.

Business logic lives here; views and the CLI only call these functions.
"""

from __future__ import annotations

import base64
import hashlib
import smtplib
from dataclasses import dataclass, field
from pathlib import Path

import nacl.secret
import pyotp
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ..audit.journal import record_event
from ..electoral.annex7.issues import Report
from ..electoral.models import Cci
from .managers_file import ManagerLine, read_managers
from .models import Perimeter, TotpDevice
from .roles import ROLES, setup_roles

TOTP_ISSUER = "Scrutin CCI"


@dataclass
class ManagersImport:
    report: Report
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    mailed: list[str] = field(default_factory=list)
    unsent: list[str] = field(default_factory=list)
    mail_error: str = ""


class MailUnavailable(Exception):
    """The outgoing mail server refused or could not be reached (message in French)."""


def mail_failure(exc: BaseException) -> str:
    """A French explanation of why an e-mail could not leave."""
    detail = str(exc).strip()[:200] or type(exc).__name__
    return (
        "Le serveur de messagerie est injoignable ou a refusé l'envoi "
        f"({settings.EMAIL_HOST}:{settings.EMAIL_PORT} — {detail}). Vérifiez SCRUTIN_SMTP_HOST et "
        "SCRUTIN_SMTP_PORT, puis renvoyez les liens avec « scrutin accounts resend-activation » "
        "ou le bouton « Renvoyer le lien » de la page des comptes."
    )


def send_activations(users: list[User], result: ManagersImport, base_url: str | None) -> None:
    """Mail each user; at the first failure of the mail server, stop and list the others as
    unsent (one unreachable server must not cost one timeout per account)."""
    for user in users:
        if result.mail_error:
            result.unsent.append(user.email)
            continue
        try:
            send_activation(user, base_url=base_url)
        except MailUnavailable as exc:
            result.mail_error = str(exc)
            result.unsent.append(user.email)
        else:
            result.mailed.append(user.email)


def pending_activations() -> list[User]:
    """Accounts never activated (inactive, no usable password), by e-mail."""
    return [u for u in User.objects.filter(is_active=False).order_by("email")
            if not u.has_usable_password()]  # fmt: skip


def import_managers(path: Path, *, base_url: str | None = None) -> ManagersImport:
    """Check the whole file; if it has no blocking error, create or update every account.

    New accounts are inactive with no usable password and receive the activation e-mail
    once the transaction is committed. An existing account gets the file's role, names and
    perimeter (its password and second factors are kept).
    """
    report, lines = read_managers(path, set(Cci.objects.values_list("code", flat=True)))
    result = ManagersImport(report)
    if not report.accepted:
        record_event("accounts:file:import", data={"accepted": False, "rows": report.rows,
                                                   "blocking": report.blocking})  # fmt: skip
        return result
    setup_roles()
    groups = {r.code: Group.objects.get(name=r.code) for r in ROLES}
    role_groups = list(groups.values())
    with transaction.atomic():
        for line in lines:
            user, created = _upsert(line)
            user.groups.remove(*role_groups)
            user.groups.add(groups[line.role.code])
            (result.created if created else result.updated).append(line.email)
        record_event("accounts:file:import", data={"accepted": True, "rows": report.rows,
                                                   "created": len(result.created), "updated": len(result.updated)})  # fmt: skip
    users = [User.objects.get(username=email) for email in result.created]
    send_activations(users, result, base_url)
    return result


def _upsert(line: ManagerLine) -> tuple[User, bool]:
    user = User.objects.filter(username=line.email).first()
    created = user is None
    if user is None:
        user = User(username=line.email, is_active=False)
        user.set_unusable_password()
    user.email = line.email
    user.first_name = line.first_name
    user.last_name = line.last_name
    user.save()
    Perimeter.objects.update_or_create(
        user=user, defaults={"national": line.national, "cci_codes": list(line.cci_codes)}
    )
    return user, created


def activation_path(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:activate", kwargs={"uidb64": uid, "token": token})


def send_activation(user: User, *, base_url: str | None = None) -> None:
    """E-mail the one-time activation link (valid ``PASSWORD_RESET_TIMEOUT`` seconds);
    :class:`MailUnavailable` when the mail server cannot take it."""
    base = str(base_url or getattr(settings, "SCRUTIN_SITE_URL", "http://localhost:8000"))
    base = base.rstrip("/")
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    body = (
        f"Bonjour {user.first_name} {user.last_name},\n\n"
        "Un compte vous a été ouvert sur le site gestionnaire des élections des CCI.\n"
        "Pour l'activer et choisir votre mot de passe, ouvrez ce lien :\n\n"
        f"{base}{activation_path(user)}\n\n"
        f"Ce lien ne sert qu'une fois et expire dans {days} jours.\n"
        "Si vous n'attendiez pas ce message, ne faites rien.\n"
    )
    try:
        send_mail("Activez votre compte gestionnaire", body, None, [user.email])
    except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, timed out, TLS
        raise MailUnavailable(mail_failure(exc)) from exc


def activate(user: User, password: str) -> None:
    """Set the chosen password and open the account (the token is then spent: it depends
    on the password hash)."""
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    record_event("accounts:user:activate", actor=user, data={})


# Second factor -----------------------------------------------------------------------------


def needs_second_factor(user: User) -> bool:
    """Mandatory for NATIONAL or multi-CCI perimeters (CCTP 4.1.4.7: wide rights)."""
    try:
        return user.perimeter.wide
    except Perimeter.DoesNotExist:
        return False


def has_second_factor(user: User) -> bool:
    confirmed = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
    return confirmed or user.security_keys.exists()


def _box() -> nacl.secret.SecretBox:
    """TOTP secrets are encrypted at rest with a key derived from ``SECRET_KEY``: a copy of the
    database alone does not give the second factor (rotating ``SECRET_KEY`` means re-enrolling)."""
    key = hashlib.blake2b(settings.SECRET_KEY.encode(), digest_size=32,
                          person=b"scrutin-totp-v1").digest()  # fmt: skip
    return nacl.secret.SecretBox(key)


def seal_secret(secret: str) -> str:
    return "v1:" + base64.b64encode(bytes(_box().encrypt(secret.encode()))).decode()


def totp_secret(device: TotpDevice) -> str:
    if not device.secret.startswith("v1:"):
        raise ValueError("TOTP secret not sealed")
    return _box().decrypt(base64.b64decode(device.secret[3:])).decode()


def start_totp(user: User) -> TotpDevice:
    """The user's device, creating an unconfirmed one with a fresh secret if there is none;
    it becomes usable once a first code is checked (:func:`check_totp`)."""
    device, _ = TotpDevice.objects.get_or_create(
        user=user, defaults={"secret": seal_secret(pyotp.random_base32(32))}
    )
    return device


def totp_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(totp_secret(device)).provisioning_uri(
        name=device.user.username, issuer_name=TOTP_ISSUER
    )


def check_totp(device: TotpDevice, code: str) -> bool:
    """Accept the current code or the adjacent one (clock drift), each step once only."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(totp_secret(device))
    now = timezone.now()
    for drift in (0, -1, 1):
        at = now.timestamp() + drift * totp.interval
        step = int(at // totp.interval)
        if step > device.last_step and totp.verify(code, for_time=int(at), valid_window=0):
            updated = TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(
                last_step=step, confirmed_at=device.confirmed_at or now
            )
            if updated == 1 and device.confirmed_at is None:
                record_event("accounts:factor:enrol", actor=device.user, data={"method": "totp"})
            return updated == 1  # a concurrent use of the same code loses
    return False
