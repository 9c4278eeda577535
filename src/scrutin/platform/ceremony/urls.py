from django.urls import path

from . import holder, views

app_name = "ceremony"
urlpatterns = [
    path("", views.index, name="index"),
    path("cci/<str:code>/", views.cci_page, name="cci"),
    path("cci/<str:code>/recommencer/", views.restart, name="restart"),
    path("cci/<str:code>/terminer/", views.finalize, name="finalize"),
    path("cci/<str:code>/trustees.json", views.trustees, name="trustees"),
    path("mes-cles/", holder.mine, name="mine"),
    path("cci/<str:code>/gardien/", holder.holder_page, name="holder"),
    path("cci/<str:code>/gardien/fichiers/<str:name>", holder.file, name="file"),
    path("cci/<str:code>/gardien/navigateur/", holder.browser, name="browser"),
    path("cci/<str:code>/gardien/etat.json", holder.state, name="state"),
    path("cci/<str:code>/gardien/deposer/", holder.submit, name="submit"),
    path("dechiffrer/<str:code>/", holder.decrypt, name="decrypt"),
]
