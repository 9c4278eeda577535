"""Dispatch choices and BAT decisions of a CCI (CCTP 5.2.2, 5.2.2.1, 5.2.2.2).

Rules (docs/material-platform.md):
* the COE of a CCI chooses its dispatch settings; every change is journaled with the old and
  new values; they are frozen once the COE approved its BAT, until the BAT is reopened;
* the COE approves the proof it saw (bound to the fingerprint of the letter's content) or refuses
  it with a reason; reopening an approved BAT needs a reason and clears both approvals;
* CCI France approves the BAT général for every CCI whose COE approved (per CCI, so that one
  late COE does not hold the others back), or refuses one CCI's BAT with a reason (the COE then
  corrects and approves again).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from ..audit.journal import record_event
from .content import MaterialError, content_fingerprint, letter_content
from .models import Bat, BatDecision, DispatchSettings

SETTINGS_FIELDS = ("mode", "batch_size", "reroute_address", "return_address", "electronic")
REASON_MAX = 500


def display_name(user: Any) -> str:
    if user is None:
        return "ligne de commande"
    return str(user.get_full_name() or user.get_username())


def bat_of(cci_code: str) -> Bat:
    """The CCI's BAT (a pending one, not saved, when nothing was decided yet)."""
    return Bat.objects.filter(cci_code=cci_code).first() or Bat(cci_code=cci_code)


def _locked_bat(cci_code: str) -> Bat:
    Bat.objects.get_or_create(cci_code=cci_code)
    return Bat.objects.select_for_update().get(cci_code=cci_code)


def _reason(reason: str, what: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise MaterialError(f"Indiquez le motif {what}.")
    if len(reason) > REASON_MAX:
        raise MaterialError(f"Le motif {what} dépasse {REASON_MAX} caractères.")
    return reason


def _values(row: DispatchSettings) -> dict[str, Any]:
    return {name: getattr(row, name) for name in SETTINGS_FIELDS}


def _shown(name: str, value: Any) -> Any:
    """A settings value as the journal page shows it to a reader (French, no internal code)."""
    if name == "mode":
        return str(DispatchSettings.Mode(value).label)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str):
        return " / ".join(DispatchSettings.lines(value)) or "(vide)"
    return value


def _change(name: str, old: Any, new: Any) -> dict[str, Any]:
    field = DispatchSettings._meta.get_field(name)
    label = str(getattr(field, "verbose_name", name))
    return {"choix": label, "avant": _shown(name, old), "après": _shown(name, new)}


@transaction.atomic
def update_settings(cci_code: str, values: dict[str, Any], *, user: Any) -> DispatchSettings:
    """Save the COE's dispatch choices; refused while its BAT approval stands."""
    bat = _locked_bat(cci_code)
    if bat.locked:
        raise MaterialError(
            "Le BAT de cette CCI est validé : les choix d'expédition ne peuvent plus changer. "
            "Rouvrez le BAT (avec un motif) pour les modifier."
        )
    row, created = DispatchSettings.objects.get_or_create(cci_code=cci_code)
    before = _values(row)
    for name in SETTINGS_FIELDS:
        setattr(row, name, values[name])
    after = _values(row)
    changes = [_change(k, before[k], after[k]) for k in SETTINGS_FIELDS
               if before[k] != after[k] or created]  # fmt: skip
    if not changes:
        return row
    row.updated_by, row.updated_at = user, timezone.now()
    row.save()
    record_event("material:settings:update", actor=user, cci_code=cci_code,
                 data={"changes": changes, "first": created})  # fmt: skip
    return row


def _decide(bat: Bat, level: str, action: str, *, user: Any, reason: str = "") -> None:
    BatDecision.objects.create(cci_code=bat.cci_code, level=level, action=action, reason=reason,
                               content_sha256=bat.content_sha256, by=user)  # fmt: skip


@transaction.atomic
def approve_coe(cci_code: str, *, user: Any, seen_sha256: str) -> Bat:
    """The COE approves the proof whose content fingerprint it saw (``seen_sha256``)."""
    bat = _locked_bat(cci_code)
    if bat.coe_approved:
        raise MaterialError("Le BAT de cette CCI est déjà validé.")
    current = content_fingerprint(letter_content(cci_code))
    if seen_sha256 != current:
        raise MaterialError(
            "Le courrier a changé depuis l'affichage de l'épreuve : ouvrez la nouvelle épreuve "
            "et vérifiez-la avant de valider."
        )
    bat.coe_status, bat.coe_reason = Bat.Status.APPROVED, ""
    bat.coe_by, bat.coe_at, bat.content_sha256 = display_name(user), timezone.now(), current
    bat.national_by, bat.national_at = "", None
    bat.save()
    _decide(bat, BatDecision.Level.COE, BatDecision.Action.APPROVE, user=user)
    record_event("material:bat:approve", actor=user, cci_code=cci_code,
                 data={"content_sha256": current})  # fmt: skip
    return bat


@transaction.atomic
def refuse_coe(cci_code: str, *, user: Any, reason: str) -> Bat:
    """The COE refuses its proof; the reason is required and shown on the BAT pages."""
    reason = _reason(reason, "du refus")
    bat = _locked_bat(cci_code)
    if bat.coe_approved:
        raise MaterialError("Le BAT de cette CCI est validé : rouvrez-le avant de le refuser.")
    bat.coe_status, bat.coe_reason = Bat.Status.REFUSED, reason
    bat.coe_by, bat.coe_at, bat.content_sha256 = display_name(user), timezone.now(), ""
    bat.save()
    _decide(bat, BatDecision.Level.COE, BatDecision.Action.REFUSE, user=user, reason=reason)
    record_event("material:bat:refuse", actor=user, cci_code=cci_code, data={"reason": reason})
    return bat


@transaction.atomic
def reopen(cci_code: str, *, user: Any, reason: str) -> Bat:
    """Reopen an approved BAT: both approvals are cleared, the settings can change again."""
    reason = _reason(reason, "de la réouverture")
    bat = _locked_bat(cci_code)
    if not bat.coe_approved:
        raise MaterialError("Le BAT de cette CCI n'est pas validé : il n'y a rien à rouvrir.")
    previous = {"coe_by": bat.coe_by, "national_by": bat.national_by or None,
                "content_sha256": bat.content_sha256}  # fmt: skip
    _decide(bat, BatDecision.Level.COE, BatDecision.Action.REOPEN, user=user, reason=reason)
    bat.coe_status, bat.coe_reason, bat.coe_by, bat.coe_at = Bat.Status.PENDING, "", "", None
    bat.content_sha256, bat.national_by, bat.national_at = "", "", None
    bat.save()
    record_event("material:bat:reopen", actor=user, cci_code=cci_code,
                 data={"reason": reason, "previous": previous})  # fmt: skip
    return bat


def national_pending() -> list[Bat]:
    """BATs approved by their COE and waiting for CCI France."""
    return list(Bat.objects.filter(coe_status=Bat.Status.APPROVED, national_at=None)
                .order_by("cci_code"))  # fmt: skip


@transaction.atomic
def approve_national(cci_codes: list[str], *, user: Any) -> tuple[list[str], list[str]]:
    """CCI France approves the BAT général of these CCIs. Returns (approved codes, French
    refusals): a CCI whose COE has not approved, or whose letter changed since, is refused."""
    approved, refused = [], []
    for code in sorted(set(cci_codes)):
        bat = _locked_bat(code)
        if not bat.coe_approved:
            refused.append(f"CCI {code} : la COE n'a pas validé son BAT.")
            continue
        if bat.national_at is not None:
            continue
        try:
            current = content_fingerprint(letter_content(code))
        except MaterialError as exc:
            refused.append(f"CCI {code} : {exc}")
            continue
        if current != bat.content_sha256:
            refused.append(f"CCI {code} : le courrier a changé depuis la validation de la COE ; "
                           "elle doit rouvrir et valider à nouveau son BAT.")  # fmt: skip
            continue
        bat.national_by, bat.national_at = display_name(user), timezone.now()
        bat.save()
        _decide(bat, BatDecision.Level.NATIONAL, BatDecision.Action.APPROVE, user=user)
        record_event("material:national:approve", actor=user, cci_code=code,
                     data={"content_sha256": current, "coe_by": bat.coe_by})  # fmt: skip
        approved.append(code)
    return approved, refused


@transaction.atomic
def refuse_national(cci_code: str, *, user: Any, reason: str) -> Bat:
    """CCI France refuses a CCI's BAT: the COE's approval is cleared, with CCI France's reason."""
    reason = _reason(reason, "du refus")
    bat = _locked_bat(cci_code)
    if not bat.coe_approved:
        raise MaterialError(f"CCI {cci_code} : la COE n'a pas validé son BAT.")
    previous = bat.content_sha256
    bat.coe_status, bat.coe_reason = Bat.Status.REFUSED, f"Refusé par CCI France : {reason}"
    bat.coe_by, bat.coe_at = display_name(user), timezone.now()
    bat.content_sha256, bat.national_by, bat.national_at = "", "", None
    bat.save()
    _decide(bat, BatDecision.Level.NATIONAL, BatDecision.Action.REFUSE, user=user, reason=reason)
    record_event("material:national:refuse", actor=user, cci_code=cci_code,
                 data={"reason": reason, "content_sha256": previous})  # fmt: skip
    return bat
