"""WebAuthn security keys (W3C Web Authentication level 2) through py_webauthn.

The relying party is the management site's host (``SCRUTIN_WEBAUTHN_RP_ID``, default: the
request's host without port) and the expected origin ``SCRUTIN_WEBAUTHN_ORIGIN`` (default:
the request's scheme and host). Challenges are kept in the session and used once.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from scrutin.record import strictjson

from ..audit.journal import record_event
from .models import SecurityKey

RP_NAME = "Scrutin — site gestionnaire"
_REG_CHALLENGE = "accounts_webauthn_reg"
_AUTH_CHALLENGE = "accounts_webauthn_auth"


class KeyRejected(Exception):
    """The browser's answer does not prove possession of a registered key."""


def rp_id(request: HttpRequest) -> str:
    configured: str = getattr(settings, "SCRUTIN_WEBAUTHN_RP_ID", "")
    return configured or request.get_host().rsplit(":", 1)[0]


def origin(request: HttpRequest) -> str:
    configured: str = getattr(settings, "SCRUTIN_WEBAUTHN_ORIGIN", "")
    return configured or f"{request.scheme}://{request.get_host()}"


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(k.credential_id))
        for k in user.security_keys.all()
    ]


def registration_options(request: HttpRequest, user: User) -> str:
    options = generate_registration_options(
        rp_id=rp_id(request),
        rp_name=RP_NAME,
        user_name=user.username,
        user_id=str(user.pk).encode(),
        user_display_name=user.get_full_name() or user.username,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    request.session[_REG_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def _credential(credential: str | dict[str, Any]) -> dict[str, Any]:
    """The browser's posted answer, read by the one strict JSON reader (issue 19.5)."""
    if isinstance(credential, dict):
        return credential
    try:
        data = strictjson.loads(credential, max_bytes=64 * 1024)
    except strictjson.JsonRefused as exc:
        raise KeyRejected("Clé refusée : la réponse de la clé est illisible.") from exc
    if not isinstance(data, dict):
        raise KeyRejected("Clé refusée : la réponse de la clé est illisible.")
    return data


def register(
    request: HttpRequest, user: User, credential: str | dict[str, Any], name: str
) -> SecurityKey:
    challenge = request.session.pop(_REG_CHALLENGE, None)
    if challenge is None:
        raise KeyRejected("Aucune demande d'enregistrement en cours : recommencez.")
    try:
        verified = verify_registration_response(
            credential=_credential(credential),
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id(request),
            expected_origin=origin(request),
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise KeyRejected(f"Clé refusée : {exc}") from exc
    key = SecurityKey.objects.create(
        user=user,
        name=name[:60] or "Clé de sécurité",
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )
    record_event("accounts:factor:enrol", actor=user, data={"method": "webauthn", "key": key.name})
    return key


def authentication_options(request: HttpRequest, user: User) -> str:
    options = generate_authentication_options(
        rp_id=rp_id(request),
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    request.session[_AUTH_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def authenticate(request: HttpRequest, user: User, credential: str | dict[str, Any]) -> SecurityKey:
    challenge = request.session.pop(_AUTH_CHALLENGE, None)
    if challenge is None:
        raise KeyRejected("Aucune demande de vérification en cours : recommencez.")
    try:
        data = _credential(credential)
        key = SecurityKey.objects.get(user=user, credential_id=str(data["id"]))
        verified = verify_authentication_response(
            credential=data,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id(request),
            expected_origin=origin(request),
            credential_public_key=bytes(key.public_key),
            credential_current_sign_count=key.sign_count,
        )
    except SecurityKey.DoesNotExist as exc:
        raise KeyRejected("Cette clé n'est pas enregistrée sur votre compte.") from exc
    except (WebAuthnException, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise KeyRejected(f"Clé refusée : {exc}") from exc
    key.sign_count = verified.new_sign_count
    key.last_used_at = timezone.now()
    key.save(update_fields=["sign_count", "last_used_at"])
    return key
