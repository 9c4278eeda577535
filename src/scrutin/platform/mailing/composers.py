"""What each kind of campaign sends: the composer registry (contract C3 of issue 14).

A composer is ``fn(campaign, elector) -> list[Outgoing]``, registered for one campaign kind with
:func:`composer`. The send loop (``mailing.engine``) calls it one elector at a time, inside a
transaction it controls, right before handing the messages to SMTP/SMS; it may have side effects
(issue a new credential): the engine calls it again for that elector only if the previous attempt
handed nothing to SMTP/SMS (a temporary failure, or a crash before the hand-over when the kind
asked for ``resend_uncertain``). Returning ``[]`` skips the elector (no address any more).

The ``test`` composer (CCTP 5.2.3.1) lives here; ``material``, ``reminder`` and ``resend`` live
in ``mailing.material`` (imported by :func:`load_composers`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from ..electoral.models import Elector
    from .models import Campaign


@dataclass(frozen=True)
class Outgoing:
    """One message to hand over: ``channel`` "email" (``to`` an address) or "sms" (``to`` an
    E.164 number; ``subject`` and ``html`` ignored)."""

    channel: str
    to: str
    subject: str
    text: str
    html: str | None = None


ComposeFn = Callable[["Campaign", "Elector"], list[Outgoing]]
SelectFn = Callable[[str], "QuerySet[Elector]"]


@dataclass(frozen=True)
class Registered:
    kind: str
    compose: ComposeFn
    # electors a campaign started without a list of numbers goes to (None: every elector of the CCI)
    select: SelectFn | None
    # the channel of the row queued per elector (the composer may add rows for other channels)
    channel: str
    # after a crash, a row left "sending" may have left: True = compose and send again (the kind's
    # composer makes a second message harmless, e.g. a new code kills the previous one);
    # False = count it as sent, to be confirmed, and never resend (docs/mailing.md)
    resend_uncertain: bool


_REGISTRY: dict[str, Registered] = {}
OPTIONAL_MODULES = ("scrutin.platform.mailing.material",)


def composer(
    kind: str,
    *,
    select: SelectFn | None = None,
    channel: str = "email",
    resend_uncertain: bool = False,
) -> Callable[[ComposeFn], ComposeFn]:
    """Register ``fn(campaign, elector) -> list[Outgoing]`` as the composer of ``kind``."""

    def decorator(fn: ComposeFn) -> ComposeFn:
        _REGISTRY[kind] = Registered(kind, fn, select, channel, resend_uncertain)
        return fn

    return decorator


def registered(kind: str) -> Registered:
    """The composer of ``kind``; ``LookupError`` (French) when no module registered one."""
    load_composers()
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise LookupError(
            f"Aucun modèle de message n'est défini pour les envois « {kind} »."
        ) from None


def load_composers() -> None:
    """Import the modules that register composers (those not built yet are skipped)."""
    for name in OPTIONAL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def support_of(elector: Elector) -> dict[str, str]:
    """The support phone, e-mail and message of the elector's urn (structure file, CCTP 5.1.3.2)."""
    urn = elector.urn
    return {"phone": urn.cci_phone, "email": urn.cci_email, "message": urn.assistance_message}


def _with_email(cci_code: str) -> QuerySet[Elector]:
    from ..electoral.models import Elector

    return Elector.objects.filter(cci_code=cci_code).exclude(email="")


@composer("test", select=_with_email)
def compose_test(campaign: Campaign, elector: Elector) -> list[Outgoing]:
    """CCTP 5.2.3.1: a test e-mail to check the address before the voting material is sent."""
    if not elector.email:
        return []
    context: dict[str, Any] = {
        "elector": elector, "cci": elector.urn.cci, "support": support_of(elector),
    }  # fmt: skip
    return [
        Outgoing(
            channel="email",
            to=elector.email,
            subject=f"Élections de la {elector.urn.cci.label} : vérification de votre adresse",
            text=render_to_string("mailing/test_email.txt", context),
            html=render_to_string("mailing/test_email.html", context),
        )
    ]
