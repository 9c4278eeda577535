from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "scrutin.platform.credentials"
    label = "credentials"
    verbose_name = "Identifiants des électeurs"
