from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "scrutin.platform.board"
    label = "board"
    verbose_name = "Urnes publiées"
