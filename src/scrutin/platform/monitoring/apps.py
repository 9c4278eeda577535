from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "scrutin.platform.monitoring"
    label = "monitoring"
    verbose_name = "Supervision"

    def ready(self) -> None:
        from .metrics import connect_signals

        connect_signals()
