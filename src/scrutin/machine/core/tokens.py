"""Voting tokens: the second way to activate a terminal (RT 8, 24).

Instead of activating a terminal from the control module, the president may hand the elector a
one-time token: an 8-digit code, valid 15 minutes, for exactly the scrutins this elector may vote
in. The elector types it on any idle terminal, which is then activated for those scrutins; the
token is used up at that moment (journaled before the activation, so a power cut can never let it
serve twice). Only the SHA-256 of a code enters the journal. After 5 wrong codes on a terminal,
that terminal refuses codes until the president activates it: guessing among 10^8 codes, with at
most a few tokens alive, stays hopeless and is visible in the journal.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from scrutin.machine.core.machine import OPEN, Machine, MachineError

DIGITS = 8
VALID = timedelta(minutes=15)
MAX_FAILURES = 5


def token_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def shown(code: str) -> str:
    """How the code is printed for the elector: ``4821 7730``."""
    return f"{code[:4]}\u00a0{code[4:]}"


def issue(machine: Machine, scrutins: list[str]) -> str:
    """The president issues a token for these scrutins; returns the code to hand over."""
    machine._require(OPEN, "La délivrance d'un jeton de vote")
    chosen = machine.chosen_scrutins(scrutins)
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    expires = machine.now() + VALID
    machine.log(
        "token:issue", "président",
        f"Jeton de vote délivré pour {machine.titles(chosen)}, valable jusqu'à {expires:%H:%M}.",
        token=token_hash(code), scrutins=list(chosen), expires_at=expires.isoformat(timespec="seconds"),
    )  # fmt: skip
    machine.state.tokens[token_hash(code)] = (chosen, expires.isoformat(timespec="seconds"))
    return code


def redeem(machine: Machine, terminal: int, typed: str) -> int:
    """The elector types a token on an idle terminal; returns the activation number."""
    machine._require(OPEN, "L'utilisation d'un jeton de vote")
    t = machine._terminal(terminal)
    if t.active or t.blocked or t.block_requested:
        raise machine.refuse(f"Le terminal {terminal} n'attend pas de jeton.", "électeur")
    if machine.state.token_failures.get(terminal, 0) >= MAX_FAILURES:
        raise machine.refuse(
            "Trop de jetons erronés sur ce terminal : adressez-vous au président du bureau.",
            "électeur",
        )
    code = "".join(c for c in typed if c.isdigit())[: DIGITS + 1]
    entry = machine.state.tokens.get(token_hash(code)) if len(code) == DIGITS else None
    if entry is None or datetime.fromisoformat(entry[1]) < machine.now():
        machine.log(
            "token:fail", "électeur", f"Jeton de vote erroné ou expiré saisi au terminal {terminal}.",
            terminal=terminal,
        )  # fmt: skip
        failures = machine.state.token_failures.get(terminal, 0) + 1
        machine.state.token_failures[terminal] = failures
        raise MachineError(
            "Ce jeton n'est pas valable : vérifiez les chiffres, ou adressez-vous au président "
            "du bureau."
        )
    machine.log(
        "token:redeem", "électeur", f"Jeton de vote utilisé au terminal {terminal}.",
        token=token_hash(code), terminal=terminal,
    )  # fmt: skip
    del machine.state.tokens[token_hash(code)]
    return machine.activate(terminal, list(entry[0]), by="électeur (jeton)")
