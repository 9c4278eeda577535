from django.apps import AppConfig


class SealingConfig(AppConfig):
    name = "scrutin.platform.sealing"
    label = "sealing"
    verbose_name = "Scellements et clôture"
