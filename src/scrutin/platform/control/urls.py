from django.urls import path

from . import views

app_name = "control"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("participation.json", views.participation_json, name="participation-json"),
    path("urne/<str:code>/emargement/", views.emargement, name="emargement"),
    path("urne/<str:code>/emargement.<str:fmt>", views.emargement, name="emargement-file"),
    path("suspension/", views.suspension, name="suspension"),
    path("indicateurs/", views.usage, name="usage"),
]
