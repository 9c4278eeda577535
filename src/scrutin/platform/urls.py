"""URL configuration of the platform."""

from django.urls import include, path

urlpatterns = [
    path("gestion/", include("scrutin.platform.electoral.urls")),
]
