"""The letter kit: what the platform tells the dispatch operator about one CCI's letters.

Contract C1 (issue 14, CCTP 5.2.2): the platform issues ``kit-<CCI>.json`` once the COE's BAT and
CCI France's national BAT are approved; the operator's ``scrutin material letters`` reads it,
checks the platform's Ed25519 signature and refuses a kit without both approvals. The file is::

    {"kit": KIT, "signature": hex Ed25519 over canonical_json(KIT), "public_key": hex}

Parsing is strict: any missing or malformed field raises :class:`KitError` with a French message
naming the field, because an operator who receives a wrong kit must know what to ask for.

A *supplementary kit* (kit complémentaire, contract C6) carries the optional field
``"supplement": {"of": <fingerprint of the main kit>, "letters": [identifiers]}`` and an empty
``electronic`` list: the operator prints letters for exactly those identifiers and nobody else
(electors of the main kit's e-mail set whose address failed after the main kit was issued).
Framework-free (no Django): this module runs on the operator's machine.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

from scrutin.crypto.encoding import canonical_json

KIT_FORMAT = "scrutin-letter-kit/v1"
MODES = ("reroute", "direct")
BATCH_MIN, BATCH_MAX = 50, 10_000
ADDRESS_LINES = 6
POSTAL_LINE = 38  # NF Z 10-011: at most 38 characters per address line
HEADER_LINE = 60  # the CCI's own address printed in the letterhead
LOGO_MAX_BYTES = 2_000_000
KIT_MAX_BYTES = 64 * 1024 * 1024  # 2 million identifiers in "electronic" take about 34 MB
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CCI_CODE = re.compile(r"[0-9A-Z]{1,3}")
_IDENTIFIER = re.compile(r"[0-9A-Za-z]{1,20}")


class KitError(ValueError):
    """The kit is unusable; the message (French) names the field and what is wrong."""


@dataclass(frozen=True)
class Approval:
    by: str
    at: datetime


@dataclass(frozen=True)
class Support:
    phone: str
    email: str
    message: str


@dataclass(frozen=True)
class Dispatch:
    mode: str  # "reroute" (CCTP 5.2.2.1) or "direct" (CCTP 5.2.2.2)
    batch_size: int
    reroute_address: tuple[str, ...] | None


@dataclass(frozen=True)
class LetterKit:
    """One CCI's letter kit, parsed and checked (times are timezone-aware)."""

    issued_at: datetime
    cci_code: str
    cci_label: str
    cci_address: tuple[str, ...]
    logo_png: bytes | None
    voting_url: str
    opening: datetime
    closing: datetime
    support: Support
    dispatch: Dispatch
    electronic: frozenset[str]
    coe_approval: Approval | None
    national_approval: Approval | None
    recipient_fingerprint: str
    fingerprint: str  # SHA-256 of canonical_json(KIT)
    supplement_of: str | None = None  # fingerprint of the main kit a supplementary kit completes
    letters: frozenset[str] | None = None  # a supplementary kit prints exactly these

    @property
    def approved(self) -> bool:
        return self.coe_approval is not None and self.national_approval is not None

    @property
    def is_supplement(self) -> bool:
        return self.letters is not None

    def prints(self, identifier: str) -> bool:
        """Whether a letter is printed for ``identifier``: a supplementary kit names its letters;
        a main kit prints for everyone outside its e-mail set (contract C6)."""
        if self.letters is not None:
            return identifier in self.letters
        return identifier not in self.electronic

    @classmethod
    def from_document(cls, doc: object) -> LetterKit:
        """Parse KIT (the inner document of C1); :class:`KitError` on the first bad field."""
        kit = _mapping(doc, "kit")
        if kit.get("format") != KIT_FORMAT:
            raise KitError(f"Champ « format » : {KIT_FORMAT} attendu, reçu {kit.get('format')!r}.")
        cci = _mapping(kit.get("cci"), "cci")
        code = _text(cci.get("code"), "cci.code", 3)
        if not _CCI_CODE.fullmatch(code):
            raise KitError(f"Champ « cci.code » : code de CCI invalide ({code!r}).")
        support = _mapping(kit.get("support"), "support")
        dispatch = _mapping(kit.get("dispatch"), "dispatch")
        opening = _moment(kit.get("opening"), "opening")
        closing = _moment(kit.get("closing"), "closing")
        if closing <= opening:
            raise KitError(
                "Champs « opening » et « closing » : la clôture doit suivre l'ouverture."
            )
        bat = _mapping(kit.get("bat"), "bat")
        electronic = _electronic(kit.get("electronic"))
        supplement_of, letters = _supplement(kit.get("supplement"), electronic)
        fingerprint = kit.get("recipient_fingerprint")
        if not isinstance(fingerprint, str) or not _HEX64.fullmatch(fingerprint):
            raise KitError(
                "Champ « recipient_fingerprint » : empreinte SHA-256 (64 caractères hexadécimaux "
                "minuscules) de la clé de l'opérateur attendue."
            )
        return cls(
            issued_at=_moment(kit.get("issued_at"), "issued_at"),
            cci_code=code,
            cci_label=_text(cci.get("label"), "cci.label", 200),
            cci_address=_lines(cci.get("address"), "cci.address", HEADER_LINE),
            logo_png=_logo(cci.get("logo_png")),
            voting_url=_url(kit.get("voting_url")),
            opening=opening,
            closing=closing,
            support=Support(
                phone=_text(support.get("phone"), "support.phone", 40, empty=True),
                email=_text(support.get("email"), "support.email", 254, empty=True),
                message=_text(support.get("message"), "support.message", 600, empty=True),
            ),
            dispatch=_dispatch(dispatch),
            electronic=electronic,
            coe_approval=_approval(bat, "coe"),
            national_approval=_approval(bat, "national"),
            recipient_fingerprint=fingerprint,
            fingerprint=hashlib.sha256(canonical_json(kit)).hexdigest(),
            supplement_of=supplement_of,
            letters=letters,
        )


def kit_document(
    *, cci_code: str, cci_label: str, cci_address: Sequence[str], voting_url: str,
    opening: datetime, closing: datetime, support: Mapping[str, str], mode: str,
    batch_size: int, recipient_fingerprint: str, issued_at: datetime,
    reroute_address: Sequence[str] | None = None, logo_png: bytes | None = None,
    electronic: Sequence[str] = (), coe: tuple[str, datetime] | None = None,
    national: tuple[str, datetime] | None = None,
    supplement: tuple[str, Sequence[str]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Build KIT from plain values (tests, demo, the platform's issuer); check it before use.
    ``supplement``: (fingerprint of the main kit, identifiers to print) for a supplementary kit."""

    def approval(value: tuple[str, datetime] | None) -> dict[str, str] | None:
        return None if value is None else {"by": value[0], "at": value[1].isoformat()}

    extra = {} if supplement is None else {
        "supplement": {"of": supplement[0], "letters": sorted(supplement[1])}}  # fmt: skip
    return {
        "format": KIT_FORMAT,
        "issued_at": issued_at.isoformat(),
        "cci": {"code": cci_code, "label": cci_label, "address": list(cci_address),
                "logo_png": base64.b64encode(logo_png).decode("ascii") if logo_png else None},
        "voting_url": voting_url,
        "opening": opening.isoformat(),
        "closing": closing.isoformat(),
        "support": {k: support.get(k, "") for k in ("phone", "email", "message")},
        "dispatch": {"mode": mode, "batch_size": batch_size,
                     "reroute_address": list(reroute_address) if reroute_address else None},
        "electronic": sorted(electronic),
        "bat": {"coe": approval(coe), "national": approval(national)},
        "recipient_fingerprint": recipient_fingerprint,
        **extra,
    }  # fmt: skip


def sign_kit(kit: dict[str, Any], key: nacl.signing.SigningKey) -> dict[str, Any]:
    """The C1 file content for ``kit`` signed with ``key`` (the platform's key on the platform)."""
    signature = bytes(key.sign(canonical_json(kit)).signature).hex()
    return {"kit": kit, "signature": signature, "public_key": bytes(key.verify_key).hex()}


def read_kit(path: Path, expected_public_key_hex: str | None) -> LetterKit:
    """Read ``kit-<CCI>.json``: signature checked (against ``expected_public_key_hex`` when given,
    which the operator should always do), both BAT approvals required (CCTP 5.2.2)."""
    try:
        if path.stat().st_size > KIT_MAX_BYTES:
            raise KitError(f"Le kit {path.name} est trop volumineux pour être un kit de courriers.")
        signed = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise KitError(f"Le kit {path} est illisible : {exc.strerror or exc}.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KitError(f"Le kit {path.name} n'est pas un fichier JSON valide.") from exc
    return check_signed(signed, expected_public_key_hex)


def check_signed(signed: object, expected_public_key_hex: str | None) -> LetterKit:
    envelope = _mapping(signed, "fichier du kit")
    kit = envelope.get("kit")
    public_hex = envelope.get("public_key")
    signature_hex = envelope.get("signature")
    if not isinstance(public_hex, str) or not isinstance(signature_hex, str):
        raise KitError("Champs « signature » et « public_key » : absents ou invalides.")
    if (
        expected_public_key_hex is not None
        and public_hex.lower() != expected_public_key_hex.lower()
    ):
        raise KitError(
            "Champ « public_key » : le kit n'est pas signé par la clé de la plate-forme attendue."
        )
    if not isinstance(kit, dict):
        raise KitError("Champ « kit » : objet attendu.")
    try:
        key = nacl.signing.VerifyKey(bytes.fromhex(public_hex))
        key.verify(canonical_json(kit), bytes.fromhex(signature_hex))
    except (ValueError, TypeError, nacl.exceptions.BadSignatureError) as exc:
        raise KitError(
            "Champ « signature » : la signature du kit ne correspond pas à son contenu "
            "(kit modifié ou mal transmis). Demandez un nouveau kit à la plate-forme."
        ) from exc
    letter_kit = LetterKit.from_document(kit)
    if letter_kit.coe_approval is None:
        raise KitError(f"CCI {letter_kit.cci_code} : le BAT de la COE n'est pas validé.")
    if letter_kit.national_approval is None:
        raise KitError(
            f"CCI {letter_kit.cci_code} : le BAT général de CCI France n'est pas validé."
        )
    return letter_kit


# --- field checks ---------------------------------------------------------------------------


def _mapping(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise KitError(f"Champ « {field} » : objet attendu.")
    return value


def _text(value: object, field: str, limit: int, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise KitError(f"Champ « {field} » : texte attendu.")
    value = value.strip()
    if not value and not empty:
        raise KitError(f"Champ « {field} » : ne doit pas être vide.")
    if len(value) > limit:
        raise KitError(f"Champ « {field} » : {len(value)} caractères, {limit} au plus.")
    if any(ord(c) < 32 for c in value):
        raise KitError(f"Champ « {field} » : caractère de contrôle interdit.")
    return value


def _lines(value: object, field: str, width: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise KitError(f"Champ « {field} » : liste de lignes attendue (1 à {ADDRESS_LINES}).")
    if len(value) > ADDRESS_LINES:
        raise KitError(f"Champ « {field} » : {len(value)} lignes, {ADDRESS_LINES} au plus.")
    return tuple(_text(line, f"{field}, ligne {i}", width) for i, line in enumerate(value, 1))


def _moment(value: object, field: str) -> datetime:
    if not isinstance(value, str):
        raise KitError(f"Champ « {field} » : date et heure ISO 8601 attendues.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise KitError(f"Champ « {field} » : date et heure illisibles ({value!r}).") from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise KitError(f"Champ « {field} » : le décalage horaire manque ({value!r}).")
    return moment


def _url(value: object) -> str:
    url = _text(value, "voting_url", 300)
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
        raise KitError(f"Champ « voting_url » : adresse web invalide ({url!r}).")
    return url


def _logo(value: object) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > LOGO_MAX_BYTES * 4 // 3 + 4:
        raise KitError("Champ « cci.logo_png » : image PNG en base64 (2 Mo au plus) attendue.")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KitError("Champ « cci.logo_png » : base64 invalide.") from exc
    if not data.startswith(PNG_MAGIC):
        raise KitError("Champ « cci.logo_png » : ce n'est pas une image PNG.")
    return data


def _dispatch(dispatch: dict[str, Any]) -> Dispatch:
    mode = dispatch.get("mode")
    if mode not in MODES:
        raise KitError(
            f"Champ « dispatch.mode » : « reroute » ou « direct » attendu, reçu {mode!r}."
        )
    size = dispatch.get("batch_size")
    if not isinstance(size, int) or isinstance(size, bool) or not BATCH_MIN <= size <= BATCH_MAX:
        raise KitError(
            f"Champ « dispatch.batch_size » : nombre entier de {BATCH_MIN} à {BATCH_MAX} attendu."
        )
    raw = dispatch.get("reroute_address")
    address = None if raw is None else _lines(raw, "dispatch.reroute_address", POSTAL_LINE)
    if mode == "reroute" and address is None:
        raise KitError(
            "Champ « dispatch.reroute_address » : l'adresse de la COE est obligatoire quand elle "
            "re-route elle-même les courriers."
        )
    return Dispatch(mode=str(mode), batch_size=size, reroute_address=address)


def _electronic(value: object) -> frozenset[str]:
    if not isinstance(value, list):
        raise KitError("Champ « electronic » : liste d'identifiants attendue.")
    for i, item in enumerate(value, 1):
        if not isinstance(item, str) or not _IDENTIFIER.fullmatch(item):
            raise KitError(f"Champ « electronic », élément {i} : identifiant invalide ({item!r}).")
    return frozenset(value)


def _supplement(
    value: object, electronic: frozenset[str]
) -> tuple[str | None, frozenset[str] | None]:
    """The optional ``supplement`` of a supplementary kit (contract C6): absent or null for a
    main kit; otherwise exactly ``of`` (the main kit's fingerprint) and ``letters`` (at least one
    identifier, no repeat), and the kit's ``electronic`` list must be empty."""
    if value is None:
        return None, None
    supplement = _mapping(value, "supplement")
    if set(supplement) != {"of", "letters"}:
        raise KitError("Champ « supplement » : exactement « of » et « letters » attendus.")
    of = supplement["of"]
    if not isinstance(of, str) or not _HEX64.fullmatch(of):
        raise KitError(
            "Champ « supplement.of » : empreinte SHA-256 (64 caractères hexadécimaux minuscules) "
            "du kit principal attendue."
        )
    raw = supplement["letters"]
    if not isinstance(raw, list) or not raw:
        raise KitError("Champ « supplement.letters » : liste non vide d'identifiants attendue.")
    for i, item in enumerate(raw, 1):
        if not isinstance(item, str) or not _IDENTIFIER.fullmatch(item):
            raise KitError(
                f"Champ « supplement.letters », élément {i} : identifiant invalide ({item!r})."
            )
    letters = frozenset(raw)
    if len(letters) != len(raw):
        raise KitError("Champ « supplement.letters » : un identifiant y figure deux fois.")
    if electronic:
        raise KitError(
            "Champ « electronic » : doit être vide dans un kit complémentaire (champ « supplement »)."
        )
    return of, letters


def _approval(bat: dict[str, Any], who: str) -> Approval | None:
    raw = bat.get(who)
    if raw is None:
        return None
    approval = _mapping(raw, f"bat.{who}")
    return Approval(
        by=_text(approval.get("by"), f"bat.{who}.by", 150),
        at=_moment(approval.get("at"), f"bat.{who}.at"),
    )
