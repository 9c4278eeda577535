"""The public ballot board, under /urnes/ (no sign-in)."""

from django.urls import path

from . import views

app_name = "board"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.urn_page, name="urn"),
    path("<str:code>/registre.zip", views.record, name="record"),
]
