from django.apps import AppConfig


class ControlConfig(AppConfig):
    name = "scrutin.platform.control"
    label = "control"
    verbose_name = "Pilotage du vote"
