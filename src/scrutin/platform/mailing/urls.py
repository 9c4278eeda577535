from django.urls import path

from . import views

app_name = "mailing"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<str:code>/", views.cci, name="cci"),
    path("<str:code>/envoi/<int:pk>/", views.campaign, name="campaign"),
    path(
        "<str:code>/envoi/<int:pk>/progression/", views.campaign_progress, name="campaign-progress"
    ),
    path("<str:code>/adresses-rejetees/", views.bounces, name="bounces"),
    path("<str:code>/adresses-rejetees/nouveau-test/", views.retest, name="retest"),
    path("<str:code>/adresses-rejetees/<str:number>/", views.correct, name="correct"),
]
