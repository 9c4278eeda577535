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


class AnnulForm(forms.Form):
    """The annulment of an urn's election, or of every urn of one CCI (electoral.succession)."""

    urns = forms.CharField(label="Urne(s) dont l'élection est annulée", max_length=500,
                           required=False, help_text="Codes séparés par des espaces, ex. 011-C.")  # fmt: skip
    cci = forms.CharField(label="ou toutes les urnes de la CCI", max_length=3, required=False)
    reference = forms.CharField(label="Référence de la décision", max_length=200, required=False,
                                help_text="Exemple : jugement du TA de Lyon n° 2601234 du 12/11/2026.")  # fmt: skip
    reason = forms.CharField(label="Motif", max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    confirm = forms.BooleanField(
        label="Je confirme : l'élection est annulée et une nouvelle élection est créée."
    )


class PartialForm(forms.Form):
    """A partial election in one CCI: the seats to fill, urn by urn."""

    cci = forms.CharField(label="CCI", max_length=3)
    seats = forms.CharField(label="Sièges à pourvoir", max_length=500,
                            help_text="URNE=CCIR:CCIT séparés par des espaces, ex. 011-C=0:2 011-I=1:1.")  # fmt: skip
    reference = forms.CharField(label="Référence de la décision", max_length=200, required=False)
    reason = forms.CharField(label="Motif", max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    confirm = forms.BooleanField(label="Je confirme la création de l'élection partielle.")

    def clean_seats(self) -> dict[str, tuple[int, int]]:
        wanted: dict[str, tuple[int, int]] = {}
        for item in self.cleaned_data["seats"].split():
            code, _, numbers = item.partition("=")
            ccir, _, ccit = numbers.partition(":")
            if not (code and ccir.isdigit() and ccit.isdigit()):
                raise forms.ValidationError(f"« {item} » : écrivez URNE=CCIR:CCIT, ex. 011-C=0:2.")
            wanted[code] = (int(ccir), int(ccit))
        return wanted
