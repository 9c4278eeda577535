from django.urls import path

from . import views

app_name = "voting"
urlpatterns = [
    path("", views.login, name="login"),
    path("date-de-naissance/", views.challenge, name="challenge"),
    path("bulletin/", views.ballot, name="ballot"),
    path("depot/", views.deposit, name="deposit"),
    path("prolonger/", views.keepalive, name="keepalive"),
    path("recepisse/courriel/", views.email_receipt, name="email-receipt"),
    path("deconnexion/", views.logout, name="logout"),
    path("logo/<str:code>/", views.cci_logo, name="logo"),
]
