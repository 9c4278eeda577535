"""Properties of the secret codes and of the sealed export (issue 5; CCTP 4.1.4.2, 4.1.4.5)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scrutin.platform.credentials import codes, export
from scrutin.platform.csvexport import safe_cell

code_strategy = st.text(alphabet=codes.ALPHABET, min_size=codes.CODE_LENGTH,
                        max_size=codes.CODE_LENGTH)  # fmt: skip
KEYS = export.generate_keypair()


@given(st.binary(max_size=4096))
def test_rejection_sampling_only_yields_alphabet_indices(data: bytes) -> None:
    indices = codes.indices_from_bytes(data)
    assert all(0 <= i < len(codes.ALPHABET) for i in indices.tolist())
    assert len(indices) == sum(1 for b in data if b < 248)


@given(code_strategy, st.lists(st.sampled_from([" ", "-", ".", "\u00a0", "\t"]), max_size=6),
       st.booleans(), st.randoms())  # fmt: skip
def test_any_typed_variant_of_a_printed_code_normalises_back(
    code: str, noise: list[str], lower: bool, rnd: object
) -> None:
    printed = codes.format_code(code)
    chars = list(printed.lower() if lower else printed)
    for sep in noise:
        chars.insert(rnd.randrange(len(chars) + 1), sep)  # type: ignore[attr-defined]
    assert codes.normalise_code("".join(chars)) == code


@given(code_strategy, st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_stored_hash_never_contains_nor_equals_the_code(code: str, number: str) -> None:
    digest = codes.code_hash(b"p" * 32, number, code)
    assert digest != code.encode() and code.encode() not in digest
    assert digest.hex().upper() != code


@given(st.integers(min_value=1, max_value=300))
def test_random_codes_are_well_formed(count: int) -> None:
    batch = codes.random_codes(count)
    assert len(batch) == count and all(codes.is_well_formed(c) for c in batch)


cell = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(cell, min_size=17, max_size=17), max_size=40), st.integers(50, 2000))
def test_export_round_trips_any_rows(rows: list[list[str]], chunk: int) -> None:
    old = export.CHUNK_BYTES
    export.CHUNK_BYTES = chunk
    try:
        buffer = io.BytesIO()
        writer = export.ExportWriter(buffer, KEYS[1])
        for row in rows:
            writer.write_row(row)
        writer.close()
    finally:
        export.CHUNK_BYTES = old
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "e"
        path.write_bytes(buffer.getvalue())
        # every cell comes back, a formula-leading one as text (review 12.7)
        assert list(export.read_rows(path, KEYS[0])) == [[safe_cell(c) for c in r] for r in rows]
