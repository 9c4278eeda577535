"""Codes drawn for the material sent by e-mail or SMS (issue 14; CCTP 5.2.3, 5.2.3.2, 5.1.3.3):
the plaintext is returned in memory only, its HMAC replaces the line's previous one."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrutin.platform.credentials import codes, services
from scrutin.platform.credentials.export import read_rows
from scrutin.platform.credentials.models import Credential, GenerationRun

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"])
NUMBER = "0110000000001"


def letter_codes(private: bytes) -> dict[str, str]:
    run = services.generate(services.new_run("011", "new"))
    return {row[0]: row[1] for row in read_rows(Path(run.export_path), private)}


def test_cctp_5_2_3_2_code_drawn_for_an_email_works_and_the_letter_code_dies(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    letter = letter_codes(operator_keys[0])
    run = services.mail_run("011", 41, reason="matériel par courriel")
    code = services.issue_for_dispatch(NUMBER, run)
    assert codes.is_well_formed(code)
    assert services.authenticate(NUMBER, code) is not None
    assert services.authenticate(NUMBER, letter[NUMBER]) is None
    other = "0110000000002"
    assert services.authenticate(other, letter[other]) is not None  # other lines untouched
    credential = Credential.objects.get(elector_id=NUMBER)
    assert credential.generation == 2 and credential.run_id == run.pk
    assert run.mode == GenerationRun.Mode.MAIL and run.recipient is None and not run.export_path


def test_cctp_5_1_3_3_revoke_kills_the_code_without_a_usable_one(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    letter = letter_codes(operator_keys[0])
    run = services.mail_run("011", 7)
    services.revoke(NUMBER, run)
    assert services.authenticate(NUMBER, letter[NUMBER]) is None
    fresh = services.issue_for_dispatch(NUMBER, run)
    assert services.authenticate(NUMBER, fresh) is not None
    assert Credential.objects.get(elector_id=NUMBER).generation == 3


def test_a_line_without_credential_gets_one_and_an_unknown_line_is_refused(
    electors: dict[str, int],
) -> None:
    run = services.mail_run("974", 3)
    code = services.issue_for_dispatch("9740000000001", run)
    assert services.authenticate("9740000000001", code) is not None
    assert Credential.objects.get(elector_id="9740000000001").generation == 1
    with pytest.raises(services.GenerationRefused, match="Aucun électeur"):
        services.issue_for_dispatch("9749999999999", run)


def test_one_mail_run_per_campaign(electors: dict[str, int]) -> None:
    first = services.mail_run("011", 12, reason="a")
    again = services.mail_run("011", 12, reason="b")
    assert first.pk == again.pk and again.reason == "a"
    assert services.mail_run("011", 13).pk != first.pk


def test_cctp_5_2_3_the_drawn_code_is_nowhere_in_the_database(
    electors: dict[str, int],
) -> None:
    run = services.mail_run("011", 5)
    code = services.issue_for_dispatch(NUMBER, run)
    credential = Credential.objects.get(elector_id=NUMBER)
    stored = bytes(credential.code_hash)
    assert code.encode() not in stored and codes.format_code(code).encode() not in stored
    dumped = repr(list(GenerationRun.objects.values())) + repr(list(Credential.objects.values()))
    assert code not in dumped and codes.format_code(code) not in dumped
