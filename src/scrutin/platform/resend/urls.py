from django.urls import path

from . import views

app_name = "resend"
urlpatterns = [
    path("", views.queue, name="list"),
    path("a-orienter/", views.national_queue, name="national"),
    path("nouveau/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/piece/", views.document, name="document"),
    path("<int:pk>/decision/", views.decide, name="decide"),
    path("<int:pk>/rattacher/", views.route, name="route"),
]
