"""Account administration leaves its trace in the journal (issue 8; CCTP 4.2.2.1): managers file
imports (accepted or refused), activations, second-factor enrolments."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from django.contrib.auth.models import User

from scrutin.platform.accounts import services
from scrutin.platform.audit.models import JournalEntry

from .test_managers_import import ccis, write  # noqa: F401 - fixture
from .world import SmtpSink, smtp_sink  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)


def events() -> list[tuple[str, str]]:
    return list(JournalEntry.objects.order_by("sequence").values_list("event", "actor"))


def test_cctp_4_2_2_1_import_activation_and_second_factor_are_journaled(
    tmp_path: Path,
    ccis: None,  # noqa: F811
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    services.import_managers(write(tmp_path, "CELE;Durand;Anne;anne@cci011.fr;011\r\n"))
    services.import_managers(write(tmp_path, "CELE;Durand;Anne;pas-une-adresse;999\r\n", "bad.csv"))
    user = User.objects.get(username="anne@cci011.fr")
    services.activate(user, "Un-mot-de-passe-solide-2026")
    device = services.start_totp(user)
    assert services.check_totp(device, pyotp.TOTP(services.totp_secret(device)).now())
    journal = events()
    assert [e for e, _ in journal] == ["accounts:file:import", "accounts:file:import", "accounts:user:activate",
                                       "accounts:factor:enrol"]  # fmt: skip
    imports = JournalEntry.objects.filter(event="accounts:file:import").order_by("sequence")
    assert [e.data["accepted"] for e in imports] == [True, False]
    assert journal[2][1] == journal[3][1] == "anne@cci011.fr"
