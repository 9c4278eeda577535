from django.urls import path

from . import views

app_name = "tally"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/<str:what>", views.export, name="export"),
    path("urne/<str:code>/", views.urn_page, name="urn"),
    path("urne/<str:code>/commencer/", views.start, name="start"),
    path("urne/<str:code>/etat.json", views.state, name="state"),
    path("urne/<str:code>/cle/", views.keyholder, name="keyholder"),
    path(
        "urne/<str:code>/election.json",
        views.record_file,
        {"file": "election-json"},
        name="election-json",
    ),
    path(
        "urne/<str:code>/trustees.json",
        views.record_file,
        {"file": "trustees-json"},
        name="trustees-json",
    ),
    path(
        "urne/<str:code>/tally.json", views.record_file, {"file": "tally-json"}, name="tally-json"
    ),
    path("urne/<str:code>/ballots.jsonl", views.record_file, {"file": "ballots"}, name="ballots"),
    path("urne/<str:code>/dossier.zip", views.dossier, name="dossier"),
    path("urne/<str:code>/dechiffrement-partiel/", views.partial, name="partial"),
    path("urne/<str:code>/resultats.json", views.results_json, name="results-json"),
    path("urne/<str:code>/pv-<str:ballot>.pdf", views.minutes, name="minutes"),
    path("urne/<str:code>/registre.zip", views.record, name="record"),
    path("urne/<str:code>/archive.tar.gz", views.archive_package, name="archive"),
]
