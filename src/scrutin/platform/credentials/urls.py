from django.urls import path

from . import views

app_name = "credentials"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cci/<str:code>/generer/", views.generate, name="generate"),
    path("cci/<str:code>/regenerer/", views.regenerate, name="regenerate"),
    path("generations/<int:pk>/", views.run_detail, name="run"),
    path("generations/<int:pk>/progression.json", views.run_progress, name="run-progress"),
    path("generations/<int:pk>/export/", views.run_export, name="run-export"),
]
