"""Forms of the COE's mailing pages (French labels)."""

from __future__ import annotations

from django import forms

from ..electoral.forms import DecisionForm


class StartTestForm(forms.Form):
    confirm = forms.BooleanField(
        label="J'envoie maintenant le courriel de test à chaque électeur de la CCI qui a une adresse.",
    )


class CorrectAddressForm(DecisionForm):
    email = forms.EmailField(label="Nouvelle adresse électronique", max_length=255)
    field_order = ["email", "authority", "reference", "reason"]
