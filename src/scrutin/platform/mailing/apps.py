from django.apps import AppConfig


class MailingConfig(AppConfig):
    name = "scrutin.platform.mailing"
    label = "mailing"
    verbose_name = "Envois par courriel et SMS"

    def ready(self) -> None:
        from . import composers, signals, testguard  # noqa: F401  # "test" composer, worker hooks

        composers.load_composers()
        testguard.check_configuration()  # a test instance never mails past the guard
