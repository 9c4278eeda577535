from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "scrutin.platform.audit"
    label = "audit"
    verbose_name = "Journal"

    def ready(self) -> None:
        from .signals import connect

        connect()
