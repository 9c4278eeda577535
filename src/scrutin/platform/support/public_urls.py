from django.urls import path

from . import public_views

app_name = "help"
urlpatterns = [path("", public_views.faq, name="faq")]
