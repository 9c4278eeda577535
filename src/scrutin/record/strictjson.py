"""The one strict, bounded JSON reader for every document the platform receives or reads back:
a cast ballot, a key holder's partial decryption, a key-ceremony message, a record's documents
and ballot lines (docs/protocol.md §3, JSON encodings; docs/ops.md, "Request sizes").

Python's :func:`json.loads` accepts what the protocol forbids and fails in ways a caller does not
expect: ``NaN`` and ``Infinity``, a repeated key (the last one silently wins), a 60,000-deep
array (``RecursionError``), a 5,000-digit integer (``ValueError`` from the int conversion limit,
or seconds of CPU below it) and lone UTF-16 surrogates that break every later encoding. Here each
of them is a :class:`JsonRefused` with a French message, checked in this order, each bounded:

1. the size, before anything is decoded (``max_bytes``);
2. strict UTF-8 (no byte-order mark);
3. the nesting depth, by one linear scan of the text with its strings removed, before parsing
   (``max_depth``), so the parser never recurses deeper than that;
4. while parsing: integers of at most ``max_digits`` digits, no decimal number unless
   ``floats=True``, no ``NaN``/``Infinity``, no key twice in one object;
5. after parsing, only if the text has a ``\\uD800``–``\\uDFFF`` escape: no lone surrogate.

Framework-free (no Django): the platform, the record readers and the command-line tools share it.
The independent verifier (:mod:`scrutin.verify.documents`) keeps its own reader, by its rule of
importing nothing but the shared group/encoding layer; both follow the same protocol rules.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, Any

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32
MAX_DIGITS = 100  # a count or an index; group elements and scalars travel as hex strings

# A string, or an unterminated one running to the end: it always matches where it starts, and
# the possessive quantifiers never backtrack, so removing the strings is linear in the size.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_BRACKETS = bytes.maketrans(b"", b"")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class JsonRefused(ValueError):
    """The document is not acceptable JSON; the message, in French, says why."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JsonRefused(f"la clé « {key[:40]} » figure deux fois dans le même objet")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise JsonRefused(f"la valeur {name} n'est pas admise")


def _no_float(text: str) -> Any:
    raise JsonRefused(f"nombre décimal non admis ({text[:20]})")


def too_deep(data: bytes, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` in JSON text (strings ignored)."""
    brackets = _STRING.sub(b"", data).translate(_BRACKETS, _NOT_BRACKETS)
    level = 0
    for byte in brackets:
        if byte == 0x5B or byte == 0x7B:  # [ {
            level += 1
            if level > limit:
                return True
        else:
            level -= 1
    return False


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads(
    data: bytes | str,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    max_digits: int = MAX_DIGITS,
    floats: bool = False,
) -> Any:
    """Parse one JSON document under the limits above; raise :class:`JsonRefused` otherwise."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise JsonRefused(
            f"document trop volumineux ({len(raw)} octets pour {max_bytes} au maximum)"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raise JsonRefused("le document commence par une marque d'ordre des octets (BOM)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonRefused(f"le document n'est pas en UTF-8 (octet {exc.start + 1})") from None
    if too_deep(raw, max_depth):
        raise JsonRefused(f"imbrication trop profonde ({max_depth} niveaux au maximum)")

    def bounded_int(digits: str) -> int:
        if len(digits.lstrip("-")) > max_digits:
            raise JsonRefused(f"nombre entier trop long ({max_digits} chiffres au maximum)")
        return int(digits)

    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_int=bounded_int,
            parse_float=float if floats else _no_float,
        )
    except JsonRefused:
        raise
    except json.JSONDecodeError as exc:
        raise JsonRefused(f"JSON invalide à la ligne {exc.lineno}, colonne {exc.colno}") from None
    except (ValueError, RecursionError) as exc:  # defence in depth: the checks above bound both
        raise JsonRefused(f"JSON invalide ({type(exc).__name__})") from None
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(value):
        raise JsonRefused("le document contient un caractère Unicode invalide (\\uD800–\\uDFFF)")
    return value


def read_limited(stream: IO[bytes], limit: int, chunk: int = 256 * 1024) -> bytes:
    """At most ``limit + 1`` bytes of ``stream``, read in chunks: the caller knows the stream
    is longer than ``limit`` when the result is, without ever holding more."""
    parts: list[bytes] = []
    total = 0
    while total <= limit:
        block = stream.read(min(chunk, limit + 1 - total))
        if not block:
            break
        total += len(block)
        parts.append(block)
    return b"".join(parts)


def load_file(path: Path, **limits: Any) -> Any:
    """:func:`loads` of a file, read no further than its size limit."""
    limit = int(limits.get("max_bytes", MAX_BYTES))
    with path.open("rb") as fh:
        return loads(read_limited(fh, limit), **limits)


__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_DIGITS", "JsonRefused", "load_file", "loads",
           "read_limited", "too_deep"]  # fmt: skip
