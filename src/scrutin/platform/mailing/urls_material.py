"""URLs of the voting material by e-mail and SMS (COE pages, ``views_material``)."""

from django.urls import path

from . import views_material

app_name = "mailing_material"
urlpatterns = [
    path("", views_material.index, name="index"),
    path("cci/<str:code>/", views_material.cci_page, name="cci"),
    path("cci/<str:code>/suivi/", views_material.status_list, name="status"),
]
