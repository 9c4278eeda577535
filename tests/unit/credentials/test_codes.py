"""Secret codes and the sealed export, without a database (issue 5; CCTP 4.1.4.2, 4.1.4.5)."""

from __future__ import annotations

import io
import math
import struct
from pathlib import Path

import pytest
from nacl.public import PrivateKey, PublicKey, SealedBox

from scrutin.platform.credentials import codes, export


def test_cctp_4_1_4_2_alphabet_has_no_ambiguous_characters() -> None:
    for confusable in "0O1IL":
        assert confusable not in codes.ALPHABET
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET) == 31
    assert codes.ALPHABET.isupper() or codes.ALPHABET.isdigit()


def test_documented_entropy_is_at_least_60_bits() -> None:
    assert abs(codes.ENTROPY_BITS - 15 * math.log2(31)) < 1e-9
    assert codes.ENTROPY_BITS >= 60


def test_generated_codes_use_the_alphabet_and_the_length() -> None:
    batch = codes.random_codes(2000)
    assert len(batch) == 2000
    assert all(codes.is_well_formed(c) for c in batch)
    assert len(set(batch)) == 2000
    # every character of the alphabet shows up in 30,000 draws (each has p = 1/31)
    assert set("".join(batch)) == set(codes.ALPHABET)


def test_zero_codes() -> None:
    assert codes.random_codes(0) == []


def test_rejection_sampling_drops_the_bytes_that_would_bias() -> None:
    every_byte = bytes(range(256))
    indices = codes.indices_from_bytes(every_byte).tolist()
    assert len(indices) == 248
    assert sorted(indices) == sorted(list(range(31)) * 8)  # each index exactly 8 times


def test_generation_keeps_drawing_when_bytes_are_rejected() -> None:
    calls = []

    def stingy(n: int) -> bytes:  # a source whose first answer is all rejected bytes
        calls.append(n)
        return bytes([255] * n) if len(calls) == 1 else bytes(range(n % 248 or 1)) * (n // 200 + 1)

    batch = codes.random_codes(5, stingy)
    assert len(calls) >= 2 and all(codes.is_well_formed(c) for c in batch)


def test_code_is_printed_in_three_groups_of_five() -> None:
    assert codes.format_code("ABCDEFGHJKMNPQR") == "ABCDE-FGHJK-MNPQR"


@pytest.mark.parametrize("typed", ["abcde-fghjk-mnpqr", " ABCDE FGHJK MNPQR ", "abcde.fghjk.mnpqr",
                                   "ABCDE\u2013FGHJK\u2013MNPQR", "ABCDEFGHJKMNPQR"])  # fmt: skip
def test_typed_code_is_normalised(typed: str) -> None:
    assert codes.normalise_code(typed) == "ABCDEFGHJKMNPQR"


def test_identifier_is_normalised() -> None:
    assert codes.normalise_identifier("011 0000 000 042") == "0110000000042"
    assert codes.normalise_identifier("011-0000000042") == "0110000000042"


def test_cctp_4_1_4_5_hash_is_keyed_bound_to_the_line_and_never_the_code() -> None:
    pepper = bytes(range(32))
    code = "ABCDEFGHJKMNPQR"
    digest = codes.code_hash(pepper, "0110000000001", code)
    assert len(digest) == 32 and code.encode() not in digest
    assert digest != codes.code_hash(bytes(32), "0110000000001", code)  # another pepper
    assert digest != codes.code_hash(pepper, "0110000000002", code)  # another line


def test_pepper_must_be_long_enough() -> None:
    with pytest.raises(ValueError, match="32 characters"):
        codes.pepper_bytes("short")
    assert codes.pepper_bytes("ab" * 32) == bytes([0xAB] * 32)


def _export(rows: list[list[str]], public: bytes, chunk: int | None = None) -> bytes:
    buffer = io.BytesIO()
    writer = export.ExportWriter(buffer, public)
    for row in rows:
        writer.write_row(row)
    writer.close()
    return buffer.getvalue()


def _row(i: int) -> list[str]:
    return [f"{i:013d}", "ABCDE-FGHJK-MNPQR", "oui", "MME", "Dupré", "Éloïse", "SARL « L'Été »",
            "", "", "", "1 rue; des \"Lilas\"", "", "01000", "BOURG", "", "", "+33612345678"]  # fmt: skip


@pytest.fixture
def keys() -> tuple[bytes, bytes]:
    return export.generate_keypair()


def test_export_round_trip_over_several_chunks(
    tmp_path: Path, keys: tuple[bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "CHUNK_BYTES", 500)
    rows = [_row(i) for i in range(100)]
    path = tmp_path / "x.scrutin-identifiants"
    path.write_bytes(_export(rows, keys[1]))
    assert list(export.read_rows(path, keys[0])) == rows
    assert b"ABCDE-FGHJK-MNPQR" not in path.read_bytes()


def _chunks(data: bytes) -> tuple[bytes, list[bytes]]:
    head, rest, out = data[:54], data[54:], []
    while rest:
        (n,) = struct.unpack(">I", rest[:4])
        out.append(rest[: 4 + n])
        rest = rest[4 + n :]
    return head, out


def test_export_tampering_is_detected(
    tmp_path: Path, keys: tuple[bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "CHUNK_BYTES", 500)
    data = _export([_row(i) for i in range(50)], keys[1])
    head, chunks = _chunks(data)
    assert len(chunks) >= 3
    other = _chunks(_export([_row(i) for i in range(50)], keys[1]))[1]
    bad = {
        "truncated": head + b"".join(chunks[:-1]),
        "reordered": head + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        "mixed": head + chunks[0] + other[1] + b"".join(chunks[2:]),
        "flipped": data[:-5] + bytes([data[-5] ^ 1]) + data[-4:],
        "trailing": data + b"x",
    }
    for name, content in bad.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(export.ExportError):
            list(export.read_rows(path, keys[0]))
    wrong_key, _ = export.generate_keypair()
    path = tmp_path / "ok"
    path.write_bytes(data)
    with pytest.raises(export.ExportError):
        list(export.read_rows(path, wrong_key))


def test_export_is_a_libsodium_sealed_box_to_the_recipient(keys: tuple[bytes, bytes]) -> None:
    data = _export([_row(1)], keys[1])
    assert data.startswith(export.MAGIC + keys[1])
    _, chunks = _chunks(data)
    plain = SealedBox(PrivateKey(keys[0])).decrypt(chunks[0][4:])
    assert b"0000000000001;ABCDE-FGHJK-MNPQR" in plain
    assert bytes(PrivateKey(keys[0]).public_key) == bytes(PublicKey(keys[1]))
