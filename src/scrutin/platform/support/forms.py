"""Forms of the support desk; every error names its field in French."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from .models import ContactLog

FUTURE_TOLERANCE = timedelta(minutes=5)
OLDEST_DAYS = 400


class ContactForm(forms.Form):
    """One contact (CCTP 5.1.3.2.4): requester, channel, day and time, nature."""

    requester_name = forms.CharField(
        label="Nom et prénom du demandeur", max_length=120,
        error_messages={"required": "Indiquez le nom et le prénom du demandeur.",
                        "max_length": "Nom et prénom : 120 caractères au plus."},
    )  # fmt: skip
    channel = forms.ChoiceField(
        label="Canal", choices=ContactLog.Channel.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le canal : téléphone ou courriel.",
                        "invalid_choice": "Canal : choisissez téléphone ou courriel."},
    )  # fmt: skip
    contacted_at = forms.DateTimeField(
        label="Date et heure du contact (heure de Paris)",
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "Indiquez la date et l'heure du contact.",
                        "invalid": "Date et heure du contact : format attendu 31/10/2026 14:30."},
    )  # fmt: skip
    nature = forms.ChoiceField(
        label="Nature de la demande", choices=[("", "— choisir —"), *ContactLog.Nature.choices],
        error_messages={"required": "Choisissez la nature de la demande.",
                        "invalid_choice": "Nature de la demande : choisissez dans la liste."},
    )  # fmt: skip
    details = forms.CharField(
        label="Précisions (facultatif)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Précisions : 2 000 caractères au plus."},
    )  # fmt: skip
    level = forms.TypedChoiceField(
        label="Niveau d'assistance", choices=ContactLog.Level.choices, coerce=int,
        initial=ContactLog.Level.ONE, widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Niveau : choisissez 1 ou 2."},
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "contacted_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_requester_name(self) -> str:
        return " ".join(str(self.cleaned_data["requester_name"]).split())

    def clean_contacted_at(self) -> datetime:
        moment: datetime = self.cleaned_data["contacted_at"]
        now = timezone.now()
        if moment > now + FUTURE_TOLERANCE:
            raise forms.ValidationError("Date et heure du contact : elles sont dans le futur.")
        if moment < now - timedelta(days=OLDEST_DAYS):
            raise forms.ValidationError(
                "Date et heure du contact : plus d'un an dans le passé, vérifiez l'année."
            )
        return moment


class ResendForm(forms.Form):
    note = forms.CharField(
        label="Motif pour la commission (ce que la personne demande, comment son identité a été "
              "vérifiée)",
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez le motif de la demande pour la commission.",
                        "max_length": "Motif : 2 000 caractères au plus."},
    )  # fmt: skip
