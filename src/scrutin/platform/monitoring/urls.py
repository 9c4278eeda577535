from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("sante/vivant", views.alive, name="alive"),
    path("sante/pret", views.ready, name="ready"),
    path("metriques", views.metrics_view, name="metrics"),
]
