"""Forms of the sealing pages (French labels)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms

from .services import PARIS, SealingError, check_window


class WindowForm(forms.Form):
    """The opening window, asked only when no national dates are configured (Paris time)."""

    opens_at = forms.DateTimeField(
        label="Ouverture du vote (heure de Paris)", input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    closes_at = forms.DateTimeField(
        label="Clôture du vote (heure de Paris)", input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if isinstance(opens, datetime) and isinstance(closes, datetime):
            opens, closes = _paris(opens), _paris(closes)
            try:
                check_window(opens, closes)
            except SealingError as exc:
                raise forms.ValidationError(str(exc)) from exc
            data["opens_at"], data["closes_at"] = opens, closes
        return data


def _paris(moment: datetime) -> datetime:
    """A datetime-local value is Paris time, whatever the server's zone."""
    return moment.replace(tzinfo=None).replace(tzinfo=PARIS)


class UnsealForm(forms.Form):
    reference = forms.CharField(label="Référence de la décision nationale", max_length=100,
                                help_text="Exemple : décision CCI France n° 2026-14 du 12/10/2026.")  # fmt: skip
    reason = forms.CharField(label="Motif", max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    confirm = forms.BooleanField(
        label="Je confirme le descellement : le vote est interrompu jusqu'au prochain scellement."
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label="Décision et motif de la clôture", max_length=1000,
                             help_text="Exemple : décision de la COE du 12/10/2026, fin du vote.",
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    confirm = forms.BooleanField(
        label="Je confirme la clôture : plus aucun vote ne sera accepté pour cette urne."
    )
