"""C6: which electors get their material by e-mail instead of a letter (CCTP 5.2.2, 5.2.3.1)."""

from __future__ import annotations

import importlib.util

import pytest
from django.contrib.auth.models import User

from scrutin.platform.electoral.models import Elector
from scrutin.platform.material.channels import ChannelError, electronic_numbers

from .conftest import choose

pytestmark = pytest.mark.django_db

MAILING = importlib.util.find_spec("scrutin.platform.mailing") is not None


def test_cctp_5_2_2_everyone_gets_a_letter_unless_the_coe_chose_email(president: User) -> None:
    Elector.objects.filter(cci_code="011").update(email="electeur@entreprise.test")
    assert electronic_numbers("011") == set()
    choose(president, electronic=False)
    assert electronic_numbers("011") == set()


@pytest.mark.skipif(MAILING, reason="the mailing app is installed: bounces are known")
def test_cctp_5_2_3_1_email_choice_refused_while_bounces_cannot_be_known(president: User) -> None:
    Elector.objects.filter(cci_code="011").update(email="electeur@entreprise.test")
    choose(president, electronic=True)
    with pytest.raises(ChannelError, match="ne peut pas être appliqué"):
        electronic_numbers("011")
