"""The verifier's own reading of ``election.json`` (docs/protocol.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrutin.crypto.encoding import EncodingError, fingerprint
from scrutin.crypto.group import GROUP_NAMES, Group, get_group
from scrutin.verify.documents import Malformed, array, digest, integer, obj, point, string


@dataclass(frozen=True, slots=True)
class Election:
    document: dict[str, Any]
    group_name: str
    fingerprint: str
    public_key_hex: str
    trustees: str
    platform_key: bytes
    questions: tuple[tuple[int, int], ...]  # (number of candidates k, max)

    @property
    def group(self) -> Group[Any]:
        return get_group(self.group_name)

    @property
    def fingerprint_bytes(self) -> bytes:
        return bytes.fromhex(self.fingerprint)

    def public_key(self) -> Any:
        return point(self.group, self.public_key_hex, "election.public_key")


def _nonempty(value: object, where: str) -> str:
    if not string(value, where):
        raise Malformed(f"{where} : chaîne non vide attendue")
    return str(value)


def read_election(doc: object) -> Election:
    keys = {"format", "election_id", "title", "group", "public_key", "trustees"}
    d = obj(doc, keys | {"platform_key", "questions"}, "election")
    if d["format"] != "scrutin-election/v1":
        raise Malformed("election.format : 'scrutin-election/v1' attendu")
    string(d["election_id"], "election.election_id")
    string(d["title"], "election.title")
    if d["group"] not in GROUP_NAMES:
        raise Malformed(f"election.group : un de {list(GROUP_NAMES)} attendu")
    group = get_group(d["group"])
    point(group, d["public_key"], "election.public_key")
    digest(d["trustees"], "election.trustees")
    platform_key = digest(d["platform_key"], "election.platform_key")
    questions = []
    raw = array(d["questions"], "election.questions")
    if not raw:
        raise Malformed("election.questions : au moins une question")
    question_ids: set[str] = set()
    for qi, q in enumerate(raw):
        w = f"election.questions[{qi}]"
        q = obj(q, {"id", "title", "candidates", "max"}, w)
        qid = _nonempty(q["id"], f"{w}.id")
        if qid in question_ids:
            raise Malformed(f"{w}.id : identifiant de question en double {qid!r}")
        question_ids.add(qid)
        _nonempty(q["title"], f"{w}.title")
        cands = array(q["candidates"], f"{w}.candidates")
        if not 1 <= len(cands) <= 1000:
            raise Malformed(f"{w}.candidates : entre 1 et 1000 candidats")
        ids = set()
        for ci, c in enumerate(cands):
            c = obj(c, {"id", "name"}, f"{w}.candidates[{ci}]")
            ids.add(_nonempty(c["id"], f"{w}.candidates[{ci}].id"))
            _nonempty(c["name"], f"{w}.candidates[{ci}].name")
        if len(ids) != len(cands):
            raise Malformed(f"{w}.candidates : identifiants en double")
        questions.append((len(cands), integer(q["max"], f"{w}.max", 1, len(cands))))
    try:
        fp = fingerprint(d)
    except EncodingError as exc:
        raise Malformed(f"election : {exc}") from exc
    return Election(
        d, d["group"], fp, d["public_key"], d["trustees"], platform_key, tuple(questions)
    )
