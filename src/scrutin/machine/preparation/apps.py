from django.apps import AppConfig


class PreparationConfig(AppConfig):
    name = "scrutin.machine.preparation"
    label = "machine_preparation"
