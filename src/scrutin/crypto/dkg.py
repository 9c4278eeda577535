"""Threshold key generation for one COE (docs/key-ceremony.md, docs/protocol.md §9).

Key structure: ``x = x_P + x_A``. The COE president alone holds ``x_P`` (and its spare support
holds a separately protected copy); the assessors hold Shamir shares of ``x_A`` produced by a
Pedersen DKG with Feldman commitments, any ``t`` of them reconstructing it. Decryption therefore
needs the president (or the spare support) **and** at least ``t ≥ 1`` assessors.

Every function here is pure over JSON-ready data; the ``scrutin trustee`` commands move the
documents as files between the trustees and the organiser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NewType

import nacl.exceptions
import nacl.public

from scrutin.crypto.chaum_pedersen import CompactProof, prove_knowledge, verify_knowledge
from scrutin.crypto.encoding import (
    EncodingError,
    decode_point,
    decode_scalar,
    encode_point,
    encode_scalar,
    fingerprint,
    hex_bytes,
)
from scrutin.crypto.group import GROUP_NAMES, Group, get_group

TrusteeId = NewType("TrusteeId", str)

CEREMONY_FORMAT = "scrutin-ceremony/v1"
ROUND1_FORMAT = "scrutin-keygen-round1/v1"
ROUND2_FORMAT = "scrutin-keygen-round2/v1"
ROUND3_FORMAT = "scrutin-keygen-round3/v1"
TRUSTEES_FORMAT = "scrutin-trustees/v1"
PRESIDENT = "president"
ASSESSOR = "assessor"


class CeremonyError(ValueError):
    """A key-ceremony document that is malformed, inconsistent or dishonest."""


@dataclass(frozen=True, slots=True)
class Ceremony:
    ceremony_id: str
    group_name: str
    president: TrusteeId
    assessors: tuple[TrusteeId, ...]
    threshold: int

    @property
    def group(self) -> Group[Any]:
        return get_group(self.group_name)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CEREMONY_FORMAT,
            "ceremony_id": self.ceremony_id,
            "group": self.group_name,
            "president": self.president,
            "assessors": list(self.assessors),
            "threshold": self.threshold,
        }

    def fingerprint_bytes(self) -> bytes:
        return bytes.fromhex(fingerprint(self.to_json()))

    def index(self, trustee: str) -> int:
        """An assessor's Shamir index: 1 + its position in ``assessors``."""
        return self.assessors.index(TrusteeId(trustee)) + 1

    def role(self, trustee: str) -> str:
        if trustee == self.president:
            return PRESIDENT
        if trustee in self.assessors:
            return ASSESSOR
        raise CeremonyError(f"{trustee!r} is not a trustee of this ceremony")


def parse_ceremony(doc: object) -> Ceremony:
    if not isinstance(doc, dict) or doc.get("format") != CEREMONY_FORMAT:
        raise CeremonyError(f"expected a {CEREMONY_FORMAT} document")
    try:
        group, president = doc["group"], doc["president"]
        assessors, threshold, cid = doc["assessors"], doc["threshold"], doc["ceremony_id"]
    except KeyError as exc:
        raise CeremonyError(f"ceremony: missing field {exc}") from exc
    if group not in GROUP_NAMES:
        raise CeremonyError(f"ceremony.group: expected one of {list(GROUP_NAMES)}")
    if not isinstance(assessors, list) or not all(isinstance(a, str) and a for a in assessors):
        raise CeremonyError("ceremony.assessors: expected a list of identifiers")
    if not isinstance(president, str) or not president or not isinstance(cid, str):
        raise CeremonyError("ceremony.president / ceremony_id: expected identifiers")
    if len(set(assessors)) != len(assessors) or president in assessors or not assessors:
        raise CeremonyError("ceremony: trustees must be distinct, with at least one assessor")
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        raise CeremonyError("ceremony.threshold: expected an integer")
    if not 1 <= threshold <= len(assessors):
        raise CeremonyError("ceremony.threshold: between 1 and the number of assessors")
    return Ceremony(
        cid, group, TrusteeId(president), tuple(TrusteeId(a) for a in assessors), threshold
    )


def poly_eval(coefficients: list[int], x: int, order: int) -> int:
    acc = 0
    for a in reversed(coefficients):
        acc = (acc * x + a) % order
    return acc


def commitment_eval(group: Group[Any], commitments: list[Any], x: int) -> Any:
    """``Σ_k x^k·C_k`` (Feldman): the public image of the share ``f(x)``."""
    acc = group.identity()
    power = 1
    for c in commitments:
        acc = group.add(acc, group.mul(c, power % group.order))
        power *= x
    return acc


def _proof_json(p: CompactProof) -> dict[str, str]:
    return {"challenge": encode_scalar(p.challenge), "response": encode_scalar(p.response)}


def _proof_parse(group: Group[Any], doc: object, where: str) -> CompactProof:
    if not isinstance(doc, dict) or set(doc) != {"challenge", "response"}:
        raise CeremonyError(f"{where}: expected {{challenge, response}}")
    return CompactProof(
        decode_scalar(group, doc["challenge"], f"{where}.challenge"),
        decode_scalar(group, doc["response"], f"{where}.response"),
    )


# --- round 1: commitments and encryption keys ------------------------------------------------


def round1(ceremony: Ceremony, trustee: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return ``(secret, public message)``. The secret must go to an encrypted keystore."""
    group = ceremony.group
    role = ceremony.role(trustee)
    degree = 1 if role == PRESIDENT else ceremony.threshold
    coefficients = [group.random_scalar() for _ in range(degree)]
    box_key = nacl.public.PrivateKey.generate()
    fp = ceremony.fingerprint_bytes()
    secret = {
        "ceremony": fingerprint(ceremony.to_json()),
        "trustee": trustee,
        "role": role,
        "coefficients": [encode_scalar(a) for a in coefficients],
        "box_key": bytes(box_key).hex(),
    }
    message = {
        "format": ROUND1_FORMAT,
        "ceremony": fingerprint(ceremony.to_json()),
        "trustee": trustee,
        "role": role,
        "encryption_key": bytes(box_key.public_key).hex(),
        "commitments": [encode_point(group, group.base_mul(a)) for a in coefficients],
        "pok": _proof_json(prove_knowledge(group, fp, trustee, coefficients[0])),
    }
    return secret, message


@dataclass(frozen=True, slots=True)
class Round1:
    trustee: TrusteeId
    role: str
    encryption_key: bytes
    commitments: list[Any]
    pok: CompactProof


def check_round1(ceremony: Ceremony, messages: list[dict[str, Any]]) -> dict[str, Round1]:
    """Validate every round-1 message: one per trustee, right degree, valid proof of knowledge."""
    group = ceremony.group
    fp = ceremony.fingerprint_bytes()
    out: dict[str, Round1] = {}
    for m in messages:
        trustee = m.get("trustee") if isinstance(m, dict) else None
        where = f"round 1 of {trustee!r}"
        if (
            not isinstance(m, dict)
            or m.get("format") != ROUND1_FORMAT
            or not isinstance(trustee, str)
        ):
            raise CeremonyError(f"{where}: not a {ROUND1_FORMAT} document")
        if m.get("ceremony") != fingerprint(ceremony.to_json()):
            raise CeremonyError(f"{where}: made for another ceremony")
        role = ceremony.role(trustee)
        if m.get("role") != role or trustee in out:
            raise CeremonyError(f"{where}: wrong role or duplicate message")
        degree = 1 if role == PRESIDENT else ceremony.threshold
        raw = m.get("commitments")
        if not isinstance(raw, list) or len(raw) != degree:
            raise CeremonyError(f"{where}: expected {degree} commitments")
        try:
            commitments = [decode_point(group, c, f"{where}.commitments") for c in raw]
            key = hex_bytes(m.get("encryption_key"), 32, f"{where}.encryption_key")
        except EncodingError as exc:
            raise CeremonyError(str(exc)) from exc
        pok = _proof_parse(group, m.get("pok"), f"{where}.pok")
        if not verify_knowledge(group, fp, trustee, commitments[0], pok):
            raise CeremonyError(f"{where}: proof of knowledge rejected")
        out[trustee] = Round1(TrusteeId(trustee), role, key, commitments, pok)
    expected = {ceremony.president, *ceremony.assessors}
    if set(out) != expected:
        raise CeremonyError(f"round 1: missing trustees {sorted(expected - set(out))}")
    return out


# --- round 2: encrypted shares ---------------------------------------------------------------


def round2(
    ceremony: Ceremony, secret: dict[str, Any], messages: list[dict[str, Any]]
) -> dict[str, Any]:
    """An assessor's shares ``f_j(i)`` for every other assessor, sealed to their round-1 key."""
    r1 = check_round1(ceremony, messages)
    group = ceremony.group
    me = secret["trustee"]
    if secret["role"] != ASSESSOR:
        raise CeremonyError("round 2 is run by the assessors only")
    coefficients = [decode_scalar(group, a) for a in secret["coefficients"]]
    shares = []
    for other in ceremony.assessors:
        if other == me:
            continue
        value = poly_eval(coefficients, ceremony.index(other), group.order)
        payload = f'{{"from":"{me}","to":"{other}","share":"{encode_scalar(value)}"}}'
        box = nacl.public.SealedBox(nacl.public.PublicKey(r1[other].encryption_key))
        shares.append({"to": other, "ciphertext": bytes(box.encrypt(payload.encode())).hex()})
    return {
        "format": ROUND2_FORMAT,
        "ceremony": fingerprint(ceremony.to_json()),
        "trustee": me,
        "round1": fingerprint(sorted(messages, key=lambda m: str(m.get("trustee")))),
        "shares": shares,
    }


# --- round 3: verify shares, keep the final share --------------------------------------------


def round3(
    ceremony: Ceremony,
    secret: dict[str, Any],
    round1_messages: list[dict[str, Any]],
    round2_messages: list[dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return ``(final secret, public confirmation)``; complaints name dealers of bad shares."""
    r1 = check_round1(ceremony, round1_messages)
    group = ceremony.group
    me = secret["trustee"]
    digest = fingerprint(sorted(round1_messages, key=lambda m: str(m.get("trustee"))))
    complaints: list[str] = []
    coefficients = [decode_scalar(group, a) for a in secret["coefficients"]]
    if secret["role"] == PRESIDENT:
        share = coefficients[0]
        key = r1[me].commitments[0]
    else:
        index = ceremony.index(me)
        share = poly_eval(coefficients, index, group.order)
        box = nacl.public.SealedBox(nacl.public.PrivateKey(bytes.fromhex(secret["box_key"])))
        received: dict[str, int] = {}
        for m in round2_messages:
            dealer = m.get("trustee")
            if m.get("format") != ROUND2_FORMAT or dealer not in ceremony.assessors:
                raise CeremonyError(f"round 2 of {dealer!r}: not a valid round-2 document")
            if m.get("round1") != digest:
                complaints.append(str(dealer))
                continue
            for item in m.get("shares", []):
                if item.get("to") != me:
                    continue
                try:
                    payload = box.decrypt(bytes.fromhex(item["ciphertext"]))
                    content = json.loads(payload)
                    value = decode_scalar(group, content["share"])
                    if content["from"] != dealer or content["to"] != me:
                        raise ValueError("share addressed to someone else")
                except (nacl.exceptions.CryptoError, ValueError, KeyError, TypeError):
                    complaints.append(str(dealer))
                    continue
                expected = commitment_eval(group, r1[dealer].commitments, index)
                if not group.equal(group.base_mul(value), expected):
                    complaints.append(str(dealer))
                    continue
                received[str(dealer)] = value
        for dealer in ceremony.assessors:
            if dealer != me and dealer not in received and dealer not in complaints:
                complaints.append(dealer)
        share = (share + sum(received.values())) % group.order
        key = group.base_mul(share)
    public = public_key_from_round1(ceremony, r1)
    final = {
        "ceremony": secret["ceremony"],
        "trustee": me,
        "role": secret["role"],
        "share": encode_scalar(share),
    }
    confirmation = {
        "format": ROUND3_FORMAT,
        "ceremony": fingerprint(ceremony.to_json()),
        "trustee": me,
        "round1": digest,
        "verification_key": encode_point(group, key),
        "public_key": encode_point(group, public),
        "complaints": sorted(set(complaints)),
    }
    return final, confirmation


def public_key_from_round1(ceremony: Ceremony, r1: dict[str, Round1]) -> Any:
    group = ceremony.group
    y = r1[ceremony.president].commitments[0]
    for a in ceremony.assessors:
        y = group.add(y, r1[a].commitments[0])
    return y


def assessor_key(ceremony: Ceremony, r1: dict[str, Round1], trustee: str) -> Any:
    """``X_i = Σ_j Σ_k i^k·C_{j,k}``: the public image of assessor ``i``'s final share."""
    group = ceremony.group
    i = ceremony.index(trustee)
    return group.sum([commitment_eval(group, r1[d].commitments, i) for d in ceremony.assessors])


# --- finalisation by the organiser -----------------------------------------------------------


def finalize(
    ceremony: Ceremony,
    round1_messages: list[dict[str, Any]],
    round3_messages: list[dict[str, Any]],
) -> dict[str, Any]:
    """Build ``trustees.json`` once every trustee confirmed the same key without complaint."""
    r1 = check_round1(ceremony, round1_messages)
    group = ceremony.group
    public = encode_point(group, public_key_from_round1(ceremony, r1))
    digest = fingerprint(sorted(round1_messages, key=lambda m: str(m.get("trustee"))))
    confirmed: dict[str, dict[str, Any]] = {}
    for m in round3_messages:
        trustee = str(m.get("trustee"))
        if m.get("format") != ROUND3_FORMAT or m.get("round1") != digest:
            raise CeremonyError(f"round 3 of {trustee!r}: does not confirm the same round 1")
        if m.get("complaints"):
            raise CeremonyError(f"round 3 of {trustee!r}: complaints against {m['complaints']}")
        if m.get("public_key") != public:
            raise CeremonyError(f"round 3 of {trustee!r}: computed another public key")
        confirmed[trustee] = m
    expected = {ceremony.president, *ceremony.assessors}
    if set(confirmed) != expected:
        raise CeremonyError(f"round 3: missing confirmations {sorted(expected - set(confirmed))}")
    president = r1[ceremony.president]
    if confirmed[ceremony.president]["verification_key"] != encode_point(
        group, president.commitments[0]
    ):
        raise CeremonyError("round 3: the president's key does not match its commitment")
    assessors = []
    for a in ceremony.assessors:
        key = encode_point(group, assessor_key(ceremony, r1, a))
        if confirmed[a]["verification_key"] != key:
            raise CeremonyError(f"round 3 of {a!r}: verification key does not match commitments")
        assessors.append(
            {
                "id": a,
                "index": ceremony.index(a),
                "commitments": [encode_point(group, c) for c in r1[a].commitments],
                "pok": _proof_json(r1[a].pok),
                "verification_key": key,
            }
        )
    return {
        "format": TRUSTEES_FORMAT,
        "ceremony": ceremony.to_json(),
        "president": {
            "id": ceremony.president,
            "public_key": encode_point(group, president.commitments[0]),
            "pok": _proof_json(president.pok),
        },
        "assessors": assessors,
        "public_key": public,
    }


@dataclass(frozen=True, slots=True)
class TrusteeKeys:
    """What decryption needs from ``trustees.json``: every trustee's verification key."""

    ceremony: Ceremony
    public_key: Any
    keys: dict[str, Any]


def trustee_keys(doc: dict[str, Any]) -> TrusteeKeys:
    if doc.get("format") != TRUSTEES_FORMAT:
        raise CeremonyError(f"expected a {TRUSTEES_FORMAT} document")
    ceremony = parse_ceremony(doc["ceremony"])
    group = ceremony.group
    keys: dict[str, Any] = {ceremony.president: decode_point(group, doc["president"]["public_key"])}
    for a in doc["assessors"]:
        keys[a["id"]] = decode_point(group, a["verification_key"])
    return TrusteeKeys(ceremony, decode_point(group, doc["public_key"]), keys)
