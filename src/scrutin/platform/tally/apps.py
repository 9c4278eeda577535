from django.apps import AppConfig


class TallyConfig(AppConfig):
    name = "scrutin.platform.tally"
    label = "tally"
    verbose_name = "Dépouillement et résultats"
