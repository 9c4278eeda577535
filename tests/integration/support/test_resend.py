"""A resend request opened by the support desk for the COE to decide (CCTP 5.1.3.3; C5)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.electoral.models import Elector
from scrutin.platform.resend.models import ResendRequest
from scrutin.platform.voting.models import Emargement
from tests.integration.accounts.world import World

from .conftest import signed_in

pytestmark = pytest.mark.django_db
NOTE = "Courrier perdu ; identité vérifiée (nom, entreprise, commune, adresse électronique)."


def test_cctp_5_1_3_3_agent_opens_a_resend_request_for_the_coe(
    world: World, agent_011: User
) -> None:
    client = signed_in(agent_011)
    url = reverse("support:resend", args=[world.own.elector])
    assert client.get(url).status_code == 405
    response = client.post(url, {"note": NOTE})
    assert response.status_code == 302
    request = ResendRequest.objects.get()
    assert (request.number, request.origin, request.status, request.cci_code) == (
        world.own.elector,
        "support",
        "pending",
        "011",
    )
    assert request.note == NOTE
    assert JournalEntry.objects.filter(event="resend:request:open").exists()
    card = client.get(reverse("support:elector", args=[world.own.elector])).content.decode()
    assert "Une demande de renvoi déposée par l&#x27;assistance le" in card
    assert "attend la décision de la commission" in card
    # a second request for the same line is refused, in French, and nothing new is stored
    again = client.post(url, {"note": NOTE})
    assert again.status_code == 400
    assert (
        "Une demande de renvoi attend déjà la décision de la commission" in again.content.decode()
    )
    assert ResendRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("note", "message"),
    [("", "Indiquez le motif de la demande pour la commission."),
     ("perdu", "Motif : décrivez la demande et comment l&#x27;identité de la personne a été "
               "vérifiée (10 caractères au moins).")],
)  # fmt: skip
def test_a_resend_without_a_real_note_is_refused_in_french(
    world: World, agent_011: User, note: str, message: str
) -> None:
    url = reverse("support:resend", args=[world.own.elector])
    response = signed_in(agent_011).post(url, {"note": note})
    assert response.status_code == 400 and message in response.content.decode()
    assert not ResendRequest.objects.exists()


def test_no_resend_for_an_elector_who_has_already_voted(world: World, agent_011: User) -> None:
    elector = Elector.objects.get(number=world.own.elector)
    Emargement.objects.create(elector_number=elector.number, urn_id=elector.urn_id,
                              voted_at=timezone.now())  # fmt: skip
    client = signed_in(agent_011)
    card = client.get(reverse("support:elector", args=[elector.number])).content.decode()
    assert "Demander un renvoi à la commission" not in card
    response = client.post(reverse("support:resend", args=[elector.number]), {"note": NOTE})
    assert response.status_code == 400
    assert "Cet électeur a déjà voté" in response.content.decode()
    assert not ResendRequest.objects.exists()
