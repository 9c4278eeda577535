from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "scrutin.platform.support"
    label = "support"
    verbose_name = "Assistance aux électeurs"
