from django.urls import path, re_path
from django.views.static import serve

from scrutin.machine.settings import STATICFILES_DIRS
from scrutin.machine.terminal import views

urlpatterns = [
    # The machine has no web server in front: its own few static files, read-only (RT 73).
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": STATICFILES_DIRS[0]}),
    path("", views.home, name="terminal-home"),
    path("etat/", views.poll, name="terminal-poll"),
    path("jeton/", views.token, name="terminal-token"),
    path("scrutin/<str:scrutin>/", views.ballot, name="terminal-ballot"),
    path("son/", views.prompts, name="terminal-prompts"),
    path("son/<str:key>.wav", views.prompt, name="terminal-prompt"),
]
