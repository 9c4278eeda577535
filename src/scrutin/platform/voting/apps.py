from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "scrutin.platform.voting"
    label = "voting"
    verbose_name = "Site de vote"
