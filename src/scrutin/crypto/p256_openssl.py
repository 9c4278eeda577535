"""NIST P-256 point arithmetic from OpenSSL's libcrypto (``libcrypto.so.3``) through ``ctypes``.

Part of the *shared layer* with :mod:`scrutin.crypto.group`: no curve or field arithmetic is
written here, every operation is one of OpenSSL's public ``EC_POINT_*`` functions on the group
``EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)``. On x86-64 OpenSSL selects for that group
its optimised implementation (``EC_GFp_nistz256_method``, crypto/ec/ecp_nistz256.c), with a
precomputed table for the standard generator.

Elements cross this boundary as their 65-byte uncompressed encodings ``04 || X || Y``, the
identity as 65 zero bytes (docs/protocol.md §2.2): each call decodes its inputs into per-thread scratch
``EC_POINT`` objects, computes, and encodes the result. Measured in bench/crypto.py, the
conversions cost a few microseconds against tens for a multiplication, and no OpenSSL object
ever escapes to Python code, so nothing can leak or be used after being freed.

Thread safety: a ``BN_CTX`` must not be shared between threads, and ``ctypes`` releases the GIL
during foreign calls, so every thread gets its own context, scalars and scratch points (freed
when the thread ends).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from typing import Any

NID_X9_62_PRIME256V1 = 415
POINT_CONVERSION_UNCOMPRESSED = 4
_SCRATCH_POINTS = 4
_SCRATCH_SCALARS = 2
BN_FLG_CONSTTIME = 0x04
IDENTITY = bytes(65)


class OpenSSLUnavailable(RuntimeError):
    """libcrypto from OpenSSL 3 could not be loaded (see scripts/install-system.sh)."""


def _load() -> ctypes.CDLL:
    candidates = ["libcrypto.so.3"]
    found = ctypes.util.find_library("crypto")
    if found:
        candidates.append(found)
    for name in candidates:
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.OpenSSL_version_num.restype = ctypes.c_ulong
        lib.OpenSSL_version_num.argtypes = []
        if lib.OpenSSL_version_num() >> 28 >= 3:
            return lib
    raise OpenSSLUnavailable("libcrypto.so.3 (OpenSSL 3) is required for the P-256 group")


def _declare(lib: ctypes.CDLL) -> None:
    vp, i, sz, cp = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t, ctypes.c_char_p
    sigs: dict[str, tuple[Any, list[Any]]] = {
        "EC_GROUP_new_by_curve_name": (vp, [i]),
        "EC_POINT_new": (vp, [vp]),
        "EC_POINT_free": (None, [vp]),
        "EC_POINT_oct2point": (i, [vp, vp, cp, sz, vp]),
        "EC_POINT_point2oct": (sz, [vp, vp, i, cp, sz, vp]),
        "EC_POINT_mul": (i, [vp, vp, vp, vp, vp, vp]),
        "EC_POINT_add": (i, [vp, vp, vp, vp, vp]),
        "EC_POINT_invert": (i, [vp, vp, vp]),
        "EC_POINT_set_to_infinity": (i, [vp, vp]),
        "EC_POINT_is_at_infinity": (i, [vp, vp]),
        "BN_CTX_new": (vp, []),
        "BN_CTX_free": (None, [vp]),
        "BN_new": (vp, []),
        "BN_free": (None, [vp]),
        "BN_bin2bn": (vp, [cp, i, vp]),
        "BN_set_flags": (None, [vp, i]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


_lib: ctypes.CDLL | None = None
_group: int | None = None
_init_lock = threading.Lock()


def _library() -> tuple[ctypes.CDLL, int]:
    global _lib, _group
    with _init_lock:
        if _lib is None or _group is None:
            lib = _load()
            _declare(lib)
            group = lib.EC_GROUP_new_by_curve_name(NID_X9_62_PRIME256V1)
            if not group:
                raise OpenSSLUnavailable("OpenSSL does not provide the P-256 curve")
            _lib, _group = lib, group  # one immutable group for the life of the process
        return _lib, _group


class _Scratch:
    """One thread's ``BN_CTX``, scalar ``BIGNUM``s and ``EC_POINT``s, freed with the thread."""

    def __init__(self, lib: ctypes.CDLL, group: int) -> None:
        self._lib = lib
        self.ctx: int | None = lib.BN_CTX_new()
        self.bn: list[int] = [lib.BN_new() for _ in range(_SCRATCH_SCALARS)]
        self.pt: list[int] = [lib.EC_POINT_new(group) for _ in range(_SCRATCH_POINTS)]
        self.buf = ctypes.create_string_buffer(65)
        if not self.ctx or not all(self.bn) or not all(self.pt):
            self.close()
            raise MemoryError("OpenSSL could not allocate its working objects")
        for bn in self.bn:  # scalars may be secret: ask for OpenSSL's constant-time paths
            lib.BN_set_flags(bn, BN_FLG_CONSTTIME)

    def close(self) -> None:
        lib = self._lib
        for p in self.pt:
            if p:
                lib.EC_POINT_free(p)
        for b in self.bn:
            if b:
                lib.BN_free(b)
        if self.ctx:
            lib.BN_CTX_free(self.ctx)
        self.pt, self.bn, self.ctx = [], [], None

    def __del__(self) -> None:
        self.close()


class OpenSSLP256:
    """P-256 operations on 65-byte encodings; scalars are integers in ``[0, 2^256)``."""

    def __init__(self) -> None:
        self._lib, self._group = _library()
        self._local = threading.local()

    def _scratch(self) -> _Scratch:
        s: _Scratch | None = getattr(self._local, "scratch", None)
        if s is None:
            s = _Scratch(self._lib, self._group)
            self._local.scratch = s
        return s

    def _load_point(self, s: _Scratch, slot: int, data: bytes) -> int:
        """Decode ``data`` into scratch point ``slot``; OpenSSL checks range and curve equation."""
        p = s.pt[slot]
        if data == IDENTITY:
            self._lib.EC_POINT_set_to_infinity(self._group, p)
            return p
        if self._lib.EC_POINT_oct2point(self._group, p, data, len(data), s.ctx) != 1:
            raise ValueError("not a point of P-256")
        return p

    def _scalar(self, s: _Scratch, slot: int, k: int) -> int:
        # BN_bin2bn fills the thread's BIGNUM and returns it (NULL only on allocation failure,
        # which must not be mistaken for "no scalar" by EC_POINT_mul).
        if not self._lib.BN_bin2bn(k.to_bytes(32, "big"), 32, s.bn[slot]):
            raise MemoryError("OpenSSL could not load a scalar")
        return s.bn[slot]

    def _store(self, s: _Scratch, p: int) -> bytes:
        """The encoding of ``p`` (65 zero bytes for the identity)."""
        if self._lib.EC_POINT_is_at_infinity(self._group, p):
            return IDENTITY
        n = self._lib.EC_POINT_point2oct(
            self._group, p, POINT_CONVERSION_UNCOMPRESSED, s.buf, 65, s.ctx
        )
        if n != 65:
            raise RuntimeError("OpenSSL failed to encode a P-256 point")
        return s.buf.raw

    def is_valid(self, data: bytes) -> bool:
        """``data`` (65 bytes, ``04 || X || Y``) decodes to a point on the curve."""
        s = self._scratch()
        ok: int = self._lib.EC_POINT_oct2point(self._group, s.pt[0], data, 65, s.ctx)
        return ok == 1

    def base_mul(self, k: int) -> bytes:
        """``k·G`` with OpenSSL's constant-time fixed-base path (secret scalars allowed)."""
        s = self._scratch()
        r = s.pt[3]
        if not self._lib.EC_POINT_mul(self._group, r, self._scalar(s, 0, k), None, None, s.ctx):
            raise RuntimeError("EC_POINT_mul failed")
        return self._store(s, r)

    def mul(self, a: bytes, k: int) -> bytes:
        """``k·a`` with OpenSSL's constant-time variable-base path (secret scalars allowed)."""
        s = self._scratch()
        p, r = self._load_point(s, 0, a), s.pt[3]
        if not self._lib.EC_POINT_mul(self._group, r, None, p, self._scalar(s, 0, k), s.ctx):
            raise RuntimeError("EC_POINT_mul failed")
        return self._store(s, r)

    def base_double_mul(self, k1: int, k2: int, b: bytes) -> bytes:
        """``k1·G + k2·b`` in one ``EC_POINT_mul`` call."""
        s = self._scratch()
        p, r = self._load_point(s, 0, b), s.pt[3]
        n, m = self._scalar(s, 0, k1), self._scalar(s, 1, k2)
        if not self._lib.EC_POINT_mul(self._group, r, n, p, m, s.ctx):
            raise RuntimeError("EC_POINT_mul failed")
        return self._store(s, r)

    def double_mul(self, k1: int, a: bytes, k2: int, b: bytes) -> bytes:
        """``k1·a + k2·b``: two ``EC_POINT_mul`` and one ``EC_POINT_add``, encoded once."""
        s = self._scratch()
        lib, g, ctx = self._lib, self._group, s.ctx
        pa, pb = self._load_point(s, 0, a), self._load_point(s, 1, b)
        ra, rb = s.pt[2], s.pt[3]
        if not lib.EC_POINT_mul(g, ra, None, pa, self._scalar(s, 0, k1), ctx):
            raise RuntimeError("EC_POINT_mul failed")
        if not lib.EC_POINT_mul(g, rb, None, pb, self._scalar(s, 1, k2), ctx):
            raise RuntimeError("EC_POINT_mul failed")
        if not lib.EC_POINT_add(g, rb, ra, rb, ctx):
            raise RuntimeError("EC_POINT_add failed")
        return self._store(s, rb)

    def add(self, a: bytes, b: bytes) -> bytes:
        s = self._scratch()
        pa, pb = self._load_point(s, 0, a), self._load_point(s, 1, b)
        if not self._lib.EC_POINT_add(self._group, s.pt[3], pa, pb, s.ctx):
            raise RuntimeError("EC_POINT_add failed")
        return self._store(s, s.pt[3])

    def sub(self, a: bytes, b: bytes) -> bytes:
        s = self._scratch()
        pa, pb = self._load_point(s, 0, a), self._load_point(s, 1, b)
        if not self._lib.EC_POINT_invert(self._group, pb, s.ctx):
            raise RuntimeError("EC_POINT_invert failed")
        if not self._lib.EC_POINT_add(self._group, s.pt[3], pa, pb, s.ctx):
            raise RuntimeError("EC_POINT_add failed")
        return self._store(s, s.pt[3])
