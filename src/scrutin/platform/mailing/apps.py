from django.apps import AppConfig


class MailingConfig(AppConfig):
    name = "scrutin.platform.mailing"
    label = "mailing"
    verbose_name = "Envois par courriel et SMS"

    def ready(self) -> None:
        from . import composers, signals  # noqa: F401  # the "test" composer and worker hooks

        composers.load_composers()
