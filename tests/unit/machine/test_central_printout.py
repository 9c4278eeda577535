"""The printed acknowledgement of centralisation (RT 23): deterministic (golden file), in French,
made only from an acknowledgement whose signature holds and that names the file sent."""

from __future__ import annotations

from typing import Any

import nacl.signing
import pytest

from scrutin.machine.centralprint import ack_pdf
from scrutin.machine.core import centraldocs
from scrutin.machine.core.package import parse_package
from scrutin.machine.printouts import PrintoutError

from .conftest import package_doc
from .test_printouts import golden, squeeze, text_of

BUREAU_KEY = nacl.signing.SigningKey(bytes(range(1, 33)))
CENTRE_KEY = nacl.signing.SigningKey(bytes(range(33, 65)))


def sent_and_ack() -> tuple[dict[str, Any], dict[str, Any]]:
    p = parse_package(package_doc())
    sent = centraldocs.sign(BUREAU_KEY, {
        "format": centraldocs.BUREAU_RESULTS, "level": "bureau",
        "election": {"insee": p.insee, "commune": p.commune, "date": "2027-03-14"},
        "sender": "3", "sender_name": "École Jules-Ferry", "package": p.fingerprint,
        "scrutin": centraldocs.scrutin_description(p.scrutin("municipales")),
        "parameters": "0" * 64,
        "figures": {"registered": 900, "voters": 412, "null": 0,
                    "answers": [{"blank": 7, "cast": 405, "votes": [210, 120, 75]}]},
        "opened_at": "2027-03-14T08:00:02+01:00", "closed_at": "2027-03-14T18:00:40+01:00",
        "record": "1" * 64, "results": "2" * 64, "journal": "3" * 64,
        "exported_at": "2027-03-14T18:40:00+01:00",
    })  # fmt: skip
    ack = centraldocs.make_ack(
        CENTRE_KEY, level="commune", receiver={"code": "94078", "name": "Villeneuve-sur-Essai"},
        received=sent, number=4, received_at="2027-03-14T19:05:31+01:00", journal="4" * 64,
        replaces=None,
    )  # fmt: skip
    return sent, ack


def test_rt_23_the_acknowledgement_is_printed_in_french() -> None:
    sent, ack = sent_and_ack()
    pdf = ack_pdf(ack, sent)
    text = squeeze(text_of(pdf))
    for expected in (
        "ACCUSÉ DE RÉCEPTION N° 4",
        "Bureau centralisateur de la commune : Villeneuve-sur-Essai (94078)",
        "Élections du dimanche 14 mars 2027",
        "Bureau de vote n° 3 (École Jules-Ferry)",
        "Élection des conseillers municipaux",
        "Reçu le dimanche 14 mars 2027 à 19 h 05",
        "Votants412", "Suffrages exprimés405", "Liste Avenir210",
        centraldocs.doc_fingerprint(sent),
    ):  # fmt: skip
        assert squeeze(expected) in text, expected
    golden("machine-accuse-reception.pdf", pdf)


def test_rt_23_a_changed_or_foreign_acknowledgement_is_not_printed() -> None:
    sent, ack = sent_and_ack()
    with pytest.raises(PrintoutError, match="sa signature ne correspond pas"):
        ack_pdf(ack | {"number": 5}, sent)
    other = sent | {"sender": "4"}
    with pytest.raises(PrintoutError, match="ne porte pas sur le fichier de résultats envoyé"):
        ack_pdf(ack, other)
