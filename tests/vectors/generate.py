"""Regenerate the shared test vectors: ``.venv/bin/python tests/vectors/generate.py``.

All randomness is derived deterministically from labels, so the files are reproducible; the test
``tests/unit/crypto/test_vectors.py`` checks that they match this generator and the Python code.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from scrutin.crypto import elgamal
from scrutin.crypto.ballot import (
    CHOICE_TAG,
    OVERALL_TAG,
    AnswerRandomness,
    ballot_to_json,
    ballot_tracker,
    encrypt_ballot,
    overall_ciphertext,
    randomness_to_json,
)
from scrutin.crypto.encoding import Transcript, encode_point, encode_scalar
from scrutin.crypto.group import GROUP_NAMES, Group, get_group
from scrutin.crypto.params import (
    Candidate,
    CandidateId,
    ElectionId,
    ElectionParameters,
    Fingerprint,
    Question,
    QuestionId,
)
from scrutin.crypto.proofs import (
    BranchSimulation,
    DisjunctiveRandomness,
    ProofContext,
    prove_disjunctive,
)

HERE = Path(__file__).parent


def derive(group: Group[Any], label: str) -> int:
    digest = hashlib.sha512(f"scrutin-test-vectors/{group.name}/{label}".encode()).digest()
    return int.from_bytes(digest, "big") % (group.order - 1) + 1


def disj(group: Group[Any], label: str, branches: int) -> DisjunctiveRandomness:
    return DisjunctiveRandomness(
        derive(group, f"{label}/w"),
        tuple(
            BranchSimulation(derive(group, f"{label}/c{j}"), derive(group, f"{label}/s{j}"))
            for j in range(branches - 1)
        ),
    )


def answer_randomness(group: Group[Any], label: str, q: Question) -> AnswerRandomness:
    k = q.size
    return AnswerRandomness(
        tuple(derive(group, f"{label}/r{i}") for i in range(k)),
        derive(group, f"{label}/rb"),
        tuple(disj(group, f"{label}/p{i}", 2) for i in range(k)),
        disj(group, f"{label}/pb", 2),
        disj(group, f"{label}/po", q.max + 1),
    )


def election(group: Group[Any], secret: int) -> ElectionParameters:
    return ElectionParameters(
        ElectionId("vectors-2026"),
        "Élection de démonstration – vecteurs de test",
        group.name,
        encode_point(group, group.base_mul(secret)),
        Fingerprint(hashlib.sha256(b"trustees").hexdigest()),
        hashlib.sha256(b"platform").hexdigest(),
        (
            Question(
                QuestionId("ccir"),
                "CCIR",
                tuple(Candidate(CandidateId(f"r{i}"), f"Candidat R{i}") for i in range(1, 4)),
                2,
            ),
            Question(
                QuestionId("ccit"),
                "CCIT",
                tuple(Candidate(CandidateId(f"t{i}"), f"Candidat T{i}") for i in range(1, 5)),
                1,
            ),
        ),
    )


VALID = [
    ("two-votes", [[1, 0, 1], [0, 0, 1, 0]]),
    ("one-vote-and-blank", [[0, 1, 0], [0, 0, 0, 0]]),
    ("both-blank", [[0, 0, 0], [0, 0, 0, 0]]),
]


def cheating_answer(
    group: Group[Any],
    params: ElectionParameters,
    qi: int,
    values: list[int],
    blank: int,
    claimed_overall: int,
    label: str,
) -> dict[str, Any]:
    """An answer encrypting an invalid selection, with proofs that pretend it is valid."""
    q = params.questions[qi]
    y = params.public_key()
    fp = params.fingerprint_bytes()
    k = q.size
    rnd = answer_randomness(group, label, q)
    choices = tuple(
        elgamal.encrypt(group, y, v, r) for v, r in zip(values, rnd.nonces, strict=True)
    )
    blank_ct = elgamal.encrypt(group, y, blank, rnd.blank_nonce)
    cps = [
        prove_disjunctive(
            group,
            ProofContext(CHOICE_TAG, fp, qi, i, y),
            choices[i],
            rnd.nonces[i],
            [0, 1],
            min(v, 1),
            rnd.choice_proofs[i],
        )
        for i, v in enumerate(values)
    ]
    bp = prove_disjunctive(
        group,
        ProofContext(CHOICE_TAG, fp, qi, k, y),
        blank_ct,
        rnd.blank_nonce,
        [0, 1],
        min(blank, 1),
        rnd.blank_proof,
    )
    overall = overall_ciphertext(group, choices, blank_ct, k)
    nonce = (sum(rnd.nonces) + (k + 1) * rnd.blank_nonce) % group.order
    vals = q.overall_values()
    op = prove_disjunctive(
        group,
        ProofContext(OVERALL_TAG, fp, qi, 0, y),
        overall,
        nonce,
        vals,
        vals.index(claimed_overall),
        rnd.overall_proof,
    )
    from scrutin.crypto.ballot import ciphertext_to_json, proof_to_json

    return {
        "choices": [ciphertext_to_json(group, c) for c in choices],
        "blank": ciphertext_to_json(group, blank_ct),
        "choice_proofs": [proof_to_json(p) for p in cps],
        "blank_proof": proof_to_json(bp),
        "overall_proof": proof_to_json(op),
    }


def invalid_cases(
    group: Group[Any], params: ElectionParameters, base: dict[str, Any]
) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []

    def case(name: str, error: str, mutate: Any) -> None:
        doc = copy.deepcopy(base)
        mutate(doc)
        cases.append({"name": name, "error": error, "ballot": doc})

    a0 = "ballot.answers[0]"
    hexlen = 2 * group.element_size
    if group.name == "ristretto255":
        non_canonical = "ff" * 32
        not_on_curve = "01" + "00" * 31  # odd field element: not canonical
    else:
        non_canonical = "04" + "ff" * 64  # coordinates ≥ p
        not_on_curve = "04" + "00" * 63 + "01"
    q = group.order
    case(
        "identity-alpha",
        f"{a0}.choices[0].alpha",
        lambda d: d["answers"][0]["choices"][0].__setitem__("alpha", "00" * group.element_size),
    )
    case(
        "non-canonical-point",
        f"{a0}.choices[1].beta",
        lambda d: d["answers"][0]["choices"][1].__setitem__("beta", non_canonical),
    )
    case(
        "invalid-point",
        f"{a0}.blank.alpha",
        lambda d: d["answers"][0]["blank"].__setitem__("alpha", not_on_curve),
    )
    case(
        "uppercase-hex",
        f"{a0}.choices[0].alpha",
        lambda d: d["answers"][0]["choices"][0].__setitem__(
            "alpha", d["answers"][0]["choices"][0]["alpha"].upper()
        ),
    )
    case(
        "short-point",
        f"{a0}.choices[0].beta",
        lambda d: d["answers"][0]["choices"][0].__setitem__(
            "beta", d["answers"][0]["choices"][0]["beta"][: hexlen - 2]
        ),
    )
    case(
        "scalar-not-reduced",
        f"{a0}.choice_proofs[0].responses[1]",
        lambda d: d["answers"][0]["choice_proofs"][0]["responses"].__setitem__(
            1,
            encode_scalar(int(d["answers"][0]["choice_proofs"][0]["responses"][1], 16) + q)
            if int(d["answers"][0]["choice_proofs"][0]["responses"][1], 16) + q < 2**256
            else "f" * 64,
        ),
    )
    case(
        "scalar-wrong-type",
        f"{a0}.overall_proof.challenges[0]",
        lambda d: d["answers"][0]["overall_proof"]["challenges"].__setitem__(0, 12345),
    )
    case("missing-field", f"{a0}", lambda d: d["answers"][0].pop("blank_proof"))
    case("unknown-field", "ballot", lambda d: d.__setitem__("timestamp", "2026-11-23T10:00:00Z"))
    case("wrong-format", "ballot.format", lambda d: d.__setitem__("format", "scrutin-ballot/v2"))
    case("other-election", "ballot.election", lambda d: d.__setitem__("election", "00" * 32))
    case("missing-answer", "ballot.answers", lambda d: d["answers"].pop())
    case(
        "too-few-proofs",
        f"{a0}.overall_proof.challenges",
        lambda d: d["answers"][0]["overall_proof"]["challenges"].pop(),
    )
    case(
        "tampered-challenge",
        f"{a0}.choice_proofs[2]",
        lambda d: d["answers"][0]["choice_proofs"][2]["challenges"].__setitem__(
            0,
            encode_scalar((int(d["answers"][0]["choice_proofs"][2]["challenges"][0], 16) + 1) % q),
        ),
    )
    case(
        "swapped-choices",
        f"{a0}.choice_proofs[0]",
        lambda d: d["answers"][0].__setitem__(
            "choices",
            [
                d["answers"][0]["choices"][1],
                d["answers"][0]["choices"][0],
                d["answers"][0]["choices"][2],
            ],
        ),
    )
    case(
        "swapped-choices-and-proofs",
        f"{a0}.choice_proofs[0]",
        lambda d: (
            d["answers"][0].__setitem__(
                "choices",
                [
                    d["answers"][0]["choices"][1],
                    d["answers"][0]["choices"][0],
                    d["answers"][0]["choices"][2],
                ],
            ),
            d["answers"][0].__setitem__(
                "choice_proofs",
                [
                    d["answers"][0]["choice_proofs"][1],
                    d["answers"][0]["choice_proofs"][0],
                    d["answers"][0]["choice_proofs"][2],
                ],
            ),
        ),
    )
    case(
        "answers-swapped-between-questions",
        "ballot.answers[0].choices",
        lambda d: d.__setitem__("answers", [d["answers"][1], d["answers"][0]]),
    )
    case(
        "too-many-choices",
        "ballot.answers[1].overall_proof",
        lambda d: d["answers"].__setitem__(
            1, cheating_answer(group, params, 1, [1, 1, 0, 0], 0, 1, "cheat-too-many")
        ),
    )
    case(
        "choice-worth-two",
        "ballot.answers[0].choice_proofs[0]",
        lambda d: d["answers"].__setitem__(
            0, cheating_answer(group, params, 0, [2, 0, 0], 0, 2, "cheat-two")
        ),
    )
    case(
        "blank-and-choice",
        "ballot.answers[1].overall_proof",
        lambda d: d["answers"].__setitem__(
            1, cheating_answer(group, params, 1, [0, 1, 0, 0], 1, 5, "cheat-blank-and-choice")
        ),
    )
    case(
        "nothing-and-not-blank",
        "ballot.answers[1].overall_proof",
        lambda d: d["answers"].__setitem__(
            1, cheating_answer(group, params, 1, [0, 0, 0, 0], 0, 1, "cheat-empty")
        ),
    )
    return cases


def ballot_vectors(name: str) -> dict[str, Any]:
    group = get_group(name)
    secret = derive(group, "election-secret-key")
    params = election(group, secret)
    valid = []
    for label, selections in VALID:
        rnd = [answer_randomness(group, f"{label}/q{i}", q) for i, q in enumerate(params.questions)]
        doc = ballot_to_json(group, encrypt_ballot(params, selections, rnd))
        valid.append(
            {
                "name": label,
                "selections": selections,
                "randomness": [randomness_to_json(r) for r in rnd],
                "ballot": doc,
                "tracker": ballot_tracker(doc),
            }
        )
    return {
        "description": "Scrutin ballot vectors (docs/protocol.md §7). Regenerate with tests/vectors/generate.py.",
        "group": group.name,
        "election_secret_key": encode_scalar(secret),
        "election": params.to_json(),
        "election_fingerprint": params.fingerprint(),
        "valid": valid,
        "invalid": invalid_cases(group, params, valid[0]["ballot"]),
    }


def encoding_vectors(name: str) -> dict[str, Any]:
    group = get_group(name)
    scalar = derive(group, "scalar")
    t = Transcript("scrutin/v1/test").text_item(group.name).u32_item(7)
    t.bytes_item(group.encode(group.generator()))
    if group.name == "ristretto255":
        invalid = ["ff" * 32, "01" + "00" * 31, "ed" + "ff" * 30 + "7f", "00" * 32, "00" * 31]
    else:
        invalid = [
            "04" + "ff" * 64,
            "04" + "00" * 63 + "01",
            "02" + "11" * 64,
            "00" * 65,
            "04" + "00" * 32,
        ]
    return {
        "description": "Group encodings and transcript hashing (docs/protocol.md §2, §3, §6).",
        "group": group.name,
        "order": format(group.order, "x"),
        "multiples_of_generator": [
            {"k": k, "point": encode_point(group, group.base_mul(k))} for k in range(1, 6)
        ],
        "scalar_multiplication": {
            "scalar": encode_scalar(scalar),
            "point": encode_point(group, group.base_mul(scalar)),
        },
        "invalid_points": invalid,
        "invalid_scalars": [format(group.order, "064x"), "f" * 64, "0" * 63, "A" * 64],
        "transcript": {
            "items": [
                {"kind": "tag", "value": "scrutin/v1/test"},
                {"kind": "text", "value": group.name},
                {"kind": "u32", "value": 7},
                {"kind": "element", "value": encode_point(group, group.generator())},
            ],
            "challenge": encode_scalar(t.challenge(group.order)),
        },
    }


def write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def expected_files() -> dict[str, dict[str, Any]]:
    files = {}
    for name in GROUP_NAMES:
        files[f"ballot-{name}.json"] = ballot_vectors(name)
        files[f"encoding-{name}.json"] = encoding_vectors(name)
    return files


def main() -> int:
    for filename, doc in expected_files().items():
        write(HERE / filename, doc)
        print(f"wrote {filename}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
