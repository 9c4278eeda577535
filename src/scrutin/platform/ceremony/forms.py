"""Forms of the organiser's pages: choosing the COE's key holders and the threshold."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User

from scrutin.crypto.group import GROUP_NAMES

from .services import display_name, eligible_holders


class HolderChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{display_name(obj)} ({obj.username})"


class HoldersChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{display_name(obj)} ({obj.username})"


class CeremonyForm(forms.Form):
    """CCTP 3.2.2.6: the president and at least one assessor each receive a distinct key."""

    group = forms.ChoiceField(
        label="Groupe cryptographique",
        choices=[(g, g + (" (recommandé)" if g == "ristretto255" else "")) for g in GROUP_NAMES],
        initial="ristretto255",
        help_text="P-256 seulement si un auditeur l'exige (courbe citée par l'ANSSI).",
    )
    president = HolderChoice(label="Président de la COE", queryset=User.objects.none())
    assessors = HoldersChoice(
        label="Assesseurs détenteurs de clé",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    threshold = forms.IntegerField(
        label="Seuil : assesseurs nécessaires au dépouillement",
        min_value=1,
        initial=1,
        help_text="Le dépouillement demande le président (ou le support de secours) et ce nombre "
        "d'assesseurs parmi ceux choisis.",
    )

    def __init__(self, cci_code: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = eligible_holders(cci_code)
        queryset = User.objects.filter(pk__in=[u.pk for u in users]).order_by(
            "last_name", "first_name", "username"
        )
        self.fields["president"].queryset = queryset  # type: ignore[attr-defined]
        self.fields["assessors"].queryset = queryset  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        president, assessors = data.get("president"), list(data.get("assessors") or [])
        if president is not None and president in assessors:
            self.add_error("assessors", "Le président ne peut pas être aussi assesseur.")
        threshold = data.get("threshold")
        if assessors and threshold is not None and threshold > len(assessors):
            self.add_error(
                "threshold", f"Le seuil ne peut dépasser le nombre d'assesseurs ({len(assessors)})."
            )
        return data


class RestartForm(CeremonyForm):
    reason = forms.CharField(
        label="Motif de la reprise",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Par exemple : réclamation contre un assesseur au tour 3. Il est inscrit au journal.",
    )


class UploadForm(forms.Form):
    fichier = forms.FileField(
        label="Votre message public du tour",
        help_text="Le fichier r1-…, r2-… ou r3-… écrit par « scrutin trustee ». Jamais un fichier secret.",
    )
