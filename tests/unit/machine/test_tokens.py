"""Voting tokens: the elector activates a terminal with a one-time code (RT 8, 14, 24)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from scrutin.machine.core import tokens
from scrutin.machine.core.machine import Machine, MachineError


def test_rt_8_24_a_token_activates_a_terminal_once_for_its_scrutins(
    prepared: Callable[..., Machine],
) -> None:
    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    code = tokens.issue(m, ["municipales"])
    assert len(code) == 8 and code not in "".join(e.text + str(e.data) for e in m.journal)
    tokens.redeem(m, 2, tokens.shown(code))  # typed with the space it is printed with
    act = m.state.terminals[2].activation
    assert act is not None and act.scrutins == ("municipales",)
    m.deactivate(2)
    with pytest.raises(MachineError, match="pas valable"):
        tokens.redeem(m, 2, code)  # used up (RT 14)
    again = Machine(*m.roots.values())  # and still after a restart
    with pytest.raises(MachineError, match="pas valable"):
        tokens.redeem(again, 1, code)


def test_rt_8_expired_and_guessed_tokens_are_refused_then_the_terminal_stops_taking_codes(
    prepared: Callable[..., Machine],
) -> None:
    clock = [datetime.now(UTC)]
    m = prepared(now=lambda: clock[0])
    m.open("Claire Martin", "Paul Durand")
    code = tokens.issue(m, ["municipales", "departementales"])
    clock[0] += timedelta(minutes=16)
    with pytest.raises(MachineError, match="pas valable"):
        tokens.redeem(m, 1, code)
    for guess in ("00000000", "12345678", "1", "abcdefgh"):
        with pytest.raises(MachineError, match="pas valable"):
            tokens.redeem(m, 1, guess)
    fresh = tokens.issue(m, ["municipales"])
    with pytest.raises(MachineError, match="Trop de jetons"):
        tokens.redeem(m, 1, fresh)
    assert Machine(*m.roots.values()).state.token_failures[1] == 5  # replayed from the journal
    m.activate(1, ["municipales"])  # the president's activation resets the count
    m.deactivate(1)
    tokens.redeem(m, 1, fresh)
    assert m.state.terminals[1].active
