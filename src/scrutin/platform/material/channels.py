"""Which electors of a CCI get their material by e-mail instead of a letter (contract C6).

``electronic_numbers(cci_code)``: when the CCI's COE chose ``electronic`` in its dispatch
settings, every elector of the CCI with a non-empty e-mail address and no uncorrected bounce
(an SMTP refusal or a delivery-status notification collected by the test campaign, CCTP
5.2.3.1); otherwise nobody. The letters kit lists them so that no letter is printed for them
(CCTP 5.2.2: the paper material is for the electors who must receive it by post).
"""

from __future__ import annotations

from ..electoral.models import Elector
from .models import DispatchSettings


class ChannelError(RuntimeError):
    """The e-mail channel cannot be decided (French message for the page that asked)."""


def _bounced(cci_code: str) -> set[str]:
    """Electors of the CCI whose address bounced and was not corrected (mailing app, C3).

    Without the mailing app no bounce can be known: refuse rather than call every address good.
    """
    try:
        from ..mailing.services import bounced_numbers
    except ModuleNotFoundError as exc:
        if exc.name not in ("scrutin.platform.mailing", "scrutin.platform.mailing.services"):
            raise
        raise ChannelError(
            "Les adresses électroniques refusées ne sont pas encore suivies par la plate-forme : "
            "l'envoi du matériel par courriel ne peut pas être appliqué."
        ) from exc
    return set(bounced_numbers(cci_code))


def electronic_numbers(cci_code: str) -> set[str]:
    """Electors of ``cci_code`` whose material goes by e-mail (empty if the COE did not choose it)."""
    chosen = DispatchSettings.objects.filter(cci_code=cci_code, electronic=True).exists()
    if not chosen:
        return set()
    with_email = (
        Elector.objects.filter(cci_code=cci_code).exclude(email="").values_list("number", flat=True)
    )
    return set(with_email) - _bounced(cci_code)
