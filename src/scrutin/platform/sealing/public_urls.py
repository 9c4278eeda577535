"""The public seals, under /scellements/ (no sign-in)."""

from django.urls import path

from . import public_views as views

app_name = "seals"
urlpatterns = [
    path("", views.index, name="index"),
    path("scellements.json", views.bundle, name="bundle"),
    path("plateforme-<int:sequence>.json", views.platform, name="platform"),
    path("descellement-<int:sequence>.json", views.unseal, name="unseal"),
    path("urne-<str:code>.json", views.urn, name="urn"),
    path("cloture-<str:code>.json", views.closing, name="closing"),
    path("journal.jsonl", views.journal_head, name="journal-head"),
]
