"""Encrypted ballots: encryption, JSON form and verification (docs/protocol.md §6–§7).

Per question with candidates ``c_1 … c_k`` and ``max`` seats, a ballot carries ``k`` choice
ciphertexts, one blank ciphertext ``b``, a 0/1 proof for each of these ``k+1`` ciphertexts, and an
overall proof that ``Σ c_i + (k+1)·b`` encrypts one of ``1 … max`` (a vote) or ``k+1`` (blank).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from scrutin.crypto import elgamal
from scrutin.crypto.elgamal import Ciphertext
from scrutin.crypto.encoding import (
    EncodingError,
    decode_point,
    decode_scalar,
    encode_point,
    encode_scalar,
    fingerprint,
)
from scrutin.crypto.group import Group
from scrutin.crypto.params import ElectionParameters, Fingerprint, Question
from scrutin.crypto.proofs import (
    BranchSimulation,
    DisjunctiveProof,
    DisjunctiveRandomness,
    ProofContext,
    prove_disjunctive,
    random_disjunctive,
    verify_disjunctive,
)

E = TypeVar("E")

BALLOT_FORMAT = "scrutin-ballot/v1"
CHOICE_TAG = "scrutin/v1/ballot/choice"
OVERALL_TAG = "scrutin/v1/ballot/overall"
ZERO_ONE = [0, 1]


class InvalidBallot(ValueError):
    """A ballot that is malformed or whose proofs do not hold; the message says where."""


class InvalidSelection(ValueError):
    """Choices that the question does not allow (not 0/1, or more than ``max``)."""


@dataclass(frozen=True, slots=True)
class AnswerRandomness:
    nonces: tuple[int, ...]
    blank_nonce: int
    choice_proofs: tuple[DisjunctiveRandomness, ...]
    blank_proof: DisjunctiveRandomness
    overall_proof: DisjunctiveRandomness


@dataclass(frozen=True, slots=True)
class EncryptedAnswer(Generic[E]):
    choices: tuple[Ciphertext[E], ...]
    blank: Ciphertext[E]
    choice_proofs: tuple[DisjunctiveProof, ...]
    blank_proof: DisjunctiveProof
    overall_proof: DisjunctiveProof


@dataclass(frozen=True, slots=True)
class EncryptedBallot(Generic[E]):
    election: Fingerprint
    answers: tuple[EncryptedAnswer[E], ...]


def random_answer_randomness(group: Group[Any], question: Question) -> AnswerRandomness:
    k = question.size
    return AnswerRandomness(
        tuple(group.random_scalar() for _ in range(k)),
        group.random_scalar(),
        tuple(random_disjunctive(group, 2) for _ in range(k)),
        random_disjunctive(group, 2),
        random_disjunctive(group, question.max + 1),
    )


def overall_ciphertext(
    group: Group[E], choices: tuple[Ciphertext[E], ...], blank: Ciphertext[E], k: int
) -> Ciphertext[E]:
    """``Σ c_i + (k+1)·b``, computed left to right."""
    total = elgamal.aggregate(group, list(choices))
    return elgamal.add(group, total, elgamal.scale(group, blank, k + 1))


def encrypt_answer(
    group: Group[E],
    public_key: E,
    election_fingerprint: bytes,
    question_index: int,
    question: Question,
    selection: list[int],
    rnd: AnswerRandomness,
) -> EncryptedAnswer[E]:
    k = question.size
    if len(selection) != k or any(v not in (0, 1) for v in selection):
        raise InvalidSelection(f"question {question_index}: expected {k} values 0 or 1")
    total = sum(selection)
    if total > question.max:
        raise InvalidSelection(f"question {question_index}: at most {question.max} choices")
    blank = 1 if total == 0 else 0
    q = group.order
    choices = tuple(
        elgamal.encrypt(group, public_key, v, r) for v, r in zip(selection, rnd.nonces, strict=True)
    )
    blank_ct = elgamal.encrypt(group, public_key, blank, rnd.blank_nonce)

    def ctx(tag: str, index: int) -> ProofContext[E]:
        return ProofContext(tag, election_fingerprint, question_index, index, public_key)

    choice_proofs = tuple(
        prove_disjunctive(group, ctx(CHOICE_TAG, i), choices[i], rnd.nonces[i], ZERO_ONE, v, p)
        for i, (v, p) in enumerate(zip(selection, rnd.choice_proofs, strict=True))
    )
    blank_proof = prove_disjunctive(
        group, ctx(CHOICE_TAG, k), blank_ct, rnd.blank_nonce, ZERO_ONE, blank, rnd.blank_proof
    )
    overall = overall_ciphertext(group, choices, blank_ct, k)
    overall_nonce = (sum(rnd.nonces) + (k + 1) * rnd.blank_nonce) % q
    values = question.overall_values()
    real = values.index(k + 1 if blank else total)
    overall_proof = prove_disjunctive(
        group, ctx(OVERALL_TAG, 0), overall, overall_nonce, values, real, rnd.overall_proof
    )
    return EncryptedAnswer(choices, blank_ct, choice_proofs, blank_proof, overall_proof)


def encrypt_ballot(
    params: ElectionParameters,
    selections: list[list[int]],
    randomness: list[AnswerRandomness] | None = None,
) -> EncryptedBallot[Any]:
    """Encrypt one 0/1 selection vector per question (all zeros = a blank vote)."""
    group = params.group
    if len(selections) != len(params.questions):
        raise InvalidSelection("one selection per question is required")
    if randomness is None:
        randomness = [random_answer_randomness(group, q) for q in params.questions]
    y = params.public_key()
    fp = params.fingerprint_bytes()
    answers = tuple(
        encrypt_answer(group, y, fp, i, q, selections[i], randomness[i])
        for i, q in enumerate(params.questions)
    )
    return EncryptedBallot(params.fingerprint(), answers)


# --- JSON ---------------------------------------------------------------------------------


def ciphertext_to_json(group: Group[E], ct: Ciphertext[E]) -> dict[str, str]:
    return {"alpha": encode_point(group, ct.alpha), "beta": encode_point(group, ct.beta)}


def proof_to_json(proof: DisjunctiveProof) -> dict[str, list[str]]:
    return {
        "challenges": [encode_scalar(c) for c in proof.challenges],
        "responses": [encode_scalar(s) for s in proof.responses],
    }


def ballot_to_json(group: Group[E], ballot: EncryptedBallot[E]) -> dict[str, Any]:
    return {
        "format": BALLOT_FORMAT,
        "election": ballot.election,
        "answers": [
            {
                "choices": [ciphertext_to_json(group, c) for c in a.choices],
                "blank": ciphertext_to_json(group, a.blank),
                "choice_proofs": [proof_to_json(p) for p in a.choice_proofs],
                "blank_proof": proof_to_json(a.blank_proof),
                "overall_proof": proof_to_json(a.overall_proof),
            }
            for a in ballot.answers
        ],
    }


def ballot_tracker(ballot_json: dict[str, Any]) -> Fingerprint:
    """The tracker shown on the receipt: the ballot's fingerprint."""
    return Fingerprint(fingerprint(ballot_json))


def randomness_to_json(rnd: AnswerRandomness) -> dict[str, Any]:
    def disj(d: DisjunctiveRandomness) -> dict[str, Any]:
        return {
            "w": encode_scalar(d.w),
            "fakes": [
                {"challenge": encode_scalar(f.challenge), "response": encode_scalar(f.response)}
                for f in d.fakes
            ],
        }

    return {
        "nonces": [encode_scalar(r) for r in rnd.nonces],
        "blank_nonce": encode_scalar(rnd.blank_nonce),
        "choice_proofs": [disj(d) for d in rnd.choice_proofs],
        "blank_proof": disj(rnd.blank_proof),
        "overall_proof": disj(rnd.overall_proof),
    }


def randomness_from_json(group: Group[Any], doc: dict[str, Any]) -> AnswerRandomness:
    def disj(d: dict[str, Any]) -> DisjunctiveRandomness:
        return DisjunctiveRandomness(
            decode_scalar(group, d["w"]),
            tuple(
                BranchSimulation(
                    decode_scalar(group, f["challenge"]), decode_scalar(group, f["response"])
                )
                for f in d["fakes"]
            ),
        )

    return AnswerRandomness(
        tuple(decode_scalar(group, r) for r in doc["nonces"]),
        decode_scalar(group, doc["blank_nonce"]),
        tuple(disj(d) for d in doc["choice_proofs"]),
        disj(doc["blank_proof"]),
        disj(doc["overall_proof"]),
    )


def _obj(value: object, keys: set[str], where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidBallot(f"{where}: expected a JSON object")
    if set(value) != keys:
        missing, extra = keys - set(value), set(value) - keys
        raise InvalidBallot(f"{where}: missing {sorted(missing)} / unknown {sorted(extra)} fields")
    return value


def _list(value: object, length: int, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidBallot(f"{where}: expected a JSON array")
    if len(value) != length:
        raise InvalidBallot(f"{where}: expected {length} items, got {len(value)}")
    return value


def _parse_ct(group: Group[E], value: object, where: str) -> Ciphertext[E]:
    o = _obj(value, {"alpha", "beta"}, where)
    return Ciphertext(
        decode_point(group, o["alpha"], f"{where}.alpha"),
        decode_point(group, o["beta"], f"{where}.beta"),
    )


def _parse_proof(group: Group[Any], value: object, n: int, where: str) -> DisjunctiveProof:
    o = _obj(value, {"challenges", "responses"}, where)
    cs = _list(o["challenges"], n, f"{where}.challenges")
    ss = _list(o["responses"], n, f"{where}.responses")
    return DisjunctiveProof(
        tuple(decode_scalar(group, c, f"{where}.challenges[{i}]") for i, c in enumerate(cs)),
        tuple(decode_scalar(group, s, f"{where}.responses[{i}]") for i, s in enumerate(ss)),
    )


def parse_ballot(params: ElectionParameters, doc: object) -> EncryptedBallot[Any]:
    """Strictly parse a ballot's JSON; raise :class:`InvalidBallot` naming the faulty field."""
    group = params.group
    try:
        o = _obj(doc, {"format", "election", "answers"}, "ballot")
        if o["format"] != BALLOT_FORMAT:
            raise InvalidBallot(f"ballot.format: expected {BALLOT_FORMAT!r}")
        if o["election"] != params.fingerprint():
            raise InvalidBallot("ballot.election: ballot made for another election")
        raw_answers = _list(o["answers"], len(params.questions), "ballot.answers")
        answers = []
        for qi, (raw, question) in enumerate(zip(raw_answers, params.questions, strict=True)):
            w = f"ballot.answers[{qi}]"
            keys = {"choices", "blank", "choice_proofs", "blank_proof", "overall_proof"}
            a = _obj(raw, keys, w)
            k = question.size
            choices = tuple(
                _parse_ct(group, c, f"{w}.choices[{i}]")
                for i, c in enumerate(_list(a["choices"], k, f"{w}.choices"))
            )
            proofs = tuple(
                _parse_proof(group, p, 2, f"{w}.choice_proofs[{i}]")
                for i, p in enumerate(_list(a["choice_proofs"], k, f"{w}.choice_proofs"))
            )
            answers.append(
                EncryptedAnswer(
                    choices,
                    _parse_ct(group, a["blank"], f"{w}.blank"),
                    proofs,
                    _parse_proof(group, a["blank_proof"], 2, f"{w}.blank_proof"),
                    _parse_proof(group, a["overall_proof"], question.max + 1, f"{w}.overall_proof"),
                )
            )
    except EncodingError as exc:
        raise InvalidBallot(str(exc)) from exc
    return EncryptedBallot(Fingerprint(o["election"]), tuple(answers))


def verify_ballot(params: ElectionParameters, ballot: EncryptedBallot[Any]) -> None:
    """Check every proof of a parsed ballot; raise :class:`InvalidBallot` naming the first failure."""
    group = params.group
    y = params.public_key()
    fp = params.fingerprint_bytes()
    if ballot.election != params.fingerprint():
        raise InvalidBallot("ballot.election: ballot made for another election")
    for qi, (answer, question) in enumerate(zip(ballot.answers, params.questions, strict=True)):
        k = question.size
        for i, (ct, proof) in enumerate(zip(answer.choices, answer.choice_proofs, strict=True)):
            ctx = ProofContext(CHOICE_TAG, fp, qi, i, y)
            if not verify_disjunctive(group, ctx, ct, ZERO_ONE, proof):
                raise InvalidBallot(f"ballot.answers[{qi}].choice_proofs[{i}]: proof rejected")
        ctx = ProofContext(CHOICE_TAG, fp, qi, k, y)
        if not verify_disjunctive(group, ctx, answer.blank, ZERO_ONE, answer.blank_proof):
            raise InvalidBallot(f"ballot.answers[{qi}].blank_proof: proof rejected")
        overall = overall_ciphertext(group, answer.choices, answer.blank, k)
        ctx = ProofContext(OVERALL_TAG, fp, qi, 0, y)
        if not verify_disjunctive(
            group, ctx, overall, question.overall_values(), answer.overall_proof
        ):
            raise InvalidBallot(f"ballot.answers[{qi}].overall_proof: proof rejected")


def check_ballot_json(params: ElectionParameters, doc: object) -> EncryptedBallot[Any]:
    """Parse and verify: what the server runs before accepting a cast ballot."""
    ballot = parse_ballot(params, doc)
    verify_ballot(params, ballot)
    return ballot
