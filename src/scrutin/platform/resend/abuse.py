"""Abuse bounds of the public resend form that never lock out a real elector (docs/resend.md,
"Abuse"): no third-party captcha.

- Every submission carries a proof of work (the voting site's :mod:`..voting.proofofwork` and its
  ``preuve.js``): ``SCRUTIN_RESEND_POW_BITS`` (16: under a second on a phone) plus one bit each
  time the source's submissions of the last hour double past 4; at most 22 bits.
- Per source (the client's address, or its IPv6 /64): ``SCRUTIN_RESEND_PER_SOURCE`` accepted
  requests an hour (20): a family or an office behind one address is far below it.
- Per elector number: ``SCRUTIN_RESEND_PER_NUMBER`` pending requests (3), so that someone who
  files requests in another's name cannot block that person's own.
- Overall: ``SCRUTIN_RESEND_MAX_PENDING`` pending requests (bounds the encrypted documents kept).

Counters live in the cache (Redis in production) under keyed hashes: no address is stored.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from ..voting import proofofwork
from .models import ResendRequest

WINDOW = 3600
MAX_BITS = 22


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _key(source: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:resend-src:{source}".encode()).hexdigest()
    return f"resend:src:{digest[:32]}"


def submissions(source: str) -> int:
    return int(cache.get(_key(source)) or 0)


def bits_for(source: str) -> int:
    base = _setting("SCRUTIN_RESEND_POW_BITS", 16)
    extra = (submissions(source) // 4).bit_length()
    return max(1, min(MAX_BITS, base + extra))


def challenge_for(source: str) -> str:
    return proofofwork.issue(source, bits_for(source))


def proof_refusal(challenge: str, nonce: str, source: str) -> str | None:
    """A French message when the proof is missing, wrong, reused or too easy; None when valid."""
    base = _setting("SCRUTIN_RESEND_POW_BITS", 16)
    parts = challenge.split(".")
    easy = len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < min(base, MAX_BITS)
    if easy or proofofwork.check(challenge, nonce, source) is not None:
        return (
            "Vérification de sécurité : votre appareil n'a pas terminé le court calcul demandé "
            "(il faut que JavaScript soit activé). Joignez à nouveau la pièce d'identité, puis "
            "envoyez la demande."
        )
    return None


def bound_refusal(source: str, number: str) -> str | None:
    if submissions(source) >= _setting("SCRUTIN_RESEND_PER_SOURCE", 20):
        return (
            "Trop de demandes ont été envoyées depuis votre connexion dans la dernière heure. "
            "Réessayez dans une heure, ou appelez l'assistance."
        )
    limit = _setting("SCRUTIN_RESEND_PER_NUMBER", 3)
    if (
        number
        and ResendRequest.objects.filter(
            typed_number=number, status=ResendRequest.Status.PENDING
        ).count()
        >= limit
    ):
        return (
            "Numéro d'électeur : plusieurs demandes pour ce numéro attendent déjà la décision de "
            "la commission. Vous recevrez sa réponse par courriel."
        )
    pending = ResendRequest.objects.filter(status=ResendRequest.Status.PENDING).count()
    if pending >= _setting("SCRUTIN_RESEND_MAX_PENDING", 50000):
        return (
            "Le service de renvoi reçoit trop de demandes en ce moment. Réessayez plus tard ou "
            "appelez l'assistance."
        )
    return None


def record_submission(source: str) -> None:
    key = _key(source)
    cache.add(key, 0, WINDOW)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, WINDOW)
