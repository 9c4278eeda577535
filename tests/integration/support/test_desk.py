"""The support desk's elector card and contact log (CCTP 5.1.3.2, 5.1.3.2.4; issue 14).

An agent sees who the elector is, where the material went, whether a resend is pending and
whether they have voted (yes/no) — never the code nor the vote. Every contact is logged with
the requester's name, channel, day and time and nature; CCI France gets the log as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.credentials import codes
from scrutin.platform.credentials.models import Credential, GenerationRun, RecipientKey
from scrutin.platform.credentials.services import _pepper
from scrutin.platform.electoral.models import Elector, Urn
from scrutin.platform.support.models import ContactLog
from scrutin.platform.voting import cast
from scrutin.platform.voting.models import Emargement
from tests.integration.accounts.world import World, make_user
from tests.integration.voting.conftest import ballot_for, open_urn  # noqa: F401 (fixture)

from .conftest import signed_in

CONTACT = {"requester_name": "Lucie  Martin", "channel": "telephone", "nature": "perdu",
           "details": "Courrier jeté par erreur.", "level": "1"}  # fmt: skip


def _when(delta: timedelta = timedelta()) -> str:
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def _pages(client: Client, number: str) -> list[str]:
    """Every support page an agent can open about this elector, rendered."""
    urls = [reverse("support:elector", args=[number]), reverse("support:contacts"),
            reverse("support:search") + f"?q={number}"]  # fmt: skip
    return [client.get(url).content.decode() for url in urls]


@pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)
def test_cctp_5_1_3_2_no_code_and_no_vote_in_any_support_page(
    open_urn: Urn,  # noqa: F811
) -> None:
    elector = Elector.objects.filter(urn=open_urn).order_by("number").first()
    assert elector is not None
    code = codes.random_codes(1)[0]
    digest = codes.code_hash(_pepper(), elector.number, code)
    recipient = RecipientKey.objects.create(label="Opérateur", public_key=bytes(32),
                                            fingerprint="0" * 64)  # fmt: skip
    run = GenerationRun.objects.create(cci_code="011", mode=GenerationRun.Mode.ONE,
                                       status=GenerationRun.Status.DONE, recipient=recipient)  # fmt: skip
    Credential.objects.create(elector=elector, cci_code="011", code_hash=digest,
                              issued_at=timezone.now(), run=run)  # fmt: skip
    ballot = ballot_for(open_urn)
    result = cast.cast_ballot(elector, ballot)
    voted_at = timezone.now() - timedelta(hours=3, minutes=13)  # apart from the contact's time
    Emargement.objects.filter(elector_number=elector.number).update(voted_at=voted_at)
    Elector.objects.filter(pk=elector.pk).update(birth_date=date(1968, 7, 14))
    agent = make_user("SUPPORT", ["011"], name="agent@assistance.test")
    client = signed_in(agent)
    client.post(reverse("support:elector", args=[elector.number]),
                {**CONTACT, "contacted_at": _when()})  # fmt: skip
    pages = _pages(client, elector.number)
    forbidden = {
        "code": code, "formatted code": codes.format_code(code), "code hash": digest.hex(),
        "tracker": result.tracker, "tracker start": result.tracker[:16],
        "birth date": "14/07/1968", "birth date (file)": "14071968", "birth date (iso)": "1968-07-14",
        "time of the vote": timezone.localtime(voted_at).strftime("%H:%M"),
        "ciphertext": str(ballot)[40:80],
    }  # fmt: skip
    for page in pages:
        for what, value in forbidden.items():
            assert value not in page, what
    card = pages[0]
    assert 'A déjà voté</dt><dd id="a-vote">oui' in card
    assert "Date de naissance demandée à la connexion</dt><dd>oui" in card


@pytest.mark.django_db
def test_card_says_not_voted_and_journals_each_opening(world: World, agent_011: User) -> None:
    client = signed_in(agent_011)
    before = JournalEntry.objects.filter(event="support:elector:view").count()
    page = client.get(reverse("support:elector", args=[world.own.elector]))
    assert page.status_code == 200
    assert 'id="a-vote">non' in page.content.decode()
    entry = JournalEntry.objects.filter(event="support:elector:view").order_by("sequence").last()
    assert entry is not None and entry.sequence > 0
    assert JournalEntry.objects.filter(event="support:elector:view").count() == before + 1
    assert entry.data == {"number": world.own.elector}
    assert entry.actor == "agent-011@assistance.test" and entry.cci_code == "011"


@pytest.mark.django_db
def test_cctp_5_1_3_2_4_contact_recorded_from_the_card_listed_and_journaled(
    world: World, agent_011: User
) -> None:
    client = signed_in(agent_011)
    url = reverse("support:elector", args=[world.own.elector])
    response = client.post(url, {**CONTACT, "contacted_at": _when()})
    assert response.status_code == 302
    contact = ContactLog.objects.get()
    assert (contact.requester_name, contact.channel, contact.nature, contact.level) == (
        "Lucie Martin",
        "telephone",
        "perdu",
        1,
    )
    assert (contact.elector_number, contact.cci_code, contact.agent) == (
        world.own.elector,
        "011",
        agent_011,
    )
    assert abs(contact.contacted_at - timezone.now()) < timedelta(minutes=2)
    listing = client.get(reverse("support:contacts")).content.decode()
    assert "Lucie Martin" in listing and "Identifiant ou code perdu" in listing
    entry = JournalEntry.objects.get(event="support:contact:create")
    assert entry.data["nature"] == "perdu" and "Lucie" not in str(entry.data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"requester_name": ""}, "Indiquez le nom et le prénom du demandeur."),
        ({"channel": "fax"}, "Canal : choisissez téléphone ou courriel."),
        ({"nature": ""}, "Choisissez la nature de la demande."),
        ({"contacted_at": "hier"}, "Date et heure du contact : format attendu 31/10/2026 14:30."),
        ({"contacted_at": _when(timedelta(hours=3))},
         "Date et heure du contact : elles sont dans le futur."),
    ],
)  # fmt: skip
def test_a_wrong_contact_is_refused_with_a_french_message_naming_the_field(
    world: World, agent_011: User, change: dict[str, str], message: str
) -> None:
    response = signed_in(agent_011).post(
        reverse("support:contact-new"), {**CONTACT, "contacted_at": _when(), **change}
    )
    assert response.status_code == 400
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not ContactLog.objects.exists()


@pytest.mark.django_db
def test_contacts_of_another_cci_are_not_listed(world: World, agent_011: User) -> None:
    agent_974 = make_user("SUPPORT", ["974"], name="agent-974@assistance.test")
    signed_in(agent_974).post(reverse("support:elector", args=[world.other.elector]),
                              {**CONTACT, "requester_name": "Jean Hoarau",
                               "contacted_at": _when()})  # fmt: skip
    assert ContactLog.objects.get().cci_code == "974"
    listing = signed_in(agent_011).get(reverse("support:contacts")).content.decode()
    assert "Jean Hoarau" not in listing and "Aucun contact noté." in listing


@pytest.mark.django_db
def test_cctp_5_1_3_2_4_csv_export_for_cci_france_is_national_journaled_and_injection_safe(
    world: World, agent_011: User, national_admin: User
) -> None:
    signed_in(agent_011).post(reverse("support:contact-new"), {
        **CONTACT, "requester_name": '=HYPERLINK("http://x.test","clic")',
        "details": "@SUM(1+1)", "contacted_at": "2026-11-02T09:05"})  # fmt: skip
    assert signed_in(agent_011).get(reverse("support:export")).status_code == 403
    response = signed_in(national_admin).get(reverse("support:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Date et heure (Paris)", "Nom et prénom du demandeur", "Canal",
                           "Nature de la demande"]  # fmt: skip
    assert rows[1][:5] == ["02/11/2026 09:05", '\'=HYPERLINK("http://x.test","clic")',
                           "Téléphone", "Identifiant ou code perdu", "'@SUM(1+1)"]  # fmt: skip
    assert rows[1][-1] == "agent-011@assistance.test"
    entry = JournalEntry.objects.get(event="support:contacts:export")
    assert entry.data == {"rows": 1} and entry.actor == "admin@ccifrance.test"


@pytest.mark.django_db
def test_cctp_5_1_3_2_card_shows_the_dispatch_status_per_channel_never_the_text(
    world: World, agent_011: User
) -> None:
    from scrutin.platform.mailing.models import Campaign, Message

    number = world.own.elector
    campaign = Campaign.objects.create(kind="material", cci_code="011")
    sent_at = timezone.now() - timedelta(hours=2)
    Message.objects.create(campaign=campaign, elector_number=number, channel="email",
                           address="lucie@exemple.test", status="bounced", sent_at=sent_at,
                           last_error="Boîte aux lettres pleine.")  # fmt: skip
    Message.objects.create(campaign=campaign, elector_number=number, channel="sms",
                           address="+33612345678", status="sent", sent_at=sent_at)  # fmt: skip
    body = signed_in(agent_011).get(reverse("support:elector", args=[number])).content.decode()
    table = body[body.index("Dernier envoi par canal") :]
    assert (
        "Courriel</td><td>Matériel de vote</td><td>Revenu en erreur (adresse à corriger)" in table
    )
    assert "lucie@exemple.test" in table and "Boîte aux lettres pleine." in table
    assert "SMS</td><td>Matériel de vote</td><td>Envoyé</td><td>+33612345678" in table
    assert timezone.localtime(sent_at).strftime("%d/%m/%Y %H:%M") in table
