"""Property: any single change, removal, addition or reordering in a record is detected."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrutin.record.simulate import simulate
from scrutin.verify.record import verify_record

DOCS = [
    "election.json",
    "trustees.json",
    "ballots.jsonl",
    "closing.json",
    "tally.json",
    "decryptions.json",
    "result.json",
    "manifest.json",
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("prop") / "rec"
    simulate(out, 4, questions=(("a", 3, 2), ("b", 2, 1)), assessors=2, threshold=1, seed=11)
    assert verify_record(out, workers=1).valid
    return out


def _leaves(doc: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    if isinstance(doc, dict):
        return [p for k, v in doc.items() for p in _leaves(v, (*path, k))]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in _leaves(v, (*path, i))]
    return [path]


def _set(doc: object, path: tuple[object, ...], value: object) -> None:
    for key in path[:-1]:
        doc = doc[key]  # type: ignore[index]
    doc[path[-1]] = value  # type: ignore[index]


def _get(doc: object, path: tuple[object, ...]) -> object:
    for key in path:
        doc = doc[key]  # type: ignore[index]
    return doc


def _changed(value: object, salt: int) -> object:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1 + salt % 3
    if isinstance(value, str):
        if value and all(c in "0123456789abcdef" for c in value):
            i = salt % len(value)
            return value[:i] + format((int(value[i], 16) + 1) % 16, "x") + value[i + 1 :]
        return value + "x"
    return "x"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_single_mutation_is_detected(
    pristine: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    rec = tmp_path_factory.mktemp("m") / "rec"
    shutil.copytree(pristine, rec)
    name = data.draw(st.sampled_from(DOCS), label="document")
    kind = data.draw(st.sampled_from(["change", "remove", "add", "reorder"]), label="kind")
    path = rec / name
    if name == "ballots.jsonl":
        lines = path.read_bytes().splitlines(keepends=True)
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        if kind == "change":
            doc = json.loads(lines[i])
            leaves = _leaves(doc)
            leaf = leaves[data.draw(st.integers(0, len(leaves) - 1))]
            _set(doc, leaf, _changed(_get(doc, leaf), data.draw(st.integers(0, 100))))
            import rfc8785

            lines[i] = rfc8785.dumps(doc) + b"\n"
        elif kind == "remove":
            del lines[i]
        elif kind == "add":
            lines.insert(i, lines[i])
        else:
            j = (i + 1) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        path.write_bytes(b"".join(lines))
    else:
        doc = json.loads(path.read_text(encoding="utf-8"))
        lists = [p for p in _leaves(doc) if p]
        leaf = lists[data.draw(st.integers(0, len(lists) - 1), label="leaf")]
        parent = _get(doc, leaf[:-1])
        if kind == "change" or (kind == "reorder" and not isinstance(parent, list)):
            _set(doc, leaf, _changed(_get(doc, leaf), data.draw(st.integers(0, 100))))
        elif kind == "remove":
            del parent[leaf[-1]]  # type: ignore[attr-defined]
        elif kind == "add":
            if isinstance(parent, list):
                parent.append(parent[leaf[-1]])  # type: ignore[index]
            else:
                parent["extra"] = 1  # type: ignore[index]
        else:
            assert isinstance(parent, list)
            if len(parent) < 2 or parent[0] == parent[-1]:
                _set(doc, leaf, _changed(_get(doc, leaf), 1))
            else:
                parent.reverse()
        path.write_text(json.dumps(doc), encoding="utf-8")
    report = verify_record(rec, workers=1)
    assert not report.valid, (name, kind)
