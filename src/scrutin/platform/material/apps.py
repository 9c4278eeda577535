from django.apps import AppConfig


class MaterialConfig(AppConfig):
    name = "scrutin.platform.material"
    label = "material"
    verbose_name = "Matériel de vote"
