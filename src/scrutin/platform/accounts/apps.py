from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "scrutin.platform.accounts"
    label = "accounts"
    verbose_name = "Comptes et habilitations"

    def ready(self) -> None:
        from . import backends, middleware  # noqa: F401  (connect the user_logged_in receivers)
