from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from ..electoral.models import Question, Urn
from .models import Candidate, Civility, Groupement
from .pdfcheck import max_bytes
from .services import cci_has_delegations

DATE_INPUT = {"type": "date"}


class GroupementForm(forms.Form):
    question = forms.ModelChoiceField(label="Bulletin", queryset=Question.objects.none(),
                                      empty_label=None)  # fmt: skip
    name = forms.CharField(label="Dénomination du groupement", max_length=150,
                           help_text="Exemple : « Pour le développement de l'arrondissement ».")  # fmt: skip

    def __init__(self, urn: Urn, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = urn.questions.order_by("position")  # type: ignore[attr-defined]
        self.fields["question"].label_from_instance = lambda q: q.title  # type: ignore[attr-defined]


class CandidateForm(forms.ModelForm):  # type: ignore[type-arg]
    """``question`` is the candidacy type: the CCIR ballot (CCIR+CCIT) or the CCIT ballot."""

    question = forms.ModelChoiceField(label="Type de candidature", queryset=Question.objects.none(),
                                      empty_label=None)  # fmt: skip
    groupement = forms.ModelChoiceField(label="Groupement", required=False,
                                        queryset=Groupement.objects.none(),
                                        empty_label="Aucun (candidature individuelle)")  # fmt: skip

    class Meta:
        model = Candidate
        fields = ["question", "groupement", "civility", "last_name", "first_name", "birth_date",
                  "activity", "town", "delegation", "substitute_civility", "substitute_last_name",
                  "substitute_first_name", "substitute_birth_date"]  # fmt: skip
        widgets = {
            "birth_date": forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
            "substitute_birth_date": forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
            "civility": forms.RadioSelect, "substitute_civility": forms.RadioSelect,
        }  # fmt: skip
        help_texts = {
            "birth_date": "Sert à départager les candidats à égalité de voix (le plus âgé est élu).",
            "delegation": "Seulement pour une CCI avec délégations territoriales : imprimée sur le bulletin.",
            "activity": "Exemple : boulanger.",
        }  # fmt: skip

    def __init__(self, urn: Urn, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        questions = urn.questions.order_by("position")
        self.fields["question"].queryset = questions  # type: ignore[attr-defined]
        self.fields["question"].label_from_instance = (  # type: ignore[attr-defined]
            lambda q: "CCIR et CCIT (avec suppléant)" if q.kind == "CCIR" else "CCIT seulement"
        )
        self.fields["groupement"].queryset = Groupement.objects.filter(  # type: ignore[attr-defined]
            question__urn=urn
        ).select_related("question")
        self.fields["groupement"].label_from_instance = (  # type: ignore[attr-defined]
            lambda g: f"{g.name} ({g.question.kind})"
        )
        if not cci_has_delegations(urn.cci_id) and not (self.instance and self.instance.delegation):
            del self.fields["delegation"]  # only a CCI with territorial delegations shows one
        self.fields["substitute_civility"].choices = [("", "—"), *Civility.choices]  # type: ignore[attr-defined]

    def clean_birth_date(self) -> date:
        value: date = self.cleaned_data["birth_date"]
        if not date(1900, 1, 1) <= value < date.today():
            raise forms.ValidationError("Date de naissance invalide.")
        return value

    def substitute_warnings(self) -> list[str]:
        """CCTP 3.2.2.2: shown, never blocking."""
        data = self.cleaned_data
        if data.get("question") is None or data["question"].kind != "CCIR":
            return []
        if not data.get("substitute_last_name"):
            return ["Candidature CCIR et CCIT sans suppléant : à vérifier (CCTP 3.2.2.2)."]
        if data.get("substitute_civility") and data["substitute_civility"] == data.get("civility"):
            return ["Le suppléant doit être de sexe différent du candidat (CCTP 3.2.2.2) : "
                    "à vérifier. Ce contrôle n'est pas bloquant."]  # fmt: skip
        return []


class ProfessionForm(forms.Form):
    file = forms.FileField(label="Profession de foi (PDF)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = (
            f"Fichier PDF, {max_bytes() // 1048576} Mo au maximum, sans JavaScript ni pièce jointe."
        )


IMPORT_MAX_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label="Fichier CSV des candidatures",
                           help_text="Colonnes décrites dans le guide « Candidatures ».")  # fmt: skip

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError("Fichier trop volumineux (20 Mo au maximum).")
        return upload


class UnsealForm(forms.Form):
    reference = forms.CharField(label="Référence de la décision", max_length=100,
                                help_text="Exemple : décision de la COE du 12/10/2026.")  # fmt: skip
    reason = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label="Je confirme la levée du scellement, qui sera enregistrée.")
