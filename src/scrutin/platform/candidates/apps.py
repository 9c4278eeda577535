from django.apps import AppConfig


class CandidatesConfig(AppConfig):
    name = "scrutin.platform.candidates"
    label = "candidates"
    verbose_name = "Candidatures et bulletins"
