"""Property: every valid selection encrypts to an accepted ballot; no invalid one is accepted."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrutin.crypto import elgamal
from scrutin.crypto.ballot import (
    InvalidBallot,
    InvalidSelection,
    ballot_to_json,
    check_ballot_json,
    encrypt_ballot,
)
from scrutin.crypto.dlog import solve
from scrutin.crypto.encoding import encode_point
from scrutin.crypto.group import get_group
from scrutin.crypto.params import (
    Candidate,
    CandidateId,
    ElectionId,
    ElectionParameters,
    Fingerprint,
    Question,
    QuestionId,
)
from tests.strategies.crypto import group_names, invalid_selections, selections


def params_for(group: str, k: int, m: int, x: int) -> ElectionParameters:
    g = get_group(group)
    return ElectionParameters(
        ElectionId("prop"),
        "prop",
        group,
        encode_point(g, g.base_mul(x)),
        Fingerprint(hashlib.sha256(b"t").hexdigest()),
        "00" * 32,
        (
            Question(
                QuestionId("q"),
                "Q",
                tuple(Candidate(CandidateId(f"c{i}"), "c") for i in range(k)),
                m,
            ),
        ),
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), group=group_names, k=st.integers(1, 5))
def test_valid_selections_are_accepted_and_decrypt(data: st.DataObject, group: str, k: int) -> None:
    m = data.draw(st.integers(1, k))
    sel = data.draw(selections(k, m))
    g = get_group(group)
    x = g.random_scalar()
    params = params_for(group, k, m, x)
    doc = ballot_to_json(g, encrypt_ballot(params, [sel]))
    ballot = check_ballot_json(params, doc)
    answer = ballot.answers[0]
    assert [solve(g, elgamal.decrypt_to_point(g, x, c), 1) for c in answer.choices] == sel
    assert solve(g, elgamal.decrypt_to_point(g, x, answer.blank), 1) == (0 if any(sel) else 1)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), group=group_names, k=st.integers(2, 5))
def test_invalid_selections_cannot_be_encrypted(data: st.DataObject, group: str, k: int) -> None:
    m = data.draw(st.integers(1, k - 1))
    sel = data.draw(invalid_selections(k, m))
    params = params_for(group, k, m, 12345)
    with pytest.raises(InvalidSelection):
        encrypt_ballot(params, [sel])


@settings(max_examples=15, deadline=None)
@given(position=st.integers(0, 10_000), flip=st.integers(1, 15))
def test_any_changed_hex_digit_is_rejected(position: int, flip: int) -> None:
    g = get_group("ristretto255")
    params = params_for("ristretto255", 3, 2, 777)
    doc = ballot_to_json(g, encrypt_ballot(params, [[1, 0, 1]]))
    fields = [
        (a, key)
        for a in [doc["answers"][0]["choices"][i] for i in range(3)] + [doc["answers"][0]["blank"]]
        for key in ("alpha", "beta")
    ]
    target, key = fields[position % len(fields)]
    value = target[key]
    i = position % len(value)
    target[key] = value[:i] + format((int(value[i], 16) + flip) % 16, "x") + value[i + 1 :]
    with pytest.raises(InvalidBallot):
        check_ballot_json(params, doc)
