from django.apps import AppConfig


class ElectoralConfig(AppConfig):
    name = "scrutin.platform.electoral"
    label = "electoral"
    verbose_name = "Structure électorale et listes électorales"
