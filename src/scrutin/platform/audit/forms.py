"""Filters of the journal pages."""

from __future__ import annotations

from django import forms

from .events import catalogue


def _event_choices() -> list[tuple[str, str]]:
    return [("", "Tous les événements")] + [(e.id, e.id) for e in catalogue().values()]


class JournalFilterForm(forms.Form):
    event = forms.ChoiceField(label="Événement", required=False, choices=_event_choices)
    date_from = forms.DateField(label="Du (inclus)", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    date_to = forms.DateField(label="Au (inclus)", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    cci = forms.RegexField(label="Code CCI", regex=r"^[0-9A-Z]{2,3}$", required=False, max_length=3,
                           error_messages={"invalid": "Un code CCI a deux ou trois caractères (chiffres ou lettres majuscules)."})  # fmt: skip
    actor = forms.CharField(label="Acteur (identifiant)", required=False, max_length=254)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("La date de début est postérieure à la date de fin.")
        return data
