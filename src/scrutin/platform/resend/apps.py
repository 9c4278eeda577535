from django.apps import AppConfig


class ResendConfig(AppConfig):
    name = "scrutin.platform.resend"
    label = "resend"
    verbose_name = "Renvoi du matériel de vote"
