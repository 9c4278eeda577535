"""Checking an uploaded profession de foi before it is stored (CCTP 4.1.3).

A file is accepted only if it starts with the PDF signature, parses with pypdf, is not
encrypted, has at least one page, stays under ``SCRUTIN_PROFESSION_MAX_BYTES`` (5 MB by
default), and contains nothing active: no JavaScript (``/JS``, ``/JavaScript``, an
``/OpenAction`` or ``/AA`` action), no ``/Launch`` action, no embedded file
(``/EmbeddedFiles``, ``/EmbeddedFile``, ``/FileAttachment`` annotation). Every object of the
file is inspected, reachable from the trailer or not, including those inside object streams;
pypdf decodes ``#xx`` escapes in names, so ``/J#61vaScript`` is caught too. A raw scan of the
bytes is a second, independent net.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# Dictionary keys that mean an action or an embedded file, and name values that do.
FORBIDDEN_KEYS = {
    "/JS": "du JavaScript",
    "/JavaScript": "du JavaScript",
    "/AA": "des actions automatiques (/AA)",
    "/EmbeddedFiles": "des fichiers joints",
    "/EmbeddedFile": "des fichiers joints",
    "/RichMedia": "du contenu multimédia actif",
    "/XFA": "un formulaire XFA actif",
}
FORBIDDEN_NAMES = {
    "/JavaScript": "du JavaScript",
    "/Launch": "une action de lancement de programme (/Launch)",
    "/FileAttachment": "des fichiers joints",
    "/EmbeddedFile": "des fichiers joints",
    "/RichMedia": "du contenu multimédia actif",
}
_RAW = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFiles?|FileAttachment|AA|RichMedia)(?![A-Za-z0-9#])"
)
# Stream bodies are left out of the raw scan: compressed bytes would match by chance.
_STREAMS = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_RAW_LABELS = {
    b"JavaScript": "du JavaScript", b"JS": "du JavaScript", b"AA": "des actions automatiques (/AA)",
    b"Launch": "une action de lancement de programme (/Launch)",
    b"EmbeddedFiles": "des fichiers joints", b"EmbeddedFile": "des fichiers joints",
    b"FileAttachment": "des fichiers joints", b"RichMedia": "du contenu multimédia actif",
}  # fmt: skip


class PdfRejected(ValueError):
    """The uploaded file is not an acceptable profession de foi; the message says why."""


@dataclass(frozen=True)
class CheckedPdf:
    pages: int
    size: int


def max_bytes() -> int:
    return int(getattr(settings, "SCRUTIN_PROFESSION_MAX_BYTES", DEFAULT_MAX_BYTES))


def _refuse(what: str) -> PdfRejected:
    return PdfRejected(
        f"Ce PDF contient {what} : il est refusé pour la sécurité des électeurs. "
        "Enregistrez-le à nouveau en « PDF simple » (impression en PDF) puis déposez-le."
    )


def _walk(obj: Any, seen: set[tuple[int, int]]) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, DictionaryObject):  # streams are dictionaries too
            for name, value in item.items():
                if name in FORBIDDEN_KEYS:
                    raise _refuse(FORBIDDEN_KEYS[name])
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, NameObject) and item in FORBIDDEN_NAMES:
            raise _refuse(FORBIDDEN_NAMES[item])


def too_large(size: int, limit: int) -> PdfRejected:
    megabytes = f"{size / 1048576:.1f}".replace(".", ",")
    return PdfRejected(
        f"Fichier trop volumineux : {megabytes} Mo pour {limit / 1048576:.0f} Mo au maximum. "
        "Réduisez la taille des images du PDF."
    )


def check_pdf(data: bytes) -> CheckedPdf:
    """Return the page count of an acceptable PDF; raise :class:`PdfRejected` otherwise."""
    limit = max_bytes()
    if len(data) > limit:
        raise too_large(len(data), limit)
    if not data.startswith(b"%PDF-"):
        raise PdfRejected(
            "Ce fichier n'est pas un PDF. Déposez la profession de foi au format PDF."
        )
    match = _RAW.search(_STREAMS.sub(b"", data))
    if match:
        raise _refuse(_RAW_LABELS[match.group(1)])
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import IndirectObject

    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise PdfRejected(
                    "Ce PDF est chiffré ou protégé par un mot de passe : il est refusé."
                )
            pages = len(reader.pages)
            seen: set[tuple[int, int]] = set()
            _walk(reader.trailer, seen)
            for generation, numbers in reader.xref.items():
                for idnum in numbers:
                    _walk(IndirectObject(idnum, generation, reader), seen)
            for idnum in reader.xref_objStm:
                _walk(IndirectObject(idnum, 0, reader), seen)
    except PdfRejected:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,
        OSError,
    ) as exc:
        raise PdfRejected(
            "Ce PDF est illisible ou endommagé. Enregistrez-le à nouveau au format PDF."
        ) from exc
    finally:
        pypdf_logger.setLevel(level)
    if pages < 1:
        raise PdfRejected("Ce PDF n'a aucune page.")
    return CheckedPdf(pages=pages, size=len(data))
