"""The one strict JSON reader (issue 12.8, issue 19.5): every malformed document is a
:class:`JsonRefused` with a French message, never a RecursionError, a ValueError of the integer
conversion, NaN, a silently dropped duplicate key or a lone surrogate."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutin.record import strictjson
from scrutin.record.strictjson import JsonRefused, loads
from tests.strategies.documents import json_documents


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"[" * 60_000 + b"]" * 60_000, "imbrication trop profonde"),
        (b'{"a":' * 33 + b"1" + b"}" * 33, "imbrication trop profonde"),
        (b"[" + b"9" * 5000 + b"]", "nombre entier trop long"),
        (b"[-" + b"9" * 101 + b"]", "nombre entier trop long"),
        (b'{"a": 1, "a": 2}', "figure deux fois"),
        (b"[NaN]", "NaN"),
        (b"[-Infinity]", "Infinity"),
        (b"[1.5]", "nombre décimal"),
        (b"[1e400]", "nombre décimal"),
        (b'["\\ud800"]', "caractère Unicode invalide"),
        (b"\xef\xbb\xbf{}", "BOM"),
        (b'["\xff"]', "UTF-8"),
        (b"{", "JSON invalide"),
        (b'"' + b'\\"' * 100_000, "JSON invalide"),
    ],
)
def test_review_12_8_and_19_5_malformed_documents_are_refused_in_french(
    document: bytes, message: str
) -> None:
    with pytest.raises(JsonRefused, match=message):
        loads(document)


def test_review_19_5_size_is_checked_before_decoding() -> None:
    with pytest.raises(JsonRefused, match="trop volumineux"):
        loads(b"[" + b"1," * 100 + b"1]", max_bytes=100)


def test_review_19_5_depth_ignores_brackets_inside_strings() -> None:
    doc = {"texte": "[[[[{{{{" * 100, "liste": [[["]]]"]]]}
    assert loads(json.dumps(doc), max_depth=4) == doc
    with pytest.raises(JsonRefused):
        loads(json.dumps(doc), max_depth=2)


def test_review_19_5_valid_surrogate_pairs_and_decimals_when_allowed() -> None:
    assert loads(b'["\\ud83d\\ude00"]') == ["\N{GRINNING FACE}"]
    assert loads(b"[1.5]", floats=True) == [1.5]


def test_review_19_5_read_limited_never_reads_past_the_limit() -> None:
    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, n: int | None = -1) -> bytes:
            data = super().read(n)
            self.read_bytes += len(data)
            return data

    stream = Counting(b"x" * 10_000_000)
    assert len(strictjson.read_limited(stream, 1000, chunk=64)) == 1001
    assert stream.read_bytes == 1001


@settings(max_examples=200, deadline=None)
@given(json_documents())
def test_review_19_5_every_protocol_document_round_trips(doc: Any) -> None:
    assert loads(json.dumps(doc)) == doc
    assert loads(json.dumps(doc, ensure_ascii=False).encode()) == doc


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=200) | st.text(alphabet='[]{}",:\\0123456789-eE.truefalsn ', max_size=200)
)
def test_review_19_5_any_bytes_give_a_value_or_a_refusal(data: bytes | str) -> None:
    try:
        loads(data)
    except JsonRefused as exc:
        message = str(exc)
    else:
        message = "accepté"
    assert message
