from django.apps import AppConfig


class TerminalConfig(AppConfig):
    name = "scrutin.machine.terminal"
    label = "machine_terminal"
