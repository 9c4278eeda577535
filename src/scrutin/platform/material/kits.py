"""Issuing the signed letter kit of a CCI for the dispatch operator (contract C1, CCTP 5.2.2).

The kit is issued only when the COE's BAT and CCI France's BAT général are both approved and the
letter's content is still the one they approved. It is signed with the platform key; the
operator's ``scrutin material letters`` checks the signature and both approvals before printing.

Contract C6: every issued kit is recorded (:class:`~.models.IssuedKit`, with the numbers it
names); the latest main kit freezes the CCI's e-mail set (:mod:`.emailset`). Issuing a main kit
again with a different e-mail set is refused unless confirmed (letters may already be printed
from the previous one), and journaled with what changed. A supplementary kit prints letters for
the electors of the e-mail set whose address failed since.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from django.db import transaction
from django.utils import timezone

from scrutin.crypto.signing import sign_document
from scrutin.material.kit import KitError, LetterKit

from ..audit.journal import record_event
from ..credentials.services import active_recipient
from ..keys import platform_public_key_hex, platform_signing_key
from . import emailset
from .channels import electronic_numbers
from .content import MaterialError, content_fingerprint, letter_content
from .models import IssuedKit
from .services import bat_of

KIT_FORMAT = "scrutin-letter-kit/v1"


def _iso_utc(moment: Any) -> str:
    return str(moment.astimezone(UTC).isoformat(timespec="seconds")).replace("+00:00", "Z")


class KitChange(MaterialError):
    """Issuing the main kit again would change the e-mail set: confirmation needed (French)."""


def _validate(kit: dict[str, Any]) -> LetterKit:
    """Check the document with the letters' own strict parser (``scrutin.material.kit``)."""
    try:
        return LetterKit.from_document(kit)
    except KitError as exc:
        raise MaterialError(f"Le kit ne peut pas être produit : {exc}") from exc


def kit_document(cci_code: str, *, supplement: tuple[str, list[str]] | None = None
                 ) -> dict[str, Any]:  # fmt: skip
    """The KIT of contract C1 for ``cci_code``; :class:`MaterialError` (French) when refused.
    ``supplement`` (main kit fingerprint, letters) makes a supplementary kit (contract C6)."""
    bat = bat_of(cci_code)
    if not bat.coe_approved:
        raise MaterialError(f"CCI {cci_code} : la COE n'a pas encore validé son BAT.")
    if bat.national_at is None or bat.coe_at is None:
        raise MaterialError(f"CCI {cci_code} : CCI France n'a pas encore validé le BAT général.")
    content = letter_content(cci_code)
    if content_fingerprint(content) != bat.content_sha256:
        raise MaterialError(
            f"CCI {cci_code} : le courrier a changé depuis la validation du BAT (logo, dates, "
            "assistance ou adresse). Le BAT doit être rouvert puis validé à nouveau."
        )
    recipient = active_recipient()
    if recipient is None:
        raise MaterialError("Aucune clé de l'opérateur d'expédition n'est enregistrée.")
    electronic = [] if supplement else sorted(electronic_numbers(cci_code))
    extra = {} if supplement is None else {
        "supplement": {"of": supplement[0], "letters": sorted(supplement[1])}}  # fmt: skip
    kit = {
        "format": KIT_FORMAT,
        "issued_at": _iso_utc(timezone.now()),
        **{k: content[k] for k in ("cci", "voting_url", "opening", "closing", "support",
                                   "dispatch")},
        "electronic": electronic,
        "bat": {"coe": {"by": bat.coe_by, "at": _iso_utc(bat.coe_at)},
                "national": {"by": bat.national_by, "at": _iso_utc(bat.national_at)}},
        "recipient_fingerprint": recipient.fingerprint,
        **extra,
    }  # fmt: skip
    _validate(kit)
    return kit


def _signed(kit: dict[str, Any]) -> tuple[bytes, str]:
    signed = {"kit": kit, "signature": sign_document(platform_signing_key(), kit),
              "public_key": platform_public_key_hex()}  # fmt: skip
    body = json.dumps(signed, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    return body, hashlib.sha256(body).hexdigest()


def change_warning(cci_code: str, added: int, removed: int, previous: IssuedKit) -> str:
    """The French warning shown before a main kit changes the e-mail set of the previous one."""
    issued = timezone.localtime(previous.issued_at).strftime("%d/%m/%Y à %H:%M")
    return (
        f"CCI {cci_code} : un kit a déjà été délivré le {issued}, et l'opérateur a pu imprimer "
        "les courriers avec lui. Le nouveau kit change la liste des électeurs servis par "
        f"courriel : {removed} en sortent (si les courriers sont déjà imprimés, ils n'en ont "
        f"pas : délivrez plutôt un kit complémentaire) et {added} y entrent (ils recevraient "
        "un courriel en plus du courrier déjà imprimé, dont le code ne fonctionnerait plus). "
        "Ne délivrez ce nouveau kit que si l'opérateur n'a rien imprimé avec le précédent."
    )


@transaction.atomic
def issue_kit(cci_code: str, *, user: Any, confirm: bool = False) -> tuple[str, bytes]:
    """(file name, bytes) of ``kit-<CCI>.json``, signed, recorded and journaled with its SHA-256.
    Raises :class:`KitChange` when a main kit was already issued with another e-mail set and
    ``confirm`` is false; when confirmed, the change is journaled (``material:kit:reissue``)."""
    kit = kit_document(cci_code)
    checked = _validate(kit)
    previous = emailset.latest_main(cci_code)
    data: dict[str, Any] = {}
    if previous is not None:
        before = emailset.numbers_of(previous)
        added, removed = len(checked.electronic - before), len(before - checked.electronic)
        data["previous_sha256"] = previous.sha256
        if added or removed:
            if not confirm:
                raise KitChange(change_warning(cci_code, added, removed, previous))
            record_event("material:kit:reissue", actor=user, cci_code=cci_code, data={
                "previous_sha256": previous.sha256, "added": added, "removed": removed})  # fmt: skip
    body, digest = _signed(kit)
    emailset.record(cci_code, IssuedKit.Kind.MAIN, sha256=digest, fingerprint=checked.fingerprint,
                    numbers=checked.electronic, user=user)  # fmt: skip
    record_event("material:kit:issue", actor=user, cci_code=cci_code, data={
        "sha256": digest, "electronic": len(kit["electronic"]),
        "recipient_fingerprint": kit["recipient_fingerprint"], "mode": kit["dispatch"]["mode"],
        **data,
    })  # fmt: skip
    return f"kit-{cci_code}.json", body


@transaction.atomic
def issue_supplement(cci_code: str, *, user: Any) -> tuple[str, bytes]:
    """(file name, bytes) of the supplementary kit that prints letters for the stranded
    electors of the CCI (contract C6), recorded and journaled (``material:kit:supplement``).
    :class:`MaterialError` (French) without a main kit or without a stranded elector."""
    main = emailset.latest_main(cci_code)
    if main is None:
        raise MaterialError(
            f"CCI {cci_code} : aucun kit principal n'a été délivré ; délivrez-le d'abord."
        )
    letters = list(emailset.stranded(cci_code).values_list("number", flat=True))
    if not letters:
        raise MaterialError(
            f"CCI {cci_code} : aucun électeur servi par courriel n'a d'adresse en échec depuis "
            "le kit : il n'y a pas de courrier complémentaire à imprimer."
        )
    kit = kit_document(cci_code, supplement=(main.fingerprint, letters))
    checked = _validate(kit)
    body, digest = _signed(kit)
    row = emailset.record(cci_code, IssuedKit.Kind.SUPPLEMENT, sha256=digest,
                          fingerprint=checked.fingerprint, numbers=letters, user=user)  # fmt: skip
    record_event("material:kit:supplement", actor=user, cci_code=cci_code, data={
        "sha256": digest, "letters": len(letters), "numbers": sorted(letters)[:1000],
        "main_sha256": main.sha256, "recipient_fingerprint": kit["recipient_fingerprint"],
    })  # fmt: skip
    return f"kit-complementaire-{cci_code}-{row.pk}.json", body
