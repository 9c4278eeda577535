from django.urls import path

from . import views_public

app_name = "resend-public"
urlpatterns = [path("", views_public.request_form, name="form")]
