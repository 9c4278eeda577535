"""The ballot store: encrypted ballots in pre-allocated slots at random places, two copies (RT 45,
47, 66, 69).

One slot file per scrutin and per copy (the machine's internal storage and the removable
medium). The file is written in full with zeros at preparation, so storing a ballot never grows
it or allocates a block: it overwrites one free slot drawn uniformly at random with a CSPRNG.
Reading the file in order therefore gives the ballots in an order unrelated to their arrival
(RT 66; a test reads the raw bytes). Each slot is::

    state (1 byte, 0x01 = used) | length (u32, big-endian) | SHA-256(payload) | payload | zeros

A ballot is written to the internal copy, flushed to disk (``fsync``), then to the removable
copy, flushed too; only then does the voter see that the vote is recorded. On opening, both
copies are compared slot by slot (:meth:`SlotStore.recover`): a slot complete in one copy and
empty or torn in the other is copied across, a torn slot present in no complete copy is cleared
(the vote was not recorded), and any disagreement is reported, naming the copy.

The payload is the ballot's canonical JSON line of the public record (docs/protocol.md §8), which
reveals nothing before the two-key tally (RT 47).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = b"SCRUTIN-SLOTS-1\n"
HEADER = 4096
_SLOT_HEAD = struct.Struct(">BI32s")
USED = 1


class StoreError(RuntimeError):
    """The store cannot be used; the message is French, for the bureau."""


@dataclass(frozen=True)
class Layout:
    slot_size: int
    slots: int

    def offset(self, index: int) -> int:
        return HEADER + index * self.slot_size

    @property
    def capacity(self) -> int:
        return self.slot_size - _SLOT_HEAD.size


@dataclass
class Recovery:
    """What :meth:`SlotStore.recover` found: slots repaired from the other copy, cleared torn
    slots, and the copies that held damage."""

    repaired: int = 0
    cleared: int = 0
    damaged_copies: set[str] = field(default_factory=set)
    rebuilt: set[str] = field(default_factory=set)

    @property
    def clean(self) -> bool:
        return not (self.repaired or self.cleared or self.damaged_copies or self.rebuilt)


def _header(layout: Layout, label: bytes) -> bytes:
    head = MAGIC + struct.pack(">II", layout.slot_size, layout.slots) + label
    return head.ljust(HEADER, b"\0")


def _decode_slot(raw: bytes) -> tuple[str, bytes]:
    """``("empty" | "used" | "torn", payload)`` for one slot's bytes."""
    if not any(raw):
        return "empty", b""
    state, length, digest = _SLOT_HEAD.unpack_from(raw)
    payload = raw[_SLOT_HEAD.size : _SLOT_HEAD.size + length]
    if state != USED or len(payload) != length or hashlib.sha256(payload).digest() != digest:
        return "torn", b""
    return "used", payload


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SlotFile:
    """One copy of one scrutin's slots."""

    def __init__(self, path: Path, layout: Layout) -> None:
        self.path = path
        self.layout = layout
        self.fd = os.open(path, os.O_RDWR)

    @classmethod
    def create(cls, path: Path, layout: Layout, label: bytes) -> SlotFile:
        """Write the whole file with zeros, durably, so later writes allocate nothing."""
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as f:
            f.write(_header(layout, label))
            zeros = bytes(layout.slot_size * 64)
            left = layout.slots
            while left:
                n = min(left, 64)
                f.write(zeros[: n * layout.slot_size])
                left -= n
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
        _fsync_dir(path.parent)
        return cls(path, layout)

    @classmethod
    def open(cls, path: Path, label: bytes) -> SlotFile:
        try:
            with path.open("rb") as f:
                head = f.read(HEADER)
        except OSError as exc:
            raise StoreError(f"Le fichier des bulletins {path} est illisible ({exc}).") from exc
        if len(head) != HEADER or not head.startswith(MAGIC):
            raise StoreError(f"Le fichier {path} n'est pas un fichier de bulletins de la machine.")
        slot_size, slots = struct.unpack_from(">II", head, len(MAGIC))
        if head[len(MAGIC) + 8 : len(MAGIC) + 8 + len(label)] != label:
            raise StoreError(f"Le fichier {path} appartient à une autre élection.")
        layout = Layout(slot_size, slots)
        if path.stat().st_size != layout.offset(slots):
            raise StoreError(f"Le fichier {path} est tronqué ou a été modifié.")
        return cls(path, layout)

    def close(self) -> None:
        os.close(self.fd)

    def read(self, index: int) -> bytes:
        return os.pread(self.fd, self.layout.slot_size, self.layout.offset(index))

    def write(self, index: int, raw: bytes) -> None:
        os.pwrite(self.fd, raw, self.layout.offset(index))
        os.fdatasync(self.fd)

    def states(self) -> Iterator[tuple[int, str, bytes]]:
        for i in range(self.layout.slots):
            state, payload = _decode_slot(self.read(i))
            yield i, state, payload


def _read_head(path: Path) -> tuple[bytes, int]:
    try:
        with path.open("rb") as f:
            return f.read(HEADER), os.fstat(f.fileno()).st_size
    except FileNotFoundError:
        return b"", -1
    except OSError as exc:
        raise StoreError(f"Le fichier des bulletins {path} est illisible ({exc}).") from exc


def _rebuild_truncated(paths: dict[str, Path], label: bytes) -> set[str]:
    """Names of the copies found shorter than their layout (or with a cut header) while another
    copy is whole: each is given back its header and its full size (the lost slots read as empty
    until :meth:`SlotStore.recover` copies them). A longer file, a foreign label or a damaged
    header in every copy is left to :meth:`SlotFile.open` to refuse."""
    heads = {name: _read_head(p) for name, p in paths.items()}
    whole = {}
    for name, (head, size) in heads.items():
        if len(head) == HEADER and head.startswith(MAGIC):
            slot_size, slots = struct.unpack_from(">II", head, len(MAGIC))
            if head == _header(Layout(slot_size, slots), label) and size == Layout(
                slot_size, slots
            ).offset(slots):
                whole[name] = (head, Layout(slot_size, slots))
    if not whole:
        return set()
    head, layout = next(iter(whole.values()))
    full = layout.offset(layout.slots)
    rebuilt = set()
    for name, (own, size) in heads.items():
        if name in whole or size >= full:
            continue
        # a cut copy: its bytes are a prefix of what it held (a cut header is a prefix too)
        if len(own) < HEADER and own != head[: len(own)]:
            continue
        if len(own) == HEADER and own != head:
            continue  # another election's or a modified header: refused by SlotFile.open
        fd = os.open(paths[name], os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if len(own) < HEADER:
                os.pwrite(fd, head, 0)
            os.ftruncate(fd, full)
            os.fsync(fd)
        finally:
            os.close(fd)
        _fsync_dir(paths[name].parent)
        rebuilt.add(name)
    return rebuilt


class SlotStore:
    """Both copies of one scrutin's ballots. Writes are serialised by the caller (the control
    module is the only writer), which is what lets a restart tell whether an interrupted vote was
    stored (RT 68)."""

    def __init__(self, copies: dict[str, SlotFile]) -> None:
        self.copies = copies
        first = next(iter(copies.values()))
        self.layout = first.layout
        self.free: list[int] = []
        self.used = 0

    @classmethod
    def create(cls, paths: dict[str, Path], slot_size: int, slots: int, label: bytes) -> SlotStore:
        layout = Layout(slot_size, slots)
        store = cls({name: SlotFile.create(p, layout, label) for name, p in paths.items()})
        store.free = list(range(slots))
        return store

    @classmethod
    def open(cls, paths: dict[str, Path], label: bytes) -> tuple[SlotStore, Recovery]:
        """Open both copies; a copy cut short (power cut during a copy, damaged medium) is
        rebuilt to its full size from the other one's header, then :meth:`recover` copies its
        missing slots across (RT 69). Only when no copy is whole enough to read is it refused."""
        rebuilt = _rebuild_truncated(paths, label)
        copies = {name: SlotFile.open(p, label) for name, p in paths.items()}
        layouts = {c.layout for c in copies.values()}
        if len(layouts) != 1:
            raise StoreError("Les deux copies des bulletins n'ont pas la même taille.")
        store = cls(copies)
        report = store.recover()
        report.rebuilt |= rebuilt
        report.damaged_copies |= rebuilt
        return store, report

    def close(self) -> None:
        for c in self.copies.values():
            c.close()

    def recover(self) -> Recovery:
        """Compare the copies slot by slot; repair what one complete copy holds, clear torn
        slots, rebuild the free list and the count."""
        report = Recovery()
        names = list(self.copies)
        self.free, self.used = [], 0
        for i in range(self.layout.slots):
            raws = {n: self.copies[n].read(i) for n in names}
            decoded = {n: _decode_slot(raw) for n, raw in raws.items()}
            complete = {n for n, (s, _) in decoded.items() if s == "used"}
            torn = {n for n, (s, _) in decoded.items() if s == "torn"}
            report.damaged_copies |= torn
            if complete:
                payloads = {decoded[n][1] for n in complete}
                if len(payloads) > 1:
                    raise StoreError(
                        f"Les copies des bulletins divergent à l'emplacement {i} : elles ont été "
                        "modifiées hors de la machine."
                    )
                good = raws[next(iter(complete))]
                for n in names:
                    if n not in complete:
                        self.copies[n].write(i, good)
                        report.repaired += 1
                self.used += 1
            else:
                for n in torn:
                    self.copies[n].write(i, bytes(self.layout.slot_size))
                    report.cleared += 1
                self.free.append(i)
        return report

    def put(self, payload: bytes) -> None:
        """Store one ballot at a random free slot, durably in every copy, in order."""
        if len(payload) > self.layout.capacity:
            raise StoreError("Bulletin trop grand pour les emplacements préparés.")
        if not self.free:
            raise StoreError("La mémoire des bulletins de ce scrutin est pleine.")
        k = secrets.randbelow(len(self.free))
        index = self.free[k]
        self.free[k] = self.free[-1]
        self.free.pop()
        head = _SLOT_HEAD.pack(USED, len(payload), hashlib.sha256(payload).digest())
        raw = (head + payload).ljust(self.layout.slot_size, b"\0")
        for copy in self.copies.values():
            copy.write(index, raw)
        self.used += 1

    def ballots(self) -> Iterator[bytes]:
        """Every stored ballot, in slot order (unrelated to arrival), from the first copy."""
        first = next(iter(self.copies.values()))
        for _, state, payload in first.states():
            if state == "used":
                yield payload
