from django.apps import AppConfig


class ControlConfig(AppConfig):
    name = "scrutin.machine.control"
    label = "machine_control"
