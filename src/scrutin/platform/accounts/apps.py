from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "scrutin.platform.accounts"
    label = "accounts"
    verbose_name = "Comptes et habilitations"
