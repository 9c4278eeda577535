"""Forms of the resend service: the public request (voting site) and the managers' decisions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from .matching import digits


class RequestForm(forms.Form):
    """The public form (CCTP 5.1.3.3). Errors are attached to the field they concern."""

    nom = forms.CharField(label="Nom de famille", max_length=60)
    prenom = forms.CharField(label="Prénom", max_length=60)
    raison_sociale = forms.CharField(label="Raison sociale de l'entreprise", max_length=80,
                                     required=False)  # fmt: skip
    numero = forms.CharField(label="Numéro d'électeur", max_length=20, required=False)
    code_postal = forms.CharField(label="Code postal", max_length=10)
    jour = forms.IntegerField(label="Jour", min_value=1, max_value=31)
    mois = forms.IntegerField(label="Mois", min_value=1, max_value=12)
    annee = forms.IntegerField(label="Année", min_value=1900, max_value=2100)
    courriel = forms.EmailField(label="Adresse électronique", max_length=254)
    piece = forms.FileField(label="Pièce d'identité")

    error_messages = {"required": "Ce champ est obligatoire."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = {"nom": "Nom de famille", "prenom": "Prénom", "code_postal": "Code postal",
                 "jour": "Date de naissance (jour)", "mois": "Date de naissance (mois)",
                 "annee": "Date de naissance (année)", "courriel": "Adresse électronique",
                 "piece": "Pièce d'identité"}  # fmt: skip
        for name, label in names.items():
            field = self.fields[name]
            field.error_messages["required"] = f"{label} : ce champ est obligatoire."
            field.error_messages["invalid"] = f"{label} : valeur non valide."
            field.error_messages["min_value"] = f"{label} : valeur trop petite."
            field.error_messages["max_value"] = f"{label} : valeur trop grande."
        self.fields["courriel"].error_messages["invalid"] = (
            "Adresse électronique : elle n'est pas valide (exemple : prenom.nom@exemple.fr)."
        )
        self.fields["piece"].error_messages["empty"] = "Pièce d'identité : le fichier est vide."

    def clean_numero(self) -> str:
        value = self.cleaned_data.get("numero", "")
        number = digits(value)
        if value.strip() and len(number) != 13:
            raise forms.ValidationError(
                "Numéro d'électeur : il compte 13 chiffres (laissez vide si vous ne le connaissez pas)."
            )
        return number

    def clean_code_postal(self) -> str:
        value = str(self.cleaned_data.get("code_postal", "")).replace(" ", "")
        if not value.isalnum():
            raise forms.ValidationError("Code postal : lettres et chiffres seulement.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, month, year = data.get("jour"), data.get("mois"), data.get("annee")
        if day and month and year:
            try:
                data["naissance"] = date(year, month, day)
            except ValueError:
                self.add_error("jour", "Date de naissance : cette date n'existe pas.")
        return data


class DecisionForm(forms.Form):
    motif = forms.CharField(label="Motif", max_length=2000, required=False, widget=forms.Textarea)


class RouteForm(forms.Form):
    numero = forms.CharField(label="Numéro d'électeur de la ligne", max_length=20)


class StartForm(forms.Form):
    numero = forms.CharField(label="Numéro d'électeur", max_length=20)
    motif = forms.CharField(label="Motif du renvoi", max_length=2000, widget=forms.Textarea)
    # Optional: where to send the material when it is not the list's address (CCTP 5.1.3.3);
    # checked by the service, whose French message names the field.
    adresse = forms.CharField(label="Adresse électronique", max_length=254, required=False)
