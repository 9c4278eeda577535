"""Forms of the credential pages (French labels, FALC-friendly help)."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import GenerationRun

MODES = [
    (GenerationRun.Mode.NEW, "Première génération (refusée si des identifiants existent déjà)"),
    (GenerationRun.Mode.MISSING, "Seulement les lignes électorales sans identifiant"),
    (GenerationRun.Mode.ALL, "Régénérer tous les identifiants de la CCI (les anciens codes ne "
                             "fonctionneront plus)"),
]  # fmt: skip


class GenerateForm(forms.Form):
    mode = forms.ChoiceField(label="Que faut-il générer ?", choices=MODES, widget=forms.RadioSelect,
                             initial=GenerationRun.Mode.NEW)  # fmt: skip
    reason = forms.CharField(label="Motif (obligatoire pour une régénération)", max_length=300,
                             required=False)  # fmt: skip
    confirm = forms.BooleanField(
        label="Je confirme que tous les codes déjà envoyés de cette CCI deviendront inutilisables.",
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == GenerationRun.Mode.ALL:
            if not data.get("reason", "").strip():
                self.add_error("reason", "Indiquez le motif de la régénération.")
            if not data.get("confirm"):
                self.add_error("confirm", "Cochez la case pour confirmer la régénération de tous.")
        return data


class RegenerateForm(forms.Form):
    number = forms.CharField(label="Identifiant de l'électeur (13 chiffres)", max_length=20)
    reason = forms.CharField(label="Motif (par exemple : courrier perdu)", max_length=300)
