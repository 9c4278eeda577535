"""Which electors of a CCI get their material by e-mail instead of a letter (contract C6).

``electronic_numbers(cci_code)``: when the CCI's COE chose ``electronic`` in its dispatch
settings, every elector of the CCI with a non-empty e-mail address and no uncorrected bounce
(an SMTP refusal or a delivery-status notification collected by the test campaign, CCTP
5.2.3.1); otherwise nobody. The letters kit lists them so that no letter is printed for them
(CCTP 5.2.2: the paper material is for the electors who must receive it by post).
"""

from __future__ import annotations

from ..electoral.models import Elector
from ..mailing.services import bounced_numbers
from .models import DispatchSettings


def electronic_numbers(cci_code: str) -> set[str]:
    """Electors of ``cci_code`` whose material goes by e-mail (empty if the COE did not choose it)."""
    chosen = DispatchSettings.objects.filter(cci_code=cci_code, electronic=True).exists()
    if not chosen:
        return set()
    with_email = (
        Elector.objects.filter(cci_code=cci_code).exclude(email="").values_list("number", flat=True)
    )
    return set(with_email) - bounced_numbers(cci_code)
