from django.apps import AppConfig


class BallotBoxConfig(AppConfig):
    name = "scrutin.platform.ballotbox"
    label = "ballotbox"
    verbose_name = "Urne électronique"
