from django.urls import path

from . import views

app_name = "candidates"
urlpatterns = [
    path("", views.index, name="index"),
    path("cci/<str:code>/import/", views.import_file, name="import"),
    path("cci/<str:code>/import/<int:pk>/", views.import_run, name="import-run"),
    path(
        "cci/<str:code>/import/<int:pk>/progression.json",
        views.import_progress,
        name="import-progress",
    ),
    path("urne/<str:code>/", views.urn_detail, name="urn"),
    path("urne/<str:code>/groupements/ajouter/", views.groupement_add, name="groupement-add"),
    path("urne/<str:code>/candidats/ajouter/", views.candidate_add, name="candidate-add"),
    path("urne/<str:code>/bulletins/", views.ballots, name="ballots"),
    path("urne/<str:code>/electeurs/", views.electors, name="electors"),
    path("urne/<str:code>/document.json", views.document, name="document"),
    path("urne/<str:code>/sceller/", views.seal, name="seal"),
    path("urne/<str:code>/desceller/", views.unseal, name="unseal"),
    path("urne/<str:code>/<str:what>.pdf", views.printout, name="printout"),
    path("groupements/<int:pk>/modifier/", views.groupement_edit, name="groupement-edit"),
    path("groupements/<int:pk>/supprimer/", views.groupement_delete, name="groupement-delete"),
    path(
        "groupements/<int:pk>/profession-de-foi/",
        views.groupement_profession,
        name="groupement-profession",
    ),
    path("candidats/<int:pk>/modifier/", views.candidate_edit, name="candidate-edit"),
    path("candidats/<int:pk>/supprimer/", views.candidate_delete, name="candidate-delete"),
    path(
        "candidats/<int:pk>/deplacer/<str:direction>/", views.candidate_move, name="candidate-move"
    ),
    path(
        "candidats/<int:pk>/profession-de-foi/",
        views.candidate_profession,
        name="candidate-profession",
    ),
    path(
        "professions-de-foi/<uuid:public_id>/supprimer/",
        views.profession_delete,
        name="profession-delete",
    ),
    path(
        "professions-de-foi/<uuid:public_id>/apercu.pdf",
        views.profession_preview,
        name="profession-preview",
    ),
    path(
        "professions-de-foi/<uuid:public_id>.pdf", views.profession_de_foi, name="profession-de-foi"
    ),
]
