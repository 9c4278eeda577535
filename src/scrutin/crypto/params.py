"""The election parameters document (``election.json``, docs/protocol.md §4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NewType

from scrutin.crypto.encoding import (
    EncodingError,
    decode_point,
    fingerprint,
    hex_bytes,
)
from scrutin.crypto.group import GROUP_NAMES, Group, get_group

ElectionId = NewType("ElectionId", str)
QuestionId = NewType("QuestionId", str)
CandidateId = NewType("CandidateId", str)
Fingerprint = NewType("Fingerprint", str)

ELECTION_FORMAT = "scrutin-election/v1"
MAX_CANDIDATES = 1000


class InvalidParameters(EncodingError):
    """An election parameters document that does not follow the specification."""


@dataclass(frozen=True, slots=True)
class Candidate:
    id: CandidateId
    name: str


@dataclass(frozen=True, slots=True)
class Question:
    id: QuestionId
    title: str
    candidates: tuple[Candidate, ...]
    max: int

    @property
    def size(self) -> int:
        return len(self.candidates)

    def overall_values(self) -> list[int]:
        """Allowed values of ``Σ c_i + (k+1)·b``: 1…max (a vote) and k+1 (blank)."""
        return [*range(1, self.max + 1), self.size + 1]


@dataclass(frozen=True, slots=True)
class ElectionParameters:
    election_id: ElectionId
    title: str
    group_name: str
    public_key_hex: str
    trustees_fingerprint: Fingerprint
    platform_key_hex: str
    questions: tuple[Question, ...]
    # computed once (each cast needs it three times); not an input: ``replace`` resets it
    _fingerprint: str = field(default="", init=False, repr=False, compare=False)

    @property
    def group(self) -> Group[Any]:
        return get_group(self.group_name)

    def public_key(self) -> Any:
        return decode_point(self.group, self.public_key_hex, "public_key")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": ELECTION_FORMAT,
            "election_id": self.election_id,
            "title": self.title,
            "group": self.group_name,
            "public_key": self.public_key_hex,
            "trustees": self.trustees_fingerprint,
            "platform_key": self.platform_key_hex,
            "questions": [
                {
                    "id": q.id,
                    "title": q.title,
                    "candidates": [{"id": c.id, "name": c.name} for c in q.candidates],
                    "max": q.max,
                }
                for q in self.questions
            ],
        }

    def fingerprint(self) -> Fingerprint:
        if not self._fingerprint:
            object.__setattr__(self, "_fingerprint", fingerprint(self.to_json()))
        return Fingerprint(self._fingerprint)

    def fingerprint_bytes(self) -> bytes:
        return bytes.fromhex(self.fingerprint())


def _field(obj: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in obj:
        raise InvalidParameters(f"{where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidParameters(f"{where}.{key}: expected {kind.__name__}")
    return value


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    """A string field that must not be empty (question ids and titles, candidate ids and
    names: docs/protocol.md §4)."""
    value: str = _field(obj, key, str, where)
    if not value:
        raise InvalidParameters(f"{where}.{key}: must not be empty")
    return value


def _exact_keys(obj: dict[str, Any], keys: set[str], where: str) -> None:
    extra = set(obj) - keys
    if extra:
        raise InvalidParameters(f"{where}: unknown field(s) {sorted(extra)}")


def parse_parameters(doc: object) -> ElectionParameters:
    """Validate an ``election.json`` document; raise :class:`InvalidParameters`."""
    if not isinstance(doc, dict):
        raise InvalidParameters("election: expected a JSON object")
    keys = {"format", "election_id", "title", "group", "public_key", "trustees"}
    keys |= {"platform_key", "questions"}
    _exact_keys(doc, keys, "election")
    if _field(doc, "format", str, "election") != ELECTION_FORMAT:
        raise InvalidParameters(f"election.format: expected {ELECTION_FORMAT!r}")
    group_name = _field(doc, "group", str, "election")
    if group_name not in GROUP_NAMES:
        raise InvalidParameters(f"election.group: expected one of {list(GROUP_NAMES)}")
    group = get_group(group_name)
    public_key = _field(doc, "public_key", str, "election")
    try:
        decode_point(group, public_key, "election.public_key")
        hex_bytes(_field(doc, "trustees", str, "election"), 32, "election.trustees")
        hex_bytes(_field(doc, "platform_key", str, "election"), 32, "election.platform_key")
    except EncodingError as exc:
        raise InvalidParameters(str(exc)) from exc
    raw_questions = _field(doc, "questions", list, "election")
    if not raw_questions:
        raise InvalidParameters("election.questions: at least one question is required")
    questions: list[Question] = []
    for qi, raw in enumerate(raw_questions):
        where = f"election.questions[{qi}]"
        if not isinstance(raw, dict):
            raise InvalidParameters(f"{where}: expected an object")
        _exact_keys(raw, {"id", "title", "candidates", "max"}, where)
        raw_candidates = _field(raw, "candidates", list, where)
        if not 1 <= len(raw_candidates) <= MAX_CANDIDATES:
            raise InvalidParameters(f"{where}.candidates: between 1 and {MAX_CANDIDATES}")
        candidates = []
        for ci, rc in enumerate(raw_candidates):
            cw = f"{where}.candidates[{ci}]"
            if not isinstance(rc, dict):
                raise InvalidParameters(f"{cw}: expected an object")
            _exact_keys(rc, {"id", "name"}, cw)
            candidates.append(Candidate(CandidateId(_text(rc, "id", cw)), _text(rc, "name", cw)))
        if len({c.id for c in candidates}) != len(candidates):
            raise InvalidParameters(f"{where}.candidates: duplicate candidate id")
        maximum = _field(raw, "max", int, where)
        if not 1 <= maximum <= len(candidates):
            raise InvalidParameters(f"{where}.max: must be between 1 and the number of candidates")
        question_id = QuestionId(_text(raw, "id", where))
        if any(q.id == question_id for q in questions):
            raise InvalidParameters(f"{where}.id: duplicate question id")
        questions.append(
            Question(
                question_id,
                _text(raw, "title", where),
                tuple(candidates),
                maximum,
            )
        )
    return ElectionParameters(
        ElectionId(_field(doc, "election_id", str, "election")),
        _field(doc, "title", str, "election"),
        group_name,
        public_key,
        Fingerprint(doc["trustees"]),
        doc["platform_key"],
        tuple(questions),
    )
