"""The shared vectors (tests/vectors/) hold for the Python implementation, in both groups."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scrutin.crypto import elgamal
from scrutin.crypto.ballot import (
    InvalidBallot,
    ballot_to_json,
    ballot_tracker,
    check_ballot_json,
    encrypt_ballot,
    parse_ballot,
    randomness_from_json,
)
from scrutin.crypto.encoding import (
    EncodingError,
    Transcript,
    decode_point,
    decode_scalar,
    encode_point,
    hex_bytes,
)
from scrutin.crypto.group import GROUP_NAMES, get_group
from scrutin.crypto.params import parse_parameters

VECTORS = Path(__file__).parents[2] / "vectors"


def load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=GROUP_NAMES)
def ballot_vectors(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load(f"ballot-{request.param}.json")


def test_vector_files_match_the_generator() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("vectors_generate", VECTORS / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for filename, expected in module.expected_files().items():
        assert load(filename) == json.loads(json.dumps(expected)), filename


def test_cctp_4_1_4_5_valid_vector_ballots_reencrypt_identically(
    ballot_vectors: dict[str, Any],
) -> None:
    params = parse_parameters(ballot_vectors["election"])
    assert params.fingerprint() == ballot_vectors["election_fingerprint"]
    group = params.group
    for case in ballot_vectors["valid"]:
        rnd = [randomness_from_json(group, r) for r in case["randomness"]]
        ballot = encrypt_ballot(params, case["selections"], rnd)
        assert ballot_to_json(group, ballot) == case["ballot"], case["name"]
        assert ballot_tracker(case["ballot"]) == case["tracker"]
        check_ballot_json(params, case["ballot"])


def test_vector_ballots_decrypt_to_their_selections(ballot_vectors: dict[str, Any]) -> None:
    params = parse_parameters(ballot_vectors["election"])
    group = params.group
    x = decode_scalar(group, ballot_vectors["election_secret_key"])
    for case in ballot_vectors["valid"]:
        ballot = parse_ballot(params, case["ballot"])
        for answer, selection in zip(ballot.answers, case["selections"], strict=True):
            got = [elgamal.decrypt_to_point(group, x, c) for c in answer.choices]
            assert [group.encode(p) for p in got] == [
                group.encode(group.small_multiple(v)) for v in selection
            ]
            blank = elgamal.decrypt_to_point(group, x, answer.blank)
            assert group.equal(blank, group.small_multiple(0 if any(selection) else 1))


def test_invalid_vector_ballots_are_rejected_naming_the_field(
    ballot_vectors: dict[str, Any],
) -> None:
    params = parse_parameters(ballot_vectors["election"])
    assert len(ballot_vectors["invalid"]) >= 15
    for case in ballot_vectors["invalid"]:
        with pytest.raises(InvalidBallot) as info:
            check_ballot_json(params, case["ballot"])
        assert str(info.value).startswith(case["error"]), (case["name"], str(info.value))


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_encoding_vectors(name: str) -> None:
    v = load(f"encoding-{name}.json")
    group = get_group(name)
    assert format(group.order, "x") == v["order"]
    for item in v["multiples_of_generator"]:
        assert encode_point(group, group.base_mul(item["k"])) == item["point"]
        assert group.equal(decode_point(group, item["point"]), group.small_multiple(item["k"]))
    sm = v["scalar_multiplication"]
    assert encode_point(group, group.base_mul(decode_scalar(group, sm["scalar"]))) == sm["point"]
    for bad in v["invalid_points"]:
        with pytest.raises(EncodingError):
            decode_point(group, bad)
    for bad in v["invalid_scalars"]:
        with pytest.raises(EncodingError):
            decode_scalar(group, bad)
    t = Transcript(v["transcript"]["items"][0]["value"])
    for item in v["transcript"]["items"][1:]:
        if item["kind"] == "text":
            t.text_item(item["value"])
        elif item["kind"] == "u32":
            t.u32_item(item["value"])
        else:
            t.bytes_item(hex_bytes(item["value"], group.element_size))
    assert format(t.challenge(group.order), "064x") == v["transcript"]["challenge"]
