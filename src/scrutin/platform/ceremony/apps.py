from django.apps import AppConfig


class CeremonyConfig(AppConfig):
    name = "scrutin.platform.ceremony"
    label = "ceremony"
    verbose_name = "Cérémonie des clés"
