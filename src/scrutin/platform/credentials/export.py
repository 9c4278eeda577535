"""The encrypted export of plaintext codes for the dispatch step (CCTP 4.1.4.5, 5.2.3).

Format ``SCRUTIN-CREDENTIALS-1`` (documented in docs/credentials.md)::

    magic      22 bytes  b"SCRUTIN-CREDENTIALS-1\\n"
    recipient  32 bytes  the X25519 public key the chunks are sealed to
    chunks     repeated: length (4 bytes, big-endian) + libsodium sealed box of
               export id (16 bytes) | chunk index (8 bytes, big-endian) | flags (1 byte) | data

Flags: bit 0 marks the last chunk. A test instance (CCTP 5.1.1.4) writes the magic
``SCRUTIN-CREDENTIALS-T\n`` (same length) and sets bit 1 in every chunk; readers refuse such an
export unless told to accept test material (``--environnement-test``), and a header that does not
match the chunks' flag is refused as tampered (docs/protocol.md §15).

The data of the chunks, concatenated in index order, is a UTF-8 CSV (``;`` separator, header
line) written by the project's one CSV writer: a cell a spreadsheet would read as a formula gets a
leading apostrophe (:mod:`scrutin.platform.csvexport`). Each chunk is at most ``CHUNK_BYTES`` of CSV, so writing and reading use constant memory.
A sealed box hides its content from everyone but the holder of the private key; it does not
authenticate the sender, so the reader checks the chunk order, the export id and the last flag
(truncation, reordering and mixing of exports are detected) and prints the file's SHA-256, which
the operator compares with the fingerprint shown by the platform for that generation.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from nacl.public import PrivateKey, PublicKey, SealedBox

from ..csvexport import CsvWriter

MAGIC = b"SCRUTIN-CREDENTIALS-1\n"
TEST_MAGIC = b"SCRUTIN-CREDENTIALS-T\n"  # written by a test instance only
LAST, TEST = 1, 2  # chunk flags
TEST_REFUSED = (
    "cet export provient de l'ENVIRONNEMENT DE TEST de la plate-forme : il ne contient pas de "
    "vrais identifiants et ne doit pas être imprimé ni envoyé. Pour un essai, ajoutez "
    "l'option --environnement-test."
)
CHUNK_BYTES = 1 << 20
_HEAD = struct.Struct(">16sQB")
_LENGTH = struct.Struct(">I")
HEADER = (
    "identifiant", "code", "date_de_naissance_demandee", "civilite", "nom", "prenom",
    "raison_sociale", "destinataire", "complement1", "complement2", "voie", "lieu_dit",
    "code_postal", "localite", "pays", "email", "mobile",
    "categorie", "sous_categorie", "libelle_categorie", "libelle_sous_categorie", "nom_de_famille",
)  # fmt: skip


class ExportError(Exception):
    """The file is not a complete, untampered export for this key."""


def key_fingerprint(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def generate_keypair() -> tuple[bytes, bytes]:
    """A new X25519 key pair for the dispatch operator: (private, public), 32 bytes each."""
    private = PrivateKey.generate()
    return bytes(private), bytes(private.public_key)


class ExportWriter:
    """Streams CSV rows into sealed chunks; :meth:`close` writes the last chunk."""

    def __init__(self, fh: BinaryIO, recipient: bytes, *, test: bool = False) -> None:
        self._fh = fh
        self._test = TEST if test else 0
        self._box = SealedBox(PublicKey(recipient))
        self._id = secrets.token_bytes(16)
        self._index = 0
        self._text = io.StringIO()
        self._csv = CsvWriter(self._text)
        self._digest = hashlib.sha256()
        self.rows = 0
        self._put((TEST_MAGIC if test else MAGIC) + recipient)
        self._csv.writerow(HEADER)

    def _put(self, data: bytes) -> None:
        self._fh.write(data)
        self._digest.update(data)

    def _seal(self, last: bool) -> None:
        data = self._text.getvalue().encode("utf-8")
        self._text.seek(0)
        self._text.truncate()
        flags = (LAST if last else 0) | self._test
        sealed = self._box.encrypt(_HEAD.pack(self._id, self._index, flags) + data)
        self._put(_LENGTH.pack(len(sealed)) + sealed)
        self._index += 1

    def write_row(self, row: list[str] | tuple[str, ...]) -> None:
        self._csv.writerow(row)
        self.rows += 1
        if self._text.tell() >= CHUNK_BYTES:
            self._seal(last=False)

    def close(self) -> str:
        """Seal the remaining rows as the last chunk; returns the file's SHA-256."""
        self._seal(last=True)
        self._fh.flush()
        return self._digest.hexdigest()


def open_export_file(path: Path) -> BinaryIO:
    """A new file readable by its owner only (0600), refusing to overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def is_test_export(head: bytes) -> bool:
    """True if the bytes start with a test instance's magic."""
    return head.startswith(TEST_MAGIC)


def decrypt_chunks(
    fh: BinaryIO, private_key: bytes, *, accept_test: bool = False
) -> Iterator[bytes]:
    """The CSV bytes of an export, chunk by chunk, after every integrity check. An export of a
    test instance is refused unless ``accept_test``."""
    private = PrivateKey(private_key)
    magic = fh.read(len(MAGIC))
    if magic not in (MAGIC, TEST_MAGIC):
        raise ExportError("Ce fichier n'est pas un export d'identifiants Scrutin.")
    test = TEST if magic == TEST_MAGIC else 0
    if test and not accept_test:
        raise ExportError(TEST_REFUSED[0].upper() + TEST_REFUSED[1:])
    recipient = fh.read(32)
    if recipient != bytes(private.public_key):
        raise ExportError("Cet export a été chiffré pour une autre clé que celle fournie.")
    box = SealedBox(private)
    export_id: bytes | None = None
    expected = 0
    while True:
        prefix = fh.read(_LENGTH.size)
        if len(prefix) < _LENGTH.size:
            raise ExportError("Export incomplet : le dernier bloc manque (fichier tronqué ?).")
        (length,) = _LENGTH.unpack(prefix)
        sealed = fh.read(length)
        if len(sealed) != length:
            raise ExportError("Export incomplet : un bloc est tronqué.")
        try:
            plain = box.decrypt(sealed)
        except Exception as exc:  # nacl.exceptions.CryptoError
            raise ExportError(
                f"Le bloc {expected} ne se déchiffre pas (fichier altéré ?)."
            ) from exc
        chunk_id, index, flags = _HEAD.unpack_from(plain)
        if export_id is None:
            export_id = chunk_id
        if chunk_id != export_id or index != expected:
            raise ExportError("Blocs dans le désordre ou provenant d'un autre export.")
        if flags & TEST != test or flags & ~(LAST | TEST):
            raise ExportError("En-tête modifié : il ne correspond pas à l'environnement des blocs.")
        yield plain[_HEAD.size :]
        expected += 1
        if flags & LAST:
            break
    if fh.read(1):
        raise ExportError("Données inattendues après le dernier bloc.")


def read_rows(path: Path, private_key: bytes, *, accept_test: bool = False) -> Iterator[list[str]]:
    """The rows (header excluded) of an export file, decrypted and checked, in constant memory.
    The writer seals whole rows only, so every chunk is a CSV document of its own."""
    with path.open("rb") as fh:
        first = True
        for chunk in decrypt_chunks(fh, private_key, accept_test=accept_test):
            reader = csv.reader(io.StringIO(chunk.decode("utf-8"), newline=""), delimiter=";")
            if first:
                if next(reader, None) != list(HEADER):
                    raise ExportError("En-tête de l'export inattendu.")
                first = False
            yield from reader
