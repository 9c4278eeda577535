"""Documents built by a job, under /gestion/documents/."""

from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("urne/<str:code>/<str:kind>/", views.new, name="new"),
    path("<int:pk>/", views.job, name="job"),
    path("<int:pk>/progression.json", views.progress, name="progress"),
    path("<int:pk>/telecharger/", views.download, name="download"),
]
