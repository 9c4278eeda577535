"""Filters of the journal pages."""

from __future__ import annotations

from django import forms

from .events import catalogue


def _event_choices() -> list[tuple[str, object]]:
    """Grouped by type (« Action administrative », « Déroulement du scrutin »), each event by
    its French label (its id stays the submitted value)."""
    kinds = {"administrative": "Actions administratives", "voting-phase": "Déroulement du scrutin"}
    groups: dict[str, list[tuple[str, str]]] = {}
    for e in catalogue().values():
        groups.setdefault(e.type, []).append((e.id, e.label))
    return [("", "Tous les événements")] + [
        (kinds[kind], sorted(items, key=lambda item: item[1])) for kind, items in groups.items()
    ]


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
