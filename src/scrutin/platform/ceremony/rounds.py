"""Checks of a key holder's public round message on receipt (docs/protocol.md §9).

Each message must be exactly a public document of the protocol — the fields of its format and
nothing else — made for this ceremony, by the holder who posts it, in the right order. The
checks of :mod:`scrutin.crypto.dkg` run on the complete rounds (``check_round1`` when round 1 is
complete, the round-3 equations of ``finalize``); here each message is checked as it arrives, so
that a wrong file is refused at once with a message the holder can act on. The platform cannot
read a round-2 share (it is sealed to its recipient): the recipient checks it in round 3.
"""

from __future__ import annotations

from typing import Any

from scrutin.crypto import dkg
from scrutin.crypto.chaum_pedersen import CompactProof, verify_knowledge
from scrutin.crypto.encoding import (
    EncodingError,
    decode_point,
    decode_scalar,
    encode_point,
    fingerprint,
    hex_bytes,
)
from scrutin.crypto.keystore import KEYSTORE_FORMAT
from scrutin.record import strictjson

MAX_MESSAGE = 256 * 1024
ROUNDS = {dkg.ROUND1_FORMAT: 1, dkg.ROUND2_FORMAT: 2, dkg.ROUND3_FORMAT: 3}
KEYS = {
    1: {"format", "ceremony", "trustee", "role", "encryption_key", "commitments", "pok"},
    2: {"format", "ceremony", "trustee", "round1", "shares"},
    3: {"format", "ceremony", "trustee", "round1", "verification_key", "public_key", "complaints"},
}
# A round-2 share is crypto_box_seal of {"from":F,"to":T,"share":<64 hex>}: 48 bytes more.
SEAL_OVERHEAD = 48


class Refused(ValueError):
    """A round message the platform does not accept; the text is shown to the holder."""


def load(raw: bytes) -> dict[str, Any]:
    """Parse an uploaded message; a keystore (a secret!) is refused and never kept."""
    if len(raw) > MAX_MESSAGE:
        raise Refused("Ce fichier est trop volumineux pour un message de la cérémonie des clés.")
    try:
        doc = strictjson.loads(raw, max_bytes=MAX_MESSAGE)
    except strictjson.JsonRefused as exc:
        raise Refused(f"Ce fichier n'est pas un document JSON lisible : {exc}.") from None
    if isinstance(doc, dict) and doc.get("format") == KEYSTORE_FORMAT:
        raise Refused(
            "Ce fichier est un fichier secret chiffré (votre support de clé) : il ne doit jamais "
            "être déposé sur la plate-forme et n'a pas été conservé. Déposez le message public "
            "du tour (fichier r1-…, r2-… ou r3-…)."
        )
    if not isinstance(doc, dict) or doc.get("format") not in ROUNDS:
        raise Refused("Ce fichier n'est pas un message de la cérémonie des clés (tour 1, 2 ou 3).")
    return doc


def round_of(doc: dict[str, Any]) -> int:
    return ROUNDS[str(doc["format"])]


def round1_digest(messages: list[dict[str, Any]]) -> str:
    """What rounds 2 and 3 cite: the fingerprint of the round-1 messages sorted by trustee."""
    return fingerprint(sorted(messages, key=lambda m: str(m.get("trustee"))))


def check_common(ceremony: dkg.Ceremony, trustee: str, doc: dict[str, Any]) -> int:
    """Shape, ceremony and author, common to every round; returns the round number."""
    number = round_of(doc)
    if set(doc) != KEYS[number]:
        extra, missing = sorted(set(doc) - KEYS[number]), sorted(KEYS[number] - set(doc))
        raise Refused(
            f"Ce message du tour {number} est mal formé (champs inattendus {extra}, "
            f"manquants {missing}) : déposez le fichier tel que l'outil l'a écrit."
        )
    expected = fingerprint(ceremony.to_json())
    if doc["ceremony"] != expected:
        raise Refused(
            f"Ce message a été produit pour une autre cérémonie (empreinte "
            f"{str(doc['ceremony'])[:16]}…) ; celle de votre COE est {expected[:16]}… : utilisez "
            "le fichier ceremony.json actuel, téléchargé sur cette page."
        )
    if doc["trustee"] != trustee:
        raise Refused(
            f"Ce message est celui du gardien « {doc['trustee']} », pas le vôtre (« {trustee} »)."
        )
    return number


def check_round1(ceremony: dkg.Ceremony, trustee: str, doc: dict[str, Any]) -> None:
    group = ceremony.group
    role = ceremony.role(trustee)
    degree = 1 if role == dkg.PRESIDENT else ceremony.threshold
    if doc["role"] != role:
        raise Refused(f"Ce message du tour 1 annonce le rôle « {doc['role']} » au lieu de {role}.")
    raw = doc["commitments"]
    pok = doc["pok"]
    try:
        if not isinstance(raw, list) or len(raw) != degree:
            raise EncodingError(f"{degree} engagement(s) attendu(s)")
        commitments = [decode_point(group, c, "commitments") for c in raw]
        hex_bytes(doc["encryption_key"], 32, "encryption_key")
        if not isinstance(pok, dict) or set(pok) != {"challenge", "response"}:
            raise EncodingError("pok : {challenge, response} attendu")
        proof = CompactProof(
            decode_scalar(group, pok["challenge"], "pok.challenge"),
            decode_scalar(group, pok["response"], "pok.response"),
        )
    except EncodingError as exc:
        raise Refused(f"Ce message du tour 1 est mal formé ({exc}).") from None
    if not verify_knowledge(group, ceremony.fingerprint_bytes(), trustee, commitments[0], proof):
        raise Refused("La preuve de connaissance de ce message est invalide : refaites le tour 1.")


def _check_digest(doc: dict[str, Any], round1: list[dict[str, Any]], number: int) -> None:
    if doc["round1"] != round1_digest(round1):
        raise Refused(
            f"Ce message du tour {number} a été calculé avec d'autres messages du tour 1 que "
            "ceux de la cérémonie : téléchargez les messages actuels du tour 1 et refaites le tour."
        )


def check_round2(
    ceremony: dkg.Ceremony, trustee: str, doc: dict[str, Any], round1: list[dict[str, Any]]
) -> None:
    if ceremony.role(trustee) != dkg.ASSESSOR:
        raise Refused("Le président de la COE ne participe pas au tour 2.")
    _check_digest(doc, round1, 2)
    shares = doc["shares"]
    others = [a for a in ceremony.assessors if a != trustee]
    if not isinstance(shares, list) or not all(
        isinstance(s, dict) and set(s) == {"to", "ciphertext"} for s in shares
    ):
        raise Refused("Ce message du tour 2 est mal formé (parts chiffrées illisibles).")
    if sorted(str(s["to"]) for s in shares) != sorted(others):
        raise Refused(
            "Ce message du tour 2 doit contenir exactement une part pour chaque autre assesseur."
        )
    for s in shares:
        payload = len(f'{{"from":"{trustee}","to":"{s["to"]}","share":"{"0" * 64}"}}'.encode())
        try:
            hex_bytes(s["ciphertext"], payload + SEAL_OVERHEAD, f"part pour {s['to']}")
        except EncodingError as exc:
            raise Refused(f"Ce message du tour 2 est mal formé ({exc}).") from None


def check_round3(
    ceremony: dkg.Ceremony, trustee: str, doc: dict[str, Any], round1: list[dict[str, Any]]
) -> None:
    _check_digest(doc, round1, 3)
    try:
        r1 = dkg.check_round1(ceremony, round1)
    except dkg.CeremonyError as exc:  # the stored round 1 was complete and checked
        raise Refused(f"Les messages du tour 1 sont incohérents ({exc}).") from None
    group = ceremony.group
    complaints = doc["complaints"]
    if not isinstance(complaints, list) or not set(complaints) <= set(ceremony.assessors):
        raise Refused("Ce message du tour 3 est mal formé (réclamations illisibles).")
    if doc["public_key"] != encode_point(group, dkg.public_key_from_round1(ceremony, r1)):
        raise Refused(
            "La clé publique de ce message diffère de celle que donnent les messages du tour 1 : "
            "refaites le tour 3 avec les messages actuels."
        )
    if ceremony.role(trustee) == dkg.PRESIDENT:
        expected = r1[trustee].commitments[0]
    else:
        expected = dkg.assessor_key(ceremony, r1, trustee)
    if not complaints and doc["verification_key"] != encode_point(group, expected):
        raise Refused(
            "La clé de vérification de ce message ne correspond pas aux engagements publiés : "
            "refaites le tour 3."
        )
