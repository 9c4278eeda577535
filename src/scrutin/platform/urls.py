"""URL configuration of the platform: the management site lives under /gestion/."""

from django.templatetags.static import static
from django.urls import include, path
from django.views.generic.base import RedirectView

urlpatterns = [
    path("gestion/comptes/", include("scrutin.platform.accounts.urls")),
    path("gestion/journal/", include("scrutin.platform.audit.urls")),
    path("gestion/candidatures/", include("scrutin.platform.candidates.urls")),
    path("gestion/identifiants/", include("scrutin.platform.credentials.urls")),
    path("gestion/pilotage/", include("scrutin.platform.control.urls")),
    path("gestion/ceremonie/", include("scrutin.platform.ceremony.urls")),
    path("gestion/scellement/", include("scrutin.platform.sealing.urls")),
    path("gestion/depouillement/", include("scrutin.platform.tally.urls")),
    path("gestion/documents/", include("scrutin.platform.documents.urls")),
    path("gestion/assistance/", include("scrutin.platform.support.urls")),
    path("gestion/materiel-courriel/", include("scrutin.platform.mailing.urls_material")),
    path("gestion/materiel/", include("scrutin.platform.material.urls")),
    path("gestion/envois/", include("scrutin.platform.mailing.urls")),
    path("gestion/", include("scrutin.platform.electoral.urls")),
    path("gestion/renvoi/", include("scrutin.platform.resend.urls")),
    path("vote/renvoi/", include("scrutin.platform.resend.public_urls")),
    path("vote/aide/", include("scrutin.platform.support.public_urls")),
    path("vote/", include("scrutin.platform.voting.urls")),
    path("scellements/", include("scrutin.platform.sealing.public_urls")),
    path("urnes/", include("scrutin.platform.board.urls")),
    path("", include("scrutin.platform.monitoring.urls")),  # /sante/…, /metriques (issue 18)
    # Browsers and tools ask for /favicon.ico whatever the pages say: send them to the sealed
    # static icon (served with the other assets, part of the platform seal).
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("scrutin/favicon-32.png"), permanent=True),
        name="favicon",
    ),
]
