"""The test campaign (CCTP 5.2.3.1) through a real SMTP server: one transactional e-mail per
elector with an address, refusals recorded as bounces, a temporary refusal retried."""

from __future__ import annotations

import pytest

from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.electoral.models import Elector
from scrutin.platform.mailing import composers, engine, services
from scrutin.platform.mailing.models import Bounce, Campaign, Message

from .conftest import Sink

pytestmark = pytest.mark.django_db(transaction=True)


def test_cctp_5_2_3_1_test_email_reaches_every_elector_of_the_cci_with_an_address(
    electors: dict[str, int], sink: Sink
) -> None:
    campaign = services.start_campaign("test", "011", None, user=None)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DONE, campaign.message
    assert campaign.total == 40
    assert (campaign.sent, campaign.refused, campaign.failed) == (38, 2, 0)
    assert engine.read_progress(campaign.pk) == 100
    # every elector of 011 except the two refused got exactly one e-mail; none went to 974
    addresses = [m["X-Envelope-To"] for m in sink.messages]
    assert len(addresses) == len(set(addresses)) == 38
    assert all("exemple-011.fr" in a for a in addresses)
    # the temporary refusal (451) was retried and went through at the second attempt
    later = Message.objects.get(campaign=campaign, address__startswith="plus.tard")
    assert (later.status, later.attempts) == ("sent", 2)
    assert len(sink.to(later.address)) == 1


def test_cctp_5_2_3_1_the_email_is_transactional_with_a_text_part_and_the_support(
    electors: dict[str, int], sink: Sink
) -> None:
    services.start_campaign("test", "011", ["0110000000001"], user=None)
    (mail,) = sink.messages
    elector = Elector.objects.select_related("urn").get(number="0110000000001")
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["From"] == "elections@scrutin.test"
    assert "List-Unsubscribe" not in mail
    # the envelope sender is the bounce address (VERP), so delivery reports come back to us
    assert mail["X-Envelope-From"].startswith("retours+") and mail["X-Envelope-From"].endswith(
        "@scrutin.test"
    )
    row = Message.objects.get(elector_number=elector.number)
    assert mail["Message-ID"] == row.message_id
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in mail.walk()
        if not p.is_multipart()
    }
    assert set(parts) == {"text/plain", "text/html"}
    for body in parts.values():
        assert elector.urn.cci_phone in body
        assert elector.urn.cci_email in body
        assert elector.number in body
        assert "désinscri" not in body.lower()


def test_cctp_5_2_3_1_smtp_refusals_become_bounces_with_a_french_diagnostic(
    electors: dict[str, int], sink: Sink
) -> None:
    services.start_campaign("test", "011", None, user=None)
    bounces = list(Bounce.objects.order_by("elector_number"))
    assert [b.elector_number for b in bounces] == ["0110000000003", "0110000000017"]
    assert all(b.source == "smtp" and b.cci_code == "011" for b in bounces)
    assert (
        bounces[0].diagnostic
        == "Adresse inexistante : la boîte aux lettres n'existe pas (code 5.1.1)."
    )
    assert services.bounced_numbers("011") == {"0110000000003", "0110000000017"}
    assert services.bounced_numbers("974") == set()
    refused = services.status_of("0110000000003")
    assert [(m.channel, m.status) for m in refused] == [("email", "refused")]


def test_campaign_start_and_end_are_journaled(electors: dict[str, int], sink: Sink) -> None:
    campaign = services.start_campaign("test", "974", None, user=None)
    events = list(JournalEntry.objects.filter(event__startswith="mailing:").order_by("sequence"))
    assert [e.event for e in events] == [
        "mailing:campaign:send-init",
        "mailing:campaign:send-complete",
    ]
    assert events[0].data == {"campaign": campaign.pk, "kind": "test", "messages": 10}
    assert events[1].data["outcome"] == "done" and events[1].data["sent"] == 10


def test_unknown_number_is_refused_in_french(electors: dict[str, int]) -> None:
    with pytest.raises(services.CampaignError, match="absent"):
        services.start_campaign("test", "011", ["9740000000001"], user=None)
    assert not Campaign.objects.exists()


def test_the_composer_registry_knows_the_test_kind() -> None:
    assert composers.registered("test").select is not None
    with pytest.raises(LookupError, match="Aucun modèle"):
        composers.registered("nothing")


def test_issue_14_a_row_left_sending_by_a_crash_is_not_resent_for_a_test_campaign(
    electors: dict[str, int], sink: Sink
) -> None:
    """What a resume does with the message that was in flight (docs/mailing.md): the test
    kind counts it sent "à confirmer" and never sends it again."""
    campaign = Campaign.objects.create(kind="test", cci_code="974", status="running",
                                       started_at="2026-12-04T10:00:00Z", total=2)  # fmt: skip
    Message.objects.create(campaign=campaign, elector_number="9740000000001", channel="email",
                           address="electeur1@exemple-974.fr", status="sending", attempts=1)  # fmt: skip
    Message.objects.create(campaign=campaign, elector_number="9740000000002", channel="email",
                           address="electeur2@exemple-974.fr")  # fmt: skip
    assert engine.run(campaign.pk).finished
    campaign.refresh_from_db()
    assert (campaign.status, campaign.sent, campaign.uncertain) == ("done", 1, 1)
    assert [m["X-Envelope-To"] for m in sink.messages] == ["electeur2@exemple-974.fr"]
    (left,) = services.status_of("9740000000001")
    assert left.status_label == "Envoyé (à confirmer)"
