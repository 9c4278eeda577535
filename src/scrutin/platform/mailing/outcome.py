"""What happened to one hand-over to SMTP or to the SMS provider."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """``sent``: handed over (``reference``: provider id of an SMS); ``permanent``: refused for
    good (the address is wrong: a bounce); otherwise a temporary failure, retried later."""

    sent: bool
    permanent: bool = False
    code: int | None = None
    diagnostic: str = ""  # French
    reference: str = ""

    @classmethod
    def ok(cls, reference: str = "") -> Outcome:
        return cls(True, reference=reference)
