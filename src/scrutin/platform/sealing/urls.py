"""Sealing pages of the management site, under /gestion/scellement/."""

from django.urls import path

from . import succession_views, views

app_name = "sealing"
urlpatterns = [
    path("", views.index, name="index"),
    path("plateforme/", views.platform, name="platform"),
    path("plateforme/desceller/", views.unseal_platform, name="unseal-platform"),
    path("nouvelle-election/", succession_views.new_election, name="new-election"),
    path("urne/<str:code>/cloturer/", views.close, name="close"),
    path("urne/<str:code>/emargements.json", views.emargements, name="emargements"),
]
