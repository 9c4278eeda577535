"""Checking an uploaded profession de foi before it is stored (CCTP 4.1.3; review issue 12.6).

A file is accepted only if it starts with the PDF signature, parses with pypdf, is not
encrypted, has at least one page, stays under ``SCRUTIN_PROFESSION_MAX_BYTES`` (5 MB by
default), and contains nothing active. Actions are checked against an **allow-list**, not a
deny-list: whatever is not listed as harmless is refused.

* Nothing runs by itself: an ``/OpenAction`` may only be a destination (the page and zoom the
  reader opens at), never an action; every ``/AA`` (actions on opening or closing a page,
  printing, saving, a form field's events) is refused.
* What the voter may click (``/A`` and ``/PA`` of links and bookmarks, ``/Next`` of a chain,
  any action dictionary found anywhere, referenced or not): only ``/GoTo`` (a page of this same
  document), ``/Named`` with ``NextPage``, ``PrevPage``, ``FirstPage`` or ``LastPage``, and
  ``/URI`` to an absolute ``https://``, ``http://`` or ``mailto:`` address — a link the voter
  chooses to follow, like an address printed on the leaflet (docs/fr/candidatures.md says so).
  Everything else is refused, among which ``/GoToR`` and ``/GoToE`` (another file, or a network
  path that leaks the reader's credentials), ``/Launch``, ``/SubmitForm``, ``/ImportData``,
  ``/ResetForm``, ``/Rendition``, ``/Sound``, ``/Movie``, ``/Hide``, ``/SetOCGState``,
  ``/Thread``, ``/Trans``, ``/GoTo3DView``, ``/RichMediaExecute``, ``/JavaScript``, and any
  unknown type.
* No JavaScript anywhere (``/JS``, ``/JavaScript`` name trees), no embedded file
  (``/EmbeddedFiles``, ``/EmbeddedFile``, ``/FileAttachment``), no multimedia or 3D annotation
  (``/Screen``, ``/Movie``, ``/Sound``, ``/3D``, ``/RichMedia``), no XFA form.

Every object of the file is inspected, reachable from the trailer or not, including those inside
compressed object streams; pypdf decodes ``#xx`` escapes in names, so ``/J#61vaScript`` is caught
too. A raw scan of the bytes outside streams is a second, independent net.
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

JAVASCRIPT = "du JavaScript"
AUTOMATIC = "des actions automatiques (à l'ouverture du document ou d'une page, à l'impression…)"
ATTACHED = "des fichiers joints"
MULTIMEDIA = "du contenu multimédia actif"
# Dictionary keys that mean JavaScript, automatic actions or an embedded file, wherever they are.
FORBIDDEN_KEYS = {
    "/JS": JAVASCRIPT,
    "/JavaScript": JAVASCRIPT,
    "/AA": AUTOMATIC,
    "/EmbeddedFiles": ATTACHED,
    "/EmbeddedFile": ATTACHED,
    "/RichMedia": MULTIMEDIA,
    "/XFA": "un formulaire actif (XFA)",
}
FORBIDDEN_NAMES = {
    "/JavaScript": JAVASCRIPT,
    "/Launch": "une action de lancement de programme",
    "/FileAttachment": ATTACHED,
    "/EmbeddedFile": ATTACHED,
    "/RichMedia": MULTIMEDIA,
}
FORBIDDEN_SUBTYPES = {"/FileAttachment": ATTACHED, "/Screen": MULTIMEDIA, "/Movie": MULTIMEDIA,
                      "/Sound": MULTIMEDIA, "/3D": MULTIMEDIA, "/RichMedia": MULTIMEDIA}  # fmt: skip

# Actions (ISO 32000-1 §12.6.4): the keys whose value is an action, every standard type, the
# allowed ones and the French name of the refused ones.
ACTION_KEYS = ("/A", "/PA", "/Next")
ACTION_TYPES = {"/GoTo", "/GoToR", "/GoToE", "/GoToDp", "/Launch", "/Thread", "/URI", "/Sound",
                "/Movie", "/Hide", "/Named", "/SubmitForm", "/ResetForm", "/ImportData",
                "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView", "/JavaScript",
                "/RichMediaExecute"}  # fmt: skip
ALLOWED_NAMED = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}
ALLOWED_URI = re.compile(r"(?:https?://[^\s\\]+|mailto:[^\s\\]+)\Z", re.IGNORECASE)
REFUSED_ACTIONS = {
    "/GoToR": "un lien vers un autre fichier ou un chemin réseau",
    "/GoToE": "un lien vers un fichier joint",
    "/GoToDp": "un lien vers un autre document",
    "/Launch": "une action de lancement de programme",
    "/SubmitForm": "un formulaire qui envoie des données",
    "/ImportData": "une importation de données",
    "/ResetForm": "une action de formulaire",
    "/Rendition": MULTIMEDIA,
    "/Sound": MULTIMEDIA,
    "/Movie": MULTIMEDIA,
    "/RichMediaExecute": MULTIMEDIA,
    "/GoTo3DView": MULTIMEDIA,
    "/JavaScript": JAVASCRIPT,
}
_RAW = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFiles?|FileAttachment|AA|RichMedia|GoToR|GoToE|SubmitForm"
    rb"|ImportData|Rendition)(?![A-Za-z0-9#])"
)
# Stream bodies are left out of the raw scan: compressed bytes would match by chance.
_STREAMS = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_RAW_LABELS = {
    b"JavaScript": JAVASCRIPT, b"JS": JAVASCRIPT, b"AA": AUTOMATIC, b"Launch": FORBIDDEN_NAMES["/Launch"],
    b"EmbeddedFiles": ATTACHED, b"EmbeddedFile": ATTACHED, b"FileAttachment": ATTACHED,
    b"RichMedia": MULTIMEDIA, b"GoToR": REFUSED_ACTIONS["/GoToR"], b"GoToE": REFUSED_ACTIONS["/GoToE"],
    b"SubmitForm": REFUSED_ACTIONS["/SubmitForm"], b"ImportData": REFUSED_ACTIONS["/ImportData"],
    b"Rendition": MULTIMEDIA,
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


def _text(value: Any) -> str | None:
    from pypdf.generic import ByteStringObject, TextStringObject

    if isinstance(value, TextStringObject):
        return str(value)
    if isinstance(value, ByteStringObject | bytes):
        return bytes(value).decode("latin-1")
    return None


def _check_action(action: Any) -> None:
    """Refuse an action the voter could trigger unless it is on the allow-list."""
    from pypdf.generic import DictionaryObject

    action = action.get_object() if hasattr(action, "get_object") else action
    if not isinstance(action, DictionaryObject):
        return  # not an action (a malformed value is ignored by readers too)
    kind = action.get("/S")
    if kind == "/GoTo":
        return
    if kind == "/Named" and action.get("/N") in ALLOWED_NAMED:
        return
    if kind == "/URI":
        uri = _text(action.get("/URI"))
        if uri is not None and ALLOWED_URI.match(uri):
            return
        raise _refuse("un lien vers une adresse qui n'est pas une adresse web (https://…)")
    label = REFUSED_ACTIONS.get(str(kind)) if kind is not None else None
    raise _refuse(label or "une action interactive non admise")


def _check_open_action(value: Any) -> None:
    """``/OpenAction``: a destination (where the reader opens) is fine; an action is refused."""
    from pypdf.generic import DictionaryObject

    action = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(action, DictionaryObject):
        if "/JS" in action:
            raise _refuse(JAVASCRIPT)
        raise _refuse(REFUSED_ACTIONS.get(str(action.get("/S"))) or AUTOMATIC)


def _check_dictionary(item: Any) -> None:
    from pypdf.generic import ArrayObject

    for name, value in item.items():
        if name in FORBIDDEN_KEYS:
            raise _refuse(FORBIDDEN_KEYS[name])
        if name == "/OpenAction":
            _check_open_action(value)
        elif name in ACTION_KEYS:
            value = value.get_object() if hasattr(value, "get_object") else value
            for action in value if isinstance(value, ArrayObject) else [value]:
                _check_action(action)
    if item.get("/Type") == "/Action" or item.get("/S") in ACTION_TYPES:
        _check_action(item)
    if item.get("/Subtype") in FORBIDDEN_SUBTYPES:
        raise _refuse(FORBIDDEN_SUBTYPES[str(item["/Subtype"])])


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
            _check_dictionary(item)
            stack.extend(item.values())
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
