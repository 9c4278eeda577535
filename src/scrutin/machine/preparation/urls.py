from django.urls import path, re_path
from django.views.static import serve

from scrutin.machine.preparation import views
from scrutin.machine.settings import STATICFILES_DIRS

urlpatterns = [
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": STATICFILES_DIRS[0]}),
    path("", views.form, name="preparation-form"),
]
