"""French wording of SMTP replies and delivery-status codes (RFC 5321 reply codes, RFC 3463
enhanced status codes) for the COE's list of rejected addresses: the server's own text, often in
English, is kept out of what a COE reads."""

from __future__ import annotations

import re

from ..environment import REFUSED_MAIL

_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")

# RFC 3463 subject.detail → French
_DETAILS = {
    "1.0": "adresse du destinataire refusée",
    "1.1": "adresse inexistante : la boîte aux lettres n'existe pas",
    "1.2": "domaine de l'adresse inexistant",
    "1.3": "adresse mal écrite",
    "1.6": "la boîte aux lettres a changé d'adresse",
    "1.10": "le domaine n'accepte aucun courriel",
    "2.0": "boîte aux lettres indisponible",
    "2.1": "boîte aux lettres désactivée",
    "2.2": "boîte aux lettres pleine",
    "2.3": "message trop volumineux pour cette boîte",
    "3.0": "serveur du destinataire en difficulté",
    "4.0": "serveur du destinataire injoignable",
    "4.1": "serveur du destinataire sans réponse",
    "4.4": "serveur du destinataire introuvable",
    "4.7": "délai de remise dépassé",
    "7.0": "message refusé par le serveur du destinataire (sécurité ou filtrage)",
    "7.1": "envoi refusé par le serveur du destinataire",
    "7.26": "message refusé : authentification de l'expéditeur non reconnue",
}


def enhanced_code(text: str) -> str:
    """The first RFC 3463 code (e.g. "5.1.1") in a reply or a DSN field, or ""."""
    match = _ENHANCED.search(text or "")
    return ".".join(match.groups()) if match else ""


def describe(code: int | None, text: str = "") -> str:
    """French diagnostic of a reply code and its text: 'Adresse inexistante … (code 5.1.1)'.
    A test instance's own refusal (mailing/testguard.py) is shown as it is written."""
    if REFUSED_MAIL in (text or ""):
        return f"{REFUSED_MAIL}."
    enhanced = enhanced_code(text)
    detail = _DETAILS.get(".".join(enhanced.split(".")[1:])) if enhanced else None
    permanent = (code or 0) >= 500 or enhanced.startswith("5")
    if detail is None:
        if permanent:
            detail = "adresse refusée définitivement par le serveur du destinataire"
        elif code is None and not enhanced:
            detail = "le serveur de messagerie n'a pas pu être joint"
        else:
            detail = "refus temporaire du serveur du destinataire"
    shown = enhanced or (str(code) if code else "")
    return detail[0].upper() + detail[1:] + (f" (code {shown})" if shown else "") + "."


def is_permanent(code: int | None, text: str = "") -> bool:
    enhanced = enhanced_code(text)
    if enhanced:
        return enhanced.startswith("5")
    return (code or 0) >= 500
