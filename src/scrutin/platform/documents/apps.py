from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "scrutin.platform.documents"
    label = "documents"
    verbose_name = "Documents préparés"
