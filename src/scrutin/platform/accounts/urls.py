from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("import/", views.account_import, name="import"),
    path("<int:pk>/renvoyer-activation/", views.resend_activation, name="resend"),
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("activer/<str:uidb64>/<str:token>/", views.activate_view, name="activate"),
    path("second-facteur/", views.second_factor, name="second-factor"),
    path("second-facteur/application/", views.totp_view, name="totp"),
    path("second-facteur/cle/", views.key_view, name="key"),
    path("second-facteur/cle/options.json", views.key_options, name="key-options"),
    path("verification/", views.verify_view, name="verify"),
    path("verification/cle/options.json", views.verify_key_options, name="verify-key-options"),
    path("session/prolonger/", views.session_ping, name="session-ping"),
]
