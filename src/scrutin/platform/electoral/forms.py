from __future__ import annotations

from typing import Any

from django import forms

from .annex7.electors import COLUMNS, FIELDS
from .models import ElectorChange

MAX_UPLOAD = 2 * 1024**3  # a national electors file is about 700 MB


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier CSV", help_text="UTF-8 ou Windows-1252, séparateur « ; » ou « , »."
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("Fichier trop volumineux (2 Go au maximum).")
        return upload


class DecisionForm(forms.Form):
    authority = forms.ChoiceField(label="Décision", choices=ElectorChange.Authority.choices)
    reference = forms.CharField(label="Référence de la décision", max_length=100)
    reason = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 3}))


class ElectorForm(DecisionForm):
    """The 37 annex columns, labelled as the annex names them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, column in zip(FIELDS, COLUMNS, strict=True):
            self.fields[name] = forms.CharField(label=column, required=False, max_length=300)
