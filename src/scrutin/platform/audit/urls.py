from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("export.csv", views.entry_csv, name="csv"),
    path("verifier/", views.verify, name="verify"),
]
