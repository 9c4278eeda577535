"""Forms of the material pages (plain French labels and errors naming the field and line)."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import (
    ADDRESS_LINES,
    ADDRESS_WIDTH,
    BATCH_DEFAULT,
    BATCH_MAX,
    BATCH_MIN,
    DispatchSettings,
)
from .services import REASON_MAX

MODES = [
    (DispatchSettings.Mode.REROUTE, "Les courriers sont envoyés à la COE, qui les fait suivre aux "
                                    "électeurs. Ils sont classés par catégorie, sous-catégorie, "
                                    "code postal puis nom."),
    (DispatchSettings.Mode.DIRECT, "Les courriers sont envoyés directement à l'adresse de chaque "
                                   "électeur, classés par code postal."),
]  # fmt: skip


def address_errors(text: str, what: str) -> list[str]:
    """French errors of a postal address: at most 6 lines of at most 38 characters."""
    lines = DispatchSettings.lines(text)
    errors = []
    if len(lines) > ADDRESS_LINES:
        errors.append(f"{what} : {len(lines)} lignes, {ADDRESS_LINES} au maximum.")
    for number, line in enumerate(lines, start=1):
        if len(line) > ADDRESS_WIDTH:
            errors.append(f"{what}, ligne {number} : {len(line)} caractères, "
                          f"{ADDRESS_WIDTH} au maximum (« {line[:ADDRESS_WIDTH]}… »).")  # fmt: skip
    return errors


class SettingsForm(forms.Form):
    mode = forms.ChoiceField(label="Comment les courriers sont-ils expédiés ?", choices=MODES,
                             widget=forms.RadioSelect)  # fmt: skip
    batch_size = forms.IntegerField(
        label=f"Nombre de courriers par lot (de {BATCH_MIN} à {BATCH_MAX:,})".replace(",", " "),
        min_value=BATCH_MIN, max_value=BATCH_MAX, initial=BATCH_DEFAULT,
        error_messages={
            "required": "Indiquez le nombre de courriers par lot.",
            "invalid": "Le nombre de courriers par lot doit être un nombre entier.",
            "min_value": f"Le nombre de courriers par lot doit être au moins {BATCH_MIN}.",
            "max_value": f"Le nombre de courriers par lot doit être au plus {BATCH_MAX}.",
        },
    )  # fmt: skip
    reroute_address = forms.CharField(
        label="Adresse de livraison à la COE (obligatoire si la COE fait suivre les courriers ; "
              "6 lignes de 38 caractères au maximum)",
        widget=forms.Textarea(attrs={"rows": 6, "cols": 40}), required=False, max_length=400,
    )  # fmt: skip
    return_address = forms.CharField(
        label="Adresse de la CCI imprimée en haut du courrier (6 lignes de 38 caractères au "
              "maximum)",
        widget=forms.Textarea(attrs={"rows": 6, "cols": 40}), max_length=400,
        error_messages={"required": "Indiquez l'adresse de la CCI imprimée sur le courrier."},
    )  # fmt: skip
    electronic = forms.BooleanField(
        label="Les électeurs qui ont une adresse électronique valide reçoivent leur matériel par "
              "courriel, sans courrier papier.", required=False,
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, what in (("reroute_address", "Adresse de livraison à la COE"),
                           ("return_address", "Adresse de la CCI")):  # fmt: skip
            for error in address_errors(data.get(name, ""), what):
                self.add_error(name, error)
            if name in data:
                data[name] = "\n".join(DispatchSettings.lines(data[name]))
        if data.get("mode") == DispatchSettings.Mode.REROUTE and not data.get("reroute_address"):
            self.add_error("reroute_address", "Indiquez l'adresse où la COE reçoit les courriers.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Motif", max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3, "cols": 50}),
        error_messages={"required": "Indiquez le motif.",
                        "max_length": f"Le motif doit faire au plus {REASON_MAX} caractères."},
    )  # fmt: skip
