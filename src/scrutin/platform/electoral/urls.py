from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "electoral"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "connexion/",
        auth_views.LoginView.as_view(template_name="electoral/login.html"),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("imports/<str:kind>/nouveau/", views.upload, name="upload"),
    path("imports/<int:pk>/", views.run_detail, name="run"),
    path("imports/<int:pk>/progression.json", views.run_progress, name="run-progress"),
    path("imports/<int:pk>/compte-rendu.csv", views.run_report_csv, name="run-report-csv"),
    path("cci/<str:code>/controle/", views.control_view, name="control"),
    path("cci/<str:code>/controle.<str:fmt>", views.control_view, name="control-file"),
    path("cci/<str:code>/electeurs/", views.electors, name="electors"),
    path("cci/<str:code>/logo/", views.logo, name="logo"),
    path("cci/<str:code>/electeurs/ajouter/", views.elector_add, name="elector-add"),
    path("electeurs/<str:number>/corriger/", views.elector_correct, name="elector-correct"),
    path("electeurs/<str:number>/retirer/", views.elector_remove, name="elector-remove"),
]
