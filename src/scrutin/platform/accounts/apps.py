from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "scrutin.platform.accounts"
    label = "accounts"
    verbose_name = "Comptes et habilitations"

    def ready(self) -> None:
        from . import backends  # noqa: F401  (connects the user_logged_in receiver)
