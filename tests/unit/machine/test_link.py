"""The local link between the control module and the terminals is authenticated (RT 52, 70)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutin.machine.core import link

KEY = bytes(range(32))


def test_rt_70_an_answer_verifies_only_with_the_key_the_sender_and_the_nonce() -> None:
    request, nonce = link.request(2, "state")
    assert link.open_message(KEY, link.seal(KEY, request), sender="terminal") == request
    answer = link.answer(request, active=True)
    assert link.open_message(KEY, link.seal(KEY, answer), sender="control", nonce=nonce)["active"]
    with pytest.raises(link.LinkError, match="ne vient pas du module de contrôle"):
        link.open_message(KEY, link.seal(bytes(32), answer), sender="control", nonce=nonce)
    _, other = link.request(2, "state")
    with pytest.raises(link.LinkError, match="rejeu"):
        link.open_message(KEY, link.seal(KEY, answer), sender="control", nonce=other)
    with pytest.raises(link.LinkError, match="expéditeur"):
        link.open_message(KEY, link.seal(KEY, request), sender="control", nonce=nonce)


def test_rt_70_a_changed_message_is_refused() -> None:
    request, _ = link.request(1, "cast", scrutin="municipales", ballot={"a": 1})
    wire = json.loads(link.seal(KEY, request))
    wire["message"]["scrutin"] = "departementales"
    with pytest.raises(link.LinkError, match="ne vient pas d'un terminal"):
        link.open_message(KEY, json.dumps(wire).encode(), sender="terminal")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_rt_53_any_bytes_on_the_link_are_a_french_refusal(data: bytes) -> None:
    with pytest.raises(link.LinkError):
        link.open_message(KEY, data, sender="terminal")
