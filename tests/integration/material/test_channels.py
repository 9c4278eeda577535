"""C6: which electors get their material by e-mail instead of a letter (CCTP 5.2.2, 5.2.3.1)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from scrutin.platform.electoral.models import Elector
from scrutin.platform.mailing.models import Bounce
from scrutin.platform.material import services
from scrutin.platform.material.channels import electronic_numbers

from .conftest import approve, choose, client_for

pytestmark = pytest.mark.django_db


def _numbers() -> list[str]:
    return list(Elector.objects.filter(cci_code="011").order_by("number")
                .values_list("number", flat=True))  # fmt: skip


def _bounce(number: str, *, corrected: bool = False) -> None:
    now = timezone.now()
    Bounce.objects.create(cci_code="011", elector_number=number, address="x@entreprise.test",
                          source="dsn", diagnostic="550 5.1.1 adresse inconnue", received_at=now,
                          corrected_at=now if corrected else None)  # fmt: skip


def test_cctp_5_2_2_everyone_gets_a_letter_unless_the_coe_chose_email(president: User) -> None:
    Elector.objects.filter(cci_code="011").update(email="electeur@entreprise.test")
    assert electronic_numbers("011") == set()
    choose(president, electronic=False)
    assert electronic_numbers("011") == set()


def test_cctp_5_2_3_1_email_only_for_addresses_that_did_not_bounce(president: User) -> None:
    first, second, third, _no_address = _numbers()
    Elector.objects.filter(number__in=[first, second, third]).update(email="e@entreprise.test")
    _bounce(second)  # refused by the test campaign, not corrected: gets a letter
    _bounce(third, corrected=True)  # corrected by the COE: e-mail again
    choose(president, electronic=True)
    assert electronic_numbers("011") == {first, third}  # the fourth has no address
    assert electronic_numbers("974") == set()  # another CCI's choice is its own


def test_cctp_5_2_2_kit_lists_the_email_electors_so_no_letter_is_printed(
    president: User, admin: User
) -> None:
    first, second, *_ = _numbers()
    Elector.objects.filter(number__in=[first, second]).update(email="e@entreprise.test")
    _bounce(first)
    choose(president, electronic=True)
    approve(president)
    services.approve_national(["011"], user=admin)
    response = client_for(admin).get("/gestion/materiel/national/cci/011/kit.json")
    assert json.loads(response.content)["kit"]["electronic"] == [second]
