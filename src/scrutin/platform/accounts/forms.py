from __future__ import annotations

from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(label="Identifiant (adresse électronique)", max_length=150)
    password = forms.CharField(label="Mot de passe", strip=False, widget=forms.PasswordInput)


class TotpForm(forms.Form):
    code = forms.CharField(
        label="Code à 6 chiffres affiché par l'application",
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class KeyForm(forms.Form):
    name = forms.CharField(
        label="Nom de la clé (pour la reconnaître)", max_length=60, required=False
    )
    credential = forms.CharField(widget=forms.HiddenInput)


class CredentialForm(forms.Form):
    credential = forms.CharField(widget=forms.HiddenInput)


class ManagersUploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier des gestionnaires (CSV)",
        help_text="Colonnes GROUPE, NOM, PRENOM, EMAIL, PERIMETRE (annexe 7.1.4).",
    )
