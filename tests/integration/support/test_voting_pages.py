"""Support information on the voting site (CCTP 5.1.3.2, 5.1.3.2.3) and the public help page."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from scrutin.platform.electoral.models import Elector, Urn
from scrutin.platform.voting import session
from tests.frenchtext import scan_html
from tests.integration.accounts.world import World

pytestmark = pytest.mark.django_db


def _voter(number: str) -> Client:
    client = Client()
    store = client.session
    store[session.SESSION_KEY] = session.signed_in(number)
    store.save()
    return client


def test_cctp_5_1_3_2_3_national_line_on_the_login_page_before_sign_in(
    world: World, settings: object
) -> None:
    settings.SCRUTIN_SUPPORT_PHONE = "0 805 12 34 56"  # type: ignore[attr-defined]
    settings.SCRUTIN_SUPPORT_EMAIL = "aide@vote-cci.test"  # type: ignore[attr-defined]
    body = Client().get(reverse("voting:login")).content.decode()
    footer = body[body.index('<footer class="foot">') :]
    assert '<a href="tel:0805123456">0 805 12 34 56</a>' in footer
    assert '<a href="mailto:aide@vote-cci.test">aide@vote-cci.test</a>' in footer
    assert "Appel non surtaxé" in footer
    assert f'href="{reverse("help:faq")}"' in body.split("<footer")[0]  # linked from the form too


def test_cctp_5_1_3_2_signed_in_elector_sees_the_support_line_of_their_urn(
    world: World,
) -> None:
    elector = Elector.objects.select_related("urn").get(number=world.own.elector)
    Urn.objects.filter(pk=elector.urn_id).update(
        cci_phone="04 74 32 13 00", cci_email="elections@ain.cci.test",
        assistance_message="Du lundi au vendredi, de 8 h 30 à 18 h.",
    )  # fmt: skip
    other = Elector.objects.get(number=world.other.elector)
    Urn.objects.filter(pk=other.urn_id).update(cci_phone="02 62 48 35 35", cci_email="",
                                               assistance_message="")  # fmt: skip
    page = _voter(elector.number).get(reverse("voting:ballot"))  # no election: a message page
    footer = page.content.decode().split('<footer class="foot">')[1]
    assert "Assistance de la CCI de l&#x27;Ain" in footer
    assert "04 74 32 13 00" in footer and "elections@ain.cci.test" in footer
    assert "Du lundi au vendredi, de 8 h 30 à 18 h." in footer
    # blank values of the structure file: the national e-mail and message stand in
    footer = _voter(other.number).get(reverse("voting:ballot")).content.decode().split(
        '<footer class="foot">')[1]  # fmt: skip
    assert "02 62 48 35 35" in footer and "assistance@elections-cci.test" in footer
    assert "Appel non surtaxé" in footer


def test_an_expired_voter_session_shows_the_national_line(world: World) -> None:
    elector = Elector.objects.get(number=world.own.elector)
    Urn.objects.filter(pk=elector.urn_id).update(cci_phone="04 74 32 13 00")
    client = _voter(elector.number)
    store = client.session
    store[session.SESSION_KEY] = {**store[session.SESSION_KEY], "since": 0, "seen": 0}
    store.save()
    body = client.get(reverse("help:faq")).content.decode()
    assert "04 74 32 13 00" not in body and "09 70 00 00 00" in body


def test_cctp_5_1_3_2_public_faq_answers_the_frequent_questions_in_plain_french(
    world: World, settings: object
) -> None:
    settings.SCRUTIN_VOTER_LOCK_SECONDS = 900  # type: ignore[attr-defined]
    response = Client().get(reverse("help:faq"))
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    for question in (
        "Je n'ai pas reçu mon courrier ou mon courriel",
        "J'ai perdu mon identifiant ou mon code confidentiel",
        "Ma connexion est bloquée", "bloquée pendant 15 minutes",
        "Le site me demande ma date de naissance",
        "Quel navigateur ou quel téléphone utiliser ?",
        "Qu'est-ce que l'accusé de réception et le numéro de suivi ?",
        "Mon vote est-il secret ?", "Qui contacter ?",
    ):  # fmt: skip
        assert question in body, question
    assert body.count("<details>") >= 9 and body.count("<summary>") == body.count("<details>")
    assert scan_html(response.content.decode(), "aide") == []


def test_cctp_5_1_3_2_support_line_on_the_public_resend_form(world: World) -> None:
    """The elector who has not received the material finds the support on the resend form."""
    body = Client().get(reverse("resend-public:form")).content.decode()
    footer = body[body.index('<footer class="foot">') :]
    assert "09 70 00 00 00" in footer and "assistance@elections-cci.test" in footer


def test_faq_links_to_the_resend_form(world: World) -> None:
    body = Client().get(reverse("help:faq")).content.decode()
    assert f'href="{reverse("resend-public:form")}"' in body
