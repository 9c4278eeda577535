from django.urls import path, re_path
from django.views.static import serve

from scrutin.machine.control import centralviews, printviews, views
from scrutin.machine.settings import STATICFILES_DIRS

urlpatterns = [
    # The machine has no web server in front: its own few static files, read-only (RT 73).
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": STATICFILES_DIRS[0]}),
    path("", views.home, name="machine-home"),
    path("etat/", views.status, name="machine-status"),
    path("autotest/", views.run_selftest, name="machine-selftest"),
    path("horloge/", views.set_clock, name="machine-clock"),
    path("ouvrir/", views.open_vote, name="machine-open"),
    path("terminal/<int:number>/<str:verb>/", views.terminal_action, name="machine-terminal"),
    path("jeton/", views.issue_token, name="machine-token"),
    path("clore/", views.close_vote, name="machine-close"),
    path("depouiller/", views.tally, name="machine-tally"),
    path("resultats/<str:scrutin>/", views.results, name="machine-results"),
    path("resultats/<str:scrutin>/pv.pdf", printviews.results, name="machine-results-pdf"),
    path("imprimer/preparation.pdf", printviews.preparation, name="machine-preparation-pdf"),
    path("imprimer/initialisation.pdf", printviews.initialisation, name="machine-init-pdf"),
    path("journal/", views.journal, name="machine-journal"),
    path("liaison/", views.link_endpoint, name="machine-link"),
    # Centralisation with acknowledgement (RT 22, 23, 28).
    path("centralisation/", centralviews.page, name="machine-central"),
    path(
        "centralisation/exporter/<str:scrutin>/", centralviews.export, name="machine-central-export"
    ),
    path("centralisation/accuse/", centralviews.import_ack, name="machine-central-ack"),
    path(
        "centralisation/<str:scrutin>/accuse.pdf",
        centralviews.ack_printout,
        name="machine-central-ack-pdf",
    ),
]
