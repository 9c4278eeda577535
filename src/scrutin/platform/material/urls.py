from django.urls import path

from . import views

app_name = "material"
urlpatterns = [
    path("", views.index, name="index"),
    path("cci/<str:code>/expedition/", views.dispatch_settings, name="settings"),
    path("cci/<str:code>/bat/", views.bat, name="bat"),
    path("cci/<str:code>/bat/epreuve.pdf", views.proof, name="proof"),
    path("national/", views.national, name="national"),
    path("national/cci/<str:code>/refuser/", views.national_refuse, name="national-refuse"),
    path("national/cci/<str:code>/kit.json", views.kit, name="kit"),
    path("national/cci/<str:code>/kit-complementaire.json", views.supplement, name="supplement"),
]
