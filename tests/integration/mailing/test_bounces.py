"""Bounces (CCTP 5.2.3.1): delivery-status notifications (RFC 3464) read from a real maildir,
matched to the elector by VERP address, Message-ID or recipient, and shown as a list the COE
corrects through the electors list's own rules. Only the maildir source is exercised against a
real mailbox; the IMAP reader has no local server here (docs/mailing.md)."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.electoral.changes import ElectorChangeError
from scrutin.platform.electoral.models import Elector, ElectorChange, Urn
from scrutin.platform.mailing import bounces, services
from scrutin.platform.mailing.models import Bounce, Message

from .conftest import Sink
from .dsn import drop, dsn

pytestmark = pytest.mark.django_db(transaction=True)


def _sent(number: str) -> Message:
    return Message.objects.get(elector_number=number, status__in=["sent", "bounced", "delivered"])


def _verp(sink: Sink, message: Message) -> str:
    (mail,) = sink.to(message.address)
    return str(mail["X-Envelope-From"])


@pytest.fixture
def tested(electors: dict[str, int], sink: Sink) -> Sink:
    services.start_campaign("test", "011", None, user=None)
    return sink


def test_cctp_5_2_3_1_reports_in_the_maildir_are_matched_to_their_elector(
    tested: Sink, tmp_path: Path
) -> None:
    box = tmp_path / "retours"
    by_verp, by_id, by_address = (
        _sent("0110000000005"),
        _sent("0110000000006"),
        _sent("0110000000007"),
    )
    drop(box, dsn(to=_verp(tested, by_verp), recipient=by_verp.address))
    drop(
        box,
        dsn(
            to="retours@scrutin.test",
            recipient="alias@ailleurs.fr",
            status="5.2.2",
            diagnostic="smtp; 552 5.2.2 Mailbox full",
            original_message_id=by_id.message_id,
        ),
    )
    drop(
        box,
        dsn(
            to="retours@scrutin.test",
            recipient=by_address.address.upper(),
            status="5.1.2",
            diagnostic="X-Postfix; Host or domain name not found",
        ),
    )
    delivered = _sent("0110000000009")
    drop(
        box,
        dsn(
            to=_verp(tested, delivered),
            recipient=delivered.address,
            action="delivered",
            status="2.0.0",
            diagnostic="",
        ),
    )
    delayed = _sent("0110000000010")
    drop(
        box,
        dsn(
            to=_verp(tested, delayed),
            recipient=delayed.address,
            action="delayed",
            status="4.4.1",
            diagnostic="",
        ),
    )
    drop(box, dsn(to="retours@scrutin.test", recipient="personne@nulle-part.fr"))
    drop(
        box, b"From: absent@exemple-011.fr\r\nSubject: Absent du bureau\r\n\r\nJe suis absent.\r\n"
    )

    counts = bounces.collect(maildir=str(box), imap_url="")

    assert counts == {
        "read": 7,
        "bounced": 3,
        "delivered": 1,
        "other": 1,
        "unmatched": 1,
        "not_a_report": 1,
    }
    dsn_bounces = {b.elector_number: b for b in Bounce.objects.filter(source="dsn")}
    assert set(dsn_bounces) == {"0110000000005", "0110000000006", "0110000000007"}
    assert dsn_bounces["0110000000006"].diagnostic == "Boîte aux lettres pleine (code 5.2.2)."
    assert (
        dsn_bounces["0110000000007"].diagnostic == "Domaine de l'adresse inexistant (code 5.1.2)."
    )
    assert _sent("0110000000005").status == "bounced"
    assert Message.objects.get(pk=delivered.pk).status == "delivered"
    assert Message.objects.get(pk=delayed.pk).status == "sent"
    # with the two SMTP refusals of the campaign, five electors of 011 are on the list
    assert services.bounced_numbers("011") == {
        "0110000000003",
        "0110000000017",
        "0110000000005",
        "0110000000006",
        "0110000000007",
    }
    # the messages taken are flagged seen: a second collection reads nothing
    assert all("S" in m.get_flags() for m in mailbox.Maildir(str(box), create=False))
    assert bounces.collect(maildir=str(box), imap_url="") == {}
    entry = JournalEntry.objects.filter(event="mailing:bounce:collect").get()
    assert entry.data["bounced"] == 3


def test_a_report_delivered_twice_counts_once(tested: Sink, tmp_path: Path) -> None:
    box = tmp_path / "retours"
    message = _sent("0110000000005")
    raw = dsn(to=_verp(tested, message), recipient=message.address)
    drop(box, raw)
    drop(box, raw)
    assert bounces.collect(maildir=str(box), imap_url="")["already"] == 1
    assert Bounce.objects.filter(source="dsn").count() == 1


def test_a_forged_verp_tag_is_not_trusted(tested: Sink, tmp_path: Path) -> None:
    victim = _sent("0110000000005")
    drop(
        tmp_path / "b",
        dsn(to=f"retours+{victim.pk}-00000000@scrutin.test", recipient="x@ailleurs.fr"),
    )
    assert bounces.collect(maildir=str(tmp_path / "b"), imap_url="")["unmatched"] == 1
    assert not Bounce.objects.filter(source="dsn").exists()


def test_collect_bounces_command_prints_french_counts(tested: Sink, tmp_path: Path) -> None:
    message = _sent("0110000000005")
    drop(tmp_path / "b", dsn(to=_verp(tested, message), recipient=message.address))
    _register()
    result = CliRunner().invoke(
        app, ["mailing", "collect-bounces", "--maildir", str(tmp_path / "b")]
    )
    assert result.exit_code == 0, result.output
    assert "adresses rejetées rattachées à un électeur : 1" in result.output


def test_cctp_5_2_3_1_coe_corrects_a_bounced_address_then_retests(tested: Sink) -> None:
    number = "0110000000003"
    services.correct_address(
        number,
        "bonne.adresse@exemple-011.fr",
        authority="cele",
        reference="Décision CELE n° 12",
        reason="Adresse rejetée au test",
    )
    assert Elector.objects.get(number=number).email == "bonne.adresse@exemple-011.fr"
    assert number not in services.bounced_numbers("011")
    change = ElectorChange.objects.get(number=number)
    assert change.action == "correct" and change.reference == "Décision CELE n° 12"
    assert JournalEntry.objects.filter(
        event="mailing:address:correct", data__elector=number
    ).exists()
    retest = services.start_campaign("test", "011", [number], user=None)
    retest.refresh_from_db()
    assert (retest.total, retest.sent) == (1, 1)
    assert len(tested.to("bonne.adresse@exemple-011.fr")) == 1


def test_a_sealed_list_refuses_the_correction_in_french(tested: Sink) -> None:
    number = "0110000000017"
    Urn.objects.filter(electors__number=number).update(sealed_at="2026-12-01T10:00:00Z")
    with pytest.raises(ElectorChangeError, match="scellée"):
        services.correct_address(
            number, "autre@exemple-011.fr", authority="cele", reference="x", reason="y"
        )
    assert number in services.bounced_numbers("011")
    assert Elector.objects.get(number=number).email.startswith("inconnu")


def test_a_malformed_address_is_refused_naming_the_field(tested: Sink) -> None:
    with pytest.raises(ElectorChangeError) as err:
        services.correct_address(
            "0110000000003", "pas une adresse", authority="cele", reference="x", reason="y"
        )
    assert any("mail" in (i.column or "").lower() for i in err.value.issues), err.value.issues
    assert "0110000000003" in services.bounced_numbers("011")
